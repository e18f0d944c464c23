// macOS: `/sbin/mount -t nfs` works without root on a folder the user owns; unmount with
// `diskutil unmount` (which names the process that holds a busy volume).
#pragma once

#include "mount/MountHelper.h"

namespace loft {

class MacMountHelper : public MountHelper {
    Q_DECLARE_TR_FUNCTIONS(MacMountHelper)
public:
    QString platformName() const override { return QStringLiteral("macos"); }
    QString unavailableReason() const override;
    QStringList mountCommand(const MountRequest &request) const override;
    QStringList unmountCommand(const QString &mountPoint, bool force) const override;
    QList<ActiveMount> activeMounts() const override;
    QString explainMountFailure(const MountRequest &request, int exitCode,
                                const QString &output) const override;
    QString explainUnmountFailure(const QString &mountPoint, int exitCode,
                                  const QString &output) const override;
    QString describeHolders(const QString &mountPoint) const override;

    // `mount` output ("127.0.0.1:/x on /Users/me/Loft/Docs (nfs, nodev, ...)") to entries.
    static QList<ActiveMount> parseMountOutput(const QString &text);
};

} // namespace loft
