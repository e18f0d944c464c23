// The status window: one row per mount (state, source, mount point, live throughput,
// cache bar), details of the selected mount (cache used/limit with "Clear cache", the
// last error in plain words, the upload queue with per-file progress) and the log.
// It shows models and emits requests; the app decides what they do.
#pragma once

#include <QWidget>

class QGroupBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTreeView;

namespace loft::ui {

class LogModel;
class LogView;
class MountListModel;
class UploadQueueModel;

class StatusWindow : public QWidget {
    Q_OBJECT
public:
    StatusWindow(MountListModel *mounts, LogModel *log, QWidget *parent = nullptr);

    QString currentId() const;
    void selectMount(const QString &id);
    QTreeView *mountView() const { return mountView_; }
    QTabWidget *tabs() const { return tabs_; }
    void showLogTab();
    void showUploadsTab();

    QSize sizeHint() const override;

signals:
    void addRequested();
    void editRequested(const QString &id);
    void removeRequested(const QString &id);
    void toggleMountRequested(const QString &id);
    void openRequested(const QString &id);
    void clearCacheRequested(const QString &id);

private:
    void refreshDetails();

    MountListModel *mounts_;
    UploadQueueModel *uploads_;
    QTreeView *mountView_;
    QPushButton *addButton_;
    QPushButton *editButton_;
    QPushButton *removeButton_;
    QPushButton *toggleButton_;
    QPushButton *openButton_;
    QGroupBox *details_;
    QProgressBar *cacheBar_;
    QLabel *cacheInfo_;
    QPushButton *clearCacheButton_;
    QLabel *trafficLabel_;
    QLabel *errorLabel_;
    QTabWidget *tabs_;
    QTreeView *uploadView_;
    LogView *logView_;
};

} // namespace loft::ui
