// Parses a WebDAV 207 Multi-Status answer to PROPFIND (RFC 4918 §9.1, §14.16) with a
// namespace-aware QXmlStreamReader: elements are matched by namespace URI ("DAV:") and
// local name, whatever prefix the server chose. Each propstat's status is checked, so a
// property reported as 404 (not supported) is treated as absent, never as an empty value.
#pragma once

#include "DavResource.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace loft::webdav {

// The namespace and name of Loft's dead property holding an exclusive-create verifier.
inline constexpr char kLoftNamespace[] = "urn:x-loft:";
inline constexpr char kCreateVerifierProperty[] = "create-verifier";

class PropfindParser {
public:
    // The resources in `xml`, in document order; nothing (see errorString()) when it is
    // not a well-formed multistatus document.
    std::optional<QList<DavResource>> parse(const QByteArray &xml);
    QString errorString() const { return error_; }

    // The numeric code of an HTTP status line ("HTTP/1.1 404 Not Found" → 404), 0 when
    // unparsable.
    static int statusCode(QStringView statusLine);

private:
    QString error_;
};

} // namespace loft::webdav
