#include "BlockFetcher.h"

#include "BlockStore.h"
#include "CacheCounters.h"
#include "CachePaths.h"
#include "SharedSlice.h"

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
    getPiece(path, validator, fileSize, block, std::nullopt,
             [done = std::move(done)](FsResult<Piece> piece, bool local) {
                 if (!piece)
                     return done(piece.error(), local);
                 done(std::move(piece->bytes), local);
             });
}

void BlockFetcher::getToSend(const QByteArray &path, const QByteArray &validator,
                             uint64_t fileSize, uint32_t block, Range range, PieceCallback done)
{
    getPiece(path, validator, fileSize, block, range, std::move(done));
}

void BlockFetcher::getPiece(const QByteArray &path, const QByteArray &validator,
                            uint64_t fileSize, uint32_t block, std::optional<Range> slice,
                            PieceCallback done)
{
    {
        std::unique_lock lock(mutex_);
        if (joinLocked(lock, path, block, validator, slice, done))
            return;
    }
    if (c_.store && c_.store->has(path, validator, block)) {
        // A block checked in this run is sliced at once (no disk read, only an open).
        if (slice) {
            if (auto s = c_.store->slice(path, validator, block, slice->offset, slice->count, false))
                return done(Piece{QByteArray(), std::move(s)}, true);
        }
        auto alive = c_.keepAlive();
        runOnPool([this, alive, path, validator, fileSize, block, slice,
                   done = std::move(done)]() mutable {
            if (slice) {
                if (auto s = c_.store->slice(path, validator, block, slice->offset, slice->count, true))
                    return done(Piece{QByteArray(), std::move(s)}, true);
            }
            if (auto data = c_.store->read(path, validator, block))
                done(Piece{std::move(*data), std::nullopt}, true);
            else
                fetchRemote(path, validator, fileSize, block, slice, std::move(done));
        });
        return;
    }
    fetchRemote(path, validator, fileSize, block, slice, std::move(done));
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
    Entry entry;
    {
        std::lock_guard lock(mutex_);
        if (inFlight_.contains(k) || prefetches_ >= c_.maxPrefetches)
            return;
        entry = startLocked(k, validator, true);
        ++prefetches_;
    }
    const uint32_t length = uint32_t(std::min<uint64_t>(BlockStore::kBlockSize, fileSize - offset));
    readRange(entry, k, path, validator, block, offset, length, QByteArray(), false);
}

void BlockFetcher::prefetchAhead(const QByteArray &path, const QByteArray &validator,
                                 uint64_t fileSize, const std::vector<uint32_t> &blocks)
{
    size_t i = 0;
    while (i < blocks.size()) {
        const uint32_t first = blocks[i];
        if (uint64_t(first) * BlockStore::kBlockSize >= fileSize)
            return;
        if (c_.store && c_.store->has(path, validator, first)) {
            ++i;
            continue;
        }
        std::vector<Entry> run;
        {
            std::lock_guard lock(mutex_);
            if (prefetches_ >= c_.maxPrefetches)
                return;
            // Contiguous blocks from `first`, stopping at one cached or in flight. A run is
            // filled up to kRunBlocks even past the blocks asked for: the window of a
            // sequential reader moves one block per READ, so runs of only what it asks
            // were mostly single blocks (~0.7 GETs per MiB); whole runs take 4 MiB a GET.
            for (uint32_t b = first; run.size() < kRunBlocks
                 && uint64_t(b) * BlockStore::kBlockSize < fileSize; ++b) {
                const QByteArray k = key(path, b);
                if (inFlight_.contains(k) || (b != first && c_.store && c_.store->has(path, validator, b)))
                    break;
                run.push_back(startLocked(k, validator, true));
                if (i < blocks.size() && blocks[i] == b)
                    ++i;
            }
            if (run.empty()) {
                ++i; // `first` is in flight already
                continue;
            }
            ++prefetches_;
            // Only the first entry counts the prefetch (finish() releases it once).
            for (size_t j = 1; j < run.size(); ++j)
                run[j]->prefetch = false;
        }
        readRun(std::move(run), path, validator, first, fileSize, QByteArray(), false);
    }
}

void BlockFetcher::readRun(std::vector<Entry> entries, const QByteArray &path,
                           const QByteArray &validator, uint32_t first, uint64_t fileSize,
                           QByteArray acc, bool changed)
{
    const uint64_t offset = uint64_t(first) * BlockStore::kBlockSize;
    const uint64_t length = std::min<uint64_t>(uint64_t(entries.size()) * BlockStore::kBlockSize,
                                               fileSize - offset);
    auto alive = c_.keepAlive();
    const uint64_t at = offset + uint64_t(acc.size());
    const uint32_t want = uint32_t(length - uint64_t(acc.size()));
    c_.inner->read(path, at, want,
                   [this, alive, entries = std::move(entries), path, validator, first, fileSize,
                    length, acc = std::move(acc), changed](FsResult<FsReadResult> r) mutable {
                       if (r) {
                           noteRemoteRead(path, validator, *r, changed);
                           acc.append(r->data);
                           if (uint64_t(acc.size()) < length && !r->eof && !r->data.isEmpty())
                               return readRun(std::move(entries), path, validator, first,
                                              fileSize, std::move(acc), changed);
                       }
                       std::vector<Stored> kept;
                       for (size_t j = 0; j < entries.size(); ++j) {
                           const uint32_t block = first + uint32_t(j);
                           const QByteArray k = key(path, block);
                           if (!r) {
                               finish(entries[j], k, r.error(), false);
                               continue;
                           }
                           const uint64_t from = uint64_t(j) * BlockStore::kBlockSize;
                           const uint64_t blockLength = std::min<uint64_t>(
                               BlockStore::kBlockSize, fileSize - uint64_t(block) * BlockStore::kBlockSize);
                           // Each block shares the run's buffer (no copy per block).
                           QByteArray part = sharedSlice(acc, qsizetype(from), qsizetype(blockLength));
                           // A short block (the file shrank) is served but not kept.
                           const bool keep = !changed && uint64_t(part.size()) == blockLength;
                           if (finish(entries[j], k, part, keep))
                               kept.push_back({entries[j], k, block, std::move(part)});
                       }
                       storeOnPool(path, validator, std::move(kept));
                   });
}

BlockFetcher::Entry BlockFetcher::startLocked(const QByteArray &k, const QByteArray &validator,
                                              bool prefetch)
{
    auto entry = std::make_shared<InFlight>();
    entry->prefetch = prefetch;
    entry->validator = validator;
    // Taken before the remote read is sent: a change answered after this point makes
    // the store refuse what this fetch brings back.
    entry->since = c_.store ? c_.store->generation() : 0;
    inFlight_.insert(k, entry);
    return entry;
}

void BlockFetcher::invalidate(const QByteArray &path, bool tree)
{
    // Order matters: first the store (no fetch started from now on can be refused, none
    // started before can be stored), then the entries (no reader joins old data).
    if (c_.store && c_.store->invalidate(path, tree)) {
        auto alive = c_.keepAlive();
        runOnPool([this, alive] { c_.store->dropStale(); });
    }
    std::lock_guard lock(mutex_);
    for (auto it = inFlight_.begin(); it != inFlight_.end();) {
        const QByteArray entryPath = it.key().chopped(1 + qsizetype(sizeof(uint32_t)));
        if (tree ? isWithinPath(entryPath, path) : entryPath == path) {
            (*it)->detached = true;
            if ((*it)->stored)
                (*it)->data.clear(); // kept in memory: released now
            it = inFlight_.erase(it);
        } else {
            ++it;
        }
    }
}

void BlockFetcher::fetchRemote(const QByteArray &path, const QByteArray &validator,
                               uint64_t fileSize, uint32_t block, std::optional<Range> slice,
                               PieceCallback done)
{
    const uint64_t offset = uint64_t(block) * BlockStore::kBlockSize;
    if (offset >= fileSize)
        return done(Piece(), true);
    const QByteArray k = key(path, block);
    Entry entry;
    {
        std::unique_lock lock(mutex_);
        if (joinLocked(lock, path, block, validator, slice, done))
            return;
        entry = startLocked(k, validator, false);
        entry->waiters.push_back(std::move(done));
    }
    const uint32_t length = uint32_t(std::min<uint64_t>(BlockStore::kBlockSize, fileSize - offset));
    readRange(entry, k, path, validator, block, offset, length, QByteArray(), false);
}

// Counts a remote read's bytes and notices, once per fetch (`changed`), that the remote
// file is no longer the version the fetch started from.
void BlockFetcher::noteRemoteRead(const QByteArray &path, const QByteArray &validator,
                                  const FsReadResult &r, bool &changed)
{
    if (c_.counters)
        c_.counters->addBytesIn(uint64_t(r.data.size()));
    const FsAttr &attr = r.attr;
    const bool meaningful = !attr.version.isEmpty() || attr.mtime.sec != 0;
    if (meaningful && validatorFor(attr) != validator && !changed) {
        changed = true;
        if (c_.onRemoteChanged)
            c_.onRemoteChanged(path, attr);
    }
}

void BlockFetcher::readRange(const Entry &entry, const QByteArray &k, const QByteArray &path,
                             const QByteArray &validator, uint32_t block, uint64_t offset,
                             uint32_t length, QByteArray acc, bool changed)
{
    auto alive = c_.keepAlive();
    const uint64_t at = offset + uint64_t(acc.size());
    const uint32_t want = length - uint32_t(acc.size());
    c_.inner->read(path, at, want,
                   [this, alive, entry, k, path, validator, block, offset, length,
                    acc = std::move(acc), changed](FsResult<FsReadResult> r) mutable {
                       if (!r) {
                           finish(entry, k, r.error(), false);
                           return;
                       }
                       noteRemoteRead(path, validator, *r, changed);
                       acc.append(r->data);
                       if (uint32_t(acc.size()) < length && !r->eof && !r->data.isEmpty())
                           return readRange(entry, k, path, validator, block, offset,
                                            length, std::move(acc), changed);
                       // A short block (the file shrank) is served but not kept.
                       const bool keep = !changed && uint32_t(acc.size()) == length;
                       if (finish(entry, k, acc, keep))
                           storeOnPool(path, validator, {{entry, k, block, std::move(acc)}});
                   });
}

bool BlockFetcher::joinLocked(std::unique_lock<std::mutex> &lock, const QByteArray &path,
                              uint32_t block, const QByteArray &validator,
                              const std::optional<Range> &slice, PieceCallback &done)
{
    auto it = inFlight_.find(key(path, block));
    if (it == inFlight_.end())
        return false;
    Entry entry = *it;
    if (entry->stored && entry->validator != validator) {
        entry->data.clear();
        inFlight_.erase(it);
        return false;
    }
    if (!entry->ready) {
        entry->waiters.push_back(std::move(done));
        return true;
    }
    const QByteArray data = entry->data;
    const bool stored = entry->stored;
    entry->unread = false;
    if (stored) {
        entry->data.clear();
        inFlight_.erase(it);
    }
    lock.unlock();
    // A sender gets the stored copy as a slice (the slice counts as the use); the memory
    // copy goes with this last reference.
    if (stored && slice && c_.store) {
        if (auto s = c_.store->slice(path, validator, block, slice->offset, slice->count, false)) {
            done(Piece{QByteArray(), std::move(s)}, true);
            return true;
        }
    }
    // Evicted from disk while it waited in memory (the read-ahead ran further than the
    // cache holds): it is stored again, as the refetch this read would have cost did.
    if (stored && c_.store && !c_.store->touch(path, validator, block)) {
        auto again = std::make_shared<InFlight>();
        again->since = entry->since;
        again->validator = validator;
        storeOnPool(path, validator, {{again, key(path, block), block, data}});
    }
    done(Piece{data, std::nullopt}, true);
    return true;
}

bool BlockFetcher::finish(const Entry &entry, const QByteArray &k, FsResult<QByteArray> result,
                          bool keep)
{
    std::vector<PieceCallback> waiters;
    bool storing = keep && result.ok() && c_.store;
    {
        std::lock_guard lock(mutex_);
        waiters = std::move(entry->waiters);
        entry->waiters.clear();
        if (entry->prefetch)
            --prefetches_;
        entry->prefetch = false;
        storing = storing && !entry->detached;
        if (storing) {
            entry->ready = true;
            entry->data = result.value();
            entry->unread = waiters.empty();
        } else if (!entry->detached) {
            inFlight_.remove(k);
        }
    }
    for (auto &w : waiters) {
        if (result)
            w(Piece{result.value(), std::nullopt}, false);
        else
            w(result.error(), false);
    }
    return storing;
}

void BlockFetcher::storeOnPool(const QByteArray &path, const QByteArray &validator,
                               std::vector<Stored> blocks)
{
    if (blocks.empty())
        return;
    {
        std::lock_guard lock(mutex_);
        storeQueue_.push_back({path, validator, std::move(blocks)});
        if (storing_)
            return;
        storing_ = true;
    }
    auto alive = c_.keepAlive();
    runOnPool([this, alive] { drainStores(); });
}

void BlockFetcher::drainStores()
{
    for (;;) {
        StoreJob job;
        {
            std::lock_guard lock(mutex_);
            if (storeQueue_.empty()) {
                storing_ = false;
                return;
            }
            job = std::move(storeQueue_.front());
            storeQueue_.pop_front();
        }
        for (const Stored &s : job.blocks) {
            c_.store->store(job.path, job.validator, s.block, s.data, s.entry->since);
            std::lock_guard lock(mutex_);
            storedLocked(s);
        }
    }
}

void BlockFetcher::storedLocked(const Stored &s)
{
    const Entry &entry = s.entry;
    entry->stored = true;
    if (entry->detached)
        return void(entry->data.clear());
    if (!entry->unread) {
        entry->data.clear();
        auto it = inFlight_.find(s.k);
        if (it != inFlight_.end() && *it == entry)
            inFlight_.erase(it);
        return;
    }
    kept_.emplace_back(s.k, entry);
    while (kept_.size() > kMaxKept) {
        auto [k, old] = std::move(kept_.front());
        kept_.pop_front();
        auto it = inFlight_.find(k);
        if (it != inFlight_.end() && *it == old)
            inFlight_.erase(it);
        old->data.clear();
    }
}

} // namespace loft::cache
