#include "AddressValidator.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

namespace loft::ui {

namespace {

AddressCheck localFolder(const QString &raw)
{
    QString path = raw.trimmed();
    if (path.startsWith(QLatin1String("file://")))
        path = QUrl(path).toLocalFile();
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    AddressCheck c;
    if (path.isEmpty()) {
        c.message = AddressValidator::tr("Choose the folder to mount.");
        return c;
    }
    if (QDir::isRelativePath(path)) {
        c.message = AddressValidator::tr("Give the full path, starting with %1.")
                        .arg(QDir::toNativeSeparators(QDir::rootPath()));
        return c;
    }
    const QFileInfo info(path);
    if (!info.exists()) {
        c.message = AddressValidator::tr("There is no folder at this path.");
        return c;
    }
    if (!info.isDir()) {
        c.message = AddressValidator::tr("This is a file, not a folder.");
        return c;
    }
    c.normalized = QDir::cleanPath(info.absoluteFilePath());
    if (!info.isReadable()) {
        c.message = AddressValidator::tr("You cannot read this folder.");
        return c;
    }
    c.level = info.isWritable() ? AddressCheck::Level::Ok : AddressCheck::Level::Warning;
    c.message = info.isWritable() ? AddressValidator::tr("Folder found.")
                                  : AddressValidator::tr("Folder found; you can only read it.");
    return c;
}

AddressCheck webDav(const QString &raw)
{
    AddressCheck c;
    QString text = raw.trimmed();
    if (text.isEmpty()) {
        c.message = AddressValidator::tr("Enter the server's WebDAV address.");
        return c;
    }
    if (!text.contains(QLatin1String("://")))
        text.prepend(QLatin1String("https://"));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        c.message = AddressValidator::tr("This is not a valid web address.");
        return c;
    }
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1String("https") && scheme != QLatin1String("http")
        && scheme != QLatin1String("webdav") && scheme != QLatin1String("webdavs")) {
        c.message = AddressValidator::tr("WebDAV addresses start with https://.");
        return c;
    }
    if (!url.userInfo().isEmpty()) {
        c.message = AddressValidator::tr("Put the user name in its own field, not in the address.");
        return c;
    }
    QUrl normal = url;
    if (scheme == QLatin1String("webdavs"))
        normal.setScheme(QStringLiteral("https"));
    else if (scheme == QLatin1String("webdav"))
        normal.setScheme(QStringLiteral("http"));
    if (normal.path().isEmpty())
        normal.setPath(QStringLiteral("/"));
    c.normalized = normal.toString();
    if (normal.scheme() == QLatin1String("http")) {
        const bool loopback = normal.host() == QLatin1String("localhost")
            || normal.host().startsWith(QLatin1String("127."))
            || normal.host() == QLatin1String("[::1]") || normal.host() == QLatin1String("::1");
        c.level = loopback ? AddressCheck::Level::Ok : AddressCheck::Level::Warning;
        c.message = loopback ? AddressValidator::tr("Server on this computer.")
                             : AddressValidator::tr("Not encrypted: passwords and files cross the network in the clear.");
        return c;
    }
    c.level = AddressCheck::Level::Ok;
    c.message = AddressValidator::tr("Encrypted connection to %1.").arg(normal.host());
    return c;
}

AddressCheck sftp(const QString &raw)
{
    AddressCheck c;
    QString text = raw.trimmed();
    if (text.isEmpty()) {
        c.message = AddressValidator::tr("Enter the server, e.g. sftp://host/path.");
        return c;
    }
    if (!text.contains(QLatin1String("://"))) {
        // "host:/path" and "host" as scp users type them
        const int colon = text.indexOf(QLatin1Char(':'));
        if (colon > 0 && !text.mid(colon + 1).front().isDigit())
            text = text.left(colon) + QLatin1Char('/') + text.mid(colon + 1);
        text.prepend(QLatin1String("sftp://"));
    }
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        c.message = AddressValidator::tr("This is not a valid server address.");
        return c;
    }
    if (url.scheme().toLower() != QLatin1String("sftp")) {
        c.message = AddressValidator::tr("SFTP addresses start with sftp://.");
        return c;
    }
    if (!url.userInfo().isEmpty()) {
        c.message = AddressValidator::tr("Put the user name in its own field, not in the address.");
        return c;
    }
    QUrl normal = url;
    normal.setPath(QDir::cleanPath(url.path().isEmpty() ? QStringLiteral("/") : url.path()));
    c.normalized = normal.toString();
    c.level = AddressCheck::Level::Ok;
    c.message = url.port() > 0
        ? AddressValidator::tr("Server %1, port %2.").arg(url.host()).arg(url.port())
        : AddressValidator::tr("Server %1 (port 22).").arg(url.host());
    return c;
}

} // namespace

AddressCheck AddressValidator::check(ProviderKind kind, const QString &text)
{
    switch (kind) {
    case ProviderKind::LocalFolder: return localFolder(text);
    case ProviderKind::WebDav: return webDav(text);
    case ProviderKind::Sftp: return sftp(text);
    }
    return {};
}

QString AddressValidator::placeholder(ProviderKind kind)
{
    switch (kind) {
    case ProviderKind::LocalFolder: return QDir::toNativeSeparators(QDir::homePath() + tr("/Documents"));
    case ProviderKind::WebDav: return tr("https://cloud.example.com/remote.php/dav/files/me/");
    case ProviderKind::Sftp: return tr("sftp://server.example.com/home/me");
    }
    return {};
}

} // namespace loft::ui
