// The on-disk data cache: the ranges of remote files fetched so far, kept in fixed-size
// blocks, with least-recently-used eviction under a size limit; survives restarts.
//
// Block size: 1 MiB. It equals the largest NFS READ/WRITE Loft offers (rtmax/wtmax), so
// the Linux client's aligned 1 MiB READs map to exactly one block; one HTTP range request
// per MiB amortizes the request's round trip (~1 ms on a LAN, far less than transferring
// the MiB over most links); and 10 GiB is only 10,240 blocks, so the whole index lives in
// memory and is rewritten in milliseconds. The cost: a random 4 KiB read fetches 1 MiB.
//
// On disk, under `dir`:
//   blocks/<file id, 16 hex digits>  one sparse file per remote file: block b at offset
//                                    b * 1 MiB; evicted blocks are punched out (holes)
//   index.journal                    JournalFile records (big-endian, see RecordCodec):
//     'N' nextId u64, tick u64                     first record after a compaction
//     'F' id u64, validator bytes, path bytes      a file (re)defined: no blocks yet
//     'B' id u64, block u32, length u32, crc u32, lastUse u64   block present
//     'E' id u64, block u32                        block evicted
//     'D' id u64                                   file dropped (data file removed)
//     'P' id u64, path bytes                       file renamed (with its blocks)
// Each block carries a CRC-32C. The index is not fsync'd (the cache can always be
// refetched): after a restart a block is checked against its CRC the first time it is
// read, so data torn by a crash is refetched, never served. Blocks written or checked in
// this run are trusted. A block whose bytes were spliced in (appendFromPipe) gets its CRC
// from the checksummer later, and its 'B' record only then (see commit()). open() punches
// every block a data file holds that the index does not know (a crash left it there).
// Last-use ticks are kept in memory and written at compaction (on open, close and when
// the journal grows), so the LRU order survives a clean restart.
//
// A file's blocks are valid for one `validator` (the remote version): asking with another
// drops them. `pinnedBytes` (staged files, owned elsewhere) count against the limit and
// are never evicted here; store() evicts least-recently-used blocks first so that cached
// plus pinned bytes never exceed the limit, and refuses when even an empty store would.
//
// Generations (memory only): invalidate() marks what a file has cached as stale at once
// (no disk I/O, so the caller's thread can do it before answering a write), and
// generation() is a snapshot to take before fetching a block: store() refuses data
// fetched before a later invalidate() of that path (or a folder above it). That closes
// the race of a fetch that read the old bytes, then completed after a write-through
// WRITE or truncate: it would otherwise put the old bytes back. Stale files are dropped
// from disk by dropStale() (on the pool) or replaced by the next store.
//
// Slices (sendfile): slice() answers a range of a present, verified block as an
// FsFileSlice of its data file instead of copying the bytes out, and pins the block until
// the slice's holder is gone (it keeps its own fd open, so a data file unlinked meanwhile
// by a drop, invalidate, remove or clear stays readable). Nothing rewrites the bytes
// under a pin: evicting a pinned block (LRU, trim, replacement by another CRC, a failed
// CRC check) takes it out of the index and the accounting at once but punches its hole
// only when the last holder lets go, and store() refuses a block whose slot still waits
// for that punch. So the data files may briefly hold more than the limit, by at most
// the pinned blocks (the READ replies being sent: a few MiB). The pin table outlives
// the store (holders share it), so a holder may be released after the store is gone.
//
// Thread-safe. Every method but has(), stats(), generation() and invalidate() does disk
// I/O: call them on a worker pool (slice(..., false) only opens the data file and may
// run inline). The index lock is never held across reading or writing block data.
#pragma once

#include "FileSystem.h"
#include "JournalFile.h"

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <thread>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace loft::cache {

class BlockStore {
public:
    static constexpr uint32_t kBlockSize = 1u << 20;

    struct Stats {
        uint64_t usedBytes = 0;
        uint64_t files = 0;
        uint64_t blocks = 0;
        uint64_t limitBytes = 0;
        uint64_t pinnedBytes = 0;
    };

    BlockStore();
    ~BlockStore();
    BlockStore(const BlockStore &) = delete;
    BlockStore &operator=(const BlockStore &) = delete;

    bool open(const QString &dir, uint64_t limitBytes, QString *error);
    // Compacts the index (saving LRU order) and closes it.
    void close();

    bool has(const QByteArray &path, const QByteArray &validator, uint32_t block);
    // The block was read from a copy in memory: it counts as just used (LRU order).
    // False when it is not (or no longer) here.
    bool touch(const QByteArray &path, const QByteArray &validator, uint32_t block);
    // Bytes [offset, offset+count) of a cached block (clipped to the block's length), or
    // nullopt on a miss (absent, other validator, failed its CRC, raced with eviction).
    std::optional<QByteArray> read(const QByteArray &path, const QByteArray &validator,
                                   uint32_t block, uint32_t offset = 0,
                                   uint32_t count = kBlockSize);
    // Bytes [offset, offset+count) of a cached block (clipped to the block's length) as a
    // slice of its data file, the block pinned until the slice's holder is released (see
    // above); counts as a use. nullopt on a miss, and for a block not verified in this run
    // unless `check`: then its CRC is checked first (a read of the whole block).
    std::optional<FsFileSlice> slice(const QByteArray &path, const QByteArray &validator,
                                     uint32_t block, uint32_t offset, uint32_t count,
                                     bool check);
    // Blocks pinned by slices now (for tests).
    size_t pinnedBlocks() const;

    // Stores a whole block (shorter only for a file's last block). False when it does not
    // fit under the limit, the disk failed, or (with `since`, a generation() taken before
    // the data was fetched) the path was invalidated after `since`.
    bool store(const QByteArray &path, const QByteArray &validator, uint32_t block,
               const QByteArray &data, std::optional<uint64_t> since = std::nullopt);

    // Streamed stores: a block written into its data file by the caller as its bytes
    // arrive (a remote read streamed into the cache, see BlockFetcher). reserve() takes the
    // block's slot as store() does before it writes (eviction, the limit, pins, `since`)
    // (the data file is opened, and the block's room allocated, by the first append(): on
    // the writer's thread); nullopt when store() would refuse, or the block is here or
    // being stored already. The caller append()s the block's `length` bytes (rewind()
    // starts over), then calls commit(), or abandon(). commit() answers
    // the block as a pinned slice of all its bytes (slices cut from it share the pin, so
    // the bytes stay even when it is evicted at once), or nullopt when it was refused
    // (invalidated or dropped while it was written): the slot then stays reserved, its
    // bytes readable through `fd`, until abandon(). A reservation ends with one commit()
    // that answers a slice, or one abandon().
    struct Reservation {
        uint64_t id = 0;
        uint32_t block = 0;
        uint32_t length = 0;
        QByteArray path;
        uint64_t since = 0;
        QByteArray dataFile; // its file name
        int fd = -1;          // opened by the first append()
        uint32_t written = 0; // bytes append()ed
        uint32_t crc = 0;     // their CRC-32C
        bool crcKnown = true; // false once bytes came by appendFromPipe()
    };
    std::optional<Reservation> reserve(const QByteArray &path, const QByteArray &validator,
                                       uint32_t block, uint32_t length, uint64_t since);
    // The block's next bytes (no more than `length` in all); false when the disk failed.
    static bool append(Reservation &reservation, const char *data, uint32_t size);
    // append() of `size` bytes waiting in the pipe `pipeFd`, spliced into the block's file
    // (Linux): they are copied once, into the page cache, and never pass through memory
    // here. Their CRC is left to the checksummer (below). False when they could not all be
    // written; the pipe may then hold some of them.
    static bool appendFromPipe(Reservation &reservation, int pipeFd, uint32_t size);
    static void rewind(Reservation &reservation);
    // The bytes written so far (for a refused commit's readers).
    static QByteArray readBack(const Reservation &reservation);
    // Needs all `length` bytes written; see above. A block whose CRC is not known yet is
    // served at once but enters the index only when the checksummer has read its bytes
    // back and computed it: a thread of the lowest priority (SCHED_IDLE) that starts once
    // no unchecked block came for a while, so a cold read does not wait for it; close()
    // finishes what it left (up to 256 blocks). A crash before that loses only the block
    // (it is fetched again), never trusts unchecked bytes.
    std::optional<FsFileSlice> commit(Reservation &reservation);
    void abandon(Reservation &reservation);

    // The current generation, to pass to store() for data fetched from now on.
    uint64_t generation() const;
    // The remote bytes of path (or of everything beneath it, `tree`) changed or may have:
    // what is cached for it stops being served now, and data fetched before now is not
    // stored. True when cached blocks became stale (call dropStale() on the pool).
    bool invalidate(const QByteArray &path, bool tree = false);
    // Drops the files invalidate() made stale.
    void dropStale();

    void setPinnedBytes(uint64_t bytes);
    void setLimit(uint64_t bytes);
    // Evicts until cached + pinned fit the limit.
    void trim();

    // Drops path (and everything beneath it when `tree`).
    void remove(const QByteArray &path, bool tree = false);
    // Moves the blocks of `from` (and beneath) to `to`, dropping what `to` had.
    void rename(const QByteArray &from, const QByteArray &to);
    void clear();

    Stats stats() const;
    // Blocks whose CRC the checksummer has yet to compute (for tests).
    size_t uncheckedBlocks() const;
    // Waits until the checksummer has no block left, or `timeout` passed; true when none
    // is left (for tests).
    bool awaitChecksums(std::chrono::milliseconds timeout);
    // How long the checksummer waits after the latest unchecked block before it starts
    // (default 500 ms: not while a read is still streaming blocks in).
    void setChecksumQuiet(std::chrono::milliseconds quiet);

    // Reads every present block and checks it against its CRC (blocks found bad are
    // evicted, as read() would). For tests and consistency checks after a crash.
    struct Verification {
        uint64_t blocks = 0;
        uint64_t bytes = 0;
        uint64_t bad = 0;
        QStringList badBlocks; // "path#block"
    };
    Verification verifyAll();

private:
    struct Block {
        uint32_t length = 0;
        uint32_t crc = 0;
        uint64_t tick = 0;   // last use; key in lru_
        bool present = false; // false while reserved for a store in progress
        bool verified = false;
        bool crcPending = false; // present, CRC not computed yet, not in the index yet
        uint64_t stored = 0;     // when it became present in this run (0: from the index)
    };
    struct File {
        uint64_t id = 0;
        QByteArray path;
        QByteArray validator;
        QMap<uint32_t, Block> blocks;
        int reservations = 0;
        bool stale = false; // invalidated: served never again, dropped soon
    };
    struct Victim {
        uint64_t id;
        uint32_t block;
        bool wholeFile; // the file lost its last block: remove the data file
    };

    // Pin counts of blocks held by slices, shared with the slices' holders. Its own lock,
    // taken inside mutex_ (never the other way round).
    struct Pins;
    struct PinHolder;

    QString dataPath(uint64_t id) const;
    // The reservation's data file open (append()'s first step); false when it cannot be.
    static bool openReserved(Reservation &reservation);
    // store()'s and reserve()'s first step: the block's slot reserved (`id` set), or
    // present or being stored already (with `crc`: the same bytes present), or refused.
    enum class SlotState { Reserved, Taken, Refused };
    SlotState reserveLocked(const QByteArray &path, const QByteArray &validator, uint32_t block,
                            uint32_t length, std::optional<uint32_t> crc,
                            std::optional<uint64_t> since, uint64_t &id);
    // The reserved block, or null when it went (dropped, or its file invalidated).
    Block *reservedLocked(uint64_t id, uint32_t block);
    // A reservation given up: its accounting undone, an emptied file dropped.
    void releaseLocked(uint64_t id, uint32_t block);
    // A reserved block written: present, verified, youngest in the LRU order, journaled
    // (without `crcKnown`: handed to the checksummer, which journals it).
    void presentLocked(uint64_t id, uint32_t block, Block &b, uint32_t crc, bool crcKnown = true);
    // Evicts back under the limit after a store; false when that evicted `block` itself.
    bool restoreLimitLocked(uint64_t id, uint32_t block);
    // A slice of bytes [offset, offset+length) of a block, pinned; owns `fd`.
    FsFileSlice pinLocked(uint64_t id, uint32_t block, int fd, uint32_t offset, uint32_t length);
    File *fileFor(const QByteArray &path);
    File &defineFileLocked(const QByteArray &path, const QByteArray &validator);
    void dropFileLocked(uint64_t id, std::vector<Victim> &victims);
    void evictLocked(uint64_t need, std::vector<Victim> &victims);
    void evictBlockLocked(File &f, uint32_t block, std::vector<Victim> &victims);
    void punch(const std::vector<Victim> &victims);
    void appendLocked(const QByteArray &record);
    void compactLocked();
    uint64_t nextTickLocked() { return ++tick_; }
    // A present block was just used: it moves to the young end of the LRU order.
    void markUsedLocked(uint64_t id, uint32_t block, Block &b);
    // The checksummer's thread, and one block's turn (on that thread or in close()).
    struct Unchecked {
        uint64_t id;
        uint32_t block;
        uint64_t stored;
    };
    void checksumLoop();
    void checksum(const Unchecked &item);
    // The item's block when it is still the one waiting for its CRC, else null.
    Block *uncheckedLocked(const Unchecked &item);
    void stopChecksummer(std::unique_lock<std::mutex> &lock);
    // Whether path (or a folder above it) was invalidated after generation `since`.
    bool invalidatedSinceLocked(const QByteArray &path, uint64_t since) const;

    mutable std::mutex mutex_;
    QString dir_;
    JournalFile journal_;
    uint64_t limit_ = 0;
    uint64_t pinned_ = 0;
    uint64_t used_ = 0;      // present + reserved bytes
    uint64_t blockCount_ = 0;
    uint64_t nextId_ = 1;
    uint64_t tick_ = 0;
    QHash<uint64_t, File> files_;
    QHash<QByteArray, uint64_t> byPath_;
    std::map<uint64_t, std::pair<uint64_t, uint32_t>> lru_; // tick -> (file id, block)
    uint64_t generation_ = 0;
    uint64_t generationFloor_ = 0; // every fetch from before it counts as invalidated
    QHash<QByteArray, uint64_t> invalidatedAt_;     // path -> generation
    QHash<QByteArray, uint64_t> treeInvalidatedAt_; // folder -> generation
    bool anyStale_ = false;
    std::shared_ptr<Pins> pins_;
    uint64_t storedCount_ = 0;
    std::chrono::milliseconds checksumQuiet_{500};
    std::chrono::steady_clock::time_point lastUnchecked_;
    std::deque<Unchecked> unchecked_;
    size_t checking_ = 0; // items taken off unchecked_ and not done yet
    std::condition_variable checksumWake_;
    std::condition_variable checksumDone_;
    bool checksummerStop_ = false;
    std::thread checksummer_;
};

} // namespace loft::cache
