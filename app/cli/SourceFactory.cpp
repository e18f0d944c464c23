#include "cli/SourceFactory.h"

#include "LocalFileSystem.h"
#include "SftpFileSystem.h"
#include "CachingFileSystem.h"
#include "WebDavFileSystem.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

#include <future>

namespace loft {

namespace {

// webdav://[user@]host[:port]/path (http) and webdavs://... (https); the password comes
// from LOFT_PASSWORD, never from the command line (other local users can read those).
std::shared_ptr<FileSystem> openWebDav(const QUrl &url, SourceSpec *spec, QString *error)
{
    const QString usage = QStringLiteral("use webdav://[user@]host[:port]/path or webdavs://...");
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("\"%1\" is not a WebDAV address: %2")
                     .arg(url.toString(QUrl::RemovePassword), usage);
        return nullptr;
    }
    if (!url.password().isEmpty()) {
        *error = QStringLiteral("do not put the password in the address (other users can see "
                                "command lines): set the LOFT_PASSWORD environment variable");
        return nullptr;
    }
    const bool secure = url.scheme() == QLatin1String("webdavs");
    QUrl http = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment
                             | QUrl::NormalizePathSegments);
    http.setScheme(secure ? QStringLiteral("https") : QStringLiteral("http"));

    webdav::WebDavOptions options;
    options.url = http;
    options.user = url.userName();
    options.password = qEnvironmentVariable("LOFT_PASSWORD");
    options.readOnly = spec->readOnly;
    if (spec->remoteTimeoutMs)
        options.transferTimeout = std::chrono::milliseconds(*spec->remoteTimeoutMs);
    auto fs = std::make_shared<webdav::WebDavFileSystem>(options);

    // Look at the folder now, so that a wrong address, password or certificate is said at
    // once rather than as I/O errors in the mount. (The answer comes from the provider's
    // thread; this thread only waits — bounded by the provider's timeouts.)
    auto promise = std::make_shared<std::promise<FsResult<FsAttr>>>();
    fs->getattr({}, [promise](FsResult<FsAttr> r) { promise->set_value(std::move(r)); });
    const FsResult<FsAttr> root = promise->get_future().get();
    const QString shown = url.toString(QUrl::RemovePassword);
    if (!root) {
        switch (root.error()) {
        case FsError::NotFound:
            *error = QStringLiteral("the folder %1 does not exist on the server").arg(shown);
            break;
        default: {
            const QString why = fs->lastError();
            *error = QStringLiteral("cannot serve %1: %2")
                         .arg(shown, why.isEmpty() ? QString::fromLatin1(fsErrorName(root.error()))
                                                   : why);
        }
        }
        return nullptr;
    }
    if (root->type != FsType::Directory) {
        *error = QStringLiteral("%1 is a file, not a folder").arg(shown);
        return nullptr;
    }
    spec->canonical = url.adjusted(QUrl::RemovePassword | QUrl::RemoveQuery
                                   | QUrl::RemoveFragment | QUrl::NormalizePathSegments
                                   | QUrl::StripTrailingSlash)
                          .toString();
    return fs;
}

// sftp://[user@]host[:port]/path ("/~/..." is relative to the home folder). The password
// or the key's passphrase comes from LOFT_PASSWORD. Connecting verifies the host key and
// the login at once, so such problems are said before anything is served.
std::shared_ptr<FileSystem> openSftp(const QUrl &url, SourceSpec *spec, QString *error)
{
    std::optional<SftpOptions> options = SftpOptions::fromUrl(url, error);
    if (!options)
        return nullptr;
    options->readOnly = spec->readOnly;
    options->identityFile = spec->identityFile;
    options->knownHostsFile = spec->knownHostsFile;
    options->acceptNewHostKey = spec->acceptNewHostKey;
    if (spec->remoteTimeoutMs)
        options->timeout = std::chrono::milliseconds(*spec->remoteTimeoutMs);
    options->password = qgetenv("LOFT_PASSWORD");
    options->keyPassphrase = options->password;
    SftpConnectError failure;
    std::unique_ptr<SftpFileSystem> fs = SftpFileSystem::open(*options, &failure);
    if (!fs) {
        QString hint;
        if (failure.kind == SftpConnectError::Kind::HostKeyUnknown)
            hint = QStringLiteral(" To trust it, run again with --accept-new-host-key.");
        else if (failure.kind == SftpConnectError::Kind::AuthenticationFailed)
            hint = QStringLiteral(" (Key file: --identity FILE; password or key passphrase: "
                                  "the LOFT_PASSWORD environment variable.)");
        *error = QStringLiteral("cannot serve %1: %2%3")
                     .arg(options->canonicalUrl(), failure.message, hint);
        return nullptr;
    }
    spec->canonical = options->canonicalUrl();
    return fs;
}

} // namespace

static std::shared_ptr<FileSystem> openProvider(const QString &argument, SourceSpec *spec,
                                                QString *error)
{
    QString path = argument;
    const QUrl url(argument);
    if (argument.contains(QLatin1String("://"))) {
        if (url.scheme() == QLatin1String("webdav") || url.scheme() == QLatin1String("webdavs"))
            return openWebDav(url, spec, error);
        if (url.scheme() == QLatin1String("sftp"))
            return openSftp(url, spec, error);
        if (url.scheme() != QLatin1String("file")) {
            *error = QStringLiteral("unknown source scheme \"%1\": use a folder path, file:///path, "
                                    "webdav://[user@]host[:port]/path, webdavs://... or "
                                    "sftp://[user@]host[:port]/path")
                         .arg(url.scheme());
            return nullptr;
        }
        path = url.toLocalFile();
    }
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("source folder %1 does not exist").arg(path);
        return nullptr;
    }
    if (!info.isDir()) {
        *error = QStringLiteral("source %1 is not a folder").arg(path);
        return nullptr;
    }
    const QString canonical = info.canonicalFilePath();
    spec->canonical = QUrl::fromLocalFile(canonical).toString();
    QString openError;
    auto fs = LocalFileSystem::open(canonical, spec->readOnly, &openError);
    if (!fs) {
        *error = QStringLiteral("cannot serve %1: %2").arg(canonical, openError);
        return nullptr;
    }
    return fs;
}

// The wrap step: a remote provider gets the cache layer, with a cache folder of its own.
std::shared_ptr<FileSystem> openSource(const QString &argument, SourceSpec *spec, QString *error)
{
    std::shared_ptr<FileSystem> fs = openProvider(argument, spec, error);
    if (!fs || !fs->capabilities().remote)
        return fs;
    CacheConfig config;
    config.directory = cacheDirForSource(
        spec->cacheDir.isEmpty() ? defaultCacheBaseDir() : spec->cacheDir, spec->canonical);
    if (spec->cacheBytes)
        config.maxBytes = *spec->cacheBytes;
    if (spec->uploadDelayMs)
        config.uploadDelay = std::chrono::milliseconds(*spec->uploadDelayMs);
    QString cacheError;
    auto cached = CachingFileSystem::wrapIfRemote(std::move(fs), config, &cacheError);
    if (!cached)
        *error = QStringLiteral("cannot cache %1: %2").arg(spec->canonical, cacheError);
    return cached;
}
} // namespace loft
