#include "PropfindRequest.h"

#include "PropfindParser.h"

namespace loft::webdav {

QByteArray propfindBody(PropfindKind kind)
{
    QByteArray body = QByteArrayLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                        "<D:propfind xmlns:D=\"DAV:\"");
    if (kind == PropfindKind::Verifier)
        body += QByteArrayLiteral(" xmlns:L=\"") + kLoftNamespace + '"';
    body += QByteArrayLiteral("><D:prop>");
    switch (kind) {
    case PropfindKind::Verifier:
        body += QByteArrayLiteral("<L:") + kCreateVerifierProperty + "/>";
        [[fallthrough]];
    case PropfindKind::Attributes:
        body += QByteArrayLiteral("<D:resourcetype/><D:getcontentlength/><D:getlastmodified/>"
                                  "<D:getetag/>");
        break;
    case PropfindKind::Quota:
        body += QByteArrayLiteral("<D:quota-available-bytes/><D:quota-used-bytes/>");
        break;
    }
    body += QByteArrayLiteral("</D:prop></D:propfind>\n");
    return body;
}

QByteArray proppatchVerifierBody(const QByteArray &verifierHex)
{
    return QByteArrayLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                             "<D:propertyupdate xmlns:D=\"DAV:\" xmlns:L=\"")
        + kLoftNamespace + QByteArrayLiteral("\"><D:set><D:prop><L:") + kCreateVerifierProperty
        + '>' + verifierHex + QByteArrayLiteral("</L:") + kCreateVerifierProperty
        + QByteArrayLiteral("></D:prop></D:set></D:propertyupdate>\n");
}

} // namespace loft::webdav
