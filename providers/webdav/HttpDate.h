// HTTP dates (RFC 9110 §5.6.7) as WebDAV servers send them in getlastmodified and
// Last-Modified: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms.
#pragma once

#include <QByteArrayView>
#include <cstdint>
#include <optional>

namespace loft::webdav {

// Seconds since the Unix epoch, or nothing when `text` is not an HTTP date. A numeric
// zone ("+0200"), which some servers send despite the RFC, is honoured.
std::optional<int64_t> parseHttpDate(QByteArrayView text);

} // namespace loft::webdav
