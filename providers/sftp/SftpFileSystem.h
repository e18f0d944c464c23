// The SFTP provider: a folder on an SSH server served through the provider contract
// (FileSystem.h), on libssh 0.10.
//
// Every call runs on a worker thread with a session leased from a small pool
// (SftpSessionPool); `done` is called exactly once, from that worker.
//
// Behaviour beyond the contract:
// - Reads are pipelined: a READ of up to kMaxReadBytes goes out as up to
//   options.readsInFlight requests of options.readChunk bytes in flight (OpenSSH's sftp
//   client uses 64 x 32 KiB). Writes likewise (libssh 0.10 has no asynchronous write, so
//   the provider frames WRITE requests itself; see SftpSession.h).
// - Open handles are cached per path and session (SftpHandleCache).
// - Attributes come from SFTP v3 (see SftpAttr.h): identity 0, nlink 1, whole seconds,
//   version = mtime-size.
// - rename replaces an existing target atomically with posix-rename@openssh.com; link
//   needs hardlink@openssh.com (else NotSupported, and capabilities().hardLinks is
//   false); fsstat uses statvfs@openssh.com (else it reports a large, empty disk);
//   commit and FileSync/DataSync writes use fsync@openssh.com when offered.
// - Exclusive create stores the verifier like knfsd (mtime/atime of the new empty file).
// - mknod is NotSupported. Changing the mode of a symlink is NotSupported; its times and
//   owner change with lsetstat@openssh.com when offered.
// - Symlinks on the server are stored verbatim and never followed by the provider for a
//   leaf (LSTAT); the server itself resolves any symlinked directory inside a path. The
//   remote account's own permissions are the boundary, as with any SFTP client.
// - A dropped connection is replaced transparently. A call the connection failed under
//   is retried once on a fresh session when it is idempotent (getattr, lookup, read,
//   write, commit, setattr, readlink, readdir, fsstat); others report Io, since the server
//   may or may not have done them.
// - A call that gets no answer for options.timeout fails with TimedOut; one that cannot
//   connect fails with Unavailable (or TimedOut when connecting timed out).
#pragma once

#include "FileSystem.h"
#include "HostKeyVerifier.h"
#include "SftpConnectError.h"
#include "SftpHandleCache.h"
#include "SftpOptions.h"

#include <QThreadPool>

#include <chrono>
#include <memory>

namespace loft {

class SftpSession;
class SftpSessionPool;

class SftpFileSystem final : public FileSystem {
public:
    // Connects the first session on the calling thread (this blocks for up to
    // options.timeout), verifies the host key, logs in and resolves the root folder.
    // On failure returns nullptr and fills `error` (see HostKeyVerifier.h for the
    // unknown-host-key flow).
    static std::unique_ptr<SftpFileSystem> open(const SftpOptions &options,
                                                SftpConnectError *error);
    // Waits for every call in flight, then closes the sessions.
    ~SftpFileSystem() override;

    // The served folder's absolute path on the server.
    QByteArray remoteRoot() const { return root_; }
    // The host key that was trusted, and whether it was just added to known_hosts.
    const HostKeyVerdict &hostKey() const;
    const SftpOptions &options() const { return options_; }
    // Why the last reconnection failed (empty when the last one worked); for status UIs.
    QString lastConnectionError() const;
    int connectedSessions() const;

    FsCapabilities capabilities() const override { return capabilities_; }
    // Why the last connection attempt failed (the session pool's words); empty after a success.
    QString lastError() const override;

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

    // The largest READ served in one call; larger requests return a short read.
    static constexpr uint32_t kMaxReadBytes = 4u << 20;

private:
    using Clock = std::chrono::steady_clock;
    explicit SftpFileSystem(const SftpOptions &options);
    bool resolveRoot(SftpConnectError *error);

    enum class Kind { Query, Mutation };
    // Whether a call may be sent again after the connection failed under it.
    enum class Retry { Idempotent, NotIdempotent };
    template <class T, class Work>
    void dispatch(Kind kind, Retry retry, FsDone<T> &&done, Work &&work);
    template <class T, class Work>
    FsResult<T> run(Retry retry, Clock::time_point submitted, Work &work);

    // Synchronous bodies, run on a worker with a leased session.
    FsResult<FsAttr> doGetattr(SftpSession &s, const QByteArray &path);
    FsResult<FsAttr> doSetattr(SftpSession &s, const QByteArray &path, const FsSetAttr &changes);
    FsResult<FsAttr> doLookup(SftpSession &s, const QByteArray &dir, const QByteArray &name);
    FsResult<FsReadResult> doRead(SftpSession &s, const QByteArray &path, uint64_t offset,
                                  uint32_t count);
    FsResult<FsWriteResult> doWrite(SftpSession &s, const QByteArray &path, uint64_t offset,
                                    const QByteArray &data, FsStability stability);
    FsResult<FsAttr> doCommit(SftpSession &s, const QByteArray &path);
    FsResult<FsCreated> doCreate(SftpSession &s, const QByteArray &dir, const QByteArray &name,
                                 FsCreateMode mode, const FsSetAttr &initial,
                                 const QByteArray &verifier);
    FsResult<FsCreated> doMkdir(SftpSession &s, const QByteArray &dir, const QByteArray &name,
                                const FsSetAttr &initial);
    FsResult<FsCreated> doSymlink(SftpSession &s, const QByteArray &dir, const QByteArray &name,
                                  const QByteArray &target, const FsSetAttr &initial);
    FsResult<QByteArray> doReadlink(SftpSession &s, const QByteArray &path);
    FsResult<FsDirChange> doRemove(SftpSession &s, const QByteArray &dir, const QByteArray &name);
    FsResult<FsDirChange> doRmdir(SftpSession &s, const QByteArray &dir, const QByteArray &name);
    FsResult<FsDirChange> doRemoveEntry(SftpSession &s, const QByteArray &dir, const QByteArray &name,
                                        FsResult<FsVoid> (SftpSession::*request)(const QByteArray &),
                                        FsError (*explain)(SftpSession &, const QByteArray &, FsError));
    FsResult<FsRenamed> doRename(SftpSession &s, const QByteArray &fromDir,
                                 const QByteArray &fromName, const QByteArray &toDir,
                                 const QByteArray &toName);
    FsResult<FsLinked> doLink(SftpSession &s, const QByteArray &path, const QByteArray &toDir,
                              const QByteArray &toName);
    FsResult<QList<FsDirEntry>> doReaddir(SftpSession &s, const QByteArray &dir);
    FsResult<FsStat> doFsstat(SftpSession &s, const QByteArray &path);

    std::optional<FsError> checkName(const QByteArray &name) const;
    std::optional<FsError> checkPath(const QByteArray &path) const;
    // The server path of a provider path.
    QByteArray remote(const QByteArray &path) const;
    // The cached open handle for path, or a freshly opened (and cached) one.
    FsResult<sftp_file> openFile(SftpSession &s, const QByteArray &path,
                                 SftpHandleCache::Access access);
    // Attributes of a directory after a change in it (nullopt when they cannot be had).
    std::optional<FsAttr> dirAttr(SftpSession &s, const QByteArray &dir);
    // `path` (and everything beneath it) now names something else or nothing: drop the
    // open handles of this session now, and of the others before their next call.
    void changed(SftpSession &s, const QByteArray &path);

    const SftpOptions options_;
    QByteArray root_;
    FsCapabilities capabilities_;
    std::unique_ptr<SftpSessionPool> pool_;
    QThreadPool threads_;
};

} // namespace loft
