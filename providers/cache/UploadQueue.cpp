#include "UploadQueue.h"

#include "RecordCodec.h"

namespace loft::cache {

UploadQueue::~UploadQueue()
{
    close();
}

bool UploadQueue::open(const QString &journalPath, QString *error)
{
    std::lock_guard lock(mutex_);
    entries_.clear();
    auto replay = [this](const QByteArray &record) {
        RecordReader r(record);
        const char tag = r.tag();
        const uint64_t id = r.u64();
        if (!r.ok())
            return;
        nextId_ = std::max(nextId_, tag == 'N' ? id : id + 1);
        switch (tag) {
        case 'S': {
            QueuedUpload e;
            e.id = id;
            e.path = r.bytes();
            e.baseVersion = r.bytes();
            e.attr = r.attr();
            if (r.ok())
                entries_.insert(id, e);
            break;
        }
        case 'A': {
            const FsAttr attr = r.attr();
            if (auto it = entries_.find(id); r.ok() && it != entries_.end())
                it->attr = attr;
            break;
        }
        case 'M': {
            const QByteArray path = r.bytes();
            if (auto it = entries_.find(id); r.ok() && it != entries_.end())
                it->path = path;
            break;
        }
        case 'U': {
            UploadIntent intent;
            intent.size = r.u64();
            intent.crc = r.u32();
            if (auto it = entries_.find(id); r.ok() && it != entries_.end())
                remember(*it, intent);
            break;
        }
        case 'V': {
            const QByteArray version = r.bytes();
            if (auto it = entries_.find(id); r.ok() && it != entries_.end()) {
                it->baseVersion = version;
                it->unconfirmed.clear();
            }
            break;
        }
        case 'X': entries_.remove(id); break;
        default: break;
        }
    };
    if (!journal_.open(journalPath, replay, error))
        return false;
    compactLocked();
    return true;
}

void UploadQueue::close()
{
    std::lock_guard lock(mutex_);
    if (!journal_.isOpen())
        return;
    compactLocked();
    journal_.close();
}

QList<QueuedUpload> UploadQueue::entries() const
{
    std::lock_guard lock(mutex_);
    QList<QueuedUpload> list = entries_.values();
    std::sort(list.begin(), list.end(), [](const auto &a, const auto &b) { return a.id < b.id; });
    return list;
}

uint64_t UploadQueue::newId()
{
    std::lock_guard lock(mutex_);
    return nextId_++;
}

void UploadQueue::add(const QueuedUpload &e)
{
    std::lock_guard lock(mutex_);
    entries_.insert(e.id, e);
    appendLocked(
        RecordWriter('S').u64(e.id).bytes(e.path).bytes(e.baseVersion).attr(e.attr).data());
}

void UploadQueue::setAttr(uint64_t id, const FsAttr &attr)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end())
        return;
    it->attr = attr;
    appendLocked(RecordWriter('A').u64(id).attr(attr).data());
}

void UploadQueue::rename(uint64_t id, const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end())
        return;
    it->path = path;
    appendLocked(RecordWriter('M').u64(id).bytes(path).data());
}

void UploadQueue::remember(QueuedUpload &entry, const UploadIntent &intent)
{
    entry.unconfirmed.append(intent);
    while (entry.unconfirmed.size() > QueuedUpload::kMaxUnconfirmed)
        entry.unconfirmed.removeFirst();
}

QByteArray UploadQueue::intentRecord(uint64_t id, const UploadIntent &intent)
{
    return RecordWriter('U').u64(id).u64(intent.size).u32(intent.crc).data();
}

void UploadQueue::intend(uint64_t id, const UploadIntent &intent)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end())
        return;
    remember(*it, intent);
    appendLocked(intentRecord(id, intent));
}

QList<UploadIntent> UploadQueue::unconfirmed(uint64_t id) const
{
    std::lock_guard lock(mutex_);
    const auto it = entries_.constFind(id);
    return it == entries_.cend() ? QList<UploadIntent>() : it->unconfirmed;
}

void UploadQueue::rebase(uint64_t id, const QByteArray &version)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end())
        return;
    it->baseVersion = version;
    it->unconfirmed.clear();
    appendLocked(RecordWriter('V').u64(id).bytes(version).data());
}

void UploadQueue::remove(uint64_t id)
{
    std::lock_guard lock(mutex_);
    if (!entries_.remove(id))
        return;
    appendLocked(RecordWriter('X').u64(id).data());
}

bool UploadQueue::sync()
{
    std::lock_guard lock(mutex_);
    return journal_.sync();
}

void UploadQueue::appendLocked(const QByteArray &record)
{
    journal_.append(record);
    if (journal_.appendedSinceRewrite() > std::max<qint64>(4096, 8 * qint64(entries_.size())))
        compactLocked();
}

void UploadQueue::compactLocked()
{
    if (!journal_.isOpen())
        return;
    QList<QByteArray> records;
    records.append(RecordWriter('N').u64(nextId_).data());
    QList<uint64_t> ids = entries_.keys();
    std::sort(ids.begin(), ids.end());
    for (uint64_t id : ids) {
        const QueuedUpload &e = entries_[id];
        records.append(
            RecordWriter('S').u64(e.id).bytes(e.path).bytes(e.baseVersion).attr(e.attr).data());
        for (const UploadIntent &intent : e.unconfirmed)
            records.append(intentRecord(e.id, intent));
    }
    journal_.rewrite(records);
}

} // namespace loft::cache
