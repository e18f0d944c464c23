#include "TrayController.h"

#include "UiText.h"
#include "models/MountListModel.h"

#include <QAction>
#include <QApplication>
#include <QMenu>

namespace loft::ui {

TrayController::TrayController(MountListModel *mounts, QObject *parent)
    : QObject(parent), mounts_(mounts), tray_(new QSystemTrayIcon(this)), menu_(new QMenu)
{
    menu_->setObjectName(QStringLiteral("trayMenu"));
    tray_->setContextMenu(menu_);
    connect(tray_, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        // A left click opens the same menu as a right click (platforms differ).
        if (r == QSystemTrayIcon::Trigger)
            menu_->popup(QCursor::pos());
    });
    connect(tray_, &QSystemTrayIcon::messageClicked, this, &TrayController::statusRequested);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(mounts, signal, this, [this] { rebuildMenu(); updateIcon(); });
    connect(mounts, &QAbstractItemModel::dataChanged, this, [this] { rebuildMenu(); updateIcon(); });
    connect(mounts, &QAbstractItemModel::modelReset, this, [this] { rebuildMenu(); updateIcon(); });
    rebuildMenu();
    updateIcon();
}

TrayController::~TrayController()
{
    delete menu_;
}

void TrayController::show()
{
    tray_->show();
}

void TrayController::rebuildMenu()
{
    // Do not rebuild under the user's pointer while the menu is open: update texts only.
    const QList<MountSnapshot> &list = mounts_->snapshots();
    if (menu_->isVisible()) {
        for (QAction *a : menu_->actions()) {
            const QString id = a->data().toString();
            if (id.isEmpty())
                continue;
            for (const MountSnapshot &s : list)
                if (s.id == id) {
                    a->setText(s.name + QLatin1Char('\t') + UiText::state(s.state));
                    a->setChecked(s.state == MountState::Mounted);
                }
        }
        return;
    }
    menu_->clear();
    int mounted = 0;
    for (const MountSnapshot &s : list)
        mounted += s.state == MountState::Mounted;

    QAction *header = menu_->addAction(
        list.isEmpty() ? tr("No mounts yet")
                       : tr("%n of %1 mounted", nullptr, mounted).arg(list.size()));
    header->setEnabled(false);
    menu_->addSeparator();

    for (const MountSnapshot &s : list) {
        QString stateText = UiText::state(s.state);
        if (s.state == MountState::Mounted && s.transferring())
            stateText = s.pendingUploads() > 0 ? tr("Uploading %n", nullptr, s.pendingUploads())
                                               : tr("Transferring");
        QAction *a = menu_->addAction(s.name + QLatin1Char('\t') + stateText);
        a->setData(s.id);
        a->setCheckable(true);
        a->setChecked(s.state == MountState::Mounted);
        const bool busy = s.state == MountState::Starting || s.state == MountState::Mounting
            || s.state == MountState::Unmounting;
        a->setEnabled(!busy);
        a->setToolTip(s.state == MountState::Mounted ? tr("Click to unmount %1").arg(s.name)
                                                     : tr("Click to mount %1").arg(s.name));
        a->setStatusTip(a->toolTip());
        const QString id = s.id;
        connect(a, &QAction::triggered, this, [this, id] { emit toggleMountRequested(id); });
    }
    if (!list.isEmpty())
        menu_->addSeparator();

    // "Open in file manager": directly for one mount, as a submenu for several.
    QList<const MountSnapshot *> open;
    for (const MountSnapshot &s : list)
        if (s.state == MountState::Mounted)
            open << &s;
    if (open.size() == 1) {
        const QString id = open.first()->id;
        QAction *a = menu_->addAction(tr("&Open %1 in File Manager").arg(open.first()->name));
        connect(a, &QAction::triggered, this, [this, id] { emit openRequested(id); });
    } else {
        QMenu *sub = menu_->addMenu(tr("&Open in File Manager"));
        sub->setEnabled(!open.isEmpty());
        for (const MountSnapshot *s : open) {
            const QString id = s->id;
            QAction *a = sub->addAction(s->name);
            connect(a, &QAction::triggered, this, [this, id] { emit openRequested(id); });
        }
    }
    connect(menu_->addAction(tr("&Add Mount…")), &QAction::triggered, this,
            &TrayController::addRequested);
    connect(menu_->addAction(tr("&Status…")), &QAction::triggered, this,
            &TrayController::statusRequested);
    menu_->addSeparator();
    connect(menu_->addAction(tr("&Quit Loft")), &QAction::triggered, this,
            &TrayController::quitRequested);
}

void TrayController::updateIcon()
{
    state_ = TrayIcons::summarize(mounts_->snapshots());
    tray_->setIcon(TrayIcons::trayIcon(state_, TrayIcons::prefersDarkPanel()));
    QStringList lines{tr("Loft")};
    for (const MountSnapshot &s : mounts_->snapshots()) {
        QString line = tr("%1: %2").arg(s.name, UiText::state(s.state));
        if (s.state == MountState::Mounted && s.transferring())
            line += QStringLiteral(" — ") + UiText::throughput(s);
        lines << line;
    }
    tray_->setToolTip(lines.join(QLatin1Char('\n')));
}

void TrayController::notify(Notice kind, const QString &title, const QString &text)
{
    QSystemTrayIcon::MessageIcon icon = QSystemTrayIcon::Information;
    if (kind == Notice::UploadFailed || kind == Notice::Error)
        icon = QSystemTrayIcon::Critical;
    else if (kind == Notice::Conflict)
        icon = QSystemTrayIcon::Warning;
    const bool shown = tray_->isVisible() && QSystemTrayIcon::supportsMessages();
    if (shown)
        tray_->showMessage(title, text, icon, 6000);
    emit notified(kind, title, text, shown);
}

} // namespace loft::ui
