// The persistent list of staged files waiting to be uploaded: what must survive a crash
// or restart of Loft. Memory holds the current state; a JournalFile holds its history:
//   'N' nextId u64                                   first record after a compaction
//   'S' id u64, path bytes, baseVersion bytes, attr  a file staged
//   'A' id u64, attr                                 its client-visible attributes changed
//   'M' id u64, path bytes                           renamed (rename applied to the queue)
//   'U' id u64, size u64, crc32c u32                  an upload is about to send these bytes
//   'V' id u64, baseVersion bytes                    uploaded once, still changing since
//   'X' id u64                                       uploaded for good, or deleted
// (attr as in RecordCodec). Appends are not synced one by one: sync() makes everything
// recorded so far durable, and the cache calls it on COMMIT and on stable WRITEs, after
// fsyncing the staged data, and before every upload ('U' must be on disk before the
// bytes can land: after a crash it tells our own landed upload from someone else's
// change). Thread-safe.
#pragma once

#include "FileSystem.h"
#include "JournalFile.h"

#include <QHash>
#include <QList>
#include <mutex>

namespace loft::cache {

// What an upload that started sends: the staged file's size and CRC-32C at its start. Kept
// until an upload is confirmed ('V' or 'X'); after a crash it recognises the remote file
// as our own upload that landed unrecorded, not as someone else's change.
struct UploadIntent {
    uint64_t size = 0;
    uint32_t crc = 0;
};

struct QueuedUpload {
    uint64_t id = 0;
    QByteArray path;
    // The remote version the local copy started from: the upload's ifVersion. Empty:
    // the remote had no version to check (the upload is unconditional).
    QByteArray baseVersion;
    FsAttr attr; // what clients see for the staged file (size, times, identity ...)
    // Uploads started since the last confirmed one, oldest first (at most kMaxUnconfirmed):
    // any of them may have landed before a crash. Kept by the queue only (unconfirmed()):
    // copies of an entry do not follow it.
    QList<UploadIntent> unconfirmed;
    static constexpr qsizetype kMaxUnconfirmed = 4;
};

class UploadQueue {
public:
    ~UploadQueue();
    bool open(const QString &journalPath, QString *error);
    void close();

    QList<QueuedUpload> entries() const;
    uint64_t newId();

    void add(const QueuedUpload &entry);
    void setAttr(uint64_t id, const FsAttr &attr);
    void rename(uint64_t id, const QByteArray &path);
    // Records (not yet durably: sync()) what an upload starting now sends.
    void intend(uint64_t id, const UploadIntent &intent);
    QList<UploadIntent> unconfirmed(uint64_t id) const;
    // The upload landed: `version` is the remote's now (clears the intents).
    void rebase(uint64_t id, const QByteArray &version);
    void remove(uint64_t id);
    bool sync();

private:
    void appendLocked(const QByteArray &record);
    void compactLocked();
    static QByteArray intentRecord(uint64_t id, const UploadIntent &intent);
    static void remember(QueuedUpload &entry, const UploadIntent &intent);

    mutable std::mutex mutex_;
    JournalFile journal_;
    QHash<uint64_t, QueuedUpload> entries_;
    uint64_t nextId_ = 1;
};

} // namespace loft::cache
