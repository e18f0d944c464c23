#include "mount/LinuxMountHelper.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QSysInfo>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace loft {

namespace {
QString findProgram(const QString &name)
{
    const QString found = QStandardPaths::findExecutable(name);
    if (!found.isEmpty())
        return found;
    return QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                 QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
}

QString decodeOctal(QString s)
{
    static const QRegularExpression octal(QStringLiteral("\\\\([0-7]{3})"));
    QRegularExpressionMatch m;
    int from = 0;
    while ((m = octal.match(s, from)).hasMatch()) {
        s.replace(m.capturedStart(), 4, QChar(m.captured(1).toInt(nullptr, 8)));
        from = int(m.capturedStart()) + 1;
    }
    return s;
}
} // namespace

LinuxMountHelper::LinuxMountHelper(Environment env) : env_(std::move(env)) {}

LinuxMountHelper::Environment LinuxMountHelper::detectEnvironment()
{
    Environment e;
#ifdef Q_OS_UNIX
    e.root = ::geteuid() == 0;
#endif
    e.pkexec = findProgram(QStringLiteral("pkexec"));
    e.sudo = findProgram(QStringLiteral("sudo"));
    e.mountNfs = findProgram(QStringLiteral("mount.nfs"));
    const QString umount = findProgram(QStringLiteral("umount"));
    if (!umount.isEmpty())
        e.umount = umount;
    QFile filesystems(QStringLiteral("/proc/filesystems"));
    bool inKernel = false;
    if (filesystems.open(QIODevice::ReadOnly))
        inKernel = QString::fromLatin1(filesystems.readAll())
                       .contains(QRegularExpression(QStringLiteral("\\snfs\\n")));
    const QString modules = QStringLiteral("/lib/modules/") + QSysInfo::kernelVersion()
        + QStringLiteral("/kernel/fs/nfs");
    e.kernelHasNfs = inKernel || QFileInfo(modules).isDir();
    e.graphicalSession = qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
#ifdef LOFT_PRIVILEGED_HELPER
    if (QFileInfo(QStringLiteral(LOFT_PRIVILEGED_HELPER)).isExecutable())
        e.privilegedHelper = QStringLiteral(LOFT_PRIVILEGED_HELPER);
#endif
    return e;
}

LinuxMountHelper::Escalation LinuxMountHelper::escalation() const
{
    if (env_.root)
        return Escalation::None;
    if (!env_.pkexec.isEmpty() && env_.graphicalSession)
        return Escalation::Pkexec;
    if (!env_.sudo.isEmpty())
        return Escalation::Sudo;
    return Escalation::Impossible;
}

QString LinuxMountHelper::unavailableReason() const
{
    if (!env_.kernelHasNfs)
        return tr("This computer's Linux kernel has no NFS client (no “nfs” in /proc/filesystems "
                  "and no nfs module to load), so Loft cannot mount here.");
    if (env_.mountNfs.isEmpty())
        return tr("mount.nfs is not installed, so Loft cannot mount: install the nfs-common "
                  "package (Debian, Ubuntu) or nfs-utils (Fedora, Arch).");
    if (escalation() == Escalation::Impossible)
        return tr("Mounting needs administrator rights, and neither pkexec (polkit) nor sudo "
                  "is installed: install polkit, or run the mount command as root.");
    return {};
}

QStringList LinuxMountHelper::escalate(QStringList command, const QString &helperVerb) const
{
    switch (escalation()) {
    case Escalation::None:
    case Escalation::Impossible:
        return command;
    case Escalation::Pkexec:
        if (!env_.privilegedHelper.isEmpty()) {
            // pkexec HELPER VERB ARGS...: the helper takes mount.nfs's / umount's arguments.
            command[0] = helperVerb;
            command.prepend(env_.privilegedHelper);
        }
        command.prepend(env_.pkexec);
        return command;
    case Escalation::Sudo:
        command.prepend(QStringLiteral("-n"));
        command.prepend(env_.sudo);
        return command;
    }
    return command;
}

QStringList LinuxMountHelper::mountCommand(const MountRequest &request) const
{
    QStringList command = linuxMountCommand(request.target, request.mountPoint, request.tuning);
    // pkexec and sudo want the program's full path.
    command[0] = env_.mountNfs.isEmpty() ? QStringLiteral("/sbin/mount.nfs") : env_.mountNfs;
    return escalate(command, QStringLiteral("mount"));
}

QStringList LinuxMountHelper::unmountCommand(const QString &mountPoint, bool force) const
{
    QStringList command = linuxUnmountCommand(mountPoint, force);
    command[0] = env_.umount;
    return escalate(command, QStringLiteral("unmount"));
}

QString LinuxMountHelper::manualMountCommand(const MountRequest &request) const
{
    QStringList command = linuxMountCommand(request.target, request.mountPoint, request.tuning);
    return QStringLiteral("sudo ") + shellJoin(command);
}

QList<ActiveMount> LinuxMountHelper::parseProcMounts(const QString &text)
{
    QList<ActiveMount> out;
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList f = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (f.size() < 3)
            continue;
        out.append({decodeOctal(f.at(0)), decodeOctal(f.at(1)), f.at(2)});
    }
    return out;
}

QList<ActiveMount> LinuxMountHelper::activeMounts() const
{
    QFile f(env_.procMounts);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<ActiveMount> all = parseProcMounts(QString::fromLocal8Bit(f.readAll()));
    QList<ActiveMount> nfs;
    for (const ActiveMount &m : all)
        if (m.type.startsWith(QLatin1String("nfs")))
            nfs << m;
    return nfs;
}

QString LinuxMountHelper::explainMountFailure(const MountRequest &request, int exitCode,
                                              const QString &output) const
{
    const QString text = output.toLower();
    if (escalation() == Escalation::Pkexec && (exitCode == 126 || exitCode == 127)
        && !text.contains(QLatin1String("mount")))
        return tr("Mounting %1 needs your administrator password, and the request was "
                  "cancelled or refused.").arg(request.name);
    if (escalation() == Escalation::Sudo && text.contains(QLatin1String("password is required")))
        return tr("Mounting needs administrator rights: sudo asked for a password, which Loft "
                  "cannot type. Install polkit (pkexec), or allow mount.nfs and umount in sudoers "
                  "without a password.");
    if (text.contains(QLatin1String("unknown filesystem type")) || text.contains(QLatin1String("no such device")))
        return tr("This computer's Linux kernel has no NFS client, so Loft cannot mount here.");
    if (text.contains(QLatin1String("connection refused")))
        return tr("The NFS client could not reach Loft's server on port %1.").arg(request.target.port);
    if (text.contains(QLatin1String("access denied")) || text.contains(QLatin1String("permission denied")))
        return tr("The system refused to mount %1: %2").arg(request.name, firstLine(output));
    if (text.contains(QLatin1String("is busy")) || text.contains(QLatin1String("already mounted")))
        return tr("Something is already mounted on %1.").arg(request.mountPoint);
    return MountHelper::explainMountFailure(request, exitCode, output);
}

QString LinuxMountHelper::explainUnmountFailure(const QString &mountPoint, int exitCode,
                                                const QString &output) const
{
    const QString text = output.toLower();
    if (text.contains(QLatin1String("busy"))) {
        const QString holders = describeHolders(mountPoint);
        if (holders.isEmpty())
            return tr("%1 is in use by a program: close the files and windows that show it, "
                      "then unmount again.").arg(mountPoint);
        return tr("%1 is in use by %2: close them, then unmount again.").arg(mountPoint, holders);
    }
    if (text.contains(QLatin1String("not mounted")))
        return tr("%1 was not mounted.").arg(mountPoint);
    return MountHelper::explainUnmountFailure(mountPoint, exitCode, output);
}

QString LinuxMountHelper::describeHolders(const QString &mountPoint) const
{
    // Every process whose working directory or an open file lies under the mount point.
    const QString root = QDir::cleanPath(mountPoint);
    auto under = [&root](const QString &path) {
        return path == root || path.startsWith(root + QLatin1Char('/'));
    };
    QStringList holders;
    const QStringList pids = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &pid : pids) {
        bool ok = false;
        pid.toInt(&ok);
        if (!ok)
            continue;
        const QString base = QStringLiteral("/proc/") + pid;
        bool holds = under(QFileInfo(base + QStringLiteral("/cwd")).symLinkTarget());
        if (!holds) {
            QDirIterator fds(base + QStringLiteral("/fd"), QDir::Files | QDir::System);
            while (fds.hasNext() && !holds)
                holds = under(QFileInfo(fds.next()).symLinkTarget());
        }
        if (!holds)
            continue;
        QFile comm(base + QStringLiteral("/comm"));
        QString name = comm.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(comm.readAll()).trimmed()
                                                      : tr("a program");
        holders << tr("%1 (pid %2)").arg(name, pid);
        if (holders.size() == 6)
            break;
    }
    return holders.join(QStringLiteral(", "));
}

} // namespace loft
