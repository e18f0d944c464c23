#include "mount/NfsMountOptions.h"

#include <QRegularExpression>
#include <QUrl>

namespace loft {

bool parseNfsUrl(const QString &text, NfsMountTarget *target)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("nfs") || url.host().isEmpty()
        || url.port() <= 0 || url.path().size() < 2)
        return false;
    target->host = url.host();
    target->port = quint16(url.port());
    target->exportPath = url.path();
    return true;
}

QString nfsUrl(const NfsMountTarget &t)
{
    return QStringLiteral("nfs://%1:%2%3").arg(t.host).arg(t.port).arg(t.exportPath);
}

QStringList linuxMountOptions(const NfsMountTarget &t, const NfsMountTuning &tuning)
{
    QStringList o = {
        QStringLiteral("vers=3"),
        QStringLiteral("proto=tcp"),
        QStringLiteral("port=%1").arg(t.port),
        QStringLiteral("mountport=%1").arg(t.port),
        QStringLiteral("mountproto=tcp"),
        QStringLiteral("nolock"), // no NLM: Loft has no lock manager
        QStringLiteral("noacl"),  // no NFSACL side protocol either
        QStringLiteral("rsize=%1").arg(tuning.rsize),
        QStringLiteral("wsize=%1").arg(tuning.wsize),
        QStringLiteral("actimeo=%1").arg(tuning.attrCacheSeconds),
        tuning.soft ? QStringLiteral("soft") : QStringLiteral("hard"),
        QStringLiteral("timeo=%1").arg(tuning.timeoutTenths),
        QStringLiteral("retrans=%1").arg(tuning.retrans),
    };
    return o;
}

QString linuxKernelMountData(const NfsMountTarget &t, const QString &serverAddress,
                             const NfsMountTuning &tuning)
{
    QStringList o = linuxMountOptions(t, tuning);
    o << QStringLiteral("addr=%1").arg(serverAddress)
      << QStringLiteral("mountaddr=%1").arg(serverAddress);
    return o.join(QLatin1Char(','));
}

QStringList linuxMountCommand(const NfsMountTarget &t, const QString &mountPoint,
                              const NfsMountTuning &tuning)
{
    return {QStringLiteral("mount.nfs"), t.host + QLatin1Char(':') + t.exportPath, mountPoint,
            QStringLiteral("-o"), linuxMountOptions(t, tuning).join(QLatin1Char(','))};
}

QStringList linuxUnmountCommand(const QString &mountPoint, bool lazy)
{
    QStringList c = {QStringLiteral("umount")};
    if (lazy)
        c << QStringLiteral("-l");
    c << mountPoint;
    return c;
}

QStringList macosMountCommand(const NfsMountTarget &t, const QString &mountPoint,
                              const NfsMountTuning &tuning)
{
    const QStringList o = {
        QStringLiteral("vers=3"),
        QStringLiteral("tcp"),
        QStringLiteral("port=%1").arg(t.port),
        QStringLiteral("mountport=%1").arg(t.port),
        QStringLiteral("nolocks"),
        QStringLiteral("locallocks"),
        QStringLiteral("rsize=%1").arg(tuning.rsize),
        QStringLiteral("wsize=%1").arg(tuning.wsize),
        QStringLiteral("actimeo=%1").arg(tuning.attrCacheSeconds),
        tuning.soft ? QStringLiteral("soft") : QStringLiteral("hard"),
    };
    return {QStringLiteral("/sbin/mount"), QStringLiteral("-t"), QStringLiteral("nfs"),
            QStringLiteral("-o"), o.join(QLatin1Char(',')),
            t.host + QLatin1Char(':') + t.exportPath, mountPoint};
}

QStringList macosUnmountCommand(const QString &mountPoint)
{
    return {QStringLiteral("/usr/sbin/diskutil"), QStringLiteral("unmount"), mountPoint};
}

QStringList windowsMountCommand(const NfsMountTarget &t, const QString &driveLetter,
                                const NfsMountTuning &tuning)
{
    QString exportName = t.exportPath;
    exportName.replace(QLatin1Char('/'), QLatin1Char('\\'));
    const QStringList o = {
        QStringLiteral("anon"),
        QStringLiteral("nolock"),
        QStringLiteral("mtype=soft"),
        QStringLiteral("fileaccess=6"),
        QStringLiteral("casesensitive"),
        QStringLiteral("lang=ansi"),
        QStringLiteral("rsize=%1").arg(std::min(tuning.rsize / 1024, 1024)),
        QStringLiteral("wsize=%1").arg(std::min(tuning.wsize / 1024, 1024)),
        QStringLiteral("timeout=%1").arg(std::max(1, tuning.timeoutTenths / 10)),
        QStringLiteral("retry=%1").arg(tuning.retrans),
    };
    return {QStringLiteral("mount.exe"), QStringLiteral("-o"), o.join(QLatin1Char(',')),
            QStringLiteral("\\\\") + t.host + exportName, driveLetter};
}

QStringList windowsUnmountCommand(const QString &driveLetter)
{
    return {QStringLiteral("umount.exe"), QStringLiteral("-f"), driveLetter};
}

QString shellJoin(const QStringList &args)
{
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9_@%+=:,./\\\\-]+$"));
    QStringList out;
    for (const QString &a : args) {
        if (safe.match(a).hasMatch())
            out << a;
        else
            out << QLatin1Char('\'') + QString(a).replace(QLatin1String("'"), QLatin1String("'\\''"))
                       + QLatin1Char('\'');
    }
    return out.join(QLatin1Char(' '));
}

} // namespace loft
