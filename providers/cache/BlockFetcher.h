// Gets blocks of remote files: from the BlockStore when present, else with one ranged
// read of the inner provider shared by every concurrent asker of the same block (readers
// and read-ahead coalesce on in-flight fetches). A fetched block is handed to the waiters
// from memory at once and stored on the worker pool; it stays findable in flight until
// stored, so a reader arriving meanwhile neither refetches nor misses. A block fetched
// ahead that nobody has read yet stays in memory after it is stored, until its first
// reader (at most kMaxKept such blocks; a sequential reader that stops leaves about a
// read-ahead window's worth, released as later reads push them out or on invalidate()).
//
// invalidate() (a write, truncate or other change of the remote bytes) detaches the
// fetches of that path in flight: their waiters still get what was read, but nobody joins
// them any more and their data is not stored (see BlockStore generations).
//
// Streamed runs: when the inner provider can stream a read (FileSystem::readInto), the
// bytes of a run go from its buffer straight into the blocks' slots in the BlockStore
// (reserved first), never through a buffer per run; each block is committed as its last
// byte arrives and its waiters get it then (senders a slice of the data file, others the
// bytes read back). Blocks a stream leaves undone (refused, a changed version, a disk
// failure, a short answer) are read the ordinary way; an error of the remote fails them.
//
// getToSend() is get() for a caller that sends the bytes on to a socket: a block that is
// in the BlockStore comes as a pinned slice of its data file (see BlockStore::slice), also
// when a copy of it is kept in memory (that copy is released, as a first read releases
// it). A block still in flight, or not stored, comes as bytes: nobody waits for a store.
//
// `validator` names the remote version the caller believes current. When the remote's
// answer shows another version, the data is still delivered (it is what the remote has
// now) but not stored, and `onRemoteChanged` reports the new attributes.
// Thread-safe. Async work keeps its owner alive through `keepAlive`.
#pragma once

#include "FileSystem.h"

#include <QHash>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace loft {
class CacheCounters;
}

namespace loft::cache {

class BlockStore;

class BlockFetcher {
public:
    // data: the block's bytes; local: served without waiting for the remote.
    using Callback = std::function<void(FsResult<QByteArray> data, bool local)>;
    // What getToSend() hands over: the whole block's bytes, or a slice of its range.
    struct Piece {
        QByteArray bytes;
        std::optional<FsFileSlice> slice; // then `bytes` is empty
    };
    using PieceCallback = std::function<void(FsResult<Piece> piece, bool local)>;
    // A range within a block.
    struct Range {
        uint32_t offset = 0;
        uint32_t count = 0;
    };

    struct Context {
        std::shared_ptr<FileSystem> inner;
        BlockStore *store = nullptr; // null: fetch, never keep
        // Runs disk work on the owner's worker pool (inline once it is stopping).
        std::function<void(std::function<void()>)> runOnPool;
        CacheCounters *counters = nullptr;
        int maxPrefetches = 8;
        std::function<std::shared_ptr<void>()> keepAlive;
        std::function<void(const QByteArray &path, const FsAttr &attr)> onRemoteChanged;
    };

    explicit BlockFetcher(Context context);

    // Block `block` of a file of `fileSize` bytes: kBlockSize bytes, fewer for the last.
    void get(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
             uint32_t block, Callback done);
    // The same, but `range` of a stored block comes as a slice (see above).
    void getToSend(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                   uint32_t block, Range range, PieceCallback done);
    // Starts fetching a block nobody waits for yet, unless it is cached, in flight, or
    // too many prefetches are running.
    void prefetch(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                  uint32_t block);
    // The same for blocks ahead of a sequential reader (ascending): runs of kRunBlocks
    // neighbours that are neither cached nor in flight, starting at each block asked for
    // and going on past the last one asked for if need be, are fetched with one remote
    // read each (one ranged GET of 4 MiB instead of four of 1 MiB: per-request costs
    // halve the throughput of 1 MiB GETs on a fast link), each run one prefetch.
    static constexpr uint32_t kRunBlocks = 4;
    void prefetchAhead(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                       const std::vector<uint32_t> &blocks);

    int prefetchesInFlight() const;

    // The bytes of path (or everything beneath it, `tree`) changed: see above. Call it
    // before answering the change, on any thread.
    void invalidate(const QByteArray &path, bool tree = false);

private:
    struct Waiter {
        PieceCallback done;
        std::optional<Range> slice; // a sender's range (getToSend)
    };
    struct InFlight {
        std::vector<Waiter> waiters;
        bool ready = false; // data fetched, being stored (or kept, see `unread`)
        bool stored = false; // in the BlockStore too
        // Fetched ahead and not read yet: kept in memory after it is stored, until the
        // first reader takes it (see kMaxKept).
        bool unread = false;
        QByteArray data;
        QByteArray validator;
        bool prefetch = false;
        bool detached = false; // invalidated: out of inFlight_, never stored
        uint64_t since = 0;    // BlockStore generation when the fetch started
    };
    using Entry = std::shared_ptr<InFlight>;
    static QByteArray key(const QByteArray &path, uint32_t block);
    // get() and getToSend(): a slice of `slice` when the block is stored, else bytes.
    void getPiece(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                  uint32_t block, std::optional<Range> slice, PieceCallback done);
    // With mutex_ held by `lock`: when the block is in flight or in memory, `done` joins
    // it (or gets its data at once, after `lock` is released) and this returns true. A
    // block kept after being stored leaves memory with its first reader (it is on disk,
    // where the read counts as a use; a reader wanting a `slice` gets one of the file);
    // one kept for another version is dropped.
    bool joinLocked(std::unique_lock<std::mutex> &lock, const QByteArray &path, uint32_t block,
                    const QByteArray &validator, const std::optional<Range> &slice,
                    PieceCallback &done);
    // Joins or starts the remote fetch of a block.
    void fetchRemote(const QByteArray &path, const QByteArray &validator, uint64_t fileSize,
                     uint32_t block, std::optional<Range> slice, PieceCallback done);
    Entry startLocked(const QByteArray &k, const QByteArray &validator, bool prefetch);
    void noteRemoteRead(const QByteArray &path, const QByteArray &validator,
                        const FsReadResult &r, bool &changed);
    // One remote read for blocks [first, first + entries.size()), then each block's
    // finish; streamed when it can be and `mayStream`.
    void readRun(std::vector<Entry> entries, const QByteArray &path,
                 const QByteArray &validator, uint32_t first, uint64_t fileSize,
                 QByteArray acc, bool changed, bool mayStream = true);
    struct StreamedRun;
    // Starts a streamed run; false (nothing started) when the store or the provider
    // cannot take one.
    bool streamRun(const std::vector<Entry> &entries, const QByteArray &path,
                   const QByteArray &validator, uint32_t first, uint64_t fileSize);
    // A streamed block's last byte is written: committed and handed to its waiters.
    void streamedBlockDone(StreamedRun &run, size_t j);
    // The provider is done with a streamed run: the blocks it left are read or failed.
    void streamEnded(const std::shared_ptr<StreamedRun> &run, const FsResult<FsReadResult> &r);
    // Hands the result to the waiters; true when the block is to be stored (then it stays
    // findable in flight until storeOnPool() has stored it).
    bool finish(const Entry &entry, const QByteArray &k, FsResult<QByteArray> result, bool keep);
    // With mutex_ held: the fetch is over for its waiters (handed back) and, when it was
    // a prefetch, for the prefetch count.
    std::vector<Waiter> takeWaitersLocked(InFlight &entry);
    // A block committed to the store as `whole` (a pinned slice of all of it): out of
    // flight, its waiters served from it.
    void finishStored(const Entry &entry, const QByteArray &k, const FsFileSlice &whole);
    struct Stored {
        Entry entry;
        QByteArray k;
        uint32_t block;
        QByteArray data;
    };
    // Queues the blocks of one remote read for storing. One pool task at a time writes
    // the queue out, in order: pool threads writing the same block file in parallel only
    // spun on its lock (8% of the CPU time of a cold read).
    void storeOnPool(const QByteArray &path, const QByteArray &validator,
                     std::vector<Stored> blocks);
    void drainStores();
    // After a block is stored: kept in memory while unread (the sequential reader the
    // read-ahead fetched it for comes for it soon; reading it back from disk cost a pread
    // and a CRC check per block), else released.
    void storedLocked(const Stored &s);
    void runOnPool(std::function<void()> task);

    Context c_;
    mutable std::mutex mutex_;
    QHash<QByteArray, Entry> inFlight_;
    int prefetches_ = 0;
    struct StoreJob {
        QByteArray path;
        QByteArray validator;
        std::vector<Stored> blocks;
    };
    std::deque<StoreJob> storeQueue_;
    std::mutex streamWrites_; // held by a streamed run while it writes (StreamedRun::write)
    bool storing_ = false; // a pool task is draining storeQueue_
    // Blocks stored but kept in memory until read, oldest first; at most kMaxKept (the
    // read-ahead window is 16 blocks: twice that leaves room for a second reader).
    static constexpr size_t kMaxKept = 32;
    std::deque<std::pair<QByteArray, Entry>> kept_;
};

// What identifies the version of a remote file: its version (ETag) when the backend has
// one, else its mtime and size.
QByteArray validatorFor(const FsAttr &attr);

} // namespace loft::cache
