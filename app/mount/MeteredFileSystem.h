// A pass-through decorator that counts the bytes read from and written to a source, so
// the GUI can show live throughput. Counters are atomic: completions arrive on any thread.
#pragma once

#include "FileSystem.h"

#include <atomic>

namespace loft {

class MeteredFileSystem : public FileSystem {
public:
    explicit MeteredFileSystem(std::shared_ptr<FileSystem> inner) : inner_(std::move(inner)) {}

    quint64 bytesRead() const { return counters_->read.load(std::memory_order_relaxed); }
    quint64 bytesWritten() const { return counters_->written.load(std::memory_order_relaxed); }
    const std::shared_ptr<FileSystem> &inner() const { return inner_; }

    FsCapabilities capabilities() const override { return inner_->capabilities(); }
    void getattr(const QByteArray &path, FsDone<FsAttr> done) override { inner_->getattr(path, std::move(done)); }
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done) override
    {
        inner_->setattr(path, changes, std::move(done));
    }
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) override
    {
        inner_->lookup(dir, name, std::move(done));
    }
    void read(const QByteArray &path, uint64_t offset, uint32_t count, FsDone<FsReadResult> done) override;
    // Passed on, or READs through a mount would lose the inner provider's slices (sendfile).
    void readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                    FsDone<FsReadResult> done) override;
    void write(const QByteArray &path, uint64_t offset, const QByteArray &data, FsStability stability,
               FsDone<FsWriteResult> done) override;
    void commit(const QByteArray &path, FsDone<FsAttr> done) override { inner_->commit(path, std::move(done)); }
    void create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode, const FsSetAttr &initial,
                const QByteArray &verifier, FsDone<FsCreated> done) override
    {
        inner_->create(dir, name, mode, initial, verifier, std::move(done));
    }
    void mkdir(const QByteArray &dir, const QByteArray &name, const FsSetAttr &initial,
               FsDone<FsCreated> done) override
    {
        inner_->mkdir(dir, name, initial, std::move(done));
    }
    void symlink(const QByteArray &dir, const QByteArray &name, const QByteArray &target,
                 const FsSetAttr &initial, FsDone<FsCreated> done) override
    {
        inner_->symlink(dir, name, target, initial, std::move(done));
    }
    void mknod(const QByteArray &dir, const QByteArray &name, FsType type, const FsSetAttr &initial,
               FsDone<FsCreated> done) override
    {
        inner_->mknod(dir, name, type, initial, std::move(done));
    }
    void readlink(const QByteArray &path, FsDone<QByteArray> done) override { inner_->readlink(path, std::move(done)); }
    void remove(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override
    {
        inner_->remove(dir, name, std::move(done));
    }
    void rmdir(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override
    {
        inner_->rmdir(dir, name, std::move(done));
    }
    void rename(const QByteArray &fromDir, const QByteArray &fromName, const QByteArray &toDir,
                const QByteArray &toName, FsDone<FsRenamed> done) override
    {
        inner_->rename(fromDir, fromName, toDir, toName, std::move(done));
    }
    void link(const QByteArray &path, const QByteArray &toDir, const QByteArray &toName,
              FsDone<FsLinked> done) override
    {
        inner_->link(path, toDir, toName, std::move(done));
    }
    void readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done) override
    {
        inner_->readdir(dir, std::move(done));
    }
    void fsstat(const QByteArray &path, FsDone<FsStat> done) override { inner_->fsstat(path, std::move(done)); }
    void upload(const QByteArray &path, const QString &localFile, const QByteArray &ifVersion,
                FsProgress progress, FsDone<FsAttr> done) override
    {
        inner_->upload(path, localFile, ifVersion, std::move(progress), std::move(done));
    }
    QString lastError() const override { return inner_->lastError(); }

private:
    FsDone<FsReadResult> countingReads(FsDone<FsReadResult> done) const;

    std::shared_ptr<FileSystem> inner_;
    // Shared with in-flight completions, which may outlive this object.
    struct Counters {
        std::atomic<quint64> read{0};
        std::atomic<quint64> written{0};
    };
    std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

} // namespace loft
