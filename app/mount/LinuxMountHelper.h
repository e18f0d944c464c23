// Linux: `mount.nfs` needs root, so the helper goes through pkexec (polkit asks for the
// password in a dialog) or `sudo -n` (works when sudo is set up without a password), and
// says clearly when neither can work or when the kernel has no NFS client at all.
#pragma once

#include "mount/MountHelper.h"

namespace loft {

class LinuxMountHelper : public MountHelper {
    Q_DECLARE_TR_FUNCTIONS(LinuxMountHelper)
public:
    // What the helper found on this computer; tests give their own.
    struct Environment {
        bool root = false;
        QString pkexec;          // path, empty when absent
        QString sudo;            // path, empty when absent
        QString mountNfs;        // path of mount.nfs, empty when absent
        QString umount = QStringLiteral("umount");
        bool kernelHasNfs = true;    // "nfs" in /proc/filesystems or an nfs module to load
        bool graphicalSession = true; // a display for pkexec's password dialog
        QString procMounts = QStringLiteral("/proc/self/mounts");
        // The packaged loft-mount-helper (installers/linux), empty when not installed. With
        // pkexec, Loft runs it instead of mount.nfs/umount: the polkit action org.loft.mount
        // names that path, so the dialog shows Loft's message and one password lasts minutes.
        QString privilegedHelper;
    };
    enum class Escalation { None, Pkexec, Sudo, Impossible };

    explicit LinuxMountHelper(Environment env);
    static Environment detectEnvironment();

    QString platformName() const override { return QStringLiteral("linux"); }
    QString unavailableReason() const override;
    QStringList mountCommand(const MountRequest &request) const override;
    QStringList unmountCommand(const QString &mountPoint, bool force) const override;
    QString manualMountCommand(const MountRequest &request) const override;
    QList<ActiveMount> activeMounts() const override;
    QString explainMountFailure(const MountRequest &request, int exitCode,
                                const QString &output) const override;
    QString explainUnmountFailure(const QString &mountPoint, int exitCode,
                                  const QString &output) const override;
    QString describeHolders(const QString &mountPoint) const override;

    Escalation escalation() const;
    // /proc/mounts text to entries (octal escapes like \040 decoded).
    static QList<ActiveMount> parseProcMounts(const QString &text);

private:
    // `helperVerb`: how loft-mount-helper names the command ("mount" or "unmount").
    QStringList escalate(QStringList command, const QString &helperVerb) const;
    Environment env_;
};

} // namespace loft
