#include "WebDavUrl.h"

namespace loft::webdav {

namespace {

bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~';
}

QByteArray normalised(QByteArray path)
{
    if (!path.startsWith('/'))
        path.prepend('/');
    while (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    return path;
}

} // namespace

WebDavUrl::WebDavUrl(const QUrl &base)
{
    base_ = base.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
    // Re-encode the base path our way, so that later concatenation stays consistent.
    const QByteArray decoded = QByteArray::fromPercentEncoding(
        base_.path(QUrl::FullyEncoded).toLatin1());
    baseEncodedPath_ = encodePath(normalised(decoded));
    if (!baseEncodedPath_.endsWith('/'))
        baseEncodedPath_ += '/';
    base_.setPath(QString::fromLatin1(baseEncodedPath_), QUrl::StrictMode);
}

QString WebDavUrl::origin() const
{
    return base_.adjusted(QUrl::RemovePath).toString(QUrl::RemoveUserInfo);
}

QUrl WebDavUrl::url(QByteArrayView path, bool collection) const
{
    QByteArray encoded = baseEncodedPath_ + encodePath(path);
    if (collection && !encoded.endsWith('/'))
        encoded += '/';
    QUrl u = base_;
    u.setPath(QString::fromLatin1(encoded), QUrl::StrictMode);
    return u;
}

QByteArray WebDavUrl::encodeSegment(QByteArrayView segment)
{
    static const char kHex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(segment.size() * 3);
    for (char ch : segment) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

QByteArray WebDavUrl::encodePath(QByteArrayView path)
{
    QByteArray out;
    qsizetype start = 0;
    while (start <= path.size()) {
        qsizetype slash = path.indexOf('/', start);
        if (slash < 0)
            slash = path.size();
        out += encodeSegment(path.sliced(start, slash - start));
        if (slash < path.size())
            out += '/';
        start = slash + 1;
    }
    return out;
}

QByteArray WebDavUrl::hrefPath(const QString &href, const QUrl &requestUrl)
{
    // Tolerant mode percent-encodes raw spaces and non-ASCII characters that some
    // servers leave in hrefs, and keeps existing escapes as they are.
    const QUrl parsed = QUrl::fromEncoded(href.trimmed().toUtf8(), QUrl::TolerantMode);
    return decodedPath(requestUrl.resolved(parsed));
}

QByteArray WebDavUrl::decodedPath(const QUrl &url)
{
    return normalised(QByteArray::fromPercentEncoding(url.path(QUrl::FullyEncoded).toLatin1()));
}

QByteArray WebDavUrl::lastSegment(QByteArrayView decodedPath)
{
    const qsizetype slash = decodedPath.lastIndexOf('/');
    return decodedPath.sliced(slash + 1).toByteArray();
}

QByteArray WebDavUrl::parentPath(QByteArrayView decodedPath)
{
    const qsizetype slash = decodedPath.lastIndexOf('/');
    if (slash <= 0)
        return QByteArrayLiteral("/");
    return decodedPath.first(slash).toByteArray();
}

} // namespace loft::webdav
