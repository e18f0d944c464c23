// The local-folder provider: a directory on this machine served through the provider
// contract (FileSystem.h).
//
// Data transfers, fsync and listings run on a thread pool owned by the provider; metadata
// calls (getattr, lookup, readlink, setattr, create, mkdir, symlink, mknod, remove, rmdir,
// rename, link) and small reads run on the caller's thread while they stay quick (QuickCallGate), else on
// the pool too. `done` is called exactly once: from a pool thread, or before the call
// returns. All access is confined to the root directory (see LocalPathResolver):
// no symlink is ever followed on the server side — the NFS client resolves symlinks itself,
// and a symlink pointing outside the root can be read with readlink but never traversed.
//
// Conventions beyond the contract:
// - FsAttr::identity is st_ino; FsAttr::rdev is (major << 32) | minor.
// - A symlink met while resolving a path is reported as NotDirectory; a symlink leaf where
//   a regular file is needed (read, write, commit, truncate) as InvalidArgument.
// - Exclusive create stores the verifier like Linux knfsd: the two big-endian 32-bit
//   halves, high bit cleared, become mtime and atime seconds of the new, empty file. The
//   client's following SETATTR replaces them.
// - A provider whose root could not be opened answers every call with Unavailable.
// - A root on a read-only mount (checked when the provider opens) makes the provider
//   read-only, as if readOnly had been asked for.
// - fsstat reports the filesystem holding the root; `path` is validated, not resolved.
// - READ returns at most kMaxReadBytes per call (a short read, not an error).
// - Open descriptors are cached per path (OpenFileCache): a file created read-only stays
//   writable through its creation descriptor while that is cached (as `cp`/`tar` expect);
//   later opens for writing obey the file's mode like any process of this user.
#pragma once

#include "FileSystem.h"
#include "LocalPathResolver.h"
#include "OpenFileCache.h"
#include "QuickCallGate.h"

#include <QString>
#include <QThreadPool>
#include <chrono>
#include <memory>

namespace loft {

struct LocalFileSystemOptions {
    int threads = 8;                                  // worker threads running syscalls
    int openFileLimit = 64;                           // cached open descriptors (0: none)
    std::chrono::milliseconds openFileIdle{5000};    // close cached descriptors idle this long
    bool portableResolver = false;                    // never use openat2 (for tests)
    // Metadata calls on the caller's thread while they stay quick; see QuickCallGate.
    bool inlineQuickCalls = true;
    std::chrono::microseconds quickCallSlowLimit{1000}; // a query slower than this...
    std::chrono::milliseconds quickCallBackoff{2000};   // ...sends all to the pool this long
};

class LocalFileSystem final : public FileSystem {
public:
    // Checks the root and returns a provider, or nullptr with a user-facing message
    // (missing, not a folder, unreadable).
    static std::unique_ptr<LocalFileSystem> open(const QString &rootPath, bool readOnly,
                                                 QString *errorMessage = nullptr,
                                                 const LocalFileSystemOptions &options = {});

    LocalFileSystem(const QString &rootPath, bool readOnly,
                    const LocalFileSystemOptions &options = {});
    // Waits for every call in flight.
    ~LocalFileSystem() override;

    bool isValid() const { return resolver_.isOpen(); }
    // Why the root could not be opened; empty when isValid().
    QString errorString() const { return errorString_; }
    QString rootPath() const { return rootPath_; }
    // For tests and diagnostics.
    bool usesOpenat2() const { return resolver_.usesOpenat2(); }
    int cachedOpenFiles() const { return files_.size(); }

    FsCapabilities capabilities() const override { return capabilities_; }

    void getattr(const QByteArray &path, FsDone<FsAttr> done) override;
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done) override;
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) override;
    void read(const QByteArray &path, uint64_t offset, uint32_t count,
              FsDone<FsReadResult> done) override;
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

    // The largest READ served in one call; larger requests return a short read.
    static constexpr uint32_t kMaxReadBytes = 64u << 20;
    // READs up to this size count as quick calls (see QuickCallGate); larger ones only
    // when nothing else of the caller waits (FsCallerQueue).
    static constexpr uint32_t kInlineReadBytes = 64u << 10;

private:
    enum class Kind { Query, Mutation };
    // Pool: always a hop to the pool (data transfers, fsync, listings). InlineWhileQuick:
    // metadata calls of a syscall or a few, run on the caller's thread while quickCalls_
    // is open.
    enum class Quick { Pool, InlineWhileQuick };
    template <class T, class Work>
    void dispatch(Kind kind, Quick quick, FsDone<T> &&done, Work &&work);

    // Synchronous bodies, run on the pool.
    FsResult<FsAttr> doGetattr(const QByteArray &path);
    FsResult<FsAttr> doSetattr(const QByteArray &path, const FsSetAttr &changes);
    FsResult<FsAttr> doLookup(const QByteArray &dir, const QByteArray &name);
    FsResult<FsReadResult> doRead(const QByteArray &path, uint64_t offset, uint32_t count,
                                  bool asSlice = false);
    FsResult<FsWriteResult> doWrite(const QByteArray &path, uint64_t offset,
                                    const QByteArray &data, FsStability stability);
    FsResult<FsAttr> doCommit(const QByteArray &path);
    FsResult<FsCreated> doCreate(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                                 const FsSetAttr &initial, const QByteArray &verifier);
    FsResult<FsCreated> doMkdir(const QByteArray &dir, const QByteArray &name,
                                const FsSetAttr &initial);
    FsResult<FsCreated> doSymlink(const QByteArray &dir, const QByteArray &name,
                                  const QByteArray &target, const FsSetAttr &initial);
    FsResult<FsCreated> doMknod(const QByteArray &dir, const QByteArray &name, FsType type,
                                const FsSetAttr &initial);
    FsResult<QByteArray> doReadlink(const QByteArray &path);
    FsResult<FsDirChange> doRemove(const QByteArray &dir, const QByteArray &name);
    FsResult<FsDirChange> doRmdir(const QByteArray &dir, const QByteArray &name);
    FsResult<FsRenamed> doRename(const QByteArray &fromDir, const QByteArray &fromName,
                                 const QByteArray &toDir, const QByteArray &toName);
    FsResult<FsLinked> doLink(const QByteArray &path, const QByteArray &toDir,
                              const QByteArray &toName);
    FsResult<QList<FsDirEntry>> doReaddir(const QByteArray &dir);
    FsResult<FsStat> doFsstat(const QByteArray &path);

    std::optional<FsError> checkName(QByteArrayView name) const;
    std::optional<FsError> checkPath(QByteArrayView path) const;
    // The open descriptor for path from the cache, or freshly opened (and cached).
    FsResult<OpenFileCache::Handle> openFile(const QByteArray &path, OpenFileCache::Access access);
    // Checks `dir` and `name`, and opens `dir` for *at() calls.
    FsResult<LocalPathResolver::Dir> openParent(const QByteArray &dir, const QByteArray &name);
    // Finishes a creation: attributes of dir/name and of the directory.
    FsResult<FsCreated> created(int dirFd, const char *name, std::optional<FsAttr> dirBefore);

    QString rootPath_;
    QString errorString_;
    LocalPathResolver resolver_;
    FsCapabilities capabilities_;
    OpenFileCache files_;
    QuickCallGate quickCalls_;
    QThreadPool pool_;
};

} // namespace loft
