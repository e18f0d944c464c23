// Attributes and directory listings of the remote, trusted for a short TTL, so that `ls`
// and `stat` storms do not turn into PROPFIND storms.
//
// - A NotFound answer is cached too (Finder and Office probe many names that never exist).
// - A fresh listing of a directory also answers lookups of its entries, present or not.
// - Concurrent misses of one path share one remote call: the first asker fetches, the
//   others join it (joinAttr/joinListing) and all get the one answer (finish*).
// - Our own changes invalidate what they touch: the object, its parent's listing and
//   attributes (mtime, size), and for renames and directory removals everything beneath.
//   A fetch in flight across an invalidation still answers its waiters but is not stored.
// Thread-safe; waiters are called outside the lock, on the finishing thread.
#pragma once

#include "CachePaths.h"
#include "FileSystem.h"

#include <QHash>
#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

namespace loft::cache {

class MetadataCache {
public:
    using Clock = std::chrono::steady_clock;

    explicit MetadataCache(std::chrono::milliseconds ttl);

    std::chrono::milliseconds ttl() const { return ttl_; }

    // A fresh answer for path (attributes or NotFound), from an entry or from a fresh
    // listing of its parent.
    std::optional<FsResult<FsAttr>> attr(const QByteArray &path);
    std::optional<QList<FsDirEntry>> listing(const QByteArray &dir);

    // False: the caller fetches and must call finishAttr. True: `done` joined a fetch.
    bool joinAttr(const QByteArray &path, FsDone<FsAttr> &done);
    void finishAttr(const QByteArray &path, const FsResult<FsAttr> &result);
    bool joinListing(const QByteArray &dir, FsDone<QList<FsDirEntry>> &done);
    void finishListing(const QByteArray &dir, const FsResult<QList<FsDirEntry>> &result);

    // The last answer seen for path or dir even past its TTL (never one an invalidation
    // dropped): what the cache offers while the remote is unreachable.
    std::optional<FsAttr> lastKnownAttr(const QByteArray &path);
    std::optional<QList<FsDirEntry>> lastKnownListing(const QByteArray &dir);

    // Stores what one of our own operations just learned (e.g. CREATE's new attributes).
    void putAttr(const QByteArray &path, const FsAttr &attr);

    // The object at path changed (content, attributes, created, removed).
    void invalidate(const QByteArray &path);
    // path and everything beneath it changed (rename, rmdir).
    void invalidateTree(const QByteArray &path);
    void clear();

private:
    struct AttrEntry {
        FsResult<FsAttr> value = FsError::NotFound;
        Clock::time_point expires;
    };
    struct ListingEntry {
        QList<FsDirEntry> entries;
        QHash<QByteArray, qsizetype> byName;
        Clock::time_point expires;
    };
    template <class T>
    struct Fetch {
        std::vector<FsDone<T>> waiters;
        bool stale = false;
    };

    void invalidateLocked(const QByteArray &path, bool tree);
    void pruneLocked(Clock::time_point now);

    const std::chrono::milliseconds ttl_;
    std::mutex mutex_;
    QHash<QByteArray, AttrEntry> attrs_;
    QHash<QByteArray, ListingEntry> listings_;
    QHash<QByteArray, Fetch<FsAttr>> attrFetches_;
    QHash<QByteArray, Fetch<QList<FsDirEntry>>> listingFetches_;
    int insertsSincePrune_ = 0;
};

} // namespace loft::cache
