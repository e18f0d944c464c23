#include "TrayIcons.h"

#include <QGuiApplication>
#include <QPalette>
#include <QSettings>

static void initLoftResources()
{
    Q_INIT_RESOURCE(loft);
}

namespace loft::ui {

void TrayIcons::initResources()
{
    initLoftResources();
}

QIcon TrayIcons::trayIcon(TrayState state, bool darkPanel)
{
    const char *name = "idle";
    switch (state) {
    case TrayState::Idle: name = "idle"; break;
    case TrayState::Mounted: name = "mounted"; break;
    case TrayState::Transferring: name = "transferring"; break;
    case TrayState::Error: name = "error"; break;
    }
    QIcon icon(QStringLiteral(":/icons/%1/loft-%2.svg")
                   .arg(darkPanel ? QLatin1String("dark") : QLatin1String("light"), QLatin1String(name)));
#ifdef Q_OS_MACOS
    // The menu bar colours template icons itself (light or dark, highlighted or not);
    // badges keep their colour, so only the plain states are templates.
    icon.setIsMask(state == TrayState::Idle || state == TrayState::Mounted);
#endif
    return icon;
}

QIcon TrayIcons::stateBadge(MountState state, bool transferring)
{
    QString name;
    switch (state) {
    case MountState::Mounted:
        name = transferring ? QStringLiteral("transferring") : QStringLiteral("mounted");
        break;
    case MountState::Unmounted: name = QStringLiteral("unmounted"); break;
    case MountState::Starting:
    case MountState::Mounting:
    case MountState::Unmounting: name = QStringLiteral("busy"); break;
    case MountState::Error: name = QStringLiteral("error"); break;
    }
    return QIcon(QStringLiteral(":/icons/status-%1.svg").arg(name));
}

QIcon TrayIcons::appIcon()
{
    return QIcon(QStringLiteral(":/icons/loft.svg"));
}

bool TrayIcons::prefersDarkPanel()
{
    const QByteArray forced = qgetenv("LOFT_TRAY_THEME");
    if (forced == "dark")
        return true;
    if (forced == "light")
        return false;
#if defined(Q_OS_WIN)
    // The taskbar follows "Windows mode" (dark unless the user chose light).
    const QSettings personalize(QStringLiteral("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\"
                                               "CurrentVersion\\Themes\\Personalize"),
                                QSettings::NativeFormat);
    return personalize.value(QStringLiteral("SystemUsesLightTheme"), 0).toInt() == 0;
#elif defined(Q_OS_MACOS)
    return false; // a template (mask) icon: macOS colours it for the menu bar
#else
    // Linux panels (GNOME's top bar, KDE's and Xfce's defaults) are dark far more often
    // than windows are; a light panel is told by a light theme's window colour only
    // when the whole desktop is light, which cannot be known here: prefer dark.
    return true;
#endif
}

TrayState TrayIcons::summarize(const QList<MountSnapshot> &mounts)
{
    bool mounted = false, transferring = false;
    for (const MountSnapshot &m : mounts) {
        if (m.state == MountState::Error)
            return TrayState::Error;
        if (m.state == MountState::Mounted) {
            mounted = true;
            transferring = transferring || m.transferring();
        }
    }
    if (transferring)
        return TrayState::Transferring;
    return mounted ? TrayState::Mounted : TrayState::Idle;
}

} // namespace loft::ui
