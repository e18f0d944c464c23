#include "SftpFileSystem.h"

#include "SftpAttr.h"
#include "SftpFailureProbe.h"
#include "SftpLog.h"
#include "SftpSession.h"
#include "SftpSessionPool.h"

#include <QRunnable>

#include <algorithm>
#include <climits>
#include <fcntl.h>

namespace loft {

namespace {

// One allocation per call: the task owns the work lambda directly.
template <class F>
class PoolTask final : public QRunnable {
public:
    explicit PoolTask(F &&f) : f_(std::move(f)) {}
    void run() override { f_(); }

private:
    F f_;
};

constexpr uint32_t kMaxSymlinkTarget = 4095;

// What fsstat reports when the server has no statvfs@openssh.com: a large disk with
// plenty of room, so that nothing refuses to copy for want of a number.
FsStat unknownCapacity()
{
    FsStat s;
    s.totalBytes = s.freeBytes = s.availBytes = uint64_t(1) << 50;
    s.totalFiles = s.freeFiles = s.availFiles = uint64_t(1) << 30;
    return s;
}

bool hasTimes(const FsSetAttr &a)
{
    return a.atimeHow != FsSetAttr::TimeHow::Keep || a.mtimeHow != FsSetAttr::TimeHow::Keep;
}

} // namespace

// ---------------------------------------------------------------------------------------
// Construction

std::unique_ptr<SftpFileSystem> SftpFileSystem::open(const SftpOptions &options,
                                                     SftpConnectError *error)
{
    std::unique_ptr<SftpFileSystem> fs(new SftpFileSystem(options));
    if (!fs->pool_->start(error) || !fs->resolveRoot(error))
        return nullptr;
    return fs;
}

SftpFileSystem::SftpFileSystem(const SftpOptions &options)
    : options_(options)
    , pool_(std::make_unique<SftpSessionPool>(options))
{
    threads_.setMaxThreadCount(std::clamp(options.sessions, 1, 32));
    threads_.setExpiryTimeout(-1);
}

SftpFileSystem::~SftpFileSystem()
{
    threads_.waitForDone();
    pool_.reset();
}

QString SftpFileSystem::lastError() const
{
    return pool_ ? pool_->lastError() : QString();
}

bool SftpFileSystem::resolveRoot(SftpConnectError *error)
{
    auto lease = pool_->acquire(Clock::now() + options_.timeout);
    const QString where = options_.displayTarget();
    const QString wanted = QString::fromUtf8(options_.rootPath);
    if (!lease) {
        error->kind = SftpConnectError::Kind::Unreachable;
        error->message = pool_->lastError().isEmpty()
            ? QStringLiteral("lost the connection to %1 right after logging in").arg(where)
            : pool_->lastError();
        return false;
    }
    SftpSession &s = lease->session();
    // OpenSSH's server starts in the home folder: "." resolves to it.
    QByteArray path = options_.rootPath;
    if (path == "~" || path.isEmpty())
        path = ".";
    else if (path.startsWith("~/"))
        path = path.mid(2);
    auto fail = [&](SftpConnectError::Kind kind, const QString &message) {
        error->kind = kind;
        error->message = message;
        return false;
    };
    auto resolved = s.realpath(path);
    auto attrs = resolved ? s.stat(*resolved) : FsResult<SftpAttrs>(resolved.error());
    if (!attrs) {
        if (s.broken())
            return fail(SftpConnectError::Kind::Unreachable,
                        QStringLiteral("lost the connection to %1 while opening %2")
                            .arg(where, wanted));
        if (attrs.error() == FsError::NotFound)
            return fail(SftpConnectError::Kind::RootNotFound,
                        QStringLiteral("the folder %1 does not exist on %2").arg(wanted, where));
        if (attrs.error() == FsError::AccessDenied)
            return fail(SftpConnectError::Kind::RootUnreadable,
                        QStringLiteral("%1 on %2 cannot be opened: permission denied")
                            .arg(wanted, where));
        return fail(SftpConnectError::Kind::RootNotFound,
                    QStringLiteral("cannot open %1 on %2: %3")
                        .arg(wanted, where, QLatin1String(fsErrorName(attrs.error()))));
    }
    if (fsAttrFromSftp(*attrs).type != FsType::Directory)
        return fail(SftpConnectError::Kind::RootNotDirectory,
                    QStringLiteral("%1 on %2 is not a folder: choose a folder to mount")
                        .arg(wanted, where));
    if (auto listable = s.checkListable(*resolved); !listable)
        return fail(SftpConnectError::Kind::RootUnreadable,
                    QStringLiteral("Loft cannot list the folder %1 on %2: %3")
                        .arg(wanted, where, QLatin1String(fsErrorName(listable.error()))));
    root_ = *resolved;

    const auto &ext = pool_->extensions();
    capabilities_.readOnly = options_.readOnly;
    capabilities_.remote = true;
    capabilities_.randomWrites = true;
    capabilities_.symlinks = true; // SYMLINK is part of SFTP v3
    capabilities_.hardLinks = ext.hardlink;
    if (ext.statvfs) {
        if (auto v = s.statvfs(root_); v && v->nameMax > 0)
            capabilities_.maxNameBytes = uint32_t(std::min<uint64_t>(v->nameMax, 255));
    }
    qCInfo(lcSftp).noquote() << "serving" << root_ << "from" << where << "(posix-rename"
                             << ext.posixRename << "hardlink" << ext.hardlink << "statvfs"
                             << ext.statvfs << "fsync" << ext.fsync << ")";
    return true;
}

const HostKeyVerdict &SftpFileSystem::hostKey() const
{
    return pool_->hostKey();
}

QString SftpFileSystem::lastConnectionError() const
{
    return pool_->lastError();
}

int SftpFileSystem::connectedSessions() const
{
    return pool_->connectedSessions();
}

// ---------------------------------------------------------------------------------------
// The asynchronous surface: each call is one hop onto a worker, with a leased session.

template <class T, class Work>
void SftpFileSystem::dispatch(Kind kind, Retry retry, FsDone<T> &&done, Work &&work)
{
    const auto submitted = Clock::now();
    auto task = [this, kind, retry, submitted, done = std::move(done),
                 work = std::forward<Work>(work)]() mutable {
        if (kind == Kind::Mutation && capabilities_.readOnly)
            done(FsError::ReadOnly);
        else
            done(run<T>(retry, submitted, work));
    };
    threads_.start(new PoolTask<decltype(task)>(std::move(task)));
}

template <class T, class Work>
FsResult<T> SftpFileSystem::run(Retry retry, Clock::time_point submitted, Work &work)
{
    // The time budget starts when the call is made, so calls queued behind a server that
    // stopped answering fail within the timeout too.
    const auto deadline = submitted + options_.timeout;
    for (int attempt = 0;; ++attempt) {
        auto lease = pool_->acquire(deadline);
        if (!lease)
            return lease.error();
        SftpSession &s = lease->session();
        FsResult<T> result = work(s);
        if (!s.broken())
            return result;
        // The connection failed under the call; the lease discards the session.
        if (s.timedOut()) {
            qCWarning(lcSftp).noquote()
                << options_.displayTarget() << "did not answer for"
                << double(options_.timeout.count()) / 1000.0 << "s; dropping the connection";
            return FsError::TimedOut;
        }
        qCInfo(lcSftp).noquote() << "connection to" << options_.displayTarget() << "lost"
                                 << (retry == Retry::Idempotent && attempt == 0
                                         ? "during a call; retrying it on a new connection"
                                         : "during a call");
        if (retry == Retry::Idempotent && attempt == 0)
            continue;
        return retry == Retry::Idempotent ? FsError::Unavailable : FsError::Io;
    }
}

void SftpFileSystem::getattr(const QByteArray &path, FsDone<FsAttr> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, path](SftpSession &s) { return doGetattr(s, path); });
}

void SftpFileSystem::setattr(const QByteArray &path, const FsSetAttr &changes,
                             FsDone<FsAttr> done)
{
    dispatch(Kind::Mutation, Retry::Idempotent, std::move(done),
             [this, path, changes](SftpSession &s) { return doSetattr(s, path, changes); });
}

void SftpFileSystem::lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, dir, name](SftpSession &s) { return doLookup(s, dir, name); });
}

void SftpFileSystem::read(const QByteArray &path, uint64_t offset, uint32_t count,
                          FsDone<FsReadResult> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, path, offset, count](SftpSession &s) { return doRead(s, path, offset, count); });
}

void SftpFileSystem::write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                           FsStability stability, FsDone<FsWriteResult> done)
{
    // Writing the same bytes at the same offset again changes nothing: idempotent.
    dispatch(Kind::Mutation, Retry::Idempotent, std::move(done),
             [this, path, offset, data, stability](SftpSession &s) {
                 return doWrite(s, path, offset, data, stability);
             });
}

void SftpFileSystem::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    dispatch(Kind::Mutation, Retry::Idempotent, std::move(done),
             [this, path](SftpSession &s) { return doCommit(s, path); });
}

void SftpFileSystem::create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                            const FsSetAttr &initial, const QByteArray &verifier,
                            FsDone<FsCreated> done)
{
    // An exclusive create is made safe to repeat by its verifier.
    const Retry retry = mode == FsCreateMode::Exclusive ? Retry::Idempotent : Retry::NotIdempotent;
    dispatch(Kind::Mutation, retry, std::move(done),
             [this, dir, name, mode, initial, verifier](SftpSession &s) {
                 return doCreate(s, dir, name, mode, initial, verifier);
             });
}

void SftpFileSystem::mkdir(const QByteArray &dir, const QByteArray &name,
                           const FsSetAttr &initial, FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, dir, name, initial](SftpSession &s) { return doMkdir(s, dir, name, initial); });
}

void SftpFileSystem::symlink(const QByteArray &dir, const QByteArray &name,
                             const QByteArray &target, const FsSetAttr &initial,
                             FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, dir, name, target, initial](SftpSession &s) {
                 return doSymlink(s, dir, name, target, initial);
             });
}

void SftpFileSystem::mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                           const FsSetAttr &initial, FsDone<FsCreated> done)
{
    Q_UNUSED(dir);
    Q_UNUSED(name);
    Q_UNUSED(type);
    Q_UNUSED(initial);
    // SFTP has no request for device nodes, FIFOs or sockets.
    done(capabilities_.readOnly ? FsError::ReadOnly : FsError::NotSupported);
}

void SftpFileSystem::readlink(const QByteArray &path, FsDone<QByteArray> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, path](SftpSession &s) { return doReadlink(s, path); });
}

void SftpFileSystem::remove(const QByteArray &dir, const QByteArray &name,
                            FsDone<FsDirChange> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, dir, name](SftpSession &s) { return doRemove(s, dir, name); });
}

void SftpFileSystem::rmdir(const QByteArray &dir, const QByteArray &name,
                           FsDone<FsDirChange> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, dir, name](SftpSession &s) { return doRmdir(s, dir, name); });
}

void SftpFileSystem::rename(const QByteArray &fromDir, const QByteArray &fromName,
                            const QByteArray &toDir, const QByteArray &toName,
                            FsDone<FsRenamed> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, fromDir, fromName, toDir, toName](SftpSession &s) {
                 return doRename(s, fromDir, fromName, toDir, toName);
             });
}

void SftpFileSystem::link(const QByteArray &path, const QByteArray &toDir,
                          const QByteArray &toName, FsDone<FsLinked> done)
{
    dispatch(Kind::Mutation, Retry::NotIdempotent, std::move(done),
             [this, path, toDir, toName](SftpSession &s) { return doLink(s, path, toDir, toName); });
}

void SftpFileSystem::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, dir](SftpSession &s) { return doReaddir(s, dir); });
}

void SftpFileSystem::fsstat(const QByteArray &path, FsDone<FsStat> done)
{
    dispatch(Kind::Query, Retry::Idempotent, std::move(done),
             [this, path](SftpSession &s) { return doFsstat(s, path); });
}

// ---------------------------------------------------------------------------------------
// Helpers

std::optional<FsError> SftpFileSystem::checkName(const QByteArray &name) const
{
    if (!fsValidName(name))
        return FsError::InvalidName;
    if (uint64_t(name.size()) > capabilities_.maxNameBytes)
        return FsError::NameTooLong;
    return std::nullopt;
}

std::optional<FsError> SftpFileSystem::checkPath(const QByteArray &path) const
{
    if (path.isEmpty())
        return std::nullopt;
    if (path.size() > 65536)
        return FsError::NameTooLong;
    qsizetype start = 0;
    for (;;) {
        const qsizetype slash = path.indexOf('/', start);
        const qsizetype end = slash < 0 ? path.size() : slash;
        if (auto e = checkName(path.mid(start, end - start)))
            return e;
        if (slash < 0)
            return std::nullopt;
        start = slash + 1;
    }
}

QByteArray SftpFileSystem::remote(const QByteArray &path) const
{
    if (path.isEmpty())
        return root_;
    if (root_ == "/")
        return '/' + path;
    return root_ + '/' + path;
}

std::optional<FsAttr> SftpFileSystem::dirAttr(SftpSession &s, const QByteArray &dir)
{
    auto a = s.lstat(remote(dir));
    if (!a)
        return std::nullopt;
    return fsAttrFromSftp(*a);
}

void SftpFileSystem::changed(SftpSession &s, const QByteArray &path)
{
    s.handles().invalidate(path);
    pool_->invalidations().add(path);
}

FsResult<sftp_file> SftpFileSystem::openFile(SftpSession &s, const QByteArray &path,
                                             SftpHandleCache::Access access)
{
    SftpHandleCache &handles = s.handles();
    if (sftp_file cached = handles.find(path, access))
        return cached;
    const QByteArray p = remote(path);
    // LSTAT first: a symlink leaf is never opened (the server would follow it), and a
    // directory must not be (OpenSSH opens one for reading without complaint).
    auto a = s.lstat(p);
    if (!a)
        return a.error();
    switch (fsAttrFromSftp(*a).type) {
    case FsType::File: break;
    case FsType::Directory: return FsError::IsDirectory;
    default: return FsError::InvalidArgument;
    }
    const bool write = access == SftpHandleCache::Access::Write;
    bool readable = true;
    auto opened = s.open(p, write ? O_RDWR : O_RDONLY, 0);
    if (!opened && write && opened.error() == FsError::AccessDenied && !s.broken()) {
        // A write-only file: still writable, just not readable through this handle.
        opened = s.open(p, O_WRONLY, 0);
        readable = false;
    }
    if (!opened)
        return write ? sftpprobe::changing(s, p, opened.error()) : opened.error();
    return handles.insert(path, std::move(*opened), readable, write);
}

// ---------------------------------------------------------------------------------------
// Attributes

FsResult<FsAttr> SftpFileSystem::doGetattr(SftpSession &s, const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    auto a = s.lstat(remote(path));
    if (!a)
        return a.error();
    return fsAttrFromSftp(*a);
}

FsResult<FsAttr> SftpFileSystem::doLookup(SftpSession &s, const QByteArray &dir,
                                          const QByteArray &name)
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    auto a = s.lstat(remote(fsJoin(dir, name)));
    if (!a)
        return a.error();
    return fsAttrFromSftp(*a);
}

FsResult<FsAttr> SftpFileSystem::doSetattr(SftpSession &s, const QByteArray &path,
                                           const FsSetAttr &changes)
{
    if (auto e = checkPath(path))
        return *e;
    const QByteArray p = remote(path);
    auto current = s.lstat(p);
    if (!current)
        return current.error();
    const FsAttr attr = fsAttrFromSftp(*current);
    if (changes.empty())
        return attr;
    if (changes.size) {
        if (attr.type == FsType::Directory)
            return FsError::IsDirectory;
        if (attr.type != FsType::File)
            return FsError::InvalidArgument;
        if (*changes.size > uint64_t(INT64_MAX))
            return FsError::FileTooBig;
    }
    auto set = sftpSetAttrs(changes, *current);
    if (!set)
        return set.error();
    FsResult<FsVoid> done = FsVoid{};
    if (attr.type == FsType::Symlink) {
        // SETSTAT would follow the link and change its target.
        if (changes.mode)
            return FsError::NotSupported; // Linux keeps symlinks at 0777
        done = s.lsetstat(p, *set);
    } else {
        done = s.setstat(p, *set);
    }
    if (!done)
        return sftpprobe::changing(s, p, done.error());
    auto after = s.lstat(p);
    if (!after)
        return after.error();
    return fsAttrFromSftp(*after);
}

// ---------------------------------------------------------------------------------------
// Data

FsResult<FsReadResult> SftpFileSystem::doRead(SftpSession &s, const QByteArray &path,
                                              uint64_t offset, uint32_t count)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    count = std::min(count, kMaxReadBytes);
    for (int attempt = 0;; ++attempt) {
        auto file = openFile(s, path, SftpHandleCache::Access::Read);
        if (!file)
            return file.error();
        auto got = s.read(*file, offset, count, options_.readChunk, options_.readsInFlight);
        auto attrs = got ? s.fstat(*file) : FsResult<SftpAttrs>(got.error());
        if (!attrs) {
            // A handle the server no longer knows (it restarted the subsystem): reopen once.
            if (attrs.error() == FsError::Stale && attempt == 0 && !s.broken()) {
                s.handles().invalidate(path);
                continue;
            }
            return attrs.error();
        }
        FsReadResult result;
        result.data = std::move(got->data);
        result.attr = fsAttrFromSftp(*attrs);
        result.eof = got->sawEof || offset + uint64_t(result.data.size()) >= result.attr.size;
        return result;
    }
}

FsResult<FsWriteResult> SftpFileSystem::doWrite(SftpSession &s, const QByteArray &path,
                                                uint64_t offset, const QByteArray &data,
                                                FsStability stability)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    if (offset > uint64_t(INT64_MAX) - uint64_t(data.size()))
        return FsError::FileTooBig;
    const bool sync = stability != FsStability::Unstable && s.extensions().fsync;
    for (int attempt = 0;; ++attempt) {
        auto file = openFile(s, path, SftpHandleCache::Access::Write);
        if (!file)
            return file.error();
        auto written = s.write(*file, offset, data, sync, options_.writeChunk,
                               options_.writesInFlight);
        if (!written) {
            if (written.error() == FsError::Stale && attempt == 0 && !s.broken()) {
                s.handles().invalidate(path);
                continue;
            }
            return sftpprobe::changing(s, remote(path), written.error());
        }
        FsWriteResult result;
        result.count = uint32_t(data.size());
        result.committed = sync ? stability : FsStability::Unstable;
        result.before = fsAttrFromSftp(written->before);
        result.after = fsAttrFromSftp(written->after);
        return result;
    }
}

FsResult<FsAttr> SftpFileSystem::doCommit(SftpSession &s, const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    if (!s.extensions().fsync) {
        // Every WRITE was answered after the server's write(2): the data is in the
        // server's page cache, which is as far as SFTP without fsync can take it.
        return doGetattr(s, path);
    }
    for (int attempt = 0;; ++attempt) {
        // fsync on any descriptor of the file flushes all of it; prefer a cached one.
        sftp_file file = s.handles().find(path, SftpHandleCache::Access::Write);
        if (!file) {
            auto opened = openFile(s, path, SftpHandleCache::Access::Read);
            if (!opened && opened.error() == FsError::AccessDenied && !s.broken())
                opened = openFile(s, path, SftpHandleCache::Access::Write);
            if (!opened)
                return opened.error();
            file = *opened;
        }
        auto synced = s.fsync(file);
        auto attrs = synced ? s.fstat(file) : FsResult<SftpAttrs>(synced.error());
        if (!attrs) {
            if (attrs.error() == FsError::Stale && attempt == 0 && !s.broken()) {
                s.handles().invalidate(path);
                continue;
            }
            return attrs.error();
        }
        return fsAttrFromSftp(*attrs);
    }
}

// ---------------------------------------------------------------------------------------
// Creation

FsResult<FsCreated> SftpFileSystem::doCreate(SftpSession &s, const QByteArray &dir,
                                             const QByteArray &name, FsCreateMode mode,
                                             const FsSetAttr &initial,
                                             const QByteArray &verifier)
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    const QByteArray path = fsJoin(dir, name);
    const QByteArray p = remote(path);
    FsCreated created;

    if (mode == FsCreateMode::Exclusive) {
        const SftpVerifierTimes v = sftpVerifierTimes(verifier);
        auto opened = s.open(p, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (!opened) {
            if (s.broken())
                return opened.error();
            // A retransmitted CREATE finds its own file; anything else is a real clash.
            if (auto existing = s.lstat(p)) {
                const FsAttr attr = fsAttrFromSftp(*existing);
                if (!sftpMatchesVerifier(attr, v))
                    return FsError::Exists;
                created.attr = attr;
                created.dir.after = dirAttr(s, dir);
                return created;
            }
            return sftpprobe::creating(s, p, opened.error());
        }
        sftp_file file = s.handles().insert(path, std::move(*opened), true, true);
        SftpAttrs times;
        times.flags = SSH_FILEXFER_ATTR_ACMODTIME;
        times.atime = v.atime;
        times.mtime = v.mtime;
        if (auto set = s.setstat(p, times); !set) {
            s.handles().invalidate(path);
            if (!s.broken())
                s.unlink(p);
            return set.error();
        }
        auto attrs = s.fstat(file);
        if (!attrs)
            return attrs.error();
        created.attr = fsAttrFromSftp(*attrs);
        created.dir.after = dirAttr(s, dir);
        return created;
    }

    if (mode == FsCreateMode::Unchecked) {
        // UNCHECKED on an existing name opens it (RFC 1813). Like knfsd, only a size
        // (truncation) applies then, and only to a regular file.
        auto existing = s.lstat(p);
        if (existing) {
            FsAttr attr = fsAttrFromSftp(*existing);
            if (attr.type != FsType::File)
                return FsError::Exists;
            if (initial.size) {
                SftpAttrs size;
                size.flags = SSH_FILEXFER_ATTR_SIZE;
                size.size = *initial.size;
                if (auto set = s.setstat(p, size); !set)
                    return sftpprobe::changing(s, p, set.error());
                auto after = s.lstat(p);
                if (!after)
                    return after.error();
                attr = fsAttrFromSftp(*after);
            }
            created.attr = attr;
            created.dir.after = dirAttr(s, dir);
            return created;
        }
        if (existing.error() != FsError::NotFound || s.broken())
            return existing.error();
    }

    const uint32_t permissions = initial.mode ? *initial.mode & 07777 : 0666;
    auto opened = s.open(p, O_RDWR | O_CREAT | O_EXCL, permissions);
    if (!opened)
        return sftpprobe::creating(s, p, opened.error());
    sftp_file file = s.handles().insert(path, std::move(*opened), true, true);
    // The server's umask applied to the mode: set exactly what was asked, with the rest.
    FsSetAttr rest = initial;
    if (rest.size == uint64_t(0))
        rest.size.reset(); // already empty
    if (!rest.empty()) {
        SftpAttrs current;
        if (rest.uid.has_value() != rest.gid.has_value() || hasTimes(rest)) {
            auto a = s.fstat(file);
            if (!a)
                return a.error();
            current = *a;
        }
        auto set = sftpSetAttrs(rest, current);
        auto applied = set ? s.setstat(p, *set) : FsResult<FsVoid>(set.error());
        if (!applied) {
            s.handles().invalidate(path);
            if (!s.broken())
                s.unlink(p);
            return applied.error();
        }
    }
    auto attrs = s.fstat(file);
    if (!attrs)
        return attrs.error();
    created.attr = fsAttrFromSftp(*attrs);
    created.dir.after = dirAttr(s, dir);
    return created;
}

FsResult<FsCreated> SftpFileSystem::doMkdir(SftpSession &s, const QByteArray &dir,
                                            const QByteArray &name, const FsSetAttr &initial)
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    const QByteArray p = remote(fsJoin(dir, name));
    const uint32_t permissions = initial.mode ? *initial.mode & 07777 : 0777;
    if (auto made = s.mkdir(p, permissions); !made)
        return sftpprobe::creating(s, p, made.error());
    FsSetAttr rest = initial;
    rest.size.reset();
    if (!rest.empty()) {
        SftpAttrs current;
        if (rest.uid.has_value() != rest.gid.has_value() || hasTimes(rest)) {
            auto a = s.lstat(p);
            if (!a)
                return a.error();
            current = *a;
        }
        auto set = sftpSetAttrs(rest, current);
        auto applied = set ? s.setstat(p, *set) : FsResult<FsVoid>(set.error());
        if (!applied) {
            if (!s.broken())
                s.rmdir(p);
            return applied.error();
        }
    }
    auto attrs = s.lstat(p);
    if (!attrs)
        return attrs.error();
    FsCreated created;
    created.attr = fsAttrFromSftp(*attrs);
    created.dir.after = dirAttr(s, dir);
    return created;
}

FsResult<FsCreated> SftpFileSystem::doSymlink(SftpSession &s, const QByteArray &dir,
                                              const QByteArray &name, const QByteArray &target,
                                              const FsSetAttr &initial)
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    if (target.isEmpty() || target.contains('\0'))
        return FsError::InvalidArgument;
    if (uint64_t(target.size()) > kMaxSymlinkTarget)
        return FsError::NameTooLong;
    const QByteArray p = remote(fsJoin(dir, name));
    // The target is stored verbatim and never resolved here.
    if (auto made = s.symlink(target, p); !made)
        return sftpprobe::creating(s, p, made.error());
    FsSetAttr rest = initial;
    rest.size.reset();
    rest.mode.reset(); // symlinks have no mode of their own
    if (!rest.empty() && s.extensions().lsetstat) {
        auto current = s.lstat(p);
        auto set = current ? sftpSetAttrs(rest, *current) : FsResult<SftpAttrs>(current.error());
        auto applied = set ? s.lsetstat(p, *set) : FsResult<FsVoid>(set.error());
        if (!applied) {
            if (!s.broken())
                s.unlink(p);
            return applied.error();
        }
    }
    auto attrs = s.lstat(p);
    if (!attrs)
        return attrs.error();
    FsCreated created;
    created.attr = fsAttrFromSftp(*attrs);
    created.dir.after = dirAttr(s, dir);
    return created;
}

// ---------------------------------------------------------------------------------------
// Names

FsResult<QByteArray> SftpFileSystem::doReadlink(SftpSession &s, const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::InvalidArgument;
    const QByteArray p = remote(path);
    auto target = s.readlink(p);
    if (!target && !s.broken() && target.error() != FsError::NotFound) {
        // Not a symlink: OpenSSH answers EINVAL as BAD_MESSAGE or FAILURE.
        auto a = s.lstat(p);
        if (a && fsAttrFromSftp(*a).type != FsType::Symlink)
            return FsError::InvalidArgument;
    }
    return target;
}

FsResult<FsDirChange> SftpFileSystem::doRemove(SftpSession &s, const QByteArray &dir,
                                               const QByteArray &name)
{
    return doRemoveEntry(s, dir, name, &SftpSession::unlink, &sftpprobe::removingFile);
}

FsResult<FsDirChange> SftpFileSystem::doRmdir(SftpSession &s, const QByteArray &dir,
                                              const QByteArray &name)
{
    return doRemoveEntry(s, dir, name, &SftpSession::rmdir, &sftpprobe::removingDirectory);
}

// REMOVE and RMDIR: the same checks and bookkeeping around a different SFTP request, and
// a different probe to name the error (sftpprobe: why did it fail?).
FsResult<FsDirChange> SftpFileSystem::doRemoveEntry(
    SftpSession &s, const QByteArray &dir, const QByteArray &name,
    FsResult<FsVoid> (SftpSession::*request)(const QByteArray &),
    FsError (*explain)(SftpSession &, const QByteArray &, FsError))
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    const QByteArray path = fsJoin(dir, name);
    const QByteArray p = remote(path);
    if (auto removed = (s.*request)(p); !removed)
        return explain(s, p, removed.error());
    changed(s, path);
    return FsDirChange{std::nullopt, dirAttr(s, dir)};
}

FsResult<FsRenamed> SftpFileSystem::doRename(SftpSession &s, const QByteArray &fromDir,
                                             const QByteArray &fromName, const QByteArray &toDir,
                                             const QByteArray &toName)
{
    for (const QByteArray *d : {&fromDir, &toDir}) {
        if (auto e = checkPath(*d))
            return *e;
    }
    for (const QByteArray *n : {&fromName, &toName}) {
        if (auto e = checkName(*n))
            return *e;
    }
    const QByteArray from = fsJoin(fromDir, fromName);
    const QByteArray to = fsJoin(toDir, toName);
    const QByteArray pf = remote(from);
    const QByteArray pt = remote(to);
    auto renamed = s.rename(pf, pt);
    if (!renamed && !s.extensions().posixRename && !s.broken()) {
        // A plain SFTP RENAME refuses an existing target. Without posix-rename the best
        // left is remove-then-rename, for files only (not atomic).
        auto source = s.lstat(pf);
        auto target = s.lstat(pt);
        if (source && target && fsAttrFromSftp(*source).type != FsType::Directory
            && fsAttrFromSftp(*target).type != FsType::Directory) {
            if (auto removed = s.unlink(pt))
                renamed = s.rename(pf, pt);
        }
    }
    if (!renamed)
        return sftpprobe::renaming(s, pf, pt, renamed.error());
    // Both names changed meaning, with everything beneath them.
    changed(s, from);
    changed(s, to);
    FsRenamed result;
    result.fromDir.after = dirAttr(s, fromDir);
    result.toDir.after = fromDir == toDir ? result.fromDir.after : dirAttr(s, toDir);
    return result;
}

FsResult<FsLinked> SftpFileSystem::doLink(SftpSession &s, const QByteArray &path,
                                          const QByteArray &toDir, const QByteArray &toName)
{
    if (auto e = checkPath(path))
        return *e;
    if (auto e = checkPath(toDir))
        return *e;
    if (auto e = checkName(toName))
        return *e;
    if (path.isEmpty())
        return FsError::NotPermitted; // no hard links to directories
    if (!s.extensions().hardlink)
        return FsError::NotSupported;
    const QByteArray pt = remote(fsJoin(toDir, toName));
    if (auto linked = s.hardlink(remote(path), pt); !linked)
        return sftpprobe::creating(s, pt, linked.error());
    auto attrs = s.lstat(pt);
    if (!attrs)
        return attrs.error();
    FsLinked result;
    result.attr = fsAttrFromSftp(*attrs);
    result.dir.after = dirAttr(s, toDir);
    return result;
}

// ---------------------------------------------------------------------------------------
// Directories and the filesystem

FsResult<QList<FsDirEntry>> SftpFileSystem::doReaddir(SftpSession &s, const QByteArray &dir)
{
    if (auto e = checkPath(dir))
        return *e;
    const QByteArray p = remote(dir);
    auto entries = s.readdir(p);
    if (!entries)
        return sftpprobe::listing(s, p, entries.error());
    return entries;
}

FsResult<FsStat> SftpFileSystem::doFsstat(SftpSession &s, const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    if (!s.extensions().statvfs)
        return unknownCapacity();
    auto v = s.statvfs(remote(path));
    if (!v)
        return v.error();
    return v->stat;
}

} // namespace loft
