#include "BlockFetcher.h"

#include "BlockStore.h"
#include "CacheCounters.h"
#include "CachePaths.h"
#include "SharedSlice.h"

#include <cerrno>
#include <unistd.h>

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
    readRun({entry}, path, validator, block, fileSize, QByteArray(), false);
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
                           QByteArray acc, bool changed, bool mayStream)
{
    if (mayStream && acc.isEmpty() && streamRun(entries, path, validator, first, fileSize))
        return;
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
        entry->waiters.push_back({std::move(done), slice});
    }
    readRun({entry}, path, validator, block, fileSize, QByteArray(), false);
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
        entry->waiters.push_back({std::move(done), slice});
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

std::vector<BlockFetcher::Waiter> BlockFetcher::takeWaitersLocked(InFlight &entry)
{
    std::vector<Waiter> waiters = std::exchange(entry.waiters, {});
    if (entry.prefetch)
        --prefetches_;
    entry.prefetch = false;
    return waiters;
}

bool BlockFetcher::finish(const Entry &entry, const QByteArray &k, FsResult<QByteArray> result,
                          bool keep)
{
    std::vector<Waiter> waiters;
    bool storing = keep && result.ok() && c_.store;
    {
        std::lock_guard lock(mutex_);
        waiters = takeWaitersLocked(*entry);
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
            w.done(Piece{result.value(), std::nullopt}, false);
        else
            w.done(result.error(), false);
    }
    return storing;
}

void BlockFetcher::finishStored(const Entry &entry, const QByteArray &k, const FsFileSlice &whole)
{
    std::vector<Waiter> waiters;
    {
        std::lock_guard lock(mutex_);
        waiters = takeWaitersLocked(*entry);
        entry->stored = true;
        // Later readers find it in the store.
        auto it = inFlight_.find(k);
        if (it != inFlight_.end() && *it == entry)
            inFlight_.erase(it);
    }
    QByteArray bytes; // read back once for every waiter that wants bytes
    for (auto &w : waiters) {
        if (w.slice) {
            FsFileSlice part = whole;
            part.offset += w.slice->offset;
            part.length = w.slice->offset >= whole.length
                ? 0 : std::min(w.slice->count, whole.length - w.slice->offset);
            w.done(Piece{QByteArray(), std::move(part)}, false);
            continue;
        }
        if (bytes.isNull()) {
            bytes = QByteArray(qsizetype(whole.length), Qt::Uninitialized);
            const ssize_t n = ::pread(whole.fd, bytes.data(), whole.length, off_t(whole.offset));
            if (n != ssize_t(whole.length)) {
                w.done(FsError::Io, false);
                bytes = QByteArray();
                continue;
            }
        }
        w.done(Piece{bytes, std::nullopt}, false);
    }
}

// The sink of a streamed run (see the header): routes the bytes to the blocks' slots.
// The provider calls it on one thread at a time; a stream that starts over (begin()
// again) skips the blocks committed already.
struct BlockFetcher::StreamedRun final : FsByteSink {
    BlockFetcher *fetcher = nullptr;
    std::shared_ptr<void> alive;
    QByteArray path;
    QByteArray validator;
    uint32_t first = 0;
    uint64_t fileSize = 0;
    std::vector<Entry> entries;
    std::vector<BlockStore::Reservation> reserved;
    size_t committed = 0; // blocks [0, committed) are done
    uint64_t pos = 0;     // bytes of this attempt so far
    bool refused = false; // said no (another version, the disk): read the rest as usual

    bool begin(const FsAttr &attr) override
    {
        const bool meaningful = !attr.version.isEmpty() || attr.mtime.sec != 0;
        if (meaningful && validatorFor(attr) != validator) {
            refused = true; // the ordinary read reports the change and serves the bytes
            return false;
        }
        pos = 0;
        for (size_t j = committed; j < reserved.size(); ++j)
            BlockStore::rewind(reserved[j]);
        return true;
    }

    bool write(const char *data, size_t size) override
    {
        return route(size, [&](BlockStore::Reservation *slot, uint32_t take) {
            const bool ok = !slot || BlockStore::append(*slot, data, take);
            data += take;
            return ok;
        });
    }

    bool takesPipes() const override { return true; }

    bool writeFromPipe(int pipeFd, size_t size) override
    {
        return route(size, [&](BlockStore::Reservation *slot, uint32_t take) {
            return slot ? BlockStore::appendFromPipe(*slot, pipeFd, take) : discard(pipeFd, take);
        });
    }

    // The next `size` bytes of the stream, block by block: store(slot, n) stores the next
    // n of them in the block's slot, or with no slot passes over them.
    template <typename Store>
    bool route(size_t size, Store store)
    {
        if (CacheCounters *counters = fetcher->c_.counters) {
            counters->addBytesIn(size);
            counters->addStreamedBytes(size);
        }
        while (size > 0) {
            const size_t j = size_t(pos / BlockStore::kBlockSize);
            if (j >= reserved.size()) // past the run (a provider answering more): not ours
                return store(nullptr, uint32_t(size));
            BlockStore::Reservation &slot = reserved[j];
            const uint32_t inBlock = uint32_t(pos - uint64_t(j) * BlockStore::kBlockSize);
            const uint32_t take = uint32_t(std::min<uint64_t>(size, slot.length - inBlock));
            if (j >= committed) {
                bool ok;
                {
                    // One streamed write at a time: ext4 takes the file's inode lock for a
                    // buffered write, and lanes writing one data file spun on it (measured,
                    // 4 connections: 1,507 → 1,567 MiB/s median of 8, CPU 4% lower).
                    std::lock_guard lock(fetcher->streamWrites_);
                    ok = store(&slot, take);
                }
                if (!ok) {
                    refused = true;
                    return false;
                }
                if (slot.written == slot.length) {
                    fetcher->streamedBlockDone(*this, j);
                    committed = j + 1;
                }
            } else if (!store(nullptr, take)) {
                return false;
            }
            pos += take;
            size -= take;
        }
        return true;
    }

    // Reads `size` bytes out of the pipe and drops them.
    static bool discard(int pipeFd, uint32_t size)
    {
        char dropped[16 * 1024];
        while (size > 0) {
            const ssize_t n = ::read(pipeFd, dropped, std::min<size_t>(size, sizeof dropped));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            size -= uint32_t(n);
        }
        return true;
    }
};

bool BlockFetcher::streamRun(const std::vector<Entry> &entries, const QByteArray &path,
                             const QByteArray &validator, uint32_t first, uint64_t fileSize)
{
    if (!c_.store || entries.empty())
        return false;
    auto run = std::make_shared<StreamedRun>();
    const uint64_t offset = uint64_t(first) * BlockStore::kBlockSize;
    for (size_t j = 0; j < entries.size(); ++j) {
        const uint64_t at = offset + uint64_t(j) * BlockStore::kBlockSize;
        const uint32_t length = uint32_t(std::min<uint64_t>(BlockStore::kBlockSize, fileSize - at));
        auto slot = at < fileSize
            ? c_.store->reserve(path, validator, first + uint32_t(j), length, entries[j]->since)
            : std::nullopt;
        if (!slot) {
            for (BlockStore::Reservation &r : run->reserved)
                c_.store->abandon(r);
            return false;
        }
        run->reserved.push_back(std::move(*slot));
    }
    run->fetcher = this;
    run->alive = c_.keepAlive();
    run->path = path;
    run->validator = validator;
    run->first = first;
    run->fileSize = fileSize;
    run->entries = entries;
    const uint64_t length = std::min<uint64_t>(uint64_t(entries.size()) * BlockStore::kBlockSize,
                                               fileSize - offset);
    const bool started = c_.inner->readInto(path, offset, uint32_t(length), run,
                                            [this, run](FsResult<FsReadResult> r) {
                                                streamEnded(run, r);
                                            });
    if (!started) {
        for (BlockStore::Reservation &r : run->reserved)
            c_.store->abandon(r);
        run->alive.reset();
    }
    return started;
}

void BlockFetcher::streamedBlockDone(StreamedRun &run, size_t j)
{
    BlockStore::Reservation &slot = run.reserved[j];
    const QByteArray k = key(run.path, run.first + uint32_t(j));
    if (auto whole = c_.store->commit(slot))
        return finishStored(run.entries[j], k, *whole);
    // Refused (invalidated meanwhile): served once from what was read, never kept.
    QByteArray bytes = BlockStore::readBack(slot);
    c_.store->abandon(slot);
    finish(run.entries[j], k, std::move(bytes), false);
}

void BlockFetcher::streamEnded(const std::shared_ptr<StreamedRun> &run,
                               const FsResult<FsReadResult> &r)
{
    const size_t done = run->committed;
    if (done == run->entries.size())
        return;
    for (size_t j = done; j < run->reserved.size(); ++j)
        c_.store->abandon(run->reserved[j]);
    std::vector<Entry> rest(run->entries.begin() + qsizetype(done), run->entries.end());
    const uint32_t first = run->first + uint32_t(done);
    // An error of the remote fails the blocks left (a read would only wait for it again);
    // whatever else left them undone, the ordinary read sorts out.
    if (!r && !run->refused && r.error() != FsError::NotSupported) {
        for (size_t j = 0; j < rest.size(); ++j)
            finish(rest[j], key(run->path, first + uint32_t(j)), r.error(), false);
        return;
    }
    readRun(std::move(rest), run->path, run->validator, first, run->fileSize, QByteArray(),
            false, false);
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
