// Mapping between provider paths ("docs/a b.txt", raw bytes, no leading slash) and the
// URLs and hrefs of a WebDAV server rooted at a base URL ("https://host/dav/").
//
// Requests percent-encode every byte outside RFC 3986's unreserved set, so any name —
// spaces, '%', '#', '?', accents, CJK — reaches the server unambiguously. Hrefs in
// PROPFIND answers come back in whatever form the server likes (absolute URLs as
// Nextcloud sends them, server-relative paths as Apache does, encoded or not, with a
// trailing slash on collections); they are compared fully decoded.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QUrl>

namespace loft::webdav {

class WebDavUrl {
public:
    WebDavUrl() = default;
    // `base` is http(s)://host[:port][/path]; user info is dropped.
    explicit WebDavUrl(const QUrl &base);

    bool isValid() const { return base_.isValid() && !base_.host().isEmpty(); }
    // The root URL, always ending in '/', without user info.
    QUrl root() const { return base_; }
    // scheme://host[:port] — for messages.
    QString origin() const;

    // The URL of `path`; collections get a trailing slash (servers answer a slash-less
    // collection URL with a redirect, or not at all).
    QUrl url(QByteArrayView path, bool collection = false) const;

    // RFC 3986 percent-encoding of one path component (or of a path, keeping '/').
    static QByteArray encodeSegment(QByteArrayView segment);
    static QByteArray encodePath(QByteArrayView path);

    // The decoded path of an href resolved against the URL the answer came from: bytes,
    // leading '/', without a trailing slash (except for "/" itself).
    static QByteArray hrefPath(const QString &href, const QUrl &requestUrl);
    // The decoded path of a URL, normalised like hrefPath().
    static QByteArray decodedPath(const QUrl &url);

    // The last component of a decoded path ("" for "/").
    static QByteArray lastSegment(QByteArrayView decodedPath);
    // The decoded path's parent ("/" for "/x").
    static QByteArray parentPath(QByteArrayView decodedPath);

private:
    QUrl base_;
    QByteArray baseEncodedPath_; // ends in '/'
};

} // namespace loft::webdav
