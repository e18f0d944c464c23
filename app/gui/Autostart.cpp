#include "gui/Autostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

namespace loft {

namespace {
const char kMacLabel[] = "org.loft.Loft";

#ifdef Q_OS_WIN
const char kRunKey[] = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
#endif

QString program()
{
    // An AppImage runs from a temporary mount: the image itself is what to start.
    const QString appImage = qEnvironmentVariable("APPIMAGE");
    return appImage.isEmpty() ? QCoreApplication::applicationFilePath() : appImage;
}

#if !defined(Q_OS_WIN) && !defined(Q_OS_MACOS)
// The package installs a system-wide entry (/etc/xdg/autostart/loft.desktop). By the XDG
// autostart spec the user's file of the same name overrides it, and a user file with
// Hidden=true turns it off: that is how "start at login" is switched off for one user.
QString systemEntry()
{
    const QString own = Autostart::location();
    const QStringList all = QStandardPaths::locateAll(QStandardPaths::GenericConfigLocation,
                                                      QStringLiteral("autostart/loft.desktop"));
    for (const QString &path : all)
        if (path != own)
            return path;
    return {};
}

bool isHiddenEntry(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    static const QRegularExpression hidden(QStringLiteral("^Hidden\\s*=\\s*true\\s*$"),
                                           QRegularExpression::MultilineOption);
    return hidden.match(QString::fromUtf8(f.readAll())).hasMatch();
}
#endif

QString xmlEscape(QString s)
{
    return s.replace(QLatin1Char('&'), QLatin1String("&amp;"))
        .replace(QLatin1Char('<'), QLatin1String("&lt;"))
        .replace(QLatin1Char('>'), QLatin1String("&gt;"));
}
} // namespace

QString Autostart::location()
{
#if defined(Q_OS_WIN)
    return QString::fromLatin1(kRunKey) + QStringLiteral("\\Loft");
#elif defined(Q_OS_MACOS)
    return QDir::homePath() + QStringLiteral("/Library/LaunchAgents/%1.plist").arg(QLatin1String(kMacLabel));
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/loft.desktop");
#endif
}

QString Autostart::linuxDesktopEntry(const QString &program)
{
    QString exec = program;
    if (exec.contains(QLatin1Char(' ')))
        exec = QLatin1Char('"') + exec + QLatin1Char('"');
    return QStringLiteral("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Loft\n"
                          "Comment=Mount cloud storage as folders\n"
                          "Exec=%1\n"
                          "Icon=loft\n"
                          "Terminal=false\n"
                          "X-GNOME-Autostart-enabled=true\n"
                          "X-GNOME-Autostart-Delay=3\n")
        .arg(exec);
}

QString Autostart::macLaunchAgent(const QString &program)
{
    return QStringLiteral(
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
               "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
               "<plist version=\"1.0\">\n<dict>\n"
               "  <key>Label</key>\n  <string>%1</string>\n"
               "  <key>ProgramArguments</key>\n  <array>\n    <string>%2</string>\n  </array>\n"
               "  <key>RunAtLoad</key>\n  <true/>\n"
               "  <key>ProcessType</key>\n  <string>Interactive</string>\n"
               "</dict>\n</plist>\n")
        .arg(QLatin1String(kMacLabel), xmlEscape(program));
}

QString Autostart::windowsRunValue(const QString &program)
{
    QString path = program;
    path.replace(QLatin1Char('/'), QLatin1Char('\\')); // Windows separators on every OS (tests)
    return QLatin1Char('"') + path + QLatin1Char('"');
}

bool Autostart::isEnabled()
{
#ifdef Q_OS_WIN
    return QSettings(QString::fromLatin1(kRunKey), QSettings::NativeFormat).contains(QStringLiteral("Loft"));
#elif defined(Q_OS_MACOS)
    return QFileInfo::exists(location());
#else
    if (QFileInfo::exists(location()))
        return !isHiddenEntry(location());
    const QString system = systemEntry();
    return !system.isEmpty() && !isHiddenEntry(system);
#endif
}

bool Autostart::setEnabled(bool enabled, QString *error)
{
#ifdef Q_OS_WIN
    QSettings run(QString::fromLatin1(kRunKey), QSettings::NativeFormat);
    if (enabled)
        run.setValue(QStringLiteral("Loft"), windowsRunValue(program()));
    else
        run.remove(QStringLiteral("Loft"));
    run.sync();
    if (run.status() != QSettings::NoError) {
        *error = QCoreApplication::translate("Autostart", "Cannot change the Run key in the registry.");
        return false;
    }
    return true;
#else
    const QString path = location();
#if !defined(Q_OS_MACOS)
    if (!enabled && !systemEntry().isEmpty()) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QSaveFile out(path);
        const QByteArray hidden = "[Desktop Entry]\nType=Application\nName=Loft\nHidden=true\n";
        if (!out.open(QIODevice::WriteOnly) || out.write(hidden) < 0 || !out.commit()) {
            *error = QCoreApplication::translate("Autostart", "Cannot write %1: %2").arg(path, out.errorString());
            return false;
        }
        return true;
    }
#endif
    if (!enabled) {
        if (QFileInfo::exists(path) && !QFile::remove(path)) {
            *error = QCoreApplication::translate("Autostart", "Cannot remove %1.").arg(path);
            return false;
        }
        return true;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile out(path);
#ifdef Q_OS_MACOS
    const QString content = macLaunchAgent(program());
#else
    const QString content = linuxDesktopEntry(program());
#endif
    if (!out.open(QIODevice::WriteOnly) || out.write(content.toUtf8()) < 0 || !out.commit()) {
        *error = QCoreApplication::translate("Autostart", "Cannot write %1: %2").arg(path, out.errorString());
        return false;
    }
    return true;
#endif
}

} // namespace loft
