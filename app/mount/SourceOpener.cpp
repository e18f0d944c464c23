#include "mount/SourceOpener.h"

#include "CachingFileSystem.h"
#include "SftpFileSystem.h"
#include "SftpOptions.h"
#include "cli/SourceFactory.h"
#include "state/SourceState.h"

#include <QCoreApplication>
#include <QMutex>
#include <QUrl>

namespace loft {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("SourceOpener", text);
}

// SourceFactory takes a remote password from LOFT_PASSWORD (never a command line). The
// app sets it only around one openSource() call at a time, and clears it right after.
QMutex passwordMutex;
} // namespace

QString sourceArgument(const MountConfig &c)
{
    if (c.kind == ProviderKind::LocalFolder)
        return c.address;
    QUrl url(c.address);
    if (c.kind == ProviderKind::WebDav)
        url.setScheme(url.scheme() == QLatin1String("http") ? QStringLiteral("webdav")
                                                             : QStringLiteral("webdavs"));
    if (!c.userName.isEmpty())
        url.setUserName(c.userName);
    return url.toString();
}

OpenedSource openMountSource(const MountConfig &config, const QString &secret, const QString &dataDir,
                             std::optional<int> uploadDelayMs)
{
    OpenedSource out;
    SourceSpec spec;
    spec.uploadDelayMs = uploadDelayMs;
    spec.readOnly = config.readOnly;
    spec.cacheDir = (dataDir.isEmpty() ? SourceState::defaultDataDir() : dataDir) + QStringLiteral("/cache");
    if (config.cacheLimitBytes > 0)
        spec.cacheBytes = uint64_t(config.cacheLimitBytes);
    if (config.kind == ProviderKind::Sftp && config.useKeyFile)
        spec.identityFile = config.keyFile;
    QString error;
    {
        QMutexLocker lock(&passwordMutex);
        const bool remote = config.kind != ProviderKind::LocalFolder;
        if (remote)
            qputenv("LOFT_PASSWORD", secret.toUtf8());
        out.fs = openSource(sourceArgument(config), &spec, &error);
        if (remote)
            qunsetenv("LOFT_PASSWORD");
    }
    if (!out.fs) {
        out.error = error.startsWith(QLatin1String("unknown source scheme"))
            ? tr("This build of Loft cannot connect to %1 servers yet.")
                  .arg(config.kind == ProviderKind::WebDav ? QStringLiteral("WebDAV") : QStringLiteral("SFTP"))
            : error;
        return out;
    }
    out.cache = dynamic_cast<CachingFileSystem *>(out.fs.get());
    return out;
}

QString sftpHostKeyId(const MountConfig &config)
{
    const QUrl url(sourceArgument(config));
    return url.host() + QLatin1Char(':') + QString::number(url.port(22));
}

HostKeyQuestion checkSftpHostKey(const MountConfig &config, const QString &secret,
                                 const QString &approvedFingerprint)
{
    HostKeyQuestion q;
    QString error;
    std::optional<SftpOptions> options = SftpOptions::fromUrl(QUrl(sourceArgument(config)), &error);
    if (!options)
        return q; // the normal open reports the address problem
    options->readOnly = true;
    options->sessions = 1;
    if (config.useKeyFile)
        options->identityFile = config.keyFile;
    options->password = secret.toUtf8();
    options->keyPassphrase = options->password;
    options->approvedHostKey = approvedFingerprint;
    options->saveApprovedHostKey = true;
    SftpConnectError failure;
    std::unique_ptr<SftpFileSystem> fs = SftpFileSystem::open(*options, &failure);
    if (fs || !failure.hostKey)
        return q; // connected, or a failure the normal open reports
    const HostKeyInfo &key = *failure.hostKey;
    q.host = key.host + QLatin1Char(':') + QString::number(key.port);
    q.keyType = key.keyType;
    q.fingerprint = key.fingerprint;
    q.message = failure.message;
    if (failure.kind == SftpConnectError::Kind::HostKeyUnknown)
        q.kind = HostKeyQuestion::Kind::Unknown;
    else if (failure.kind == SftpConnectError::Kind::HostKeyChanged)
        q.kind = HostKeyQuestion::Kind::Changed;
    return q;
}

} // namespace loft
