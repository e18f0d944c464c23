// The one place that knows how each platform's NFS client must mount Loft: options
// and full command lines for Linux (mount.nfs and the kernel's mount(2) text options),
// macOS (/sbin/mount) and Windows (mount.exe). Pure functions, unit-tested on every OS.
#pragma once

#include <QString>
#include <QStringList>

namespace loft {

struct NfsMountTarget {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;
    QString exportPath; // "/<secret>"
};

struct NfsMountTuning {
    int rsize = 1 << 20;
    int wsize = 1 << 20;
    int attrCacheSeconds = 2; // actimeo: how long the client trusts cached attributes
    bool soft = false;        // hard: never give up (and never lose a write)
    int timeoutTenths = 600;  // timeo, in tenths of a second
    int retrans = 2;
};

// "nfs://127.0.0.1:PORT/EXPORT" as `loft serve` prints it; false when malformed.
bool parseNfsUrl(const QString &url, NfsMountTarget *target);
QString nfsUrl(const NfsMountTarget &target);

// Options for Linux's mount.nfs -o.
QStringList linuxMountOptions(const NfsMountTarget &t, const NfsMountTuning &tuning = {});
// The kernel's text options for mount(2) with fstype "nfs": what mount.nfs would pass,
// with the server address spelled out. `serverAddress` is how the client reaches Loft.
QString linuxKernelMountData(const NfsMountTarget &t, const QString &serverAddress,
                             const NfsMountTuning &tuning = {});
QStringList linuxMountCommand(const NfsMountTarget &t, const QString &mountPoint,
                              const NfsMountTuning &tuning = {});
QStringList linuxUnmountCommand(const QString &mountPoint, bool lazy = false);

QStringList macosMountCommand(const NfsMountTarget &t, const QString &mountPoint,
                              const NfsMountTuning &tuning = {});
QStringList macosUnmountCommand(const QString &mountPoint);

// Windows' mount.exe cannot be given a port: it asks the portmapper on port 111.
QStringList windowsMountCommand(const NfsMountTarget &t, const QString &driveLetter,
                                const NfsMountTuning &tuning = {});
QStringList windowsUnmountCommand(const QString &driveLetter);

// A command line as a user would type it (arguments quoted where needed).
QString shellJoin(const QStringList &args);

} // namespace loft
