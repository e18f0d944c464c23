#include "cli/SourceFactory.h"

#include "LocalFileSystem.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

namespace loft {

std::shared_ptr<FileSystem> openSource(const QString &argument, SourceSpec *spec, QString *error)
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

} // namespace loft
