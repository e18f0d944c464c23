#include "SftpOptions.h"

#include <pwd.h>
#include <unistd.h>

namespace loft {

namespace {
QString localUserName()
{
    if (const struct passwd *pw = ::getpwuid(::getuid()))
        return QString::fromLocal8Bit(pw->pw_name);
    return QString::fromLocal8Bit(qgetenv("USER"));
}
} // namespace

std::optional<SftpOptions> SftpOptions::fromUrl(const QUrl &url, QString *error)
{
    if (!url.isValid() || url.scheme() != QLatin1String("sftp")) {
        *error = QStringLiteral("not an sftp:// URL: %1").arg(url.toDisplayString());
        return std::nullopt;
    }
    SftpOptions o;
    o.host = url.host();
    if (o.host.isEmpty()) {
        *error = QStringLiteral("the sftp:// URL names no host: use sftp://user@host/path");
        return std::nullopt;
    }
    if (!url.password().isEmpty()) {
        *error = QStringLiteral("do not put the password in the URL (other users can read "
                                "command lines): set the LOFT_PASSWORD environment variable");
        return std::nullopt;
    }
    const int port = url.port(22);
    if (port <= 0 || port > 65535) {
        *error = QStringLiteral("invalid port in %1").arg(url.toDisplayString());
        return std::nullopt;
    }
    o.port = uint16_t(port);
    o.user = url.userName();
    if (o.user.isEmpty())
        o.user = localUserName();
    // Names are bytes on the server: take the path percent-decoded, not as QString.
    QByteArray path = QByteArray::fromPercentEncoding(url.path(QUrl::FullyEncoded).toLatin1());
    if (path.isEmpty()) {
        o.rootPath = "~";
    } else if (path == "/~" || path.startsWith("/~/")) {
        o.rootPath = path.mid(1);
    } else {
        o.rootPath = path;
    }
    while (o.rootPath.size() > 1 && o.rootPath.endsWith('/'))
        o.rootPath.chop(1);
    if (o.rootPath.contains('\0')) {
        *error = QStringLiteral("the path in %1 contains a NUL byte").arg(url.toDisplayString());
        return std::nullopt;
    }
    return o;
}

QString SftpOptions::canonicalUrl() const
{
    QUrl url;
    url.setScheme(QStringLiteral("sftp"));
    url.setUserName(user);
    url.setHost(host);
    if (port != 22)
        url.setPort(port);
    QByteArray path = rootPath;
    if (!path.startsWith('/'))
        path.prepend('/'); // "~/x" -> "/~/x", as fromUrl reads it
    url.setPath(QString::fromLatin1(path.toPercentEncoding("/~")), QUrl::StrictMode);
    return url.toString(QUrl::FullyEncoded);
}

QString SftpOptions::displayTarget() const
{
    QString target = user.isEmpty() ? host : user + QLatin1Char('@') + host;
    if (port != 22)
        target += QLatin1Char(':') + QString::number(port);
    return target;
}

} // namespace loft
