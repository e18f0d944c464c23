#include "nfs/NfsDirListing.h"
#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
// status, dir attributes, verifier, end-of-list and eof markers
constexpr uint32_t kReplyOverhead = 4 + 4 + 84 + 8 + 4 + 4;
// value-follows, fileid, cookie (the name is added per entry)
constexpr uint32_t kEntryOverhead = 4 + 8 + 8;
} // namespace

void nfsReaddir(NfsRequest req, READDIR3args args, NfsReply<READDIR3res> reply)
{
    Node dir;
    if (!resolveOrFail(req, args.dir, dir, reply))
        return;
    NfsExport *ex = req.ex;
    const uint32_t count = std::min<uint32_t>(args.count, 1 << 20);
    listDirectory(ex, dir, args.cookie, args.cookieverf, [ex, dir, count, reply](FsResult<DirListing> l) {
        READDIR3res res;
        if (!l) {
            res.status = l.error() == FsError::Stale ? nfsstat3::NFS3ERR_STALE : nfsStatus(l.error());
            return reply(res);
        }
        res.ok.dir_attributes = toFattr3(l->dirAttr, dir.id, ex->fsid());
        res.ok.cookieverf = toCookieVerf(l->snapshot->verifier);
        uint32_t used = kReplyOverhead;
        auto fits = [&](qsizetype nameSize) {
            const uint32_t size = kEntryOverhead + xdrStringSize(nameSize);
            if (used + size > count)
                return false;
            used += size;
            return true;
        };
        auto &out = res.ok.reply.entries.items;
        const NodeTable::Node *self = ex->nodes().node(dir.id);
        const uint64_t parentId = self && dir.id != NodeTable::kRootId ? self->parent : dir.id;
        if (l->withDots && fits(1))
            out.append(entry3{dir.id, QByteArray("."), kDotCookie});
        if ((l->withDots || l->withDotDot) && fits(2))
            out.append(entry3{parentId, QByteArray(".."), kDotDotCookie});
        const auto &entries = l->snapshot->entries;
        qsizetype i = l->firstIndex;
        for (; i < entries.size(); ++i) {
            if (!fits(entries[i].entry.name.size()))
                break;
            out.append(entry3{entries[i].fileId, entries[i].entry.name, cookieFor(entries[i].fileId)});
        }
        if (out.isEmpty() && i < entries.size())
            return reply.fail(nfsstat3::NFS3ERR_TOOSMALL);
        res.ok.reply.eof = i >= entries.size();
        reply(res);
    });
}

} // namespace loft::nfs3
