#include "nfs/DirSnapshots.h"

#include <algorithm>

namespace loft {

namespace {
// Whether two readings of a folder's attributes show the same state of its entries.
bool sameFolderState(const FsAttr &a, const FsAttr &b)
{
    return a.identity == b.identity && a.mtime == b.mtime && a.ctime == b.ctime
        && a.size == b.size && a.version == b.version;
}
} // namespace

DirSnapshots::Listing *DirSnapshots::find(uint64_t dirId)
{
    auto it = listings_.find(dirId);
    if (it == listings_.end())
        return nullptr;
    if (it->age.elapsed() > kLifetimeMs) {
        listings_.erase(it);
        return nullptr;
    }
    return &it.value();
}

DirSnapshots::Listing *DirSnapshots::findReusable(uint64_t dirId, const FsAttr &dirNow)
{
    Listing *l = find(dirId);
    if (!l || l->age.elapsed() > kReuseMs || !sameFolderState(l->dirAttr, dirNow))
        return nullptr;
    l->dirAttr = dirNow; // atime may have moved on
    return l;
}

DirSnapshots::Listing &DirSnapshots::store(uint64_t dirId, QList<Entry> entries,
                                           const FsAttr &dirAttr)
{
    if (listings_.size() >= kMaxListings && !listings_.contains(dirId)) {
        // Drop the oldest listing; a client paging it resumes by file id anyway.
        auto oldest = listings_.begin();
        for (auto it = listings_.begin(); it != listings_.end(); ++it)
            if (it->age.elapsed() > oldest->age.elapsed())
                oldest = it;
        listings_.erase(oldest);
    }
    Listing l;
    l.entries = std::move(entries);
    l.verifier = ++verifierCounter_;
    l.dirAttr = dirAttr;
    l.age.start();
    return listings_.insert(dirId, std::move(l)).value();
}

bool DirSnapshots::advance(Listing &l, const FsDirChange &change)
{
    if (!change.before || !change.after || !sameFolderState(*change.before, l.dirAttr))
        return false;
    l.dirAttr = *change.after;
    return true;
}

qsizetype DirSnapshots::indexOf(const Listing &l, uint64_t fileId)
{
    auto it = std::lower_bound(l.entries.cbegin(), l.entries.cend(), fileId,
                               [](const Entry &e, uint64_t id) { return e.fileId < id; });
    return it != l.entries.cend() && it->fileId == fileId ? it - l.entries.cbegin() : -1;
}

void DirSnapshots::added(uint64_t dirId, uint64_t fileId, uint64_t replacedId,
                         const QByteArray &name, const FsAttr &attr, const FsDirChange &dir)
{
    auto it = listings_.find(dirId);
    if (it == listings_.end())
        return;
    Listing &l = *it;
    if (!advance(l, dir))
        return (void)listings_.erase(it);
    if (replacedId != 0 && replacedId != fileId)
        if (const qsizetype i = indexOf(l, replacedId); i >= 0)
            l.entries.removeAt(i);
    if (const qsizetype i = indexOf(l, fileId); i >= 0) {
        l.entries[i].entry.attr = attr;
        return;
    }
    auto pos = std::lower_bound(l.entries.begin(), l.entries.end(), fileId,
                                [](const Entry &e, uint64_t id) { return e.fileId < id; });
    l.entries.insert(pos, Entry{fileId, FsDirEntry{name, attr}});
}

void DirSnapshots::removed(uint64_t dirId, uint64_t fileId, const FsDirChange &dir)
{
    auto it = listings_.find(dirId);
    if (it == listings_.end())
        return;
    if (fileId == 0 || !advance(*it, dir))
        return (void)listings_.erase(it);
    if (const qsizetype i = indexOf(*it, fileId); i >= 0)
        it->entries.removeAt(i);
}

void DirSnapshots::attributesSeen(uint64_t dirId, uint64_t fileId, const FsAttr &attr)
{
    auto it = listings_.find(dirId);
    if (it == listings_.end())
        return;
    const qsizetype i = indexOf(*it, fileId);
    if (i < 0)
        return;
    if (it->entries[i].entry.attr.identity != attr.identity) // the listing names another object
        return (void)listings_.erase(it);
    it->entries[i].entry.attr = attr;
}

} // namespace loft
