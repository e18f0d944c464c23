// Starting Loft at login, so mounts marked "auto-mount" come back: an XDG autostart
// entry on Linux, a LaunchAgent on macOS, the Run key on Windows.
#pragma once

#include <QString>

namespace loft {

class Autostart {
public:
    static bool isEnabled();
    static bool setEnabled(bool enabled, QString *error);

    // Where the entry lives on this platform (a file path, or the registry value).
    static QString location();
    // The entry's content, for the platform's format; `program` is loft's full path.
    static QString linuxDesktopEntry(const QString &program);
    static QString macLaunchAgent(const QString &program);
    static QString windowsRunValue(const QString &program);
};

} // namespace loft
