#include "MetadataCache.h"

namespace loft::cache {

MetadataCache::MetadataCache(std::chrono::milliseconds ttl) : ttl_(ttl) {}

std::optional<FsResult<FsAttr>> MetadataCache::attr(const QByteArray &path)
{
    if (ttl_.count() <= 0)
        return std::nullopt;
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    auto it = attrs_.constFind(path);
    if (it != attrs_.cend() && it->expires > now)
        return it->value;
    if (path.isEmpty())
        return std::nullopt;
    auto l = listings_.constFind(parentPath(path));
    if (l != listings_.cend() && l->expires > now) {
        auto e = l->byName.constFind(leafName(path));
        if (e == l->byName.cend())
            return FsResult<FsAttr>(FsError::NotFound);
        return FsResult<FsAttr>(l->entries.at(*e).attr);
    }
    return std::nullopt;
}

std::optional<QList<FsDirEntry>> MetadataCache::listing(const QByteArray &dir)
{
    if (ttl_.count() <= 0)
        return std::nullopt;
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    auto it = listings_.constFind(dir);
    if (it != listings_.cend() && it->expires > now)
        return it->entries;
    return std::nullopt;
}

std::optional<FsAttr> MetadataCache::lastKnownAttr(const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    auto it = attrs_.constFind(path);
    if (it != attrs_.cend() && it->value.ok())
        return it->value.value();
    auto l = listings_.constFind(parentPath(path));
    if (!path.isEmpty() && l != listings_.cend()) {
        auto e = l->byName.constFind(leafName(path));
        if (e != l->byName.cend())
            return l->entries.at(*e).attr;
    }
    return std::nullopt;
}

std::optional<QList<FsDirEntry>> MetadataCache::lastKnownListing(const QByteArray &dir)
{
    std::lock_guard lock(mutex_);
    auto it = listings_.constFind(dir);
    if (it == listings_.cend())
        return std::nullopt;
    return it->entries;
}

bool MetadataCache::joinAttr(const QByteArray &path, FsDone<FsAttr> &done)
{
    std::lock_guard lock(mutex_);
    auto it = attrFetches_.find(path);
    if (it != attrFetches_.end()) {
        it->waiters.push_back(std::move(done));
        return true;
    }
    attrFetches_.insert(path, {});
    return false;
}

void MetadataCache::finishAttr(const QByteArray &path, const FsResult<FsAttr> &result)
{
    std::vector<FsDone<FsAttr>> waiters;
    {
        std::lock_guard lock(mutex_);
        auto it = attrFetches_.find(path);
        bool stale = false;
        if (it != attrFetches_.end()) {
            waiters = std::move(it->waiters);
            stale = it->stale;
            attrFetches_.erase(it);
        }
        const bool cacheable = result.ok() || result.error() == FsError::NotFound;
        if (!stale && cacheable && ttl_.count() > 0) {
            const auto now = Clock::now();
            attrs_.insert(path, AttrEntry{result, now + ttl_});
            pruneLocked(now);
        }
    }
    for (auto &w : waiters)
        w(result);
}

bool MetadataCache::joinListing(const QByteArray &dir, FsDone<QList<FsDirEntry>> &done)
{
    std::lock_guard lock(mutex_);
    auto it = listingFetches_.find(dir);
    if (it != listingFetches_.end()) {
        it->waiters.push_back(std::move(done));
        return true;
    }
    listingFetches_.insert(dir, {});
    return false;
}

void MetadataCache::finishListing(const QByteArray &dir,
                                  const FsResult<QList<FsDirEntry>> &result)
{
    std::vector<FsDone<QList<FsDirEntry>>> waiters;
    {
        std::lock_guard lock(mutex_);
        auto it = listingFetches_.find(dir);
        bool stale = false;
        if (it != listingFetches_.end()) {
            waiters = std::move(it->waiters);
            stale = it->stale;
            listingFetches_.erase(it);
        }
        if (!stale && result.ok() && ttl_.count() > 0) {
            const auto now = Clock::now();
            ListingEntry entry;
            entry.entries = *result;
            entry.byName.reserve(entry.entries.size());
            for (qsizetype i = 0; i < entry.entries.size(); ++i)
                entry.byName.insert(entry.entries.at(i).name, i);
            entry.expires = now + ttl_;
            listings_.insert(dir, std::move(entry));
            pruneLocked(now);
        }
    }
    for (auto &w : waiters)
        w(result);
}

void MetadataCache::putAttr(const QByteArray &path, const FsAttr &attr)
{
    if (ttl_.count() <= 0)
        return;
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    attrs_.insert(path, AttrEntry{attr, now + ttl_});
    // A listing holding an older copy of this entry would contradict it: drop the listing.
    listings_.remove(parentPath(path));
    pruneLocked(now);
}

void MetadataCache::invalidate(const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    invalidateLocked(path, false);
}

void MetadataCache::invalidateTree(const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    invalidateLocked(path, true);
}

void MetadataCache::invalidateLocked(const QByteArray &path, bool tree)
{
    const QByteArray parent = parentPath(path);
    attrs_.remove(path);
    listings_.remove(path);
    if (!path.isEmpty()) {
        attrs_.remove(parent);
        listings_.remove(parent);
    }
    auto touches = [&](const QByteArray &key) {
        return key == path || (!path.isEmpty() && key == parent) || (tree && isWithinPath(key, path));
    };
    for (auto it = attrFetches_.begin(); it != attrFetches_.end(); ++it)
        if (touches(it.key()))
            it->stale = true;
    for (auto it = listingFetches_.begin(); it != listingFetches_.end(); ++it)
        if (touches(it.key()))
            it->stale = true;
    if (tree) {
        attrs_.removeIf([&](const auto &it) { return isWithinPath(it.key(), path); });
        listings_.removeIf([&](const auto &it) { return isWithinPath(it.key(), path); });
    }
}

void MetadataCache::clear()
{
    std::lock_guard lock(mutex_);
    attrs_.clear();
    listings_.clear();
    for (auto &f : attrFetches_)
        f.stale = true;
    for (auto &f : listingFetches_)
        f.stale = true;
}

void MetadataCache::pruneLocked(Clock::time_point now)
{
    if (++insertsSincePrune_ < 4096)
        return;
    insertsSincePrune_ = 0;
    // Expired entries stay an hour as last-known answers for when the remote is down.
    const auto old = now - std::chrono::hours(1);
    attrs_.removeIf([old](const auto &it) { return it.value().expires <= old; });
    listings_.removeIf([old](const auto &it) { return it.value().expires <= old; });
}

} // namespace loft::cache
