// The desktop app's wiring, on the GUI thread: settings and keychain, the mount manager
// on its own thread (commands go there by queued calls, snapshots come back by queued
// signals), the tray, the status window, the Add/Edit dialog, notifications, auto-start,
// and the requests that `loft mount|unmount|list` send to the running instance.
#pragma once

#include "MountDialog.h"
#include "StatusWindow.h"
#include "models/MountConfig.h"
#include "models/MountSnapshot.h"

#include <QHash>
#include <QJsonObject>
#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <functional>
#include <memory>
#include <optional>

namespace loft {

namespace ui {
class LogModel;
class MountListModel;
class TrayController;
} // namespace ui

class Keychain;
class MountHelper;
class MountManager;
class MountSettings;
class SourceConnectionTester;

struct DesktopOptions {
    QString settingsFile;  // empty: the platform's QSettings
    QString dataDir;       // empty: SourceState's default
    QString keychainService = QStringLiteral("Loft");
    bool showTray = true;
    bool manageAutostart = true;
    std::function<std::unique_ptr<MountHelper>()> makeHelper; // empty: this platform's
    std::optional<int> uploadDelayMs; // the cache's idle delay before uploading (unset: its default)
};

class DesktopController : public QObject {
    Q_OBJECT
public:
    explicit DesktopController(DesktopOptions options, QObject *parent = nullptr);
    ~DesktopController() override;

    // Hands the configured mounts to the manager, recovers mounts left by an earlier run,
    // and mounts the auto-mount ones (reading their secrets from the keychain first).
    void start();

    ui::MountListModel *mounts() const { return mounts_; }
    ui::LogModel *log() const { return log_; }
    ui::StatusWindow *statusWindow(); // created on first use
    ui::TrayController *tray() const { return tray_; }
    MountSettings &settings() const { return *settings_; }
    Keychain *keychain() const { return keychain_; }
    SourceConnectionTester *tester() const { return tester_; }
    ui::MountDialog *currentDialog() const { return dialog_; }
    QMessageBox *currentMessage() const { return message_; }

    using Done = std::function<void(bool ok, const QString &message, const QString &manualCommand)>;
    void mountById(const QString &id, Done done);
    void unmountById(const QString &id, Done done);
    void clearCacheById(const QString &id, Done done);
    // A request from `loft mount|unmount|list` or a second start.
    void handleInstanceRequest(const QJsonObject &request, std::function<void(const QJsonObject &)> reply);

public slots:
    void showStatus();
    void addMount();
    void editMount(const QString &id);
    void removeMount(const QString &id);
    void toggleMount(const QString &id);
    void openMount(const QString &id);
    void clearCache(const QString &id);
    void requestQuit();

signals:
    void quitReady();             // every mount is unmounted (or the user chose to leave them)
    void mountSaved(const QString &id);
    void secretStored(const QString &id, bool ok);
    void mountRemoved(const QString &id);

private:
    void openDialog(const MountConfig *existing);
    void saveFromDialog(ui::MountDialog *dialog);
    void pushConfigs();
    void updateAutostart();
    quint64 track(Done done);
    void onCommandFinished(quint64 request, bool ok, const QString &message, const QString &manual);
    void onStateChanged(const QString &id, MountState from, MountState to);
    void showProblem(const QString &title, const QString &message, const QString &manualCommand);
    QMessageBox *ask(const QString &title, const QString &text, const QString &informative);
    void finishQuit();
    template <class F> void onManager(F &&f);

    DesktopOptions options_;
    std::unique_ptr<MountSettings> settings_;
    Keychain *keychain_;
    SourceConnectionTester *tester_;
    ui::MountListModel *mounts_;
    ui::LogModel *log_;
    ui::TrayController *tray_ = nullptr;
    QPointer<ui::StatusWindow> status_;
    QPointer<ui::MountDialog> dialog_;
    QPointer<QMessageBox> message_;
    QThread managerThread_;
    MountManager *manager_;
    quint64 nextRequest_ = 1;
    QHash<quint64, Done> pending_;
    bool waitingForUploads_ = false;
    QMetaObject::Connection waitConnection_; // Quit → Wait: watches the queue empty
    bool quitting_ = false;
};

} // namespace loft
