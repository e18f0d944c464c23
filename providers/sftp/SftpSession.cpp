#include "SftpSession.h"

#include "SftpAuth.h"
#include "SftpErrorMap.h"
#include "SftpWire.h"

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loft {

namespace {

using Clock = std::chrono::steady_clock;

QByteArrayView handleBytes(sftp_file file)
{
    return QByteArrayView(static_cast<const char *>(ssh_string_data(file->handle)),
                          qsizetype(ssh_string_len(file->handle)));
}

// AES-GCM first: with AES instructions it costs a fraction of ChaCha20-Poly1305 (the
// default of both OpenSSH and libssh), which decides bulk throughput on fast links.
constexpr const char *kDefaultCiphers =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,"
    "aes128-ctr,aes192-ctr,aes256-ctr";

QString knownHostsPath(const SftpOptions &o)
{
    return o.knownHostsFile.isEmpty() ? QDir::homePath() + QStringLiteral("/.ssh/known_hosts")
                                      : o.knownHostsFile;
}

// libssh writes to the ssh-agent socket without MSG_NOSIGNAL: an agent that dies in the
// middle of a login would raise SIGPIPE and end the whole process. Connecting runs with
// SIGPIPE blocked on this thread; one raised meanwhile is taken off again (send() has
// then failed with EPIPE, which libssh reports).
class SigpipeBlocked {
public:
    SigpipeBlocked()
    {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, &previous_);
    }
    ~SigpipeBlocked()
    {
        sigset_t pipe, pending;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
            const timespec now{0, 0};
            while (sigtimedwait(&pipe, nullptr, &now) == SIGPIPE) {
            }
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeBlocked(const SigpipeBlocked &) = delete;
    SigpipeBlocked &operator=(const SigpipeBlocked &) = delete;

private:
    sigset_t previous_;
};

} // namespace

SftpSession::Socket::~Socket()
{
    // libssh is gone. Its copy is closed here unless libssh closed it already (then the
    // number may have been reused for something else, which has another inode).
    struct stat st;
    if (libsshFd >= 0 && ::fstat(libsshFd, &st) == 0 && S_ISSOCK(st.st_mode)
        && uint64_t(st.st_ino) == inode)
        ::close(libsshFd);
    if (watch)
        watch->detach();
    if (fd >= 0)
        ::close(fd);
}

SftpSession::SftpSession(const SftpOptions &options, std::shared_ptr<SftpWatch> watch)
    : options_(options)
    , watch_(std::move(watch))
    , handles_(options.openFilesPerSession, options.openFileIdle)
{
    socket_.watch = watch_.get();
}

SftpSession::~SftpSession()
{
    if (broken_)
        abort(); // nothing below may wait for a server that is gone
}

std::unique_ptr<SftpSession> SftpSession::connect(const SftpOptions &options,
                                                  const HostKeyPolicy &hostKeys,
                                                  std::shared_ptr<SftpWatch> watch,
                                                  SftpWatch::Clock::time_point deadline,
                                                  SftpConnectError *error,
                                                  HostKeyVerdict *hostKey)
{
    const SigpipeBlocked noSigpipe;
    std::unique_ptr<SftpSession> session(new SftpSession(options, std::move(watch)));
    if (!session->setUp(hostKeys, deadline, error, hostKey)) {
        session->broken_ = true;
        return nullptr;
    }
    return session;
}

// ---------------------------------------------------------------------------------------
// Connecting

bool SftpSession::openSocket(Clock::time_point deadline, SftpConnectError *error)
{
    const QString target = options_.displayTarget();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo *found = nullptr;
    const QByteArray host = options_.host.toUtf8();
    const QByteArray port = QByteArray::number(options_.port);
    const int gai = ::getaddrinfo(host.constData(), port.constData(), &hints, &found);
    if (gai != 0) {
        error->kind = SftpConnectError::Kind::HostNotFound;
        error->message = QStringLiteral("cannot find the server %1: %2")
                             .arg(options_.host, QString::fromLocal8Bit(::gai_strerror(gai)));
        return false;
    }
    std::unique_ptr<addrinfo, void (*)(addrinfo *)> addresses(found, &::freeaddrinfo);
    int lastErrno = 0;
    for (addrinfo *a = found; a; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                                a->ai_protocol);
        if (fd < 0) {
            lastErrno = errno;
            continue;
        }
        int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - Clock::now());
            r = ::poll(&p, 1, int(std::max<int64_t>(left.count(), 0)));
            if (r == 0) {
                errno = ETIMEDOUT;
                r = -1;
            } else if (r > 0) {
                int soError = 0;
                socklen_t length = sizeof soError;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length);
                errno = soError;
                r = soError == 0 ? 0 : -1;
            }
        }
        if (r == 0) {
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
            struct stat st;
            const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
            if (copy < 0 || ::fstat(fd, &st) < 0) {
                lastErrno = errno;
                if (copy >= 0)
                    ::close(copy);
                ::close(fd);
                continue;
            }
            socket_.fd = fd;
            socket_.libsshFd = copy;
            socket_.inode = uint64_t(st.st_ino);
            watch_->attach(fd);
            return true;
        }
        lastErrno = errno;
        ::close(fd);
        if (lastErrno == ETIMEDOUT)
            break; // the time is used up
    }
    switch (lastErrno) {
    case ECONNREFUSED:
        error->kind = SftpConnectError::Kind::ConnectionRefused;
        error->message = QStringLiteral("%1 refused the connection: no SSH server is listening "
                                        "on port %2. Check the host and port, and that the "
                                        "server is running.")
                             .arg(options_.host)
                             .arg(options_.port);
        break;
    case ETIMEDOUT:
        error->kind = SftpConnectError::Kind::TimedOut;
        error->message = QStringLiteral("%1 did not answer within %2 s. Check the network and "
                                        "that the server is up.")
                             .arg(target)
                             .arg(double(options_.timeout.count()) / 1000.0);
        break;
    default:
        error->kind = SftpConnectError::Kind::Unreachable;
        error->message = QStringLiteral("cannot reach %1: %2")
                             .arg(target, QString::fromLocal8Bit(std::strerror(lastErrno)));
        break;
    }
    return false;
}

bool SftpSession::setUp(const HostKeyPolicy &hostKeys, Clock::time_point deadline,
                        SftpConnectError *error, HostKeyVerdict *hostKey)
{
    const QString target = options_.displayTarget();
    auto timedOut = [&](const char *phase) {
        error->kind = SftpConnectError::Kind::TimedOut;
        error->message = QStringLiteral("%1 stopped answering %2 (no reply within %3 s)")
                             .arg(target, QLatin1String(phase))
                             .arg(double(options_.timeout.count()) / 1000.0);
        return false;
    };

    if (!openSocket(deadline, error))
        return false;
    // libssh's own timeout (the same length) may end a step just before the watchdog does.
    auto late = [&] {
        return watch_->fired() || Clock::now() + std::chrono::milliseconds(50) >= deadline;
    };

    ssh_.reset(ssh_new());
    if (!ssh_) {
        error->kind = SftpConnectError::Kind::Protocol;
        error->message = QStringLiteral("out of memory starting an SSH session");
        return false;
    }
    ssh_session s = ssh_.get();
    const QByteArray host = options_.host.toUtf8();
    const QByteArray user = options_.user.toUtf8();
    const unsigned int port = options_.port;
    const socket_t fd = socket_.libsshFd;
    const long seconds = long(std::max<int64_t>(options_.timeout.count() / 1000, 0));
    const long micros = long(options_.timeout.count() % 1000) * 1000;
    const int no = 0;
    const int one = 1;
    const QByteArray knownHosts = QFile::encodeName(knownHostsPath(options_));
    const QByteArray globalKnownHosts = QFile::encodeName(options_.globalKnownHostsFile);
    const QByteArray ciphers = options_.ciphers.isEmpty() ? QByteArray(kDefaultCiphers)
                                                          : options_.ciphers.toLatin1();
    // The user's ~/.ssh/config is not read: what Loft connects to is what it was told.
    const bool ok = ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) == 0
        && ssh_options_set(s, SSH_OPTIONS_HOST, host.constData()) == 0
        && ssh_options_set(s, SSH_OPTIONS_PORT, &port) == 0
        && (user.isEmpty() || ssh_options_set(s, SSH_OPTIONS_USER, user.constData()) == 0)
        && ssh_options_set(s, SSH_OPTIONS_FD, &fd) == 0
        && ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &seconds) == 0
        && ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &micros) == 0
        && ssh_options_set(s, SSH_OPTIONS_NODELAY, &one) == 0
        && ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, knownHosts.constData()) == 0
        && ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, globalKnownHosts.constData()) == 0;
    if (!ok) {
        error->kind = SftpConnectError::Kind::InvalidOptions;
        error->message = QStringLiteral("invalid connection settings for %1: %2")
                             .arg(target, QString::fromUtf8(ssh_get_error(s)));
        return false;
    }
    // An unknown cipher list is not fatal: the library's defaults stay.
    ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, ciphers.constData());
    ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, ciphers.constData());

    const int connected = ssh_connect(s);
    if (connected != SSH_OK) {
        if (connected == SSH_AGAIN || late())
            return timedOut("during the SSH handshake");
        error->kind = SftpConnectError::Kind::Protocol;
        error->message = QStringLiteral("the SSH handshake with %1 failed: %2")
                             .arg(target, QString::fromUtf8(ssh_get_error(s)));
        return false;
    }
    watch_->progress();

    HostKeyPolicy policy = hostKeys;
    policy.knownHostsFile = knownHostsPath(options_);
    const HostKeyVerdict verdict = HostKeyVerifier(policy).verify(s, options_.host, options_.port);
    if (hostKey)
        *hostKey = verdict;
    if (!verdict.trusted) {
        switch (verdict.info.status) {
        case HostKeyStatus::Unknown:
            error->kind = verdict.info.fingerprint.isEmpty()
                ? SftpConnectError::Kind::Protocol
                : SftpConnectError::Kind::HostKeyUnknown;
            break;
        case HostKeyStatus::Changed:
        case HostKeyStatus::OtherType: error->kind = SftpConnectError::Kind::HostKeyChanged; break;
        case HostKeyStatus::Known: error->kind = SftpConnectError::Kind::Protocol; break;
        }
        error->message = verdict.message;
        error->hostKey = verdict.info;
        return false;
    }

    const SftpAuthOutcome login = sftpAuthenticate(s, options_);
    switch (login.result) {
    case SftpAuthOutcome::Result::Success: break;
    case SftpAuthOutcome::Result::TimedOut: return timedOut("during login");
    case SftpAuthOutcome::Result::Refused:
        error->kind = SftpConnectError::Kind::AuthenticationFailed;
        error->message = login.message;
        return false;
    case SftpAuthOutcome::Result::ConnectionLost:
        if (late())
            return timedOut("during login");
        error->kind = SftpConnectError::Kind::Unreachable;
        error->message = login.message;
        return false;
    }
    watch_->progress();

    sftp_.reset(sftp_new(s));
    if (!sftp_ || sftp_init(sftp_.get()) != SSH_OK) {
        if (late())
            return timedOut("while starting SFTP");
        error->kind = SftpConnectError::Kind::SftpUnavailable;
        error->message = QStringLiteral("%1 accepted the login but does not offer SFTP (%2). "
                                        "Ask the administrator to enable the sftp subsystem.")
                             .arg(target, QString::fromUtf8(ssh_get_error(s)));
        sftp_.reset();
        return false;
    }
    watch_->progress();
    sftp_session f = sftp_.get();
    extensions_.posixRename = sftp_extension_supported(f, "posix-rename@openssh.com", "1");
    extensions_.hardlink = sftp_extension_supported(f, "hardlink@openssh.com", "1");
    extensions_.statvfs = sftp_extension_supported(f, "statvfs@openssh.com", "2");
    extensions_.fsync = sftp_extension_supported(f, "fsync@openssh.com", "1");
    extensions_.lsetstat = sftp_extension_supported(f, "lsetstat@openssh.com", "1");
    return true;
}

// ---------------------------------------------------------------------------------------
// Connection state

void SftpSession::abort()
{
    broken_ = true;
    if (socket_.fd >= 0)
        ::shutdown(socket_.fd, SHUT_RDWR);
}

bool SftpSession::connectionUp()
{
    if (!ssh_ || !sftp_ || !ssh_is_connected(ssh_.get()))
        return false;
    if (ssh_get_status(ssh_.get()) & (SSH_CLOSED | SSH_CLOSED_ERROR))
        return false;
    ssh_channel channel = sftp_->channel;
    return channel && ssh_channel_is_open(channel) && !ssh_channel_is_eof(channel);
}

bool SftpSession::stillUsable()
{
    if (broken_ || !connectionUp())
        return false;
    pollfd p{socket_.fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0)
        return true; // nothing arrived while idle
    if (p.revents & (POLLERR | POLLNVAL))
        return false;
    // Something arrived while idle: a disconnect, end of file, a keepalive, a rekey.
    // Let libssh digest it without waiting. Channel data would mean a reply nobody
    // asked for: the session is out of step.
    const int pending = ssh_channel_poll_timeout(sftp_->channel, 0, 0);
    if (pending != 0)
        return false;
    return connectionUp();
}

void SftpSession::begin()
{
    // sftp_get_error() keeps the status of the last refused request; clear it so that a
    // failure without a status is not taken for an old one.
    sftp_->errnum = SSH_FX_OK;
    lastStatus_ = SSH_FX_OK;
}

FsError SftpSession::failure()
{
    if (watch_->fired()) {
        broken_ = true;
        return FsError::TimedOut;
    }
    if (!connectionUp()) {
        broken_ = true;
        return FsError::Unavailable;
    }
    lastStatus_ = sftp_get_error(sftp_.get());
    if (lastStatus_ == SSH_FX_OK) {
        // libssh gave up without a status from the server (a malformed or unexpected
        // packet): the conversation can no longer be trusted.
        broken_ = true;
        return FsError::Io;
    }
    watch_->progress();
    return fsErrorFromSftpStatus(lastStatus_);
}

// ---------------------------------------------------------------------------------------
// Requests through libssh

FsResult<SftpAttrs> SftpSession::lstat(const QByteArray &path)
{
    begin();
    libssh::SftpAttributesPtr a(sftp_lstat(sftp_.get(), path.constData()));
    if (!a)
        return failure();
    watch_->progress();
    return sftpAttrsFrom(*a);
}

FsResult<SftpAttrs> SftpSession::stat(const QByteArray &path)
{
    begin();
    libssh::SftpAttributesPtr a(sftp_stat(sftp_.get(), path.constData()));
    if (!a)
        return failure();
    watch_->progress();
    return sftpAttrsFrom(*a);
}

FsResult<SftpAttrs> SftpSession::fstat(sftp_file file)
{
    begin();
    libssh::SftpAttributesPtr a(sftp_fstat(file));
    if (!a)
        return failure();
    watch_->progress();
    return sftpAttrsFrom(*a);
}

FsResult<QByteArray> SftpSession::realpath(const QByteArray &path)
{
    begin();
    libssh::CharPtr resolved(sftp_canonicalize_path(sftp_.get(), path.constData()));
    if (!resolved)
        return failure();
    watch_->progress();
    return QByteArray(resolved.get());
}

FsResult<libssh::SftpFilePtr> SftpSession::open(const QByteArray &path, int flags, uint32_t mode)
{
    begin();
    sftp_file f = sftp_open(sftp_.get(), path.constData(), flags, mode_t(mode));
    if (!f)
        return failure();
    watch_->progress();
    return libssh::SftpFilePtr(f);
}

FsResult<FsVoid> SftpSession::setstat(const QByteArray &path, const SftpAttrs &attrs)
{
    sftp_attributes_struct a{};
    a.flags = attrs.flags;
    a.size = attrs.size;
    a.uid = attrs.uid;
    a.gid = attrs.gid;
    a.permissions = attrs.permissions;
    a.atime = attrs.atime;
    a.mtime = attrs.mtime;
    begin();
    if (sftp_setstat(sftp_.get(), path.constData(), &a) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<FsVoid> SftpSession::mkdir(const QByteArray &path, uint32_t mode)
{
    begin();
    if (sftp_mkdir(sftp_.get(), path.constData(), mode_t(mode)) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<FsVoid> SftpSession::rmdir(const QByteArray &path)
{
    begin();
    if (sftp_rmdir(sftp_.get(), path.constData()) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<FsVoid> SftpSession::unlink(const QByteArray &path)
{
    begin();
    if (sftp_unlink(sftp_.get(), path.constData()) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<FsVoid> SftpSession::symlink(const QByteArray &target, const QByteArray &linkPath)
{
    begin();
    if (sftp_symlink(sftp_.get(), target.constData(), linkPath.constData()) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<QByteArray> SftpSession::readlink(const QByteArray &path)
{
    begin();
    libssh::CharPtr target(sftp_readlink(sftp_.get(), path.constData()));
    if (!target)
        return failure();
    watch_->progress();
    return QByteArray(target.get());
}

FsResult<FsVoid> SftpSession::rename(const QByteArray &from, const QByteArray &to)
{
    if (extensions_.posixRename)
        return extended("posix-rename@openssh.com", from, to);
    begin();
    if (sftp_rename(sftp_.get(), from.constData(), to.constData()) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<FsVoid> SftpSession::hardlink(const QByteArray &existing, const QByteArray &newPath)
{
    if (!extensions_.hardlink)
        return FsError::NotSupported;
    return extended("hardlink@openssh.com", existing, newPath);
}

FsResult<FsVoid> SftpSession::fsync(sftp_file file)
{
    if (!extensions_.fsync)
        return FsError::NotSupported;
    begin();
    if (sftp_fsync(file) < 0)
        return failure();
    watch_->progress();
    return FsVoid{};
}

FsResult<SftpSession::Statvfs> SftpSession::statvfs(const QByteArray &path)
{
    if (!extensions_.statvfs)
        return FsError::NotSupported;
    begin();
    libssh::SftpStatvfsPtr v(sftp_statvfs(sftp_.get(), path.constData()));
    if (!v)
        return failure();
    watch_->progress();
    const uint64_t unit = v->f_frsize ? v->f_frsize : v->f_bsize;
    Statvfs s;
    s.stat.totalBytes = v->f_blocks * unit;
    s.stat.freeBytes = v->f_bfree * unit;
    s.stat.availBytes = v->f_bavail * unit;
    s.stat.totalFiles = v->f_files;
    s.stat.freeFiles = v->f_ffree;
    s.stat.availFiles = v->f_favail;
    s.nameMax = v->f_namemax;
    s.readOnly = (v->f_flag & SSH_FXE_STATVFS_ST_RDONLY) != 0;
    return s;
}

FsResult<QList<FsDirEntry>> SftpSession::readdir(const QByteArray &path)
{
    begin();
    libssh::SftpDirPtr dir(sftp_opendir(sftp_.get(), path.constData()));
    if (!dir)
        return failure();
    watch_->progress();
    QList<FsDirEntry> entries;
    for (;;) {
        libssh::SftpAttributesPtr a(sftp_readdir(sftp_.get(), dir.get()));
        if (!a) {
            if (sftp_dir_eof(dir.get()))
                break;
            return failure();
        }
        watch_->progress();
        if (!a->name)
            continue;
        const QByteArray name(a->name);
        if (name == "." || name == "..")
            continue;
        entries.emplaceBack(FsDirEntry{name, fsAttrFromSftp(*a)});
    }
    if (sftp_closedir(dir.release()) < 0 && !connectionUp())
        broken_ = true;
    return entries;
}

FsResult<FsVoid> SftpSession::checkListable(const QByteArray &path)
{
    begin();
    libssh::SftpDirPtr dir(sftp_opendir(sftp_.get(), path.constData()));
    if (!dir)
        return failure();
    watch_->progress();
    if (sftp_closedir(dir.release()) < 0 && !connectionUp())
        broken_ = true;
    return FsVoid{};
}

FsResult<SftpSession::ReadOutcome> SftpSession::read(sftp_file file, uint64_t offset,
                                                     uint32_t count, uint32_t chunk, int depth)
{
    chunk = std::max<uint32_t>(chunk, 512);
    depth = std::max(depth, 1);
    struct Request {
        int id;
        uint32_t pos;
        uint32_t length;
    };
    std::deque<Request> inFlight;
    ReadOutcome out;
    out.data = QByteArray(qsizetype(count), Qt::Uninitialized);
    uint32_t issued = 0;
    uint32_t filled = 0; // bytes [0, filled) are data, in order
    bool stopped = false;
    std::optional<FsError> error;

    begin();
    sftp_seek64(file, offset);
    auto issue = [&] {
        while (!stopped && issued < count && int(inFlight.size()) < depth) {
            const uint32_t length = std::min(chunk, count - issued);
            const int id = sftp_async_read_begin(file, length);
            if (id < 0) {
                error = failure();
                stopped = true;
                return;
            }
            inFlight.push_back({id, issued, length});
            issued += length;
        }
    };
    issue();
    while (!inFlight.empty()) {
        if (broken_)
            return error.value_or(FsError::Io);
        const Request r = inFlight.front();
        inFlight.pop_front();
        // libssh answers 0 without reading the reply once a handle saw end of file; every
        // reply must still be collected, or it would stay queued in the session.
        file->eof = 0;
        const int n = sftp_async_read(file, out.data.data() + r.pos, r.length, uint32_t(r.id));
        if (n < 0) {
            if (!error)
                error = failure();
            else
                failure(); // still notices a lost connection
            stopped = true;
            continue;
        }
        watch_->progress();
        if (stopped)
            continue; // draining after an end
        if (n == 0) {
            out.sawEof = file->eof != 0;
            stopped = true;
            continue;
        }
        filled = r.pos + uint32_t(n);
        if (uint32_t(n) < r.length) {
            // A short reply: the data beyond it would not be contiguous. The caller gets
            // a short read and asks again for the rest.
            stopped = true;
            continue;
        }
        issue();
    }
    if (error && filled == 0)
        return *error;
    out.data.truncate(qsizetype(filled));
    return out;
}

// ---------------------------------------------------------------------------------------
// Requests written by Loft itself

bool SftpSession::sendRaw(const QByteArray &packet)
{
    ssh_channel channel = sftp_->channel;
    qsizetype sent = 0;
    while (sent < packet.size()) {
        const int n = ssh_channel_write(channel, packet.constData() + sent,
                                        uint32_t(packet.size() - sent));
        if (n <= 0 || watch_->fired()) {
            broken_ = true;
            return false;
        }
        sent += n;
    }
    return true;
}

bool SftpSession::receiveRaw(QByteArray &body)
{
    ssh_channel channel = sftp_->channel;
    auto readExact = [&](char *into, uint32_t size) {
        uint32_t got = 0;
        while (got < size) {
            const int n = ssh_channel_read(channel, into + got, size - got, 0);
            if (n < 0 || watch_->fired())
                return false;
            if (n == 0) {
                // libssh's own timeout passed, or the channel ended.
                if (ssh_channel_is_eof(channel) || !connectionUp())
                    return false;
                continue;
            }
            got += uint32_t(n);
        }
        return true;
    };
    unsigned char header[4];
    if (!readExact(reinterpret_cast<char *>(header), 4)) {
        broken_ = true;
        return false;
    }
    const uint32_t length = uint32_t(header[0]) << 24 | uint32_t(header[1]) << 16
        | uint32_t(header[2]) << 8 | uint32_t(header[3]);
    if (length < 5 || length > sftpwire::kMaxReplyBytes) {
        broken_ = true;
        return false;
    }
    body.resize(qsizetype(length));
    if (!readExact(body.data(), length)) {
        broken_ = true;
        return false;
    }
    watch_->progress();
    return true;
}

FsResult<FsVoid> SftpSession::statusOf(const QByteArray &body, uint32_t expectedId)
{
    SftpPacketReader reader(body);
    uint8_t type = 0;
    uint32_t id = 0, code = 0;
    if (!reader.u8(type) || !reader.u32(id) || id != expectedId || type != sftpwire::kStatus
        || !reader.u32(code)) {
        broken_ = true; // not the reply to what was asked: out of step
        return FsError::Io;
    }
    if (code == SSH_FX_OK)
        return FsVoid{};
    lastStatus_ = int(code);
    return fsErrorFromSftpStatus(int(code));
}

FsResult<FsVoid> SftpSession::extended(const char *name, QByteArrayView a, QByteArrayView b)
{
    begin();
    const uint32_t id = nextRawId();
    SftpPacketBuilder packet(sftpwire::kExtended, id, a.size() + b.size() + 64);
    packet.string(QByteArrayView(name)).string(a).string(b);
    QByteArray reply;
    if (!sendRaw(packet.finish()) || !receiveRaw(reply))
        return failure();
    return statusOf(reply, id);
}

FsResult<FsVoid> SftpSession::lsetstat(const QByteArray &path, const SftpAttrs &attrs)
{
    if (!extensions_.lsetstat)
        return FsError::NotSupported;
    begin();
    const uint32_t id = nextRawId();
    SftpPacketBuilder packet(sftpwire::kExtended, id, path.size() + 64);
    packet.string("lsetstat@openssh.com").string(path).attrs(attrs);
    QByteArray reply;
    if (!sendRaw(packet.finish()) || !receiveRaw(reply))
        return failure();
    return statusOf(reply, id);
}

FsResult<SftpSession::WriteOutcome> SftpSession::write(sftp_file file, uint64_t offset,
                                                       QByteArrayView data, bool sync,
                                                       uint32_t chunk, int depth)
{
    chunk = std::clamp<uint32_t>(chunk, 512, 255 * 1024); // OpenSSH takes 256 KiB packets
    depth = std::max(depth, 1);
    const QByteArrayView handle = handleBytes(file);
    enum class Kind { StatBefore, Write, Sync, StatAfter };
    struct Pending {
        uint32_t id;
        Kind kind;
    };
    // The whole call is one pipeline: FSTAT, the WRITEs, fsync, FSTAT. OpenSSH answers in
    // order, but the protocol allows any order, so replies are matched by id.
    const qsizetype chunks = data.isEmpty() ? 0 : (data.size() + chunk - 1) / chunk;
    const qsizetype total = chunks + 2 + (sync ? 1 : 0);
    qsizetype next = 0;
    std::deque<Pending> pending;
    WriteOutcome out;
    std::optional<FsError> error;

    begin();
    auto send = [&](qsizetype index) {
        const uint32_t id = nextRawId();
        QByteArray packet;
        Kind kind;
        if (index == 0 || index == total - 1) {
            kind = index == 0 ? Kind::StatBefore : Kind::StatAfter;
            packet = SftpPacketBuilder(sftpwire::kFstat, id).string(handle).finish();
        } else if (index <= chunks) {
            kind = Kind::Write;
            const qsizetype at = (index - 1) * qsizetype(chunk);
            const QByteArrayView piece = data.sliced(at, std::min<qsizetype>(chunk, data.size() - at));
            packet = SftpPacketBuilder(sftpwire::kWrite, id, handle.size() + piece.size() + 32)
                         .string(handle)
                         .u64(offset + uint64_t(at))
                         .string(piece)
                         .finish();
        } else {
            kind = Kind::Sync;
            packet = SftpPacketBuilder(sftpwire::kExtended, id, handle.size() + 32)
                         .string("fsync@openssh.com")
                         .string(handle)
                         .finish();
        }
        pending.push_back({id, kind});
        return sendRaw(packet);
    };
    while (next < total || !pending.empty()) {
        // After a refusal, stop feeding WRITEs but still ask for the closing FSTAT so
        // that every request sent gets collected.
        while (next < total && int(pending.size()) < depth) {
            if (error && next < total - 1)
                next = total - 1;
            if (!send(next++))
                return failure();
        }
        QByteArray body;
        if (!receiveRaw(body))
            return failure();
        SftpPacketReader reader(body);
        uint8_t type = 0;
        uint32_t id = 0;
        reader.u8(type);
        reader.u32(id);
        auto it = std::find_if(pending.begin(), pending.end(),
                               [id](const Pending &p) { return p.id == id; });
        if (it == pending.end()) {
            broken_ = true;
            return FsError::Io;
        }
        const Kind kind = it->kind;
        pending.erase(it);
        if (type == sftpwire::kAttrs && (kind == Kind::StatBefore || kind == Kind::StatAfter)) {
            SftpAttrs a;
            if (!reader.attrs(a)) {
                broken_ = true;
                return FsError::Io;
            }
            (kind == Kind::StatBefore ? out.before : out.after) = a;
        } else if (type == sftpwire::kStatus) {
            uint32_t code = 0;
            reader.u32(code);
            if (code != SSH_FX_OK && !error) {
                lastStatus_ = int(code);
                error = fsErrorFromSftpStatus(int(code));
            }
        } else {
            broken_ = true;
            return FsError::Io;
        }
    }
    if (error)
        return *error;
    return out;
}

} // namespace loft
