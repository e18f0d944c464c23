#include "DavAttr.h"

#include "HttpDate.h"

namespace loft::webdav {

namespace {

FsAttr baseAttr(bool directory, uint64_t size, std::optional<int64_t> mtime, DavOwner owner)
{
    FsAttr a;
    a.type = directory ? FsType::Directory : FsType::File;
    a.mode = directory ? 0755 : 0644;
    a.nlink = directory ? 2 : 1;
    a.uid = owner.uid;
    a.gid = owner.gid;
    a.size = size;
    a.used = size;
    a.identity = 0;
    const FsTime t{mtime.value_or(0), 0};
    a.mtime = t;
    a.atime = t;
    a.ctime = t;
    return a;
}

} // namespace

QByteArray davVersion(const QByteArray &etag, std::optional<int64_t> lastModified, uint64_t size)
{
    // Apache marks an ETag weak while the file is less than a second old, and strong
    // afterwards: W/"x" and "x" name the same content, so the version drops the W/.
    if (etag.startsWith("W/") && etag.size() > 2)
        return etag.mid(2);
    if (!etag.isEmpty())
        return etag;
    if (lastModified)
        return "lm:" + QByteArray::number(qint64(*lastModified)) + ':'
            + QByteArray::number(quint64(size));
    return {};
}

FsAttr fsAttrFromDav(const DavResource &resource, DavOwner owner)
{
    const uint64_t size = resource.collection ? 0 : resource.contentLength.value_or(0);
    FsAttr a = baseAttr(resource.collection, size, resource.lastModified, owner);
    a.version = davVersion(resource.etag, resource.lastModified, size);
    return a;
}

FsAttr fsAttrFromHeaders(uint64_t size, const QByteArray &etag,
                         const QByteArray &lastModifiedHeader, DavOwner owner)
{
    const std::optional<int64_t> mtime = lastModifiedHeader.isEmpty()
        ? std::nullopt
        : parseHttpDate(lastModifiedHeader);
    FsAttr a = baseAttr(false, size, mtime, owner);
    a.version = davVersion(etag, mtime, size);
    return a;
}

} // namespace loft::webdav
