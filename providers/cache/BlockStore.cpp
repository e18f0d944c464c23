#include "BlockStore.h"

#include "CachePaths.h"
#include "Crc32c.h"
#include "RecordCodec.h"

#include <QDir>
#include <QFile>
#include <QSet>

#include <cerrno>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace loft::cache {

namespace {

ssize_t preadFull(int fd, char *buffer, size_t count, off_t offset)
{
    size_t total = 0;
    while (total < count) {
        const ssize_t n = ::pread(fd, buffer + total, count - total, offset + off_t(total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        total += size_t(n);
    }
    return ssize_t(total);
}

bool pwriteFull(int fd, const char *buffer, size_t count, off_t offset)
{
    size_t total = 0;
    while (total < count) {
        const ssize_t n = ::pwrite(fd, buffer + total, count - total, offset + off_t(total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        total += size_t(n);
    }
    return true;
}

// Gives a block's disk space back, keeping the file's size.
void punchHole(int fd, off_t offset, off_t length)
{
#if defined(__linux__)
    ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
#elif defined(__APPLE__) && defined(F_PUNCHHOLE)
    fpunchhole_t hole{};
    hole.fp_offset = offset;
    hole.fp_length = length;
    ::fcntl(fd, F_PUNCHHOLE, &hole);
#else
    (void)fd;
    (void)offset;
    (void)length;
#endif
}

QByteArray idName(uint64_t id)
{
    return QByteArray::number(qulonglong(id), 16).rightJustified(16, '0');
}

QString dataPathIn(const QString &dir, uint64_t id)
{
    return dir + QStringLiteral("/blocks/") + QString::fromLatin1(idName(id));
}

void punchBlock(const QString &path, uint32_t block)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return; // the data file is gone (dropped): nothing to give back
    punchHole(fd, off_t(block) * BlockStore::kBlockSize, BlockStore::kBlockSize);
    ::close(fd);
}

// Punches every block of the data file that holds bytes but is not in `kept`.
template <typename Blocks>
void punchUnindexed(const QString &path, const Blocks &kept)
{
#ifdef SEEK_DATA
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    constexpr off_t size = BlockStore::kBlockSize;
    for (off_t at = 0;;) {
        const off_t data = ::lseek(fd, at, SEEK_DATA);
        const off_t hole = data < 0 ? -1 : ::lseek(fd, data, SEEK_HOLE);
        if (hole <= data)
            break;
        for (off_t b = data / size; b * size < hole; ++b)
            if (!kept.contains(uint32_t(b)))
                punchHole(fd, b * size, size);
        at = hole;
    }
    ::close(fd);
#else
    Q_UNUSED(path) Q_UNUSED(kept)
#endif
}

} // namespace

struct BlockStore::Pins {
    std::mutex mutex;
    QString dir;
    struct State {
        int count = 0;
        bool punchPending = false; // evicted while pinned: punch when the last pin goes
    };
    std::map<std::pair<uint64_t, uint32_t>, State> blocks; // (file id, block)

    // With `mutex` held: pinned, or evicted and waiting for its punch.
    bool busyLocked(uint64_t id, uint32_t block) const { return blocks.count({id, block}) != 0; }
};

// Owns a slice's fd and its pin. Released on whatever thread drops the slice (the NFS
// server's, once the reply is sent).
struct BlockStore::PinHolder {
    std::shared_ptr<Pins> pins;
    uint64_t id = 0;
    uint32_t block = 0;
    int fd = -1;

    ~PinHolder()
    {
        ::close(fd);
        std::lock_guard lock(pins->mutex);
        auto it = pins->blocks.find({id, block});
        if (it == pins->blocks.end() || --it->second.count > 0)
            return;
        const bool punch = it->second.punchPending;
        pins->blocks.erase(it);
        // Under the pin lock: store() cannot take the slot until its hole is punched.
        if (punch)
            punchBlock(dataPathIn(pins->dir, id), block);
    }
};

BlockStore::BlockStore() : pins_(std::make_shared<Pins>()) {}

BlockStore::~BlockStore()
{
    close();
}

QString BlockStore::dataPath(uint64_t id) const
{
    return dataPathIn(dir_, id);
}

bool BlockStore::open(const QString &dir, uint64_t limitBytes, QString *error)
{
    std::lock_guard lock(mutex_);
    dir_ = dir;
    limit_ = limitBytes;
    {
        std::lock_guard pinLock(pins_->mutex);
        pins_->dir = dir;
    }
    if (!QDir().mkpath(dir + QStringLiteral("/blocks"))) {
        if (error)
            *error = QStringLiteral("cannot create the cache folder %1").arg(dir);
        return false;
    }
    auto replay = [this](const QByteArray &record) {
        RecordReader r(record);
        const char tag = r.tag();
        if (tag == 'N') {
            const uint64_t next = r.u64();
            const uint64_t tick = r.u64();
            if (r.ok()) {
                nextId_ = std::max(nextId_, next);
                tick_ = std::max(tick_, tick);
            }
        } else if (tag == 'F') {
            const uint64_t id = r.u64();
            const QByteArray validator = r.bytes();
            const QByteArray path = r.bytes();
            if (!r.ok() || id == 0)
                return;
            if (auto old = byPath_.constFind(path); old != byPath_.cend() && *old != id)
                files_.remove(*old);
            File f;
            f.id = id;
            f.path = path;
            f.validator = validator;
            files_.insert(id, f); // replaces an earlier definition, blocks and all
            byPath_.insert(path, id);
            nextId_ = std::max(nextId_, id + 1);
        } else if (tag == 'B') {
            const uint64_t id = r.u64();
            const uint32_t block = r.u32();
            Block b;
            b.length = r.u32();
            b.crc = r.u32();
            b.tick = r.u64();
            b.present = true;
            auto f = files_.find(id);
            if (!r.ok() || f == files_.end() || b.length == 0 || b.length > kBlockSize)
                return;
            f->blocks.insert(block, b);
            tick_ = std::max(tick_, b.tick);
        } else if (tag == 'E') {
            const uint64_t id = r.u64();
            const uint32_t block = r.u32();
            if (auto f = files_.find(id); r.ok() && f != files_.end())
                f->blocks.remove(block);
        } else if (tag == 'D') {
            const uint64_t id = r.u64();
            if (auto f = files_.find(id); r.ok() && f != files_.end()) {
                if (byPath_.value(f->path) == id)
                    byPath_.remove(f->path);
                files_.erase(f);
            }
        } else if (tag == 'P') {
            const uint64_t id = r.u64();
            const QByteArray path = r.bytes();
            if (auto f = files_.find(id); r.ok() && f != files_.end()) {
                if (byPath_.value(f->path) == id)
                    byPath_.remove(f->path);
                if (auto old = byPath_.constFind(path); old != byPath_.cend() && *old != id)
                    files_.remove(*old);
                f->path = path;
                byPath_.insert(path, id);
            }
        }
    };
    if (!journal_.open(dir + QStringLiteral("/index.journal"), replay, error))
        return false;

    // Data files the index does not know (a crash between creating and recording) go;
    // index entries whose data file is gone are dropped.
    QDir blocks(dir + QStringLiteral("/blocks"));
    QSet<uint64_t> onDisk;
    for (const QString &name : blocks.entryList(QDir::Files | QDir::Hidden | QDir::System)) {
        bool ok = false;
        const uint64_t id = name.toULongLong(&ok, 16);
        if (ok && files_.contains(id))
            onDisk.insert(id);
        else
            blocks.remove(name);
    }
    for (auto it = files_.begin(); it != files_.end();) {
        if (!onDisk.contains(it.key()) || it->blocks.isEmpty()) {
            if (byPath_.value(it->path) == it.key())
                byPath_.remove(it->path);
            if (onDisk.contains(it.key()))
                blocks.remove(QString::fromLatin1(idName(it.key())));
            it = files_.erase(it);
            continue;
        }
        ++it;
    }
    // Blocks a crash left out of the index (stores in progress, blocks awaiting their CRC)
    // still hold their room in the data files: given back here, or the cache would grow
    // past its limit uncounted, crash after crash.
    for (const File &f : std::as_const(files_))
        punchUnindexed(dataPath(f.id), f.blocks);
    // Rebuild the LRU order and the accounting; ticks are made unique again.
    std::multimap<uint64_t, std::pair<uint64_t, uint32_t>> order;
    for (auto &f : files_)
        for (auto b = f.blocks.begin(); b != f.blocks.end(); ++b)
            order.emplace(b->tick, std::make_pair(f.id, b.key()));
    lru_.clear();
    used_ = 0;
    blockCount_ = 0;
    tick_ = 0;
    for (auto &[oldTick, where] : order) {
        Block &b = files_[where.first].blocks[where.second];
        b.tick = nextTickLocked();
        lru_.emplace(b.tick, where);
        used_ += b.length;
        ++blockCount_;
    }
    compactLocked();
    std::vector<Victim> victims;
    evictLocked(0, victims);
    punch(victims);
    return true;
}

void BlockStore::close()
{
    std::unique_lock lock(mutex_);
    stopChecksummer(lock);
    // What the checksummer left is done now, so those blocks are kept across the restart;
    // but a quit does not wait for more than this many (the rest are fetched again).
    constexpr size_t kCheckedAtClose = 256;
    for (size_t done = 0; done < kCheckedAtClose && !unchecked_.empty(); ++done) {
        const Unchecked item = unchecked_.front();
        unchecked_.pop_front();
        lock.unlock();
        checksum(item);
        lock.lock();
    }
    unchecked_.clear();
    if (!journal_.isOpen())
        return;
    compactLocked();
    journal_.close();
}

BlockStore::File *BlockStore::fileFor(const QByteArray &path)
{
    auto it = byPath_.constFind(path);
    if (it == byPath_.cend())
        return nullptr;
    auto f = files_.find(*it);
    return f == files_.end() ? nullptr : &*f;
}

BlockStore::File &BlockStore::defineFileLocked(const QByteArray &path, const QByteArray &validator)
{
    File f;
    f.id = nextId_++;
    f.path = path;
    f.validator = validator;
    byPath_.insert(path, f.id);
    appendLocked(RecordWriter('F').u64(f.id).bytes(validator).bytes(path).data());
    return *files_.insert(f.id, f);
}

void BlockStore::dropFileLocked(uint64_t id, std::vector<Victim> &victims)
{
    auto f = files_.find(id);
    if (f == files_.end())
        return;
    for (const Block &b : std::as_const(f->blocks)) {
        used_ -= b.length;
        if (b.present) {
            lru_.erase(b.tick);
            --blockCount_;
        }
    }
    if (byPath_.value(f->path) == id)
        byPath_.remove(f->path);
    files_.erase(f);
    appendLocked(RecordWriter('D').u64(id).data());
    victims.push_back({id, 0, true});
}

void BlockStore::evictBlockLocked(File &f, uint32_t block, std::vector<Victim> &victims)
{
    auto b = f.blocks.find(block);
    if (b == f.blocks.end() || !b->present)
        return;
    lru_.erase(b->tick);
    --blockCount_;
    used_ -= b->length;
    f.blocks.erase(b);
    appendLocked(RecordWriter('E').u64(f.id).u32(block).data());
    if (f.blocks.isEmpty() && f.reservations == 0)
        dropFileLocked(f.id, victims);
    else
        victims.push_back({f.id, block, false});
}

void BlockStore::evictLocked(uint64_t need, std::vector<Victim> &victims)
{
    while (used_ + pinned_ + need > limit_ && !lru_.empty()) {
        const auto [id, block] = lru_.begin()->second;
        auto f = files_.find(id);
        if (f == files_.end()) { // cannot happen; keep the loop finite regardless
            lru_.erase(lru_.begin());
            continue;
        }
        evictBlockLocked(*f, block, victims);
    }
}

// Under the lock: a store of the same block must not race with its hole being punched.
// A data file is unlinked even with pinned blocks (their holders keep it open); a pinned
// block's hole waits for its last holder.
void BlockStore::punch(const std::vector<Victim> &victims)
{
    for (const Victim &v : victims) {
        if (v.wholeFile) {
            ::unlink(QFile::encodeName(dataPath(v.id)).constData());
            continue;
        }
        {
            std::lock_guard pinLock(pins_->mutex);
            auto pinned = pins_->blocks.find({v.id, v.block});
            if (pinned != pins_->blocks.end()) {
                pinned->second.punchPending = true;
                continue;
            }
        }
        punchBlock(dataPath(v.id), v.block);
    }
}

void BlockStore::appendLocked(const QByteArray &record)
{
    journal_.append(record);
    // Compact once the journal holds far more records than the live state needs.
    const qint64 live = qint64(files_.size()) + qint64(blockCount_);
    if (journal_.appendedSinceRewrite() > std::max<qint64>(65536, 4 * live))
        compactLocked();
}

void BlockStore::compactLocked()
{
    if (!journal_.isOpen())
        return;
    QList<QByteArray> records;
    records.reserve(qsizetype(1 + files_.size() + blockCount_));
    records.append(RecordWriter('N').u64(nextId_).u64(tick_).data());
    for (const File &f : std::as_const(files_)) {
        records.append(RecordWriter('F').u64(f.id).bytes(f.validator).bytes(f.path).data());
        for (auto b = f.blocks.cbegin(); b != f.blocks.cend(); ++b)
            if (b->present && !b->crcPending) // the checksummer records the others
                records.append(RecordWriter('B')
                                   .u64(f.id)
                                   .u32(b.key())
                                   .u32(b->length)
                                   .u32(b->crc)
                                   .u64(b->tick)
                                   .data());
    }
    // Not fsync'd: the index may lag after a power cut (blocks are refetched, and every
    // block is checked against its CRC before first use), and it is compacted under the
    // lock that has() on the caller's thread takes.
    journal_.rewrite(records, false);
}

bool BlockStore::has(const QByteArray &path, const QByteArray &validator, uint32_t block)
{
    std::lock_guard lock(mutex_);
    const File *f = fileFor(path);
    if (!f || f->validator != validator || f->stale)
        return false;
    auto b = f->blocks.constFind(block);
    return b != f->blocks.cend() && b->present;
}

void BlockStore::markUsedLocked(uint64_t id, uint32_t block, Block &b)
{
    lru_.erase(b.tick);
    b.tick = nextTickLocked();
    lru_.emplace(b.tick, std::make_pair(id, block));
}

bool BlockStore::touch(const QByteArray &path, const QByteArray &validator, uint32_t block)
{
    std::lock_guard lock(mutex_);
    File *f = fileFor(path);
    if (!f || f->stale || f->validator != validator)
        return false;
    auto b = f->blocks.find(block);
    if (b == f->blocks.end() || !b->present)
        return false;
    markUsedLocked(f->id, block, *b);
    return true;
}

std::optional<QByteArray> BlockStore::read(const QByteArray &path, const QByteArray &validator,
                                           uint32_t block, uint32_t offset, uint32_t count)
{
    uint64_t id = 0;
    Block snapshot;
    {
        std::lock_guard lock(mutex_);
        if (!journal_.isOpen())
            return std::nullopt;
        File *f = fileFor(path);
        if (!f || f->stale)
            return std::nullopt;
        if (f->validator != validator) {
            // The remote object changed: everything cached for it is worthless.
            std::vector<Victim> victims;
            dropFileLocked(f->id, victims);
            punch(victims);
            return std::nullopt;
        }
        auto b = f->blocks.find(block);
        if (b == f->blocks.end() || !b->present)
            return std::nullopt;
        markUsedLocked(f->id, block, *b);
        id = f->id;
        snapshot = *b;
    }
    if (offset >= snapshot.length)
        return QByteArray();
    const uint32_t want = std::min(count, snapshot.length - offset);
    const QByteArray native = QFile::encodeName(dataPath(id));
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    QByteArray data;
    bool good = true;
    if (snapshot.verified) {
        data.resize(want);
        good = preadFull(fd, data.data(), want, off_t(block) * kBlockSize + offset) == ssize_t(want);
    } else {
        data.resize(snapshot.length);
        good = preadFull(fd, data.data(), snapshot.length, off_t(block) * kBlockSize)
                == ssize_t(snapshot.length)
            && crc32c(data.constData(), size_t(data.size())) == snapshot.crc;
        if (good && (offset != 0 || want != snapshot.length))
            data = data.mid(offset, want);
    }
    ::close(fd);
    std::lock_guard lock(mutex_);
    auto f = files_.find(id);
    if (f == files_.end())
        return std::nullopt;
    auto b = f->blocks.find(block);
    // Evicted (hole punched), replaced or invalidated while we read: what we read cannot
    // be trusted.
    if (f->stale || b == f->blocks.end() || !b->present || b->stored != snapshot.stored)
        return std::nullopt;
    if (!good) {
        std::vector<Victim> victims;
        evictBlockLocked(*f, block, victims);
        punch(victims);
        return std::nullopt;
    }
    b->verified = true;
    return data;
}

std::optional<FsFileSlice> BlockStore::slice(const QByteArray &path, const QByteArray &validator,
                                             uint32_t block, uint32_t offset, uint32_t count,
                                             bool check)
{
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            std::lock_guard lock(mutex_);
            if (!journal_.isOpen())
                return std::nullopt;
            File *f = fileFor(path);
            if (!f || f->stale || f->validator != validator)
                return std::nullopt; // another version: read() drops it
            auto b = f->blocks.find(block);
            if (b == f->blocks.end() || !b->present)
                return std::nullopt;
            if (b->verified) {
                // Opened under the lock: the file cannot be dropped (and a store in flight
                // re-create it under the same name) between finding the block and opening.
                const int fd = ::open(QFile::encodeName(dataPath(f->id)).constData(),
                                      O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                    return std::nullopt;
                markUsedLocked(f->id, block, *b);
                return pinLocked(f->id, block, fd, offset,
                                 offset >= b->length ? 0 : std::min(count, b->length - offset));
            }
        }
        // Not checked in this run (a block from before a restart): its CRC first.
        if (!check || attempt > 0 || !read(path, validator, block, 0, 0))
            return std::nullopt;
    }
    return std::nullopt;
}

FsFileSlice BlockStore::pinLocked(uint64_t id, uint32_t block, int fd, uint32_t offset,
                                  uint32_t length)
{
    auto holder = std::make_shared<PinHolder>();
    holder->pins = pins_;
    holder->id = id;
    holder->block = block;
    holder->fd = fd;
    {
        std::lock_guard pinLock(pins_->mutex);
        ++pins_->blocks[{id, block}].count;
    }
    FsFileSlice s;
    s.fd = fd;
    s.offset = uint64_t(block) * kBlockSize + offset;
    s.length = length;
    s.holder = std::move(holder);
    return s;
}

size_t BlockStore::pinnedBlocks() const
{
    std::lock_guard lock(pins_->mutex);
    size_t n = 0;
    for (const auto &[where, state] : pins_->blocks)
        n += state.count > 0 ? 1 : 0;
    return n;
}

BlockStore::Verification BlockStore::verifyAll()
{
    struct Item {
        uint64_t id;
        QByteArray path;
        uint32_t block;
        Block b;
    };
    std::vector<Item> items;
    {
        std::lock_guard lock(mutex_);
        for (const File &f : std::as_const(files_))
            for (auto b = f.blocks.cbegin(); b != f.blocks.cend(); ++b)
                if (b->present && !b->crcPending) // no CRC yet to check against
                    items.push_back({f.id, f.path, b.key(), *b});
    }
    Verification v;
    for (const Item &item : items) {
        QByteArray data(item.b.length, Qt::Uninitialized);
        const int fd = ::open(QFile::encodeName(dataPath(item.id)).constData(), O_RDONLY | O_CLOEXEC);
        const bool good = fd >= 0
            && preadFull(fd, data.data(), item.b.length, off_t(item.block) * kBlockSize)
                   == ssize_t(item.b.length)
            && crc32c(data.constData(), size_t(data.size())) == item.b.crc;
        if (fd >= 0)
            ::close(fd);
        ++v.blocks;
        v.bytes += item.b.length;
        if (good)
            continue;
        std::lock_guard lock(mutex_);
        auto f = files_.find(item.id);
        if (f == files_.end())
            continue; // dropped meanwhile
        auto b = f->blocks.find(item.block);
        if (b == f->blocks.end() || !b->present || b->stored != item.b.stored)
            continue; // replaced or evicted meanwhile
        ++v.bad;
        v.badBlocks << QString::fromUtf8(item.path) + QLatin1Char('#') + QString::number(item.block);
        std::vector<Victim> victims;
        evictBlockLocked(*f, item.block, victims);
        punch(victims);
    }
    return v;
}

BlockStore::SlotState BlockStore::reserveLocked(const QByteArray &path, const QByteArray &validator,
                                                uint32_t block, uint32_t length,
                                                std::optional<uint32_t> crc,
                                                std::optional<uint64_t> since, uint64_t &id)
{
    if (!journal_.isOpen())
        return SlotState::Refused;
    if (since && invalidatedSinceLocked(path, *since))
        return SlotState::Refused; // fetched before a change: may be the old bytes
    std::vector<Victim> victims;
    File *f = fileFor(path);
    if (f && (f->validator != validator || f->stale)) {
        dropFileLocked(f->id, victims);
        f = nullptr;
    }
    if (f) {
        auto b = f->blocks.find(block);
        if (b != f->blocks.end()) {
            if (!b->present || !crc || (b->length == length && b->crc == *crc)) {
                punch(victims);
                return SlotState::Taken; // being stored by someone else, or already here
            }
            evictBlockLocked(*f, block, victims);
            f = fileFor(path);
        }
    }
    if (pinned_ + length > limit_) {
        punch(victims);
        return SlotState::Refused;
    }
    evictLocked(length, victims);
    punch(victims);
    if (used_ + pinned_ + length > limit_)
        return SlotState::Refused; // the rest is reserved by stores in progress: never overshoot
    f = fileFor(path); // eviction may have dropped it
    if (f) {
        // A slice still sends this slot's old bytes: they must not change under it.
        std::lock_guard pinLock(pins_->mutex);
        if (pins_->busyLocked(f->id, block))
            return SlotState::Refused;
    }
    if (!f)
        f = &defineFileLocked(path, validator);
    Block reserved;
    reserved.length = length;
    reserved.crc = crc.value_or(0);
    f->blocks.insert(block, reserved);
    ++f->reservations;
    used_ += length;
    id = f->id;
    return SlotState::Reserved;
}

BlockStore::Block *BlockStore::reservedLocked(uint64_t id, uint32_t block)
{
    auto f = files_.find(id);
    if (f == files_.end())
        return nullptr;
    auto b = f->blocks.find(block);
    if (b == f->blocks.end() || b->present || f->stale)
        return nullptr;
    return &*b;
}

void BlockStore::releaseLocked(uint64_t id, uint32_t block)
{
    auto f = files_.find(id);
    if (f == files_.end()) {
        // Dropped while it was written (and maybe re-created by our open): ids are never
        // reused, so the file is ours to remove.
        ::unlink(QFile::encodeName(dataPath(id)).constData());
        return;
    }
    --f->reservations;
    std::vector<Victim> victims;
    auto b = f->blocks.find(block);
    if (b != f->blocks.end() && !b->present) {
        used_ -= b->length;
        f->blocks.erase(b);
        // What was written (and the extent reserve() allocated) must not stay on disk
        // uncounted: many given-up reservations would otherwise fill it past the limit.
        victims.push_back({id, block, false});
    }
    if (f->blocks.isEmpty() && f->reservations == 0) {
        victims.clear();
        dropFileLocked(id, victims);
    }
    punch(victims);
}

void BlockStore::presentLocked(uint64_t id, uint32_t block, Block &b, uint32_t crc, bool crcKnown)
{
    --files_[id].reservations;
    b.crc = crc;
    b.present = true;
    b.verified = true;
    b.stored = ++storedCount_;
    b.tick = nextTickLocked();
    lru_.emplace(b.tick, std::make_pair(id, block));
    ++blockCount_;
    if (crcKnown) {
        b.crcPending = false;
        appendLocked(RecordWriter('B').u64(id).u32(block).u32(b.length).u32(crc).u64(b.tick).data());
        return;
    }
    b.crcPending = true;
    unchecked_.push_back({id, block, b.stored});
    lastUnchecked_ = std::chrono::steady_clock::now();
    if (!checksummer_.joinable())
        checksummer_ = std::thread([this] { checksumLoop(); });
    checksumWake_.notify_one();
}

void BlockStore::checksumLoop()
{
#ifdef __linux__
    // Only time no one else wants: the CPU a cold read needs goes to the read.
    sched_param idle{};
    ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &idle);
    ::pthread_setname_np(::pthread_self(), "loft-checksum");
#endif
    std::unique_lock lock(mutex_);
    for (;;) {
        checksumWake_.wait(lock, [this] { return checksummerStop_ || !unchecked_.empty(); });
        // Not while blocks keep coming: the reads streaming them want all the CPU (and the
        // memory bandwidth) there is.
        while (!checksummerStop_ && std::chrono::steady_clock::now() < lastUnchecked_ + checksumQuiet_)
            checksumWake_.wait_until(lock, lastUnchecked_ + checksumQuiet_);
        if (checksummerStop_)
            return;
        const Unchecked item = unchecked_.front();
        unchecked_.pop_front();
        ++checking_;
        lock.unlock();
        checksum(item);
        lock.lock();
        --checking_;
        checksumDone_.notify_all();
    }
}

BlockStore::Block *BlockStore::uncheckedLocked(const Unchecked &item)
{
    auto f = files_.find(item.id);
    if (f == files_.end())
        return nullptr;
    auto b = f->blocks.find(item.block);
    if (b == f->blocks.end() || !b->present || !b->crcPending || b->stored != item.stored)
        return nullptr;
    return &*b;
}

// Called without the lock.
void BlockStore::checksum(const Unchecked &item)
{
    uint32_t length = 0;
    int fd = -1;
    {
        std::lock_guard lock(mutex_);
        const Block *b = uncheckedLocked(item);
        if (!b)
            return; // evicted or replaced meanwhile
        length = b->length;
        // Opened under the lock: the file cannot be dropped and re-created meanwhile.
        fd = ::open(QFile::encodeName(dataPath(item.id)).constData(), O_RDONLY | O_CLOEXEC);
    }
    uint32_t crc = 0;
    bool good = fd >= 0;
    if (good) {
        static thread_local QByteArray buffer;
        if (buffer.size() < qsizetype(kBlockSize))
            buffer.resize(qsizetype(kBlockSize));
        good = preadFull(fd, buffer.data(), length, off_t(item.block) * kBlockSize) == ssize_t(length);
        if (good)
            crc = crc32c(buffer.constData(), length);
        ::close(fd);
    }
    std::lock_guard lock(mutex_);
    Block *b = uncheckedLocked(item);
    if (!b)
        return; // evicted or replaced while we read: what we read may be the hole
    if (!good) { // unreadable: it cannot be kept
        std::vector<Victim> victims;
        evictBlockLocked(files_[item.id], item.block, victims);
        punch(victims);
        return;
    }
    b->crc = crc;
    b->crcPending = false;
    if (journal_.isOpen())
        appendLocked(RecordWriter('B').u64(item.id).u32(item.block).u32(b->length).u32(crc).u64(b->tick).data());
}

void BlockStore::stopChecksummer(std::unique_lock<std::mutex> &lock)
{
    if (!checksummer_.joinable())
        return;
    checksummerStop_ = true;
    checksumWake_.notify_all();
    std::thread worker = std::move(checksummer_);
    lock.unlock();
    worker.join();
    lock.lock();
    checksummerStop_ = false;
}

void BlockStore::setChecksumQuiet(std::chrono::milliseconds quiet)
{
    std::lock_guard lock(mutex_);
    checksumQuiet_ = quiet;
    checksumWake_.notify_all();
}

size_t BlockStore::uncheckedBlocks() const
{
    std::lock_guard lock(mutex_);
    return unchecked_.size() + checking_;
}

bool BlockStore::awaitChecksums(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mutex_);
    return checksumDone_.wait_for(lock, timeout, [this] { return unchecked_.empty() && checking_ == 0; });
}

bool BlockStore::restoreLimitLocked(uint64_t id, uint32_t block)
{
    // Pinned bytes may have grown while the block was written (a trim meanwhile could not
    // evict the reservation): restore the limit now, this block last of all.
    if (used_ + pinned_ <= limit_)
        return true;
    std::vector<Victim> victims;
    evictLocked(0, victims);
    punch(victims);
    const auto kept = files_.constFind(id);
    return kept != files_.cend() && kept->blocks.contains(block);
}

bool BlockStore::store(const QByteArray &path, const QByteArray &validator, uint32_t block,
                       const QByteArray &data, std::optional<uint64_t> since)
{
    if (data.isEmpty() || uint64_t(data.size()) > kBlockSize || validator.isEmpty())
        return false;
    const uint32_t length = uint32_t(data.size());
    const uint32_t crc = crc32c(data.constData(), size_t(data.size()));
    uint64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        switch (reserveLocked(path, validator, block, length, crc, since, id)) {
        case SlotState::Reserved:
            break;
        case SlotState::Taken:
            return true;
        case SlotState::Refused:
            return false;
        }
    }

    const QByteArray native = QFile::encodeName(dataPath(id));
    bool ok = false;
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ok = pwriteFull(fd, data.constData(), length, off_t(block) * kBlockSize);
        ::close(fd);
    }

    std::lock_guard lock(mutex_);
    Block *b = reservedLocked(id, block);
    if (!ok || !b) { // failed, or invalidated while we wrote: these may be the old bytes
        releaseLocked(id, block);
        return false;
    }
    presentLocked(id, block, *b, crc);
    return restoreLimitLocked(id, block);
}

std::optional<BlockStore::Reservation> BlockStore::reserve(const QByteArray &path,
                                                          const QByteArray &validator,
                                                          uint32_t block, uint32_t length,
                                                          uint64_t since)
{
    if (length == 0 || length > kBlockSize || validator.isEmpty())
        return std::nullopt;
    Reservation r;
    {
        std::lock_guard lock(mutex_);
        if (reserveLocked(path, validator, block, length, std::nullopt, since, r.id)
            != SlotState::Reserved)
            return std::nullopt;
    }
    r.block = block;
    r.length = length;
    r.path = path;
    r.since = since;
    r.dataFile = QFile::encodeName(dataPath(r.id));
    return r;
}

bool BlockStore::openReserved(Reservation &r)
{
    if (r.fd >= 0)
        return true;
    r.fd = ::open(r.dataFile.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
#ifdef __linux__
    // The block's extent allocated in one call: written page by page into a hole, ext4's
    // delayed allocation reserved space per page (measured: a tenth of Loft's CPU time in
    // a cold read). Failing here is harmless: the writes then allocate (or fail) as usual.
    // The file's size grows to cover the block: ext4 punches no hole past the end of a
    // file, so an extent kept there would outlive an abandon().
    if (r.fd >= 0)
        ::fallocate(r.fd, 0, off_t(r.block) * kBlockSize, off_t(r.length));
#endif
    return r.fd >= 0;
}

bool BlockStore::append(Reservation &r, const char *data, uint32_t size)
{
    if (size > r.length - r.written || !openReserved(r)
        || !pwriteFull(r.fd, data, size, off_t(r.block) * kBlockSize + off_t(r.written)))
        return false;
    r.crc = crc32c(data, size, r.crc);
    r.written += size;
    return true;
}

bool BlockStore::appendFromPipe(Reservation &r, int pipeFd, uint32_t size)
{
#ifdef __linux__
    if (size > r.length - r.written || !openReserved(r))
        return false;
    off_t at = off_t(r.block) * kBlockSize + off_t(r.written);
    uint32_t left = size;
    while (left > 0) {
        const ssize_t n = ::splice(pipeFd, nullptr, r.fd, &at, left, SPLICE_F_MOVE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EINVAL)
            break; // a file system that cannot splice into files: copied below
        if (n <= 0)
            return false;
        left -= uint32_t(n);
    }
    char buffer[64 * 1024];
    while (left > 0) {
        const ssize_t n = ::read(pipeFd, buffer, std::min<size_t>(left, sizeof buffer));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || !pwriteFull(r.fd, buffer, size_t(n), at))
            return false;
        at += n;
        left -= uint32_t(n);
    }
    r.written += size;
    r.crcKnown = false; // the checksummer reads them back from the file
    return true;
#else
    Q_UNUSED(r) Q_UNUSED(pipeFd) Q_UNUSED(size)
    return false;
#endif
}

void BlockStore::rewind(Reservation &r)
{
    r.written = 0;
    r.crc = 0;
    r.crcKnown = true;
}

QByteArray BlockStore::readBack(const Reservation &r)
{
    QByteArray bytes(qsizetype(r.written), Qt::Uninitialized);
    const ssize_t n = preadFull(r.fd, bytes.data(), r.written, off_t(r.block) * kBlockSize);
    bytes.truncate(n < 0 ? 0 : qsizetype(n));
    return bytes;
}

std::optional<FsFileSlice> BlockStore::commit(Reservation &r)
{
    std::lock_guard lock(mutex_);
    Block *b = reservedLocked(r.id, r.block);
    if (!b || r.written != r.length || invalidatedSinceLocked(r.path, r.since))
        return std::nullopt; // the caller reads the bytes back, then abandon()s
    presentLocked(r.id, r.block, *b, r.crc, r.crcKnown);
    // Pinned before the limit is restored: evicted at once, its bytes stay for the slice.
    FsFileSlice whole = pinLocked(r.id, r.block, std::exchange(r.fd, -1), 0, b->length);
    restoreLimitLocked(r.id, r.block);
    return whole;
}

void BlockStore::abandon(Reservation &r)
{
    if (r.fd >= 0)
        ::close(std::exchange(r.fd, -1));
    std::lock_guard lock(mutex_);
    releaseLocked(r.id, r.block);
}

uint64_t BlockStore::generation() const
{
    std::lock_guard lock(mutex_);
    return generation_;
}

bool BlockStore::invalidatedSinceLocked(const QByteArray &path, uint64_t since) const
{
    if (since < generationFloor_)
        return true;
    if (invalidatedAt_.value(path) > since)
        return true;
    if (treeInvalidatedAt_.isEmpty())
        return false;
    for (QByteArray p = path;;) {
        if (treeInvalidatedAt_.value(p) > since)
            return true;
        if (p.isEmpty())
            return false;
        const qsizetype slash = p.lastIndexOf('/');
        p = slash < 0 ? QByteArray() : p.left(slash);
    }
}

bool BlockStore::invalidate(const QByteArray &path, bool tree)
{
    std::lock_guard lock(mutex_);
    const uint64_t now = ++generation_;
    // Bounded memory: past this many entries, forget them and refuse every older fetch.
    constexpr qsizetype kMaxRemembered = 100'000;
    if (invalidatedAt_.size() + treeInvalidatedAt_.size() >= kMaxRemembered) {
        invalidatedAt_.clear();
        treeInvalidatedAt_.clear();
        generationFloor_ = now;
    }
    (tree ? treeInvalidatedAt_ : invalidatedAt_).insert(path, now);
    bool staled = false;
    auto mark = [&](uint64_t id) {
        auto f = files_.find(id);
        if (f != files_.end() && !f->stale) {
            f->stale = true;
            staled = true;
        }
    };
    if (tree) {
        for (auto it = byPath_.cbegin(); it != byPath_.cend(); ++it)
            if (isWithinPath(it.key(), path))
                mark(*it);
    } else if (auto it = byPath_.constFind(path); it != byPath_.cend()) {
        mark(*it);
    }
    anyStale_ = anyStale_ || staled;
    return staled;
}

void BlockStore::dropStale()
{
    std::lock_guard lock(mutex_);
    if (!anyStale_)
        return;
    anyStale_ = false;
    std::vector<uint64_t> ids;
    for (const File &f : std::as_const(files_))
        if (f.stale)
            ids.push_back(f.id);
    std::vector<Victim> victims;
    for (uint64_t id : ids)
        dropFileLocked(id, victims);
    punch(victims);
}

void BlockStore::setPinnedBytes(uint64_t bytes)
{
    std::lock_guard lock(mutex_);
    pinned_ = bytes;
}

void BlockStore::setLimit(uint64_t bytes)
{
    std::lock_guard lock(mutex_);
    limit_ = bytes;
}

void BlockStore::trim()
{
    std::lock_guard lock(mutex_);
    std::vector<Victim> victims;
    evictLocked(0, victims);
    punch(victims);
}

void BlockStore::remove(const QByteArray &path, bool tree)
{
    std::lock_guard lock(mutex_);
    std::vector<uint64_t> ids;
    if (tree) {
        for (auto it = byPath_.cbegin(); it != byPath_.cend(); ++it)
            if (isWithinPath(it.key(), path))
                ids.push_back(*it);
    } else if (auto it = byPath_.constFind(path); it != byPath_.cend()) {
        ids.push_back(*it);
    }
    std::vector<Victim> victims;
    for (uint64_t id : ids)
        dropFileLocked(id, victims);
    punch(victims);
}

void BlockStore::rename(const QByteArray &from, const QByteArray &to)
{
    std::lock_guard lock(mutex_);
    std::vector<Victim> victims;
    std::vector<uint64_t> doomed;
    for (auto it = byPath_.cbegin(); it != byPath_.cend(); ++it)
        if (isWithinPath(it.key(), to) && !isWithinPath(it.key(), from))
            doomed.push_back(*it);
    for (uint64_t id : doomed)
        dropFileLocked(id, victims);
    std::vector<uint64_t> moving;
    for (auto it = byPath_.cbegin(); it != byPath_.cend(); ++it)
        if (isWithinPath(it.key(), from))
            moving.push_back(*it);
    for (uint64_t id : moving) {
        File &f = files_[id];
        byPath_.remove(f.path);
        f.path = to + f.path.mid(from.size());
        byPath_.insert(f.path, id);
        appendLocked(RecordWriter('P').u64(id).bytes(f.path).data());
    }
    punch(victims);
}

void BlockStore::clear()
{
    std::lock_guard lock(mutex_);
    std::vector<Victim> victims;
    const QList<uint64_t> ids = files_.keys();
    for (uint64_t id : ids)
        dropFileLocked(id, victims);
    punch(victims);
    compactLocked();
}

BlockStore::Stats BlockStore::stats() const
{
    std::lock_guard lock(mutex_);
    Stats s;
    s.usedBytes = used_;
    s.files = uint64_t(files_.size());
    s.blocks = blockCount_;
    s.limitBytes = limit_;
    s.pinnedBytes = pinned_;
    return s;
}

} // namespace loft::cache
