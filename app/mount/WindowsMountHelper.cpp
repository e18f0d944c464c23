#include "mount/WindowsMountHelper.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>

namespace loft {

WindowsMountHelper::WindowsMountHelper(QString systemRoot) : systemRoot_(std::move(systemRoot))
{
    if (systemRoot_.isEmpty())
        systemRoot_ = qEnvironmentVariable("SystemRoot", QStringLiteral("C:\\Windows"));
}

QString WindowsMountHelper::tool(const QString &name) const
{
    return systemRoot_ + QStringLiteral("\\System32\\") + name;
}

bool WindowsMountHelper::hasNfsClient() const
{
    return QFileInfo::exists(QDir::fromNativeSeparators(tool(QStringLiteral("mount.exe"))));
}

QString WindowsMountHelper::clientMissingInstructions()
{
    return tr("Windows' “Client for NFS” is not installed, so Loft cannot mount here. Windows Home "
              "editions do not include it. On Windows Pro, Enterprise or Education: open “Turn "
              "Windows features on or off”, tick “Services for NFS” → “Client for NFS”, and "
              "restart Loft; or run in an administrator PowerShell: Enable-WindowsOptionalFeature "
              "-Online -FeatureName ServicesForNFS-ClientOnly, ClientForNFS-Infrastructure");
}

QString WindowsMountHelper::unavailableReason() const
{
    return hasNfsClient() ? QString() : clientMissingInstructions();
}

QStringList WindowsMountHelper::mountCommand(const MountRequest &request) const
{
    QStringList command = windowsMountCommand(request.target, request.mountPoint, request.tuning);
    command[0] = tool(QStringLiteral("mount.exe"));
    return command;
}

QStringList WindowsMountHelper::unmountCommand(const QString &mountPoint, bool force) const
{
    QStringList command = windowsUnmountCommand(mountPoint);
    command[0] = tool(QStringLiteral("umount.exe"));
    if (!force)
        command.removeAll(QStringLiteral("-f"));
    return command;
}

QString WindowsMountHelper::manualMountCommand(const MountRequest &request) const
{
    return windowsMountCommand(request.target, request.mountPoint, request.tuning).join(QLatin1Char(' '));
}

bool WindowsMountHelper::prepareMountPoint(const QString &mountPoint, QString *error) const
{
    static const QRegularExpression drive(QStringLiteral("^[A-Za-z]:$"));
    if (!drive.match(mountPoint).hasMatch()) {
        *error = tr("Choose a drive letter such as Z:.");
        return false;
    }
    return true;
}

QList<ActiveMount> WindowsMountHelper::parseMountExeOutput(const QString &text)
{
    // Local    Remote                                 Properties
    // -------------------------------------------------------------------------------
    // Z:       \\127.0.0.1\abcdef                     UID=-2, GID=-2
    static const QRegularExpression line(QStringLiteral("^([A-Za-z]:)\\s+(\\\\\\\\\\S+)"));
    QList<ActiveMount> out;
    for (const QString &l : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QRegularExpressionMatch m = line.match(l.trimmed());
        if (m.hasMatch())
            out.append({m.captured(2), m.captured(1).toUpper(), QStringLiteral("nfs")});
    }
    return out;
}

QList<ActiveMount> WindowsMountHelper::activeMounts() const
{
    if (!hasNfsClient())
        return {};
    QProcess mount;
    mount.start(tool(QStringLiteral("mount.exe")), {});
    if (!mount.waitForFinished(5000))
        return {};
    return parseMountExeOutput(QString::fromLocal8Bit(mount.readAllStandardOutput()));
}

QString WindowsMountHelper::explainMountFailure(const MountRequest &request, int exitCode,
                                                const QString &output) const
{
    if (output.contains(QLatin1String("Network Error - 53")) || output.contains(QLatin1String("error 53")))
        return tr("Windows' NFS client could not find Loft's server: another program may be "
                  "using port 111 (the portmapper), which Loft needs on Windows.");
    if (output.contains(QLatin1String("85")) && output.contains(QLatin1String("already in use"), Qt::CaseInsensitive))
        return tr("The drive letter %1 is already in use: choose another one.").arg(request.mountPoint);
    if (output.contains(QLatin1String("not recognized"), Qt::CaseInsensitive))
        return clientMissingInstructions();
    return MountHelper::explainMountFailure(request, exitCode, output);
}

QString WindowsMountHelper::explainUnmountFailure(const QString &mountPoint, int exitCode,
                                                  const QString &output) const
{
    if (output.contains(QLatin1String("open files"), Qt::CaseInsensitive)
        || output.contains(QLatin1String("in use"), Qt::CaseInsensitive))
        return tr("%1 is in use: close the files and Explorer windows that show it, then unmount again.")
            .arg(mountPoint);
    return MountHelper::explainUnmountFailure(mountPoint, exitCode, output);
}

} // namespace loft
