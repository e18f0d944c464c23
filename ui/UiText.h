// Words and numbers as the GUI shows them: sizes, rates, states. All through tr().
#pragma once

#include "models/MountConfig.h"
#include "models/MountSnapshot.h"

#include <QCoreApplication>
#include <QString>

namespace loft::ui {

class UiText {
    Q_DECLARE_TR_FUNCTIONS(UiText)
public:
    static QString bytes(qint64 bytes);                // "1.4 GB"
    static QString rate(double bytesPerSecond);        // "2.1 MB/s"
    static QString state(MountState state);            // "Mounted"
    static QString stateAction(MountState state);      // "Unmount" / "Mount"
    static QString throughput(const MountSnapshot &s); // "↑ 2.1 MB/s  ↓ 350 kB/s" or "Idle"
    static QString cacheUsage(qint64 used, qint64 limit); // "1.2 GB of 5 GB"
    static QString providerName(ProviderKind kind);    // "Local folder", "WebDAV", "SFTP"
};

} // namespace loft::ui
