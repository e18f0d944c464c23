// Windows: `mount.exe` from the "Client for NFS" feature mounts on a drive letter. It
// cannot be told a port, so the server listens on 127.0.0.1:111 (portmapper). Windows
// Home has no Client for NFS: the helper detects that and says what to do.
#pragma once

#include "mount/MountHelper.h"

namespace loft {

class WindowsMountHelper : public MountHelper {
    Q_DECLARE_TR_FUNCTIONS(WindowsMountHelper)
public:
    // `systemRoot` (e.g. C:\Windows) decides where mount.exe is looked for; empty: %SystemRoot%.
    explicit WindowsMountHelper(QString systemRoot = QString());

    QString platformName() const override { return QStringLiteral("windows"); }
    QString unavailableReason() const override;
    QStringList mountCommand(const MountRequest &request) const override;
    QStringList unmountCommand(const QString &mountPoint, bool force) const override;
    QString manualMountCommand(const MountRequest &request) const override;
    quint16 requiredServerPort() const override { return 111; }
    bool prepareMountPoint(const QString &mountPoint, QString *error) const override;
    QList<ActiveMount> activeMounts() const override;
    QString explainMountFailure(const MountRequest &request, int exitCode,
                                const QString &output) const override;
    QString explainUnmountFailure(const QString &mountPoint, int exitCode,
                                  const QString &output) const override;

    bool hasNfsClient() const;
    static QString clientMissingInstructions();
    // `mount.exe` output with no arguments to entries.
    static QList<ActiveMount> parseMountExeOutput(const QString &text);

private:
    QString tool(const QString &name) const;
    QString systemRoot_;
};

} // namespace loft
