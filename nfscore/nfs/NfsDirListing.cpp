#include "nfs/NfsDirListing.h"

#include <algorithm>

namespace loft::nfs3 {

cookieverf3 toCookieVerf(uint64_t verifier)
{
    cookieverf3 v;
    for (int i = 0; i < 8; ++i)
        v.bytes[i] = uint8_t(verifier >> (56 - 8 * i));
    return v;
}

namespace {
DirListing page(DirSnapshots::Listing *snapshot, cookie3 cookie)
{
    DirListing l;
    l.snapshot = snapshot;
    l.dirAttr = snapshot->dirAttr;
    l.withDots = cookie == 0;
    l.withDotDot = cookie == kDotCookie;
    if (cookie > kDotDotCookie) {
        const uint64_t after = cookie - 2;
        auto it = std::upper_bound(snapshot->entries.cbegin(), snapshot->entries.cend(), after,
                                   [](uint64_t id, const DirSnapshots::Entry &e) { return id < e.fileId; });
        l.firstIndex = it - snapshot->entries.cbegin();
    }
    return l;
}
} // namespace

void listDirectory(NfsExport *ex, const Node &dir, cookie3 cookie, const cookieverf3 &verf,
                   std::function<void(FsResult<DirListing>)> done)
{
    if (cookie != 0) {
        DirSnapshots::Listing *s = ex->listings().find(dir.id);
        if (s && toCookieVerf(s->verifier) == verf)
            return done(page(s, cookie));
    }
    ex->fs().getattr(dir.path, ex->then<FsAttr>([ex, dir, cookie, done](FsResult<FsAttr> attr) {
        if (!attr) {
            const nfsstat3 s = objectStatus(*ex, dir, attr.error());
            return done(s == nfsstat3::NFS3ERR_STALE      ? FsError::Stale
                        : s == nfsstat3::NFS3ERR_JUKEBOX ? FsError::Unavailable
                                                          : attr.error());
        }
        if (attr->type != FsType::Directory)
            return done(FsError::NotDirectory);
        if (DirSnapshots::Listing *s = ex->listings().findReusable(dir.id, *attr))
            return done(page(s, cookie));
        const FsAttr dirAttr = *attr;
        const uint64_t seen = ex->nodes().changeCount();
        ex->fs().readdir(dir.path, ex->then<QList<FsDirEntry>>(
            [ex, dir, cookie, dirAttr, seen, done](FsResult<QList<FsDirEntry>> entries) {
                if (!entries)
                    return done(entries.error() == FsError::NotFound && movedMeanwhile(*ex, dir)
                                    ? FsError::Unavailable // renamed meanwhile: ask again
                                    : entries.error());
                QList<DirSnapshots::Entry> listed;
                listed.reserve(entries->size());
                for (FsDirEntry &e : *entries) {
                    // An entry a RENAME (or CREATE) overtook names another object by now:
                    // leave it out of this listing rather than retire the live id.
                    const uint64_t id = ex->nodes().bind(dir.id, e.name, e.attr.identity, seen);
                    if (id != 0)
                        listed.append({id, std::move(e)});
                }
                std::sort(listed.begin(), listed.end(),
                          [](const auto &a, const auto &b) { return a.fileId < b.fileId; });
                done(page(&ex->listings().store(dir.id, std::move(listed), dirAttr), cookie));
            }));
    }));
}

} // namespace loft::nfs3
