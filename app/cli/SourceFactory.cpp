#include "cli/SourceFactory.h"

#include "LocalFileSystem.h"
#include "CachingFileSystem.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

namespace loft {

static std::shared_ptr<FileSystem> openProvider(const QString &argument, SourceSpec *spec,
                                                QString *error)
{
    QString path = argument;
    const QUrl url(argument);
    if (argument.contains(QLatin1String("://"))) {
        if (url.scheme() != QLatin1String("file")) {
            *error = QStringLiteral("unknown source scheme \"%1\": use a folder path or file:///path")
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
static std::shared_ptr<FileSystem> openProvider(const QString &argument, SourceSpec *spec,
                                                QString *error)
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
