// One resource of a PROPFIND answer (a <D:response>), with the properties Loft asks for.
// Only properties from a propstat whose status is 2xx are filled in.
#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>

namespace loft::webdav {

struct DavResource {
    QString href;                 // as the server wrote it (resolve with WebDavUrl)
    int status = 200;             // the response-level status (a bare <D:status>), else 200
    bool collection = false;      // <D:resourcetype><D:collection/>
    std::optional<uint64_t> contentLength;  // getcontentlength
    QByteArray etag;              // getetag, verbatim (quotes and W/ kept)
    std::optional<int64_t> lastModified;    // getlastmodified, seconds since the epoch
    std::optional<uint64_t> quotaAvailable; // quota-available-bytes (RFC 4331)
    std::optional<uint64_t> quotaUsed;      // quota-used-bytes
    std::optional<QByteArray> createVerifier; // Loft's dead property (exclusive create)

    bool ok() const { return status >= 200 && status < 300; }
};

} // namespace loft::webdav
