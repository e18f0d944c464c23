// The tray icon and its menu: each mount with its state and a one-click mount/unmount
// toggle, "Open in file manager", "Add mount…", "Status…", "Quit". Rebuilt from the
// mount model whenever it changes; the icon shows idle / mounted / transferring / error.
#pragma once

#include "TrayIcons.h"

#include <QObject>
#include <QSystemTrayIcon>

class QMenu;

namespace loft::ui {

class MountListModel;

class TrayController : public QObject {
    Q_OBJECT
public:
    explicit TrayController(MountListModel *mounts, QObject *parent = nullptr);
    ~TrayController() override;

    void show();
    QMenu *menu() const { return menu_; }
    QSystemTrayIcon *trayIcon() const { return tray_; }
    TrayState state() const { return state_; }

    enum class Notice { Mounted, Unmounted, UploadFailed, Conflict, Error };
    Q_ENUM(Notice)
    void notify(Notice kind, const QString &title, const QString &text);

signals:
    void toggleMountRequested(const QString &id);
    void openRequested(const QString &id);
    void addRequested();
    void statusRequested();
    void quitRequested();
    // Every notification, whether or not the platform could show it (a recording hook for
    // tests and the log); `shown`: handed to the desktop's notification mechanism.
    void notified(loft::ui::TrayController::Notice kind, const QString &title, const QString &text,
                  bool shown);

private:
    void rebuildMenu();
    void updateIcon();

    MountListModel *mounts_;
    QSystemTrayIcon *tray_;
    QMenu *menu_;
    TrayState state_ = TrayState::Idle;
};

} // namespace loft::ui
