// One SSH connection with one SFTP channel: connecting (socket, key exchange, host key,
// login, SFTP start), the SFTP requests Loft uses, and the open-handle cache that lives
// and dies with the connection.
//
// Thread rules: a session is used by one thread at a time (SftpSessionPool leases it
// out). Its SftpWatch lets the pool's watchdog abort a call that stops making progress.
//
// Failures come back as FsError. A failure of the connection itself (lost, aborted by the
// watchdog, protocol confusion) also sets broken(): the session must then be discarded,
// and the caller decides whether to retry on a fresh one.
//
// Requests libssh 0.10 has no API for (pipelined WRITE, posix-rename, hardlink,
// lsetstat) are written directly to the channel (SftpWire.h), only while libssh has no
// reply outstanding, and their replies are read back before libssh is used again, so
// the two never see each other's packets.
#pragma once

#include "FileSystem.h"
#include "HostKeyVerifier.h"
#include "LibsshPtr.h"
#include "SftpAttr.h"
#include "SftpConnectError.h"
#include "SftpHandleCache.h"
#include "SftpOptions.h"
#include "SftpWatchdog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>
#include <optional>

namespace loft {

class SftpSession {
public:
    struct Extensions {
        bool posixRename = false; // posix-rename@openssh.com: rename over an existing name
        bool hardlink = false;    // hardlink@openssh.com
        bool statvfs = false;     // statvfs@openssh.com
        bool fsync = false;       // fsync@openssh.com
        bool lsetstat = false;    // lsetstat@openssh.com: times/owner of a symlink itself
    };
    struct ReadOutcome {
        QByteArray data;
        bool sawEof = false; // the server said end of file
    };
    struct WriteOutcome {
        SftpAttrs before, after;
    };
    struct Statvfs {
        FsStat stat;
        uint64_t nameMax = 0;
        bool readOnly = false;
    };

    // Connects and logs in. `watch` bounds every step (armed by the caller) and stays
    // attached to the socket for the session's life. On success `hostKey` tells which
    // key was trusted (and whether it was just added to known_hosts).
    // The TCP connection must be made before `deadline`.
    static std::unique_ptr<SftpSession> connect(const SftpOptions &options,
                                                const HostKeyPolicy &hostKeys,
                                                std::shared_ptr<SftpWatch> watch,
                                                SftpWatch::Clock::time_point deadline,
                                                SftpConnectError *error,
                                                HostKeyVerdict *hostKey = nullptr);
    ~SftpSession();
    SftpSession(const SftpSession &) = delete;
    SftpSession &operator=(const SftpSession &) = delete;

    bool broken() const { return broken_; }
    // The watchdog aborted a call: the server stopped answering.
    bool timedOut() const { return watch_->fired(); }
    // Checks, without waiting, that an idle session's connection is still up (the server
    // may have closed it meanwhile). False means: discard it before use.
    bool stillUsable();
    // Makes every later call fail at once (the socket is shut down). For discarding a
    // session whose server may not answer any more.
    void abort();

    const Extensions &extensions() const { return extensions_; }
    SftpWatch &watch() { return *watch_; }
    SftpHandleCache &handles() { return handles_; }
    // SSH_FX_* status of the last request the server refused (0 when none).
    int lastStatus() const { return lastStatus_; }

    // --- Requests. Paths are absolute paths on the server.
    FsResult<SftpAttrs> lstat(const QByteArray &path);
    FsResult<SftpAttrs> stat(const QByteArray &path);
    FsResult<SftpAttrs> fstat(sftp_file file);
    FsResult<QByteArray> realpath(const QByteArray &path);
    // flags: O_RDONLY / O_RDWR / O_CREAT / O_EXCL / O_TRUNC as for open(2).
    FsResult<libssh::SftpFilePtr> open(const QByteArray &path, int flags, uint32_t mode);
    FsResult<FsVoid> setstat(const QByteArray &path, const SftpAttrs &attrs);
    FsResult<FsVoid> lsetstat(const QByteArray &path, const SftpAttrs &attrs);
    FsResult<FsVoid> mkdir(const QByteArray &path, uint32_t mode);
    FsResult<FsVoid> rmdir(const QByteArray &path);
    FsResult<FsVoid> unlink(const QByteArray &path);
    // Creates `linkPath` pointing at `target` (libssh swaps the arguments for OpenSSH,
    // whose server reads them in the reverse order of the draft).
    FsResult<FsVoid> symlink(const QByteArray &target, const QByteArray &linkPath);
    FsResult<QByteArray> readlink(const QByteArray &path);
    // Atomic replace with posix-rename@openssh.com when offered, else a plain RENAME
    // (which fails when `to` exists).
    FsResult<FsVoid> rename(const QByteArray &from, const QByteArray &to);
    FsResult<FsVoid> hardlink(const QByteArray &existing, const QByteArray &newPath);
    FsResult<FsVoid> fsync(sftp_file file);
    FsResult<Statvfs> statvfs(const QByteArray &path);
    FsResult<QList<FsDirEntry>> readdir(const QByteArray &path);
    // Opens and closes the directory: can it be listed?
    FsResult<FsVoid> checkListable(const QByteArray &path);

    // Reads up to `count` bytes at `offset` with up to `depth` READ requests of `chunk`
    // bytes in flight. Stops early at end of file or at a short reply.
    FsResult<ReadOutcome> read(sftp_file file, uint64_t offset, uint32_t count, uint32_t chunk,
                               int depth);
    // Writes all of `data` at `offset` with up to `depth` WRITE requests of `chunk` bytes
    // in flight, framed by an FSTAT before and after (and an fsync when `sync`), all in
    // one pipeline.
    FsResult<WriteOutcome> write(sftp_file file, uint64_t offset, QByteArrayView data,
                                 bool sync, uint32_t chunk, int depth);

private:
    SftpSession(const SftpOptions &options, std::shared_ptr<SftpWatch> watch);
    bool setUp(const HostKeyPolicy &hostKeys, SftpWatch::Clock::time_point deadline,
               SftpConnectError *error, HostKeyVerdict *hostKey);
    bool openSocket(SftpWatch::Clock::time_point deadline, SftpConnectError *error);

    // Before a libssh call: forget the previous call's status.
    void begin();
    // After a failed libssh call: the FsError, and broken_ when the connection is gone.
    FsError failure();
    bool connectionUp();

    // Raw requests (see the header comment).
    bool sendRaw(const QByteArray &packet);
    // Reads one reply; false when the connection failed (broken_ is then set).
    bool receiveRaw(QByteArray &body);
    FsResult<FsVoid> statusOf(const QByteArray &body, uint32_t expectedId);
    FsResult<FsVoid> extended(const char *name, QByteArrayView a, QByteArrayView b);
    uint32_t nextRawId() { return rawId_++; }

    const SftpOptions &options_;
    std::shared_ptr<SftpWatch> watch_;
    // Destroyed in reverse order: handles, then the SFTP channel, then SSH, then the socket.
    //
    // libssh gets a duplicate of the socket, because it closes the descriptor it was given
    // on some errors: the watchdog's and this object's descriptor (`fd`) then stays valid
    // (never closed and reused behind their back) until the session is gone, and shutting
    // it down still stops libssh's copy, which shares the connection.
    struct Socket {
        int fd = -1;
        int libsshFd = -1;
        uint64_t inode = 0; // of the socket: tells whether libsshFd is still libssh's copy
        SftpWatch *watch = nullptr;
        ~Socket();
    } socket_;
    libssh::SessionPtr ssh_;
    libssh::SftpSessionPtr sftp_;
    SftpHandleCache handles_;
    Extensions extensions_;
    bool broken_ = false;
    int lastStatus_ = 0;
    uint32_t rawId_ = 0x40000000; // far from libssh's own request ids
};

} // namespace loft
