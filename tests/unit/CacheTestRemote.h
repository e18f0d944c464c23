// Test-only stand-in for a remote store (what the cache layer wraps), built on the local
// provider: reports remote=true, randomWrites=false, gives every object a version
// (mtime+size+inode), implements upload() by copy + rename with the version check, can
// be told to fail every call with Unavailable, to answer slowly, and counts calls.
#pragma once

#include "FileSystem.h"
#include "LocalFileSystem.h"

#include <QMutex>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <chrono>
#include <functional>
#include <vector>
#include <memory>

namespace loft::test {

class CacheTestRemote final : public FileSystem {
public:
    explicit CacheTestRemote(const QString &root);
    ~CacheTestRemote() override;

    struct Calls {
        std::atomic<int> getattr{0}, lookup{0}, read{0}, readdir{0}, write{0}, upload{0},
            create{0}, remove{0}, rename{0}, setattr{0}, other{0};
        std::atomic<uint64_t> readBytes{0};
        std::atomic<int> readsInFlight{0}, maxReadsInFlight{0};
        void reset();
    };
    Calls calls;
    std::atomic<bool> unavailable{false};
    // Pose as a random-write store (SFTP-like) instead; optionally without upload().
    std::atomic<bool> randomWrites{false};
    std::atomic<bool> hasUpload{true};
    std::atomic<int> latencyMs{0};
    // Versions that an in-place write of the same size does not change (as SFTP's
    // whole-second mtime within one second): size and inode only.
    std::atomic<bool> coarseVersions{false};
    // Remote reads happen at once but their answers wait for releaseReadReplies(): a
    // gate to order "read the old bytes" before something else deterministically.
    std::atomic<bool> holdReadReplies{false};
    // Uploads land but their replies never come, as when Loft dies right after the server
    // stored the bytes.
    std::atomic<bool> dropUploadReplies{false};
    int heldReadReplies() const;
    void releaseReadReplies(); // also stops holding
    QString root() const { return root_; }
    // The version the adapter reports for a file on disk ("" when it is missing).
    QByteArray versionOf(const QByteArray &path) const;

    FsCapabilities capabilities() const override;
    void getattr(const QByteArray &path, FsDone<FsAttr> done) override;
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done) override;
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) override;
    void read(const QByteArray &path, uint64_t offset, uint32_t count,
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

private:
    // Applies latency and the unavailable switch, then runs `go` (on the adapter's pool).
    template <class T, class Go>
    void call(FsDone<T> done, Go go);

    QString root_;
    std::unique_ptr<LocalFileSystem> local_;
    QThreadPool pool_;
    QMutex uploadMutex_;
    mutable QMutex heldMutex_;
    std::vector<std::function<void()>> held_;
};

// The version attribute the adapter gives to local attributes.
void addVersion(FsAttr &attr, bool coarse = false);

} // namespace loft::test
