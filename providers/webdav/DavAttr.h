// Provider attributes (FsAttr) for WebDAV resources, which have no owner, permission bits
// or inode numbers: files are 0644 and folders 0755, owned by the user running Loft;
// identity is 0 (unknown — a hash of the path would call a renamed file a new object);
// version is the ETag (W/ dropped), or Last-Modified and size when there is no ETag.
#pragma once

#include "DavResource.h"
#include "FileSystem.h"

#include <QByteArray>
#include <cstdint>
#include <optional>

namespace loft::webdav {

struct DavOwner {
    uint32_t uid = 0;
    uint32_t gid = 0;
};

FsAttr fsAttrFromDav(const DavResource &resource, DavOwner owner);

// The attributes of a file known from a GET answer's headers.
FsAttr fsAttrFromHeaders(uint64_t size, const QByteArray &etag,
                         const QByteArray &lastModifiedHeader, DavOwner owner);

// The content version: the ETag when there is one (without a weak W/ prefix, which some
// servers add and drop for the same content), else "lm:<mtime>:<size>", else empty.
QByteArray davVersion(const QByteArray &etag, std::optional<int64_t> lastModified,
                      uint64_t size);

} // namespace loft::webdav
