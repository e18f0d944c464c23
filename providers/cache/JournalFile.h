// An append-only file of checksummed records: the persistence under the block index and
// the upload queue.
//
// Frame: u32 payload length (big-endian), u32 CRC-32C of the payload, the payload. One
// append is one write(2), so a crash leaves at worst a torn last frame; replay stops at
// the first frame whose length or checksum does not hold and cuts the file there.
// rewrite() replaces the whole file atomically (temp file, fsync, rename, fsync of the
// folder): the compaction step. Not thread-safe: the owner serializes calls.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <functional>

namespace loft::cache {

class JournalFile {
public:
    JournalFile() = default;
    ~JournalFile();
    JournalFile(const JournalFile &) = delete;
    JournalFile &operator=(const JournalFile &) = delete;

    // Opens (creating) the file and hands every intact record to `replay`, oldest first.
    bool open(const QString &path, const std::function<void(const QByteArray &)> &replay,
              QString *error);
    void close();
    bool isOpen() const { return fd_ >= 0; }

    bool append(const QByteArray &payload);
    // Makes every appended record durable (fdatasync).
    bool sync();
    // Replaces the content with exactly these records, atomically (rename); `durable`
    // also fsyncs the new file and its folder before and after the rename.
    bool rewrite(const QList<QByteArray> &payloads, bool durable = true);

    // Records appended since the last open()/rewrite(): the owner compacts past a bound.
    qint64 appendedSinceRewrite() const { return appended_; }
    const QString &path() const { return path_; }

private:
    QString path_;
    int fd_ = -1;
    qint64 appended_ = 0;
};

// Writes all of `data` at the end of `fd`, retrying short writes. False on error.
bool writeAll(int fd, const char *data, size_t size);
// fsync of the folder holding `path`, so that a rename or creation in it is durable.
void syncParentFolder(const QString &path);

} // namespace loft::cache
