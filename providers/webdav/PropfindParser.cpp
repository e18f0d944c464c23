#include "PropfindParser.h"

#include "HttpDate.h"

#include <QXmlStreamReader>

namespace loft::webdav {

namespace {

constexpr QStringView kDav = u"DAV:";

bool isDav(const QXmlStreamReader &r, QStringView name)
{
    return r.namespaceUri() == kDav && r.name() == name;
}

std::optional<uint64_t> parseUnsigned(const QString &text)
{
    bool ok = false;
    const qulonglong v = text.trimmed().toULongLong(&ok);
    if (!ok)
        return std::nullopt;
    return uint64_t(v);
}

// The properties of one <D:propstat>, applied to the resource only when its status is 2xx.
struct PropValues {
    std::optional<bool> collection;
    std::optional<uint64_t> contentLength;
    std::optional<QByteArray> etag;
    std::optional<int64_t> lastModified;
    std::optional<uint64_t> quotaAvailable;
    std::optional<uint64_t> quotaUsed;
    std::optional<QByteArray> createVerifier;

    void applyTo(DavResource &res) const
    {
        if (collection)
            res.collection = *collection;
        if (contentLength)
            res.contentLength = contentLength;
        if (etag)
            res.etag = *etag;
        if (lastModified)
            res.lastModified = lastModified;
        if (quotaAvailable)
            res.quotaAvailable = quotaAvailable;
        if (quotaUsed)
            res.quotaUsed = quotaUsed;
        if (createVerifier)
            res.createVerifier = createVerifier;
    }
};

void parseResourceType(QXmlStreamReader &r, PropValues &values)
{
    values.collection = false;
    while (r.readNextStartElement()) {
        if (isDav(r, u"collection"))
            values.collection = true;
        r.skipCurrentElement();
    }
}

void parseProp(QXmlStreamReader &r, PropValues &values)
{
    while (r.readNextStartElement()) {
        if (isDav(r, u"resourcetype")) {
            parseResourceType(r, values);
            continue;
        }
        if (r.namespaceUri() == QLatin1String(kLoftNamespace)
            && r.name() == QLatin1String(kCreateVerifierProperty)) {
            values.createVerifier = r.readElementText(QXmlStreamReader::SkipChildElements)
                                        .trimmed()
                                        .toLatin1();
            continue;
        }
        if (r.namespaceUri() != kDav) {
            r.skipCurrentElement();
            continue;
        }
        const QString name = r.name().toString();
        const QString text = r.readElementText(QXmlStreamReader::SkipChildElements);
        if (name == u"getcontentlength") {
            values.contentLength = parseUnsigned(text);
        } else if (name == u"getetag") {
            const QString etag = text.trimmed();
            if (!etag.isEmpty())
                values.etag = etag.toUtf8();
        } else if (name == u"getlastmodified") {
            values.lastModified = parseHttpDate(text.trimmed().toLatin1());
        } else if (name == u"quota-available-bytes") {
            values.quotaAvailable = parseUnsigned(text);
        } else if (name == u"quota-used-bytes") {
            values.quotaUsed = parseUnsigned(text);
        }
    }
}

void parsePropstat(QXmlStreamReader &r, DavResource &res)
{
    PropValues values;
    int status = 0;
    while (r.readNextStartElement()) {
        if (isDav(r, u"prop"))
            parseProp(r, values);
        else if (isDav(r, u"status"))
            status = PropfindParser::statusCode(r.readElementText(QXmlStreamReader::SkipChildElements));
        else
            r.skipCurrentElement();
    }
    if (status >= 200 && status < 300)
        values.applyTo(res);
}

DavResource parseResponse(QXmlStreamReader &r)
{
    DavResource res;
    while (r.readNextStartElement()) {
        if (isDav(r, u"href")) {
            // A response may list several hrefs (with a status, for errors); keep the first.
            const QString href = r.readElementText(QXmlStreamReader::SkipChildElements);
            if (res.href.isEmpty())
                res.href = href.trimmed();
        } else if (isDav(r, u"propstat")) {
            parsePropstat(r, res);
        } else if (isDav(r, u"status")) {
            res.status = PropfindParser::statusCode(r.readElementText(QXmlStreamReader::SkipChildElements));
        } else {
            r.skipCurrentElement();
        }
    }
    return res;
}

} // namespace

int PropfindParser::statusCode(QStringView statusLine)
{
    // "HTTP/1.1 200 OK": the second word.
    const QStringView line = statusLine.trimmed();
    const qsizetype space = line.indexOf(u' ');
    if (space < 0)
        return 0;
    QStringView rest = line.sliced(space + 1).trimmed();
    const qsizetype end = rest.indexOf(u' ');
    if (end >= 0)
        rest = rest.first(end);
    bool ok = false;
    const int code = rest.toInt(&ok);
    return ok && code >= 100 && code <= 999 ? code : 0;
}

std::optional<QList<DavResource>> PropfindParser::parse(const QByteArray &xml)
{
    error_.clear();
    QXmlStreamReader r(xml);
    r.setNamespaceProcessing(true);
    QList<DavResource> resources;
    bool sawMultistatus = false;
    if (r.readNextStartElement()) {
        if (isDav(r, u"multistatus")) {
            sawMultistatus = true;
            while (r.readNextStartElement()) {
                if (isDav(r, u"response"))
                    resources.append(parseResponse(r));
                else
                    r.skipCurrentElement();
            }
        }
    }
    if (r.hasError()) {
        error_ = QStringLiteral("malformed PROPFIND answer (line %1: %2)")
                     .arg(r.lineNumber())
                     .arg(r.errorString());
        return std::nullopt;
    }
    if (!sawMultistatus) {
        error_ = QStringLiteral("the PROPFIND answer is not a DAV:multistatus document");
        return std::nullopt;
    }
    for (const DavResource &res : resources) {
        if (res.href.isEmpty()) {
            error_ = QStringLiteral("a PROPFIND response has no href");
            return std::nullopt;
        }
    }
    return resources;
}

} // namespace loft::webdav
