#include "nfs/NfsDirListing.h"
#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
// status, dir attributes, verifier, end-of-list and eof markers
constexpr uint32_t kReplyOverhead = 4 + 4 + 84 + 8 + 4 + 4;
// value-follows, fileid, cookie, attributes (present + fattr3), handle (present + opaque)
constexpr uint32_t kEntryOverhead = 4 + 8 + 8 + 4 + 84 + 4 + 4 + 28;
// what counts against dircount: fileid, name, cookie (the name is added per entry)
constexpr uint32_t kDirEntryOverhead = 8 + 8;
} // namespace

void nfsReaddirplus(NfsRequest req, READDIRPLUS3args args, NfsReply<READDIRPLUS3res> reply)
{
    Node dir;
    if (!resolveOrFail(req, args.dir, dir, reply))
        return;
    NfsExport *ex = req.ex;
    const uint32_t maxcount = std::min<uint32_t>(args.maxcount, 1 << 20);
    const uint32_t dircount = args.dircount;
    listDirectory(ex, dir, args.cookie, args.cookieverf, [=](FsResult<DirListing> l) {
        READDIRPLUS3res res;
        if (!l) {
            res.status = l.error() == FsError::Stale ? nfsstat3::NFS3ERR_STALE : nfsStatus(l.error());
            return reply(res);
        }
        res.ok.dir_attributes = toFattr3(l->dirAttr, dir.id, ex->fsid());
        res.ok.cookieverf = toCookieVerf(l->snapshot->verifier);
        uint32_t used = kReplyOverhead;
        uint32_t dirUsed = 0;
        auto fits = [&](qsizetype nameSize) {
            const uint32_t name = xdrStringSize(nameSize);
            const uint32_t size = kEntryOverhead + name;
            const uint32_t dirSize = kDirEntryOverhead + name;
            if (used + size > maxcount || (dircount > 0 && dirUsed + dirSize > dircount))
                return false;
            used += size;
            dirUsed += dirSize;
            return true;
        };
        auto &out = res.ok.reply.entries.items;
        const NodeTable::Node *self = ex->nodes().node(dir.id);
        const uint64_t parentId = self && dir.id != NodeTable::kRootId ? self->parent : dir.id;
        if (l->withDots && fits(1))
            out.append(entryplus3{dir.id, QByteArray("."), kDotCookie,
                                  toFattr3(l->dirAttr, dir.id, ex->fsid()), handleFor(*ex, dir.id)});
        if ((l->withDots || l->withDotDot) && fits(2))
            out.append(entryplus3{parentId, QByteArray(".."), kDotDotCookie, std::nullopt,
                                  handleFor(*ex, parentId)});
        const auto &entries = l->snapshot->entries;
        qsizetype i = l->firstIndex;
        for (; i < entries.size(); ++i) {
            const auto &e = entries[i];
            if (!fits(e.entry.name.size()))
                break;
            out.append(entryplus3{e.fileId, e.entry.name, cookieFor(e.fileId),
                                  toFattr3(e.entry.attr, e.fileId, ex->fsid()), handleFor(*ex, e.fileId)});
        }
        if (out.isEmpty() && i < entries.size())
            return reply.fail(nfsstat3::NFS3ERR_TOOSMALL);
        res.ok.reply.eof = i >= entries.size();
        reply(res);
    });
}

} // namespace loft::nfs3
