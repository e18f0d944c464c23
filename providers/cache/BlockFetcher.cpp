#include "BlockFetcher.h"

#include "BlockStore.h"
#include "CacheCounters.h"

namespace loft::cache {

QByteArray validatorFor(const FsAttr &attr)
{
    if (!attr.version.isEmpty())
        return attr.version;
    return "~" + QByteArray::number(qlonglong(attr.mtime.sec)) + '.'
        + QByteArray::number(attr.mtime.nsec) + ':' + QByteArray::number(qulonglong(attr.size));
}

BlockFetcher::BlockFetcher(Context context) : c_(std::move(context)) {}

QByteArray BlockFetcher::key(const QByteArray &path, uint32_t block)
{
    QByteArray k = path;
    k.append('\0');
    k.append(reinterpret_cast<const char *>(&block), sizeof block);
    return k;
}

int BlockFetcher::prefetchesInFlight() const
{
    std::lock_guard lock(mutex_);
    return prefetches_;
}

void BlockFetcher::runOnPool(std::function<void()> task)
{
    c_.runOnPool(std::move(task));
}

void BlockFetcher::get(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                       uint32_t block, Callback done)
{
    const QByteArray k = key(path, block);
    {
        std::unique_lock lock(mutex_);
        auto it = inFlight_.find(k);
        if (it != inFlight_.end()) {
            if (it->ready) {
                const QByteArray data = it->data;
                lock.unlock();
                done(data, true);
            } else {
                it->waiters.push_back(std::move(done));
            }
            return;
        }
    }
    if (c_.store && c_.store->has(path, validator, block)) {
        auto alive = c_.keepAlive();
        runOnPool([this, alive, path, validator, fileSize, block, done = std::move(done)]() mutable {
            if (auto data = c_.store->read(path, validator, block))
                done(std::move(*data), true);
            else
                fetchRemote(path, validator, fileSize, block, std::move(done));
        });
        return;
    }
    fetchRemote(path, validator, fileSize, block, std::move(done));
}

void BlockFetcher::prefetch(const QByteArray &path, const QByteArray &validator,
                            uint64_t fileSize, uint32_t block)
{
    const uint64_t offset = uint64_t(block) * BlockStore::kBlockSize;
    if (offset >= fileSize)
        return;
    if (c_.store && c_.store->has(path, validator, block))
        return;
    const QByteArray k = key(path, block);
    {
        std::lock_guard lock(mutex_);
        if (inFlight_.contains(k) || prefetches_ >= c_.maxPrefetches)
            return;
        InFlight f;
        f.prefetch = true;
        inFlight_.insert(k, std::move(f));
        ++prefetches_;
    }
    const uint32_t length = uint32_t(std::min<uint64_t>(BlockStore::kBlockSize, fileSize - offset));
    readRange(k, path, validator, block, offset, length, QByteArray(), false);
}

void BlockFetcher::fetchRemote(const QByteArray &path, const QByteArray &validator,
                               uint64_t fileSize, uint32_t block, Callback done)
{
    const uint64_t offset = uint64_t(block) * BlockStore::kBlockSize;
    if (offset >= fileSize)
        return done(QByteArray(), true);
    const QByteArray k = key(path, block);
    {
        std::unique_lock lock(mutex_);
        auto it = inFlight_.find(k);
        if (it != inFlight_.end()) {
            if (it->ready) {
                const QByteArray data = it->data;
                lock.unlock();
                done(data, true);
            } else {
                it->waiters.push_back(std::move(done));
            }
            return;
        }
        InFlight f;
        f.waiters.push_back(std::move(done));
        inFlight_.insert(k, std::move(f));
    }
    const uint32_t length = uint32_t(std::min<uint64_t>(BlockStore::kBlockSize, fileSize - offset));
    readRange(k, path, validator, block, offset, length, QByteArray(), false);
}

void BlockFetcher::readRange(const QByteArray &k, const QByteArray &path,
                             const QByteArray &validator, uint32_t block, uint64_t offset,
                             uint32_t length, QByteArray acc, bool changed)
{
    auto alive = c_.keepAlive();
    const uint64_t at = offset + uint64_t(acc.size());
    const uint32_t want = length - uint32_t(acc.size());
    c_.inner->read(path, at, want,
                   [this, alive, k, path, validator, block, offset, length, acc = std::move(acc),
                    changed](FsResult<FsReadResult> r) mutable {
                       if (!r)
                           return finish(k, path, validator, block, r.error(), false);
                       if (c_.counters)
                           c_.counters->addBytesIn(uint64_t(r->data.size()));
                       const FsAttr &attr = r->attr;
                       const bool meaningful = !attr.version.isEmpty() || attr.mtime.sec != 0;
                       if (meaningful && validatorFor(attr) != validator && !changed) {
                           changed = true;
                           if (c_.onRemoteChanged)
                               c_.onRemoteChanged(path, attr);
                       }
                       acc.append(r->data);
                       if (uint32_t(acc.size()) < length && !r->eof && !r->data.isEmpty())
                           return readRange(k, path, validator, block, offset, length,
                                            std::move(acc), changed);
                       // A short block (the file shrank) is served but not kept.
                       const bool keep = !changed && uint32_t(acc.size()) == length;
                       finish(k, path, validator, block, std::move(acc), keep);
                   });
}

void BlockFetcher::finish(const QByteArray &k, const QByteArray &path,
                          const QByteArray &validator, uint32_t block,
                          FsResult<QByteArray> result, bool keep)
{
    std::vector<Callback> waiters;
    const bool storing = keep && result.ok() && c_.store;
    {
        std::lock_guard lock(mutex_);
        auto it = inFlight_.find(k);
        if (it != inFlight_.end()) {
            waiters = std::move(it->waiters);
            if (it->prefetch)
                --prefetches_;
            if (storing) {
                it->ready = true;
                it->data = result.value();
                it->prefetch = false;
            } else {
                inFlight_.erase(it);
            }
        }
    }
    for (auto &w : waiters)
        w(result, false);
    if (!storing)
        return;
    auto alive = c_.keepAlive();
    runOnPool([this, alive, k, path, validator, block, data = result.value()] {
        c_.store->store(path, validator, block, data);
        std::lock_guard lock(mutex_);
        inFlight_.remove(k);
    });
}

} // namespace loft::cache
