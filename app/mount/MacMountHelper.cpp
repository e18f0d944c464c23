#include "mount/MacMountHelper.h"

#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>

namespace loft {

QString MacMountHelper::unavailableReason() const
{
#ifdef Q_OS_MACOS
    if (!QFileInfo::exists(QStringLiteral("/sbin/mount_nfs")))
        return tr("This Mac has no NFS client (/sbin/mount_nfs is missing), so Loft cannot mount here.");
#endif
    return {};
}

QStringList MacMountHelper::mountCommand(const MountRequest &request) const
{
    return macosMountCommand(request.target, request.mountPoint, request.tuning);
}

QStringList MacMountHelper::unmountCommand(const QString &mountPoint, bool force) const
{
    QStringList command = macosUnmountCommand(mountPoint);
    if (force)
        command.insert(2, QStringLiteral("force"));
    return command;
}

QList<ActiveMount> MacMountHelper::parseMountOutput(const QString &text)
{
    static const QRegularExpression line(QStringLiteral("^(.+) on (.+) \\(([^,)]+)[,)]"));
    QList<ActiveMount> out;
    for (const QString &l : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QRegularExpressionMatch m = line.match(l);
        if (m.hasMatch())
            out.append({m.captured(1), m.captured(2), m.captured(3)});
    }
    return out;
}

QList<ActiveMount> MacMountHelper::activeMounts() const
{
    QProcess mount;
    mount.start(QStringLiteral("/sbin/mount"), {QStringLiteral("-t"), QStringLiteral("nfs")});
    if (!mount.waitForFinished(5000))
        return {};
    return parseMountOutput(QString::fromLocal8Bit(mount.readAllStandardOutput()));
}

QString MacMountHelper::explainMountFailure(const MountRequest &request, int exitCode,
                                            const QString &output) const
{
    const QString text = output.toLower();
    if (text.contains(QLatin1String("operation not permitted")) || text.contains(QLatin1String("permission denied")))
        return tr("macOS refused to mount on %1: the folder must belong to you, and Loft may need "
                  "“Network Volumes” access in System Settings → Privacy & Security → Files and Folders.")
            .arg(request.mountPoint);
    if (text.contains(QLatin1String("connection refused")) || text.contains(QLatin1String("can't mount")))
        return tr("The NFS client could not reach Loft's server on port %1.").arg(request.target.port);
    if (text.contains(QLatin1String("resource busy")))
        return tr("Something is already mounted on %1.").arg(request.mountPoint);
    return MountHelper::explainMountFailure(request, exitCode, output);
}

QString MacMountHelper::explainUnmountFailure(const QString &mountPoint, int exitCode,
                                              const QString &output) const
{
    // diskutil: "Unmount of disk failed: at least one volume could not be unmounted ...
    // dissented by PID 412 (/System/Applications/Preview.app/...)"
    static const QRegularExpression dissent(QStringLiteral("dissented by PID (\\d+)(?: \\(([^)]+)\\))?"));
    const QRegularExpressionMatch m = dissent.match(output);
    if (m.hasMatch()) {
        const QString program = m.captured(2).isEmpty() ? tr("a program")
                                                         : QFileInfo(m.captured(2)).fileName();
        return tr("%1 is in use by %2 (pid %3): close its files, then unmount again.")
            .arg(mountPoint, program, m.captured(1));
    }
    if (output.contains(QLatin1String("busy"), Qt::CaseInsensitive)
        || output.contains(QLatin1String("could not be unmounted"), Qt::CaseInsensitive)) {
        const QString holders = describeHolders(mountPoint);
        return holders.isEmpty()
            ? tr("%1 is in use by a program: close the files and windows that show it, then unmount again.").arg(mountPoint)
            : tr("%1 is in use by %2: close them, then unmount again.").arg(mountPoint, holders);
    }
    return MountHelper::explainUnmountFailure(mountPoint, exitCode, output);
}

QString MacMountHelper::describeHolders(const QString &mountPoint) const
{
    // lsof given a mount point lists the files open on that file system.
    QProcess lsof;
    lsof.start(QStringLiteral("/usr/sbin/lsof"), {QStringLiteral("-F"), QStringLiteral("pc"), mountPoint});
    if (!lsof.waitForFinished(5000))
        return {};
    QStringList holders;
    QString pid;
    for (const QString &line : QString::fromLocal8Bit(lsof.readAllStandardOutput()).split(QLatin1Char('\n'))) {
        if (line.startsWith(QLatin1Char('p')))
            pid = line.mid(1);
        else if (line.startsWith(QLatin1Char('c')) && !pid.isEmpty())
            holders << tr("%1 (pid %2)").arg(line.mid(1), pid);
    }
    holders.removeDuplicates();
    return holders.mid(0, 6).join(QStringLiteral(", "));
}

} // namespace loft
