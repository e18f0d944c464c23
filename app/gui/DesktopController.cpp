#include "gui/DesktopController.h"

#include "EnglishPlurals.h"
#include "MountDialog.h"
#include "StatusWindow.h"
#include "TrayController.h"
#include "UiText.h"
#include "config/Keychain.h"
#include "config/MountSettings.h"
#include "gui/Autostart.h"
#include "gui/SourceConnectionTester.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"
#include "mount/MountHelper.h"
#include "mount/MountManager.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QMessageBox>
#include <QPushButton>
#include <QUrl>

Q_LOGGING_CATEGORY(lcDesktop, "loft.desktop")

namespace loft {

DesktopController::DesktopController(DesktopOptions options, QObject *parent)
    : QObject(parent), options_(std::move(options)),
      settings_(std::make_unique<MountSettings>(options_.settingsFile)),
      keychain_(new Keychain(options_.keychainService, this)),
      tester_(new SourceConnectionTester(keychain_, this)),
      mounts_(new ui::MountListModel(this)), log_(new ui::LogModel(5000, this))
{
    qRegisterMetaType<MountSnapshot>();
    qRegisterMetaType<QList<MountSnapshot>>();
    qRegisterMetaType<MountConfig>();
    qRegisterMetaType<QList<MountConfig>>();
    ui::TrayIcons::initResources();
    ui::EnglishPlurals::install();

    std::unique_ptr<MountHelper> helper = options_.makeHelper ? options_.makeHelper() : MountHelper::forThisPlatform();
    manager_ = new MountManager(options_.dataDir, std::move(helper));
    manager_->setUploadDelay(options_.uploadDelayMs);
    manager_->moveToThread(&managerThread_);
    managerThread_.setObjectName(QStringLiteral("mount-manager"));
    connect(&managerThread_, &QThread::finished, manager_, &QObject::deleteLater);
    connect(manager_, &MountManager::snapshotsChanged, mounts_, &ui::MountListModel::setSnapshots);
    connect(manager_, &MountManager::commandFinished, this, &DesktopController::onCommandFinished);
    connect(manager_, &MountManager::notice, this,
            [this](const QString &, bool conflict, const QString &title, const QString &text) {
                if (tray_)
                    tray_->notify(conflict ? ui::TrayController::Notice::Conflict
                                           : ui::TrayController::Notice::UploadFailed, title, text);
            });
    connect(mounts_, &ui::MountListModel::stateChanged, this, &DesktopController::onStateChanged);
    managerThread_.start();

    if (options_.showTray) {
        tray_ = new ui::TrayController(mounts_, this);
        connect(tray_, &ui::TrayController::toggleMountRequested, this, &DesktopController::toggleMount);
        connect(tray_, &ui::TrayController::openRequested, this, &DesktopController::openMount);
        connect(tray_, &ui::TrayController::addRequested, this, &DesktopController::addMount);
        connect(tray_, &ui::TrayController::statusRequested, this, &DesktopController::showStatus);
        connect(tray_, &ui::TrayController::quitRequested, this, &DesktopController::requestQuit);
        tray_->show();
    }
}

DesktopController::~DesktopController()
{
    delete status_.data();
    // Stop the servers on their owner's thread; the OS keeps any mount, which the next
    // start recovers (Quit unmounts first; this is for the other ways out).
    QMetaObject::invokeMethod(manager_, &MountManager::shutdown, Qt::BlockingQueuedConnection);
    managerThread_.quit();
    managerThread_.wait();
}

template <class F>
void DesktopController::onManager(F &&f)
{
    QMetaObject::invokeMethod(manager_, std::forward<F>(f), Qt::QueuedConnection);
}

void DesktopController::start()
{
    pushConfigs();
    // Secrets of the auto-mount mounts first (keychain reads are asynchronous).
    auto secrets = std::make_shared<QHash<QString, QString>>();
    auto waiting = std::make_shared<int>(1);
    auto launch = [this, secrets, waiting] {
        if (--*waiting == 0)
            onManager([m = manager_, s = *secrets] { m->start(s); });
    };
    for (const MountConfig &c : settings_->mounts()) {
        if (!c.autoMount)
            continue;
        if (c.kind == ProviderKind::LocalFolder || !settings_->hasSecret(c.id)) {
            secrets->insert(c.id, QString());
            continue;
        }
        ++*waiting;
        keychain_->readSecret(c.id, [secrets, launch, id = c.id](bool, const QString &secret, const QString &) {
            secrets->insert(id, secret);
            launch();
        });
    }
    launch();
    updateAutostart();
}

ui::StatusWindow *DesktopController::statusWindow()
{
    if (!status_) {
        status_ = new ui::StatusWindow(mounts_, log_);
        status_->setAttribute(Qt::WA_DeleteOnClose, false);
        connect(status_, &ui::StatusWindow::addRequested, this, &DesktopController::addMount);
        connect(status_, &ui::StatusWindow::editRequested, this, &DesktopController::editMount);
        connect(status_, &ui::StatusWindow::removeRequested, this, &DesktopController::removeMount);
        connect(status_, &ui::StatusWindow::toggleMountRequested, this, &DesktopController::toggleMount);
        connect(status_, &ui::StatusWindow::openRequested, this, &DesktopController::openMount);
        connect(status_, &ui::StatusWindow::clearCacheRequested, this, &DesktopController::clearCache);
    }
    return status_;
}

void DesktopController::showStatus()
{
    ui::StatusWindow *w = statusWindow();
    if (!w->isVisible())
        w->resize(w->sizeHint());
    w->show();
    w->raise();
    w->activateWindow();
}

void DesktopController::pushConfigs()
{
    onManager([m = manager_, configs = settings_->mounts()] { m->setConfigs(configs); });
}

void DesktopController::updateAutostart()
{
    if (!options_.manageAutostart)
        return;
    bool any = false;
    for (const MountConfig &c : settings_->mounts())
        any = any || c.autoMount;
    if (any == Autostart::isEnabled())
        return;
    QString error;
    if (!Autostart::setEnabled(any, &error))
        qCWarning(lcDesktop).noquote() << error;
    else
        qCInfo(lcDesktop).noquote() << (any ? tr("Loft now starts at login (%1).")
                                            : tr("Loft no longer starts at login (%1)."))
                                               .arg(Autostart::location());
}

// --- Add / edit / remove -------------------------------------------------------------

void DesktopController::addMount()
{
    openDialog(nullptr);
}

void DesktopController::editMount(const QString &id)
{
    const std::optional<MountConfig> c = settings_->find(id);
    if (c)
        openDialog(&*c);
}

void DesktopController::openDialog(const MountConfig *existing)
{
    if (dialog_) {
        dialog_->raise();
        dialog_->activateWindow();
        return;
    }
    auto *d = new ui::MountDialog(tester_, status_ && status_->isVisible() ? status_.data() : nullptr);
    d->setAttribute(Qt::WA_DeleteOnClose);
    QStringList names, mountPoints;
    for (const MountConfig &c : settings_->mounts()) {
        if (existing && c.id == existing->id)
            continue;
        names << c.name;
        mountPoints << c.mountPoint;
    }
    if (existing)
        d->setConfig(*existing, settings_->hasSecret(existing->id));
    d->setExistingNames(names);
    d->setExistingMountPoints(mountPoints);
    connect(d, &QDialog::accepted, this, [this, d] { saveFromDialog(d); });
    dialog_ = d;
    d->open();
    d->raise();
    d->activateWindow();
}

void DesktopController::saveFromDialog(ui::MountDialog *d)
{
    MountConfig c = d->config();
    const bool isNew = c.id.isEmpty();
    c.id = settings_->save(c);
    qCInfo(lcDesktop).noquote() << (isNew ? tr("Added mount %1 (%2) on %3.")
                                          : tr("Saved mount %1 (%2) on %3."))
                                       .arg(c.name, describeSource(c), c.mountPoint);
    const QString secret = d->secret();
    if (c.kind == ProviderKind::LocalFolder || (!d->secretChanged() && !isNew)) {
        // nothing to store
    } else if (secret.isEmpty()) {
        keychain_->deleteSecret(c.id);
        settings_->setHasSecret(c.id, false);
    } else {
        const QString id = c.id, name = c.name;
        keychain_->writeSecret(id, secret, [this, id, name](bool ok, const QString &error) {
            settings_->setHasSecret(id, ok);
            if (ok) {
                qCInfo(lcDesktop).noquote() << tr("The password for %1 is in the keychain.").arg(name);
            } else {
                qCWarning(lcDesktop).noquote() << tr("The keychain did not store the password for %1: %2").arg(name, error);
                showProblem(tr("Password Not Saved"),
                            tr("The system keychain did not store the password for %1: %2").arg(name, error),
                            QString());
            }
            emit secretStored(id, ok);
        });
    }
    pushConfigs();
    updateAutostart();
    if (status_)
        QMetaObject::invokeMethod(status_, [s = status_, id = c.id] { if (s) s->selectMount(id); },
                                  Qt::QueuedConnection);
    emit mountSaved(c.id);
}

void DesktopController::removeMount(const QString &id)
{
    const std::optional<MountConfig> c = settings_->find(id);
    if (!c)
        return;
    QMessageBox *box = ask(tr("Remove Mount"), tr("Remove “%1”?").arg(c->name),
                           tr("Loft unmounts it and forgets its settings and password. "
                              "Nothing is deleted on the server."));
    QPushButton *remove = box->addButton(tr("&Remove"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, remove, id, name = c->name] {
        if (box->clickedButton() != remove)
            return;
        settings_->remove(id);
        keychain_->deleteSecret(id);
        qCInfo(lcDesktop).noquote() << tr("Removed mount %1.").arg(name);
        pushConfigs();
        updateAutostart();
        emit mountRemoved(id);
    });
    box->open();
}

// --- Mount / unmount ------------------------------------------------------------------

quint64 DesktopController::track(Done done)
{
    const quint64 request = nextRequest_++;
    if (done)
        pending_.insert(request, std::move(done));
    return request;
}

void DesktopController::onCommandFinished(quint64 request, bool ok, const QString &message,
                                          const QString &manual)
{
    if (Done done = pending_.take(request))
        done(ok, message, manual);
}

void DesktopController::mountById(const QString &id, Done done)
{
    const std::optional<MountConfig> c = settings_->find(id);
    if (!c) {
        done(false, tr("There is no such mount."), QString());
        return;
    }
    if (c->kind != ProviderKind::LocalFolder && settings_->hasSecret(id)) {
        keychain_->readSecret(id, [this, id, done](bool, const QString &secret, const QString &error) {
            if (!error.isEmpty())
                qCWarning(lcDesktop).noquote() << tr("The keychain did not give the password: %1").arg(error);
            const quint64 request = track(done);
            onManager([m = manager_, id, secret, request] { m->mount(id, secret, request); });
        });
        return;
    }
    const quint64 request = track(std::move(done));
    onManager([m = manager_, id, request] { m->mount(id, QString(), request); });
}

void DesktopController::unmountById(const QString &id, Done done)
{
    const quint64 request = track(std::move(done));
    onManager([m = manager_, id, request] { m->unmount(id, request); });
}

void DesktopController::clearCacheById(const QString &id, Done done)
{
    const quint64 request = track(std::move(done));
    onManager([m = manager_, id, request] { m->clearCache(id, request); });
}

void DesktopController::toggleMount(const QString &id)
{
    const MountSnapshot *s = mounts_->find(id);
    if (!s)
        return;
    const QString name = s->name;
    auto report = [this, name](bool ok, const QString &message, const QString &manual) {
        if (!ok)
            showProblem(tr("Cannot Mount %1").arg(name), message, manual);
    };
    if (s->state == MountState::Mounted) {
        unmountById(id, [this, name](bool ok, const QString &message, const QString &) {
            if (!ok)
                showProblem(tr("Cannot Unmount %1").arg(name), message, QString());
        });
    } else {
        mountById(id, report);
    }
}

void DesktopController::openMount(const QString &id)
{
    const MountSnapshot *s = mounts_->find(id);
    if (!s || s->state != MountState::Mounted)
        return;
    QString where = s->mountPoint;
#ifdef Q_OS_WIN
    where += QLatin1Char('\\');
#endif
    QDesktopServices::openUrl(QUrl::fromLocalFile(where));
}

void DesktopController::clearCache(const QString &id)
{
    const MountSnapshot *s = mounts_->find(id);
    if (!s)
        return;
    QMessageBox *box = ask(tr("Clear Cache"), tr("Clear the cache of “%1”?").arg(s->name),
                           s->pendingUploads() > 0
                               ? tr("Cached copies of remote files are removed and downloaded again when "
                                    "needed. The %n file(s) still waiting to upload are kept.", nullptr,
                                    s->pendingUploads())
                               : tr("Cached copies of remote files are removed and downloaded again when "
                                    "needed. Changes waiting to upload are always kept."));
    QPushButton *clear = box->addButton(tr("C&lear Cache"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::finished, this, [this, box, clear, id] {
        if (box->clickedButton() == clear)
            clearCacheById(id, [](bool, const QString &message, const QString &) {
                qCInfo(lcDesktop).noquote() << message;
            });
    });
    box->open();
}

void DesktopController::onStateChanged(const QString &id, MountState from, MountState to)
{
    const MountSnapshot *s = mounts_->find(id);
    if (!s || !tray_)
        return;
    using N = ui::TrayController::Notice;
    if (to == MountState::Mounted && from != MountState::Unmounting)
        tray_->notify(N::Mounted, tr("%1 is mounted").arg(s->name),
                      s->recovered ? tr("Recovered the mount at %1 from the last session.").arg(QDir::toNativeSeparators(s->mountPoint))
                                   : tr("Its files are in %1.").arg(QDir::toNativeSeparators(s->mountPoint)));
    else if (to == MountState::Unmounted && from == MountState::Unmounting)
        tray_->notify(N::Unmounted, tr("%1 is unmounted").arg(s->name),
                      tr("It is safe to disconnect."));
    else if (to == MountState::Error)
        tray_->notify(N::Error, tr("%1: a problem").arg(s->name), s->lastError);
}

void DesktopController::showProblem(const QString &title, const QString &message, const QString &manual)
{
    QMessageBox *box = ask(title, message, manual.isEmpty() ? QString()
                                                            : tr("To mount it yourself, run this in a terminal:\n\n%1").arg(manual));
    box->setIcon(QMessageBox::Warning);
    if (!manual.isEmpty()) {
        QPushButton *copy = box->addButton(tr("&Copy Command"), QMessageBox::ActionRole);
        copy->disconnect(); // keep the box open after copying
        connect(copy, &QPushButton::clicked, this, [manual] { QApplication::clipboard()->setText(manual); });
    }
    box->addButton(QMessageBox::Close);
    box->open();
}

QMessageBox *DesktopController::ask(const QString &title, const QString &text, const QString &informative)
{
    QWidget *parent = status_ && status_->isVisible() ? status_.data() : nullptr;
    auto *box = new QMessageBox(QMessageBox::Question, title, text, QMessageBox::NoButton, parent);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowIcon(ui::TrayIcons::appIcon());
    box->setInformativeText(informative);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_ = box;
    return box;
}

// --- Quit ------------------------------------------------------------------------------

void DesktopController::requestQuit()
{
    if (quitting_)
        return;
    int uploads = 0;
    for (const MountSnapshot &s : mounts_->snapshots())
        uploads += s.pendingUploads();
    if (uploads == 0) {
        finishQuit();
        return;
    }
    QMessageBox *box = ask(tr("Quit Loft"), tr("%n file(s) are still uploading.", nullptr, uploads),
                           tr("Wait for them to finish before unmounting, or quit now: what is left "
                              "uploads the next time Loft starts."));
    QPushButton *wait = box->addButton(tr("&Wait for Uploads"), QMessageBox::AcceptRole);
    QPushButton *now = box->addButton(tr("&Quit Now"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(wait);
    connect(box, &QMessageBox::finished, this, [this, box, wait, now] {
        if (box->clickedButton() == now) {
            finishQuit();
        } else if (box->clickedButton() == wait) {
            waitingForUploads_ = true;
            qCInfo(lcDesktop).noquote() << tr("Quitting once the uploads are done.");
            // No reason to wait for the idle delay now; show them going.
            onManager([m = manager_] { m->uploadAllNow(); });
            if (status_ && status_->isVisible())
                status_->showUploadsTab();
            auto check = [this] {
                int left = 0;
                for (const MountSnapshot &s : mounts_->snapshots())
                    left += s.pendingUploads();
                if (left == 0 && waitingForUploads_) {
                    waitingForUploads_ = false;
                    disconnect(waitConnection_);
                    finishQuit();
                }
            };
            disconnect(waitConnection_);
            waitConnection_ = connect(mounts_, &QAbstractItemModel::dataChanged, this, check);
            check();
        }
    });
    box->open();
}

void DesktopController::finishQuit()
{
    quitting_ = true;
    const quint64 request = track([this](bool ok, const QString &message, const QString &) {
        quitting_ = false;
        if (ok) {
            emit quitReady();
            return;
        }
        QMessageBox *box = ask(tr("Quit Loft"), tr("Some mounts are still in use."),
                               message + QStringLiteral("\n\n")
                                   + tr("Quit anyway? The folders stay mounted but do not answer "
                                        "until Loft starts again."));
        QPushButton *anyway = box->addButton(tr("Quit &Anyway"), QMessageBox::DestructiveRole);
        box->addButton(QMessageBox::Cancel);
        box->setDefaultButton(QMessageBox::Cancel);
        connect(box, &QMessageBox::finished, this, [this, box, anyway] {
            if (box->clickedButton() == anyway)
                emit quitReady();
        });
        box->open();
    });
    onManager([m = manager_, request] { m->unmountAll(request); });
}

// --- Requests from the command line -------------------------------------------------------

void DesktopController::handleInstanceRequest(const QJsonObject &request,
                                              std::function<void(const QJsonObject &)> reply)
{
    const QString cmd = request.value(QStringLiteral("cmd")).toString();
    auto answer = [reply](bool ok, const QString &message, const QString &manual = QString()) {
        QJsonObject o{{QStringLiteral("ok"), ok}, {QStringLiteral("message"), message}};
        if (!manual.isEmpty())
            o.insert(QStringLiteral("manualCommand"), manual);
        reply(o);
    };
    if (cmd == QLatin1String("raise")) {
        showStatus();
        answer(true, QString());
        return;
    }
    if (cmd == QLatin1String("list")) {
        QJsonArray list;
        for (const MountSnapshot &s : mounts_->snapshots())
            list.append(QJsonObject{{QStringLiteral("name"), s.name},
                                    {QStringLiteral("state"), ui::UiText::state(s.state)},
                                    {QStringLiteral("mountPoint"), QDir::toNativeSeparators(s.mountPoint)},
                                    {QStringLiteral("source"), s.source},
                                    {QStringLiteral("error"), s.lastError}});
        reply({{QStringLiteral("ok"), true}, {QStringLiteral("mounts"), list}});
        return;
    }
    if (cmd == QLatin1String("mount") || cmd == QLatin1String("unmount")) {
        const QString name = request.value(QStringLiteral("name")).toString();
        const std::optional<MountConfig> c = settings_->findByName(name);
        if (!c) {
            answer(false, tr("There is no mount called “%1” (see loft list).").arg(name));
            return;
        }
        auto done = [answer](bool ok, const QString &message, const QString &manual) { answer(ok, message, manual); };
        if (cmd == QLatin1String("mount"))
            mountById(c->id, done);
        else
            unmountById(c->id, done);
        return;
    }
    answer(false, tr("Unknown request “%1”.").arg(cmd));
}

} // namespace loft
