// How this computer mounts and unmounts a Loft export: one small class per platform
// (LinuxMountHelper, MacMountHelper, WindowsMountHelper). Each builds its argument lists
// from NfsMountOptions (the one place for mount options), runs them with QProcess, and
// turns a failure's stderr into plain words. The argument lists are pure, so every
// platform's lists are unit-tested on every OS.
#pragma once

#include "mount/NfsMountOptions.h"

#include <QCoreApplication>
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>

namespace loft {

struct MountRequest {
    NfsMountTarget target;
    QString mountPoint; // a folder, or "X:" on Windows
    QString name;       // what the user calls the mount, for messages
    NfsMountTuning tuning;
};

// A mount the OS reports: "127.0.0.1:/secret on /home/me/Loft/Docs".
struct ActiveMount {
    QString source;
    QString mountPoint;
    QString type;
};

class MountHelper {
    Q_DECLARE_TR_FUNCTIONS(MountHelper)
public:
    virtual ~MountHelper() = default;

    static std::unique_ptr<MountHelper> forThisPlatform();

    virtual QString platformName() const = 0;
    // Empty when this computer can mount; otherwise one sentence saying why not.
    virtual QString unavailableReason() const { return {}; }
    // The command lines the helper runs; the first element is the program.
    virtual QStringList mountCommand(const MountRequest &request) const = 0;
    virtual QStringList unmountCommand(const QString &mountPoint, bool force) const = 0;
    // What a user could type to mount it by hand (with sudo where needed).
    virtual QString manualMountCommand(const MountRequest &request) const;
    // The port the server must listen on (Windows: 111), 0 for any.
    virtual quint16 requiredServerPort() const { return 0; }
    // Creates the mount point when it is a missing folder.
    virtual bool prepareMountPoint(const QString &mountPoint, QString *error) const;
    virtual QList<ActiveMount> activeMounts() const = 0;
    // Plain words for a failed mount or unmount.
    virtual QString explainMountFailure(const MountRequest &request, int exitCode,
                                        const QString &output) const;
    virtual QString explainUnmountFailure(const QString &mountPoint, int exitCode,
                                          const QString &output) const;
    // Which programs keep the mount busy: "bash (pid 12), vim (pid 40)"; empty if unknown.
    virtual QString describeHolders(const QString &mountPoint) const;

    // Runs a command line without blocking; `done` gets the exit code (-1: did not start or
    // timed out) and stderr+stdout. Must be called from a thread with an event loop.
    using RunDone = std::function<void(int exitCode, const QString &output)>;
    virtual void run(const QStringList &commandLine, QObject *context, RunDone done,
                     int timeoutMs = 120000) const;

    // Whether `mountPoint` is mounted from 127.0.0.1:`exportPath`.
    bool isServedMount(const QString &mountPoint, const QString &exportPath) const;

protected:
    static QString firstLine(const QString &text);
};

} // namespace loft
