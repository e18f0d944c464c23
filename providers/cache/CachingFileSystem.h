// The cache layer: a provider that wraps a remote provider (WebDAV, SFTP) and keeps
//   - a metadata cache (MetadataCache): attributes and listings for a short TTL;
//   - a data cache on disk (BlockStore): 1 MiB blocks of what was read, LRU-evicted under
//     a size limit, checked against the remote version before reuse, kept across restarts;
//   - read-ahead (ReadAhead + BlockFetcher): sequential readers get the next blocks
//     fetched in parallel; random readers fetch only the blocks they touch;
//   - write-back (StagingArea + UploadQueue): WRITEs land in a local copy, COMMIT makes
//     them durable (fsync of the copy and of the queue's journal), and the whole file is
//     uploaded once it has been idle for `uploadDelay`, retried with backoff while the
//     remote is unreachable, resumed after a crash or restart. A remote that changed
//     underneath gets the local version beside it as "name (conflict DATE TIME).ext".
//
// While the remote is unreachable, the last known attributes and listings are served, so
// cached files stay readable (what is not cached fails with Unavailable).
//
// Until its upload finishes a staged file is what clients see: its size and times, and
// its bytes on READ. Renames and deletes of a staged file are applied to the queue (a
// rename waits for an upload of that file already on the wire, then moves the queued
// upload along with the remote object).
//
// Threads: calls return at once; the cache's disk I/O runs on its own worker pool, timers
// on one scheduler thread. `done` is called from any thread (inline for answers the
// metadata cache holds). The inner provider is called from several threads: the caller's,
// the pool's and its own completion threads.
#pragma once

#include "CacheConfig.h"
#include "CacheCounters.h"
#include "FileSystem.h"

#include <QString>
#include <chrono>
#include <memory>

namespace loft {

class CachingFileSystem final : public FileSystem {
public:
    // Opens (creating) the cache folder, takes its lock, and resumes the uploads a previous
    // run left queued. nullptr with a user-facing message when the folder is unusable or
    // in use by another Loft.
    static std::shared_ptr<CachingFileSystem> open(std::shared_ptr<FileSystem> inner,
                                                   const CacheConfig &config,
                                                   QString *error = nullptr);
    // The wrap step of source creation: providers whose capabilities say `remote` come back
    // wrapped, others unchanged. nullptr with a message when the cache cannot be opened.
    static std::shared_ptr<FileSystem> wrapIfRemote(std::shared_ptr<FileSystem> inner,
                                                    const CacheConfig &config, QString *error);

    // Stops timers and disk work. Uploads not yet done stay queued on disk for next time;
    // nothing is uploaded from here.
    ~CachingFileSystem() override;

    // Counters for the GUI: snapshot() at any time, subscribe() for changes. The snapshot
    // lists the upload queue file by file (CacheStats::uploads) with each file's progress.
    CacheCounters &counters();
    CacheStats stats() const;
    const CacheConfig &config() const;
    bool dataCacheEnabled() const;
    bool writeBackEnabled() const;
    FileSystem &inner();

    // Drops every cached block and all cached metadata. Staged files are never dropped.
    void clearCache();
    // Starts the uploads of every staged file now, without waiting for the idle delay.
    void uploadNow();
    // Blocks until no upload is pending or `timeout` passes; true when none is pending.
    // For tests and tools: never call it on a thread the inner provider needs.
    bool waitForUploads(std::chrono::milliseconds timeout);

    FsCapabilities capabilities() const override;
    void getattr(const QByteArray &path, FsDone<FsAttr> done) override;
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done) override;
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) override;
    void read(const QByteArray &path, uint64_t offset, uint32_t count,
              FsDone<FsReadResult> done) override;
    // A READ within one block held by the data cache answers with a slice of the block's
    // data file (pinned there until the reply is sent); everything else as read().
    void readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                    FsDone<FsReadResult> done) override;
    void write(const QByteArray &path, uint64_t offset, const QByteArray &data,
               FsStability stability, FsDone<FsWriteResult> done) override;
    void commit(const QByteArray &path, FsDone<FsAttr> done) override;
    void create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                const FsSetAttr &initial, const QByteArray &verifier,
                FsDone<FsCreated> done) override;
    void mkdir(const QByteArray &dir, const QByteArray &name, const FsSetAttr &initial,
               FsDone<FsCreated> done) override;
    void symlink(const QByteArray &dir, const QByteArray &name, const QByteArray &target,
                 const FsSetAttr &initial, FsDone<FsCreated> done) override;
    void mknod(const QByteArray &dir, const QByteArray &name, FsType type,
               const FsSetAttr &initial, FsDone<FsCreated> done) override;
    void readlink(const QByteArray &path, FsDone<QByteArray> done) override;
    void remove(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override;
    void rmdir(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override;
    void rename(const QByteArray &fromDir, const QByteArray &fromName, const QByteArray &toDir,
                const QByteArray &toName, FsDone<FsRenamed> done) override;
    void link(const QByteArray &path, const QByteArray &toDir, const QByteArray &toName,
              FsDone<FsLinked> done) override;
    void readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done) override;
    void fsstat(const QByteArray &path, FsDone<FsStat> done) override;
    void upload(const QByteArray &path, const QString &localFile, const QByteArray &ifVersion,
                FsProgress progress, FsDone<FsAttr> done) override;
    QString lastError() const override;

    class Core;

private:
    explicit CachingFileSystem(std::shared_ptr<Core> core);
    std::shared_ptr<Core> core_;
};

} // namespace loft
