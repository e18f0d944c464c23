// libFuzzer target: the WebDAV PROPFIND answer parser (PropfindParser), and what the
// provider does with each resource of a listing (WebDavFileSystem::list): resolve the
// href against the request URL, split it into parent and name, and turn the properties
// (getlastmodified through parseHttpDate, sizes, ETag) into provider attributes.
// The input is the XML body of a 207 answer.
#include "DavAttr.h"
#include "PropfindParser.h"
#include "WebDavUrl.h"

#include <cstdio>
#include <cstdlib>

using namespace loft::webdav;

namespace {
[[noreturn]] void propertyFailed(const char *what)
{
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray xml(reinterpret_cast<const char *>(data), qsizetype(size));
    PropfindParser parser;
    const std::optional<QList<DavResource>> resources = parser.parse(xml);
    if (!resources) {
        if (parser.errorString().isEmpty())
            propertyFailed("a refused answer has no error message");
        return 0;
    }
    if (!parser.errorString().isEmpty())
        propertyFailed("an accepted answer has an error message");
    static const QUrl requestUrl(QStringLiteral("http://127.0.0.1:8080/dav/folder/"));
    for (const DavResource &res : *resources) {
        if (res.href.isEmpty())
            propertyFailed("an accepted resource has no href");
        if (res.status != 200 && (res.status < 100 || res.status > 999) && res.status != 0)
            propertyFailed("a status code outside 100..999");
        const QByteArray path = WebDavUrl::hrefPath(res.href, requestUrl);
        if (!path.startsWith('/'))
            propertyFailed("a resolved href path does not start with '/'");
        const QByteArray parent = WebDavUrl::parentPath(path);
        const QByteArray name = WebDavUrl::lastSegment(path);
        if (path != "/" && !path.endsWith(name))
            propertyFailed("the last segment is not the end of the path");
        if (!path.startsWith(parent))
            propertyFailed("the parent is not a prefix of the path");
        const loft::FsAttr attr = fsAttrFromDav(res, {1000, 1000});
        if (res.collection && attr.size != 0)
            propertyFailed("a collection with a size");
    }
    return 0;
}
