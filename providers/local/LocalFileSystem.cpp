#include "LocalFileSystem.h"

#include "PosixAttr.h"
#include "PosixErrorMap.h"

#include <QFile>
#include <QRunnable>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

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

std::optional<FsAttr> statFd(int fd)
{
    struct stat st;
    if (::fstat(fd, &st) < 0)
        return std::nullopt;
    return fsAttrFromStat(st);
}

// Reads until `count` bytes or end of file. Returns the bytes read, or -1 (errno set) when
// nothing could be read.
ssize_t preadFull(int fd, char *buffer, size_t count, off_t offset)
{
    size_t total = 0;
    while (total < count) {
        const ssize_t n = ::pread(fd, buffer + total, count - total, offset + off_t(total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return total > 0 ? ssize_t(total) : -1;
        }
        if (n == 0)
            break;
        total += size_t(n);
    }
    return ssize_t(total);
}

// Writes all of `count` bytes unless an error stops it. Returns the bytes written, or -1
// (errno set) when nothing could be written.
ssize_t pwriteFull(int fd, const char *buffer, size_t count, off_t offset)
{
    size_t total = 0;
    while (total < count) {
        const ssize_t n = ::pwrite(fd, buffer + total, count - total, offset + off_t(total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return total > 0 ? ssize_t(total) : -1;
        }
        if (n == 0)
            break;
        total += size_t(n);
    }
    return ssize_t(total);
}

int syncFd(int fd, FsStability stability)
{
    int r = 0;
    do {
        switch (stability) {
        case FsStability::Unstable: return 0;
#if defined(__APPLE__)
        case FsStability::DataSync: r = ::fsync(fd); break;
#else
        case FsStability::DataSync: r = ::fdatasync(fd); break;
#endif
        case FsStability::FileSync: r = ::fsync(fd); break;
        }
    } while (r < 0 && errno == EINTR);
    return r;
}

uint32_t bigEndian32(const unsigned char *p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// The exclusive-create verifier as (mtime, atime) seconds, knfsd style: the high bits are
// cleared so that filesystems with 32-bit signed timestamps keep them exactly.
struct VerifierTimes {
    uint32_t mtime = 0;
    uint32_t atime = 0;
};
VerifierTimes verifierTimes(const QByteArray &verifier)
{
    unsigned char bytes[8] = {};
    std::memcpy(bytes, verifier.constData(), size_t(std::min<qsizetype>(verifier.size(), 8)));
    return {bigEndian32(bytes) & 0x7fffffffu, bigEndian32(bytes + 4) & 0x7fffffffu};
}

bool matchesVerifier(const struct stat &st, VerifierTimes v)
{
#ifdef __APPLE__
    const auto &at = st.st_atimespec;
    const auto &mt = st.st_mtimespec;
#else
    const auto &at = st.st_atim;
    const auto &mt = st.st_mtim;
#endif
    return S_ISREG(st.st_mode) && st.st_size == 0 && at.tv_sec == time_t(v.atime)
        && mt.tv_sec == time_t(v.mtime);
}

bool isDotOrDotDot(const char *name)
{
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

QString rootErrorMessage(const QString &root, int err)
{
    switch (err) {
    case ENOENT:
        return QStringLiteral("The folder \u201c%1\u201d does not exist. Choose an existing "
                              "folder, or create it first.")
            .arg(root);
    case ENOTDIR:
        return QStringLiteral("\u201c%1\u201d is not a folder. Choose a folder to mount.")
            .arg(root);
    case EACCES:
    case EPERM:
        return QStringLiteral("Loft cannot read the folder \u201c%1\u201d: permission denied. "
                              "Check its permissions, or choose another folder.")
            .arg(root);
    default:
        return QStringLiteral("Loft cannot open the folder \u201c%1\u201d: %2.")
            .arg(root, qt_error_string(err));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------
// Construction

std::unique_ptr<LocalFileSystem> LocalFileSystem::open(const QString &rootPath, bool readOnly,
                                                       QString *errorMessage,
                                                       const LocalFileSystemOptions &options)
{
    auto fs = std::make_unique<LocalFileSystem>(rootPath, readOnly, options);
    if (!fs->isValid()) {
        if (errorMessage)
            *errorMessage = fs->errorString();
        return nullptr;
    }
    return fs;
}

LocalFileSystem::LocalFileSystem(const QString &rootPath, bool readOnly,
                                 const LocalFileSystemOptions &options)
    : rootPath_(rootPath)
    , files_(options.openFileLimit, options.openFileIdle)
    , quickCalls_(options.inlineQuickCalls, options.quickCallSlowLimit, options.quickCallBackoff)
{
    capabilities_.readOnly = readOnly;
    if (rootPath.isEmpty()) {
        errorString_ = QStringLiteral("No folder was given. Choose a folder to mount.");
    } else {
        const int err = resolver_.open(QFile::encodeName(rootPath),
                                       options.portableResolver
                                           ? LocalPathResolver::Strategy::PortableWalk
                                           : LocalPathResolver::Strategy::Auto);
        if (err != 0) {
            errorString_ = rootErrorMessage(rootPath, err);
        } else if (::faccessat(resolver_.rootFd(), ".", X_OK, 0) < 0) {
            // Listing works without search permission, but nothing beneath could be opened.
            errorString_ = rootErrorMessage(rootPath, errno);
            resolver_.close();
        }
    }
    if (resolver_.isOpen()) {
        const long nameMax = ::fpathconf(resolver_.rootFd(), _PC_NAME_MAX);
        if (nameMax > 0 && nameMax < long(capabilities_.maxNameBytes))
            capabilities_.maxNameBytes = uint32_t(nameMax);
        // A folder on a read-only mount is a read-only source: say so up front (ACCESS
        // then grants no MODIFY/EXTEND/DELETE) rather than only failing each change.
        struct statvfs vfs;
        if (::fstatvfs(resolver_.rootFd(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
            capabilities_.readOnly = true;
#if defined(__APPLE__) && defined(_PC_CASE_SENSITIVE)
        capabilities_.caseInsensitive = ::fpathconf(resolver_.rootFd(), _PC_CASE_SENSITIVE) == 0;
#endif
    }
    pool_.setMaxThreadCount(std::clamp(options.threads, 1, 64));
    pool_.setExpiryTimeout(-1); // keep the workers: thread start-up is not free
}

LocalFileSystem::~LocalFileSystem()
{
    pool_.waitForDone();
}

// ---------------------------------------------------------------------------------------
// The asynchronous surface: each call is one hop onto the pool, or a quick query run
// right here while the gate is open.

template <class T, class Work>
void LocalFileSystem::dispatch(Kind kind, Quick quick, FsDone<T> &&done, Work &&work)
{
    if (quick == Quick::InlineWhileQuick && resolver_.isOpen() && quickCalls_.isOpen()
        && !(kind == Kind::Mutation && capabilities_.readOnly))
        return done(quickCalls_.run(work));
    auto task = [this, kind, done = std::move(done), work = std::forward<Work>(work)] {
        if (!resolver_.isOpen())
            done(FsError::Unavailable);
        else if (kind == Kind::Mutation && capabilities_.readOnly)
            done(FsError::ReadOnly);
        else
            done(work());
    };
    pool_.start(new PoolTask<decltype(task)>(std::move(task)));
}

void LocalFileSystem::getattr(const QByteArray &path, FsDone<FsAttr> done)
{
    dispatch(Kind::Query, Quick::InlineWhileQuick, std::move(done), [this, path] { return doGetattr(path); });
}

void LocalFileSystem::setattr(const QByteArray &path, const FsSetAttr &changes,
                              FsDone<FsAttr> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done),
             [this, path, changes] { return doSetattr(path, changes); });
}

void LocalFileSystem::lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done)
{
    dispatch(Kind::Query, Quick::InlineWhileQuick, std::move(done), [this, dir, name] { return doLookup(dir, name); });
}

void LocalFileSystem::read(const QByteArray &path, uint64_t offset, uint32_t count,
                           FsDone<FsReadResult> done)
{
    // A small read from the page cache is as quick as a stat; a large one is a long copy
    // better done on the pool, in parallel with the server thread sending earlier replies.
    const bool quick = count <= kInlineReadBytes || !FsCallerQueue::othersWaiting();
    dispatch(Kind::Query, quick ? Quick::InlineWhileQuick : Quick::Pool,
             std::move(done), [this, path, offset, count] { return doRead(path, offset, count); });
}

void LocalFileSystem::readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                                 FsDone<FsReadResult> done)
{
#ifdef __linux__
    // Small reads are copied: their replies then leave many to one send, where a slice
    // costs a send of its own. Large ones are not: an fstat and a readahead, quick once
    // the bytes are in the page cache.
    if (count <= kInlineReadBytes)
        return read(path, offset, count, std::move(done));
    dispatch(Kind::Query, Quick::InlineWhileQuick, std::move(done),
             [this, path, offset, count] { return doRead(path, offset, count, true); });
#else
    read(path, offset, count, std::move(done)); // sendfile(2) differs per system
#endif
}

void LocalFileSystem::write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                            FsStability stability, FsDone<FsWriteResult> done)
{
    dispatch(Kind::Mutation, stability == FsStability::Unstable ? Quick::InlineWhileQuick : Quick::Pool, std::move(done), [this, path, offset, data, stability] {
        return doWrite(path, offset, data, stability);
    });
}

void LocalFileSystem::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    dispatch(Kind::Query, Quick::Pool, std::move(done), [this, path] { return doCommit(path); });
}

void LocalFileSystem::create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                             const FsSetAttr &initial, const QByteArray &verifier,
                             FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done), [this, dir, name, mode, initial, verifier] {
        return doCreate(dir, name, mode, initial, verifier);
    });
}

void LocalFileSystem::mkdir(const QByteArray &dir, const QByteArray &name,
                            const FsSetAttr &initial, FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done),
             [this, dir, name, initial] { return doMkdir(dir, name, initial); });
}

void LocalFileSystem::symlink(const QByteArray &dir, const QByteArray &name,
                              const QByteArray &target, const FsSetAttr &initial,
                              FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done), [this, dir, name, target, initial] {
        return doSymlink(dir, name, target, initial);
    });
}

void LocalFileSystem::mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                            const FsSetAttr &initial, FsDone<FsCreated> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done),
             [this, dir, name, type, initial] { return doMknod(dir, name, type, initial); });
}

void LocalFileSystem::readlink(const QByteArray &path, FsDone<QByteArray> done)
{
    dispatch(Kind::Query, Quick::InlineWhileQuick, std::move(done), [this, path] { return doReadlink(path); });
}

void LocalFileSystem::remove(const QByteArray &dir, const QByteArray &name,
                             FsDone<FsDirChange> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done), [this, dir, name] { return doRemove(dir, name); });
}

void LocalFileSystem::rmdir(const QByteArray &dir, const QByteArray &name,
                            FsDone<FsDirChange> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done), [this, dir, name] { return doRmdir(dir, name); });
}

void LocalFileSystem::rename(const QByteArray &fromDir, const QByteArray &fromName,
                             const QByteArray &toDir, const QByteArray &toName,
                             FsDone<FsRenamed> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done), [this, fromDir, fromName, toDir, toName] {
        return doRename(fromDir, fromName, toDir, toName);
    });
}

void LocalFileSystem::link(const QByteArray &path, const QByteArray &toDir,
                           const QByteArray &toName, FsDone<FsLinked> done)
{
    dispatch(Kind::Mutation, Quick::InlineWhileQuick, std::move(done),
             [this, path, toDir, toName] { return doLink(path, toDir, toName); });
}

void LocalFileSystem::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    dispatch(Kind::Query, Quick::Pool, std::move(done), [this, dir] { return doReaddir(dir); });
}

void LocalFileSystem::fsstat(const QByteArray &path, FsDone<FsStat> done)
{
    dispatch(Kind::Query, Quick::Pool, std::move(done), [this, path] { return doFsstat(path); });
}

// ---------------------------------------------------------------------------------------
// Shared steps

std::optional<FsError> LocalFileSystem::checkName(QByteArrayView name) const
{
    const qsizetype n = name.size();
    const char *p = name.data();
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return FsError::InvalidName;
    if (std::memchr(p, '/', size_t(n)) || std::memchr(p, '\0', size_t(n)))
        return FsError::InvalidName;
    if (uint64_t(n) > capabilities_.maxNameBytes)
        return FsError::NameTooLong;
    return std::nullopt;
}

std::optional<FsError> LocalFileSystem::checkPath(QByteArrayView path) const
{
    if (path.isEmpty())
        return std::nullopt;
    if (path.size() >= PATH_MAX)
        return FsError::NameTooLong;
    const char *p = path.data();
    const char *end = p + path.size();
    for (;;) {
        const char *slash = static_cast<const char *>(std::memchr(p, '/', size_t(end - p)));
        const char *componentEnd = slash ? slash : end;
        if (auto e = checkName(QByteArrayView(p, componentEnd - p)))
            return e;
        if (!slash)
            return std::nullopt;
        p = slash + 1;
    }
}

FsResult<LocalPathResolver::Dir> LocalFileSystem::openParent(const QByteArray &dir,
                                                             const QByteArray &name)
{
    if (auto e = checkPath(dir))
        return *e;
    if (auto e = checkName(name))
        return *e;
    return resolver_.openDir(dir, LocalPathResolver::DirUse::Lookup);
}

FsResult<OpenFileCache::Handle> LocalFileSystem::openFile(const QByteArray &path,
                                                          OpenFileCache::Access access)
{
    if (auto cached = files_.find(path, access))
        return cached;
    const uint64_t generation = files_.generation();
    // O_NONBLOCK: opening a FIFO must not hang a worker; it is cleared again below.
    constexpr int kCommon = O_NONBLOCK | O_NOCTTY;
    bool readable = true;
    bool writable = access == OpenFileCache::Access::Write;
    auto fd = resolver_.openFile(path, (writable ? O_RDWR : O_RDONLY) | kCommon);
    if (!fd && writable && fd.error() == FsError::AccessDenied) {
        // A write-only file: still writable, just not through the cache for reads.
        fd = resolver_.openFile(path, O_WRONLY | kCommon);
        readable = false;
    }
    if (!fd)
        return fd.error();
    struct stat st;
    if (::fstat(fd->get(), &st) < 0)
        return fsErrorFromErrno(errno);
    if (S_ISDIR(st.st_mode))
        return FsError::IsDirectory;
    if (!S_ISREG(st.st_mode))
        return FsError::InvalidArgument;
    const int flags = ::fcntl(fd->get(), F_GETFL);
    if (flags >= 0)
        ::fcntl(fd->get(), F_SETFL, flags & ~O_NONBLOCK);
    auto file = std::make_shared<OpenFileCache::OpenFile>();
    file->fd = std::move(*fd);
    file->readable = readable;
    file->writable = writable;
    OpenFileCache::Handle handle = std::move(file);
    files_.insert(path, handle, generation);
    return handle;
}

FsResult<FsCreated> LocalFileSystem::created(int dirFd, const char *name,
                                             std::optional<FsAttr> dirBefore)
{
    struct stat st;
    if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    return FsCreated{fsAttrFromStat(st), FsDirChange{std::move(dirBefore), statFd(dirFd)}};
}

// ---------------------------------------------------------------------------------------
// Attributes

FsResult<FsAttr> LocalFileSystem::doGetattr(const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    struct stat st;
    if (path.isEmpty()) {
        if (::fstat(resolver_.rootFd(), &st) < 0)
            return fsErrorFromErrno(errno);
        return fsAttrFromStat(st);
    }
    const SplitPath split = splitPath(path);
    auto parent = resolver_.openDir(split.parent, LocalPathResolver::DirUse::Lookup);
    if (!parent)
        return parent.error();
    if (::fstatat(parent->fd(), split.leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    return fsAttrFromStat(st);
}

FsResult<FsAttr> LocalFileSystem::doLookup(const QByteArray &dir, const QByteArray &name)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    struct stat st;
    if (::fstatat(parent->fd(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    return fsAttrFromStat(st);
}

FsResult<FsAttr> LocalFileSystem::doSetattr(const QByteArray &path, const FsSetAttr &changes)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty()) {
        const int rootFd = resolver_.rootFd();
        if (changes.size)
            return FsError::IsDirectory;
        if (auto e = applyAttrsFd(rootFd, changes))
            return *e;
        auto attr = statFd(rootFd);
        return attr ? FsResult<FsAttr>(*attr) : FsResult<FsAttr>(fsErrorFromErrno(errno));
    }
    const SplitPath split = splitPath(path);
    auto parent = resolver_.openDir(split.parent, LocalPathResolver::DirUse::Lookup);
    if (!parent)
        return parent.error();
    const int dirFd = parent->fd();
    struct stat st;
    if (::fstatat(dirFd, split.leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    const bool isSymlink = S_ISLNK(st.st_mode);
    if (changes.mode && isSymlink)
        return FsError::NotSupported; // Linux keeps symlinks at 0777
    if (changes.size) {
        if (S_ISDIR(st.st_mode))
            return FsError::IsDirectory;
        if (!S_ISREG(st.st_mode))
            return FsError::InvalidArgument;
        if (*changes.size > uint64_t(INT64_MAX))
            return FsError::FileTooBig;
        auto file = openFile(path, OpenFileCache::Access::Write);
        if (!file)
            return file.error();
        if (::ftruncate((*file)->fd.get(), off_t(*changes.size)) < 0)
            return fsErrorFromErrno(errno);
    }
    FsSetAttr rest = changes;
    rest.size.reset();
    if (auto e = applyAttrsAt(dirFd, split.leaf, rest, isSymlink))
        return *e;
    if (::fstatat(dirFd, split.leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    return fsAttrFromStat(st);
}

// ---------------------------------------------------------------------------------------
// Data

FsResult<FsReadResult> LocalFileSystem::doRead(const QByteArray &path, uint64_t offset,
                                               uint32_t count, bool asSlice)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    count = std::min(count, kMaxReadBytes);
    const bool inRange = offset < uint64_t(INT64_MAX) - count;
    QByteArray data;
    for (int attempt = 0;; ++attempt) {
        auto file = openFile(path, OpenFileCache::Access::Read);
        if (!file)
            return file.error();
        const int fd = (*file)->fd.get();
        ssize_t n = 0;
        if (count > 0 && inRange && !asSlice) {
            if (data.size() != qsizetype(count))
                data = QByteArray(qsizetype(count), Qt::Uninitialized);
            n = preadFull(fd, data.data(), count, off_t(offset));
            if (n < 0)
                return fsErrorFromErrno(errno);
        }
        struct stat st;
        if (::fstat(fd, &st) < 0)
            return fsErrorFromErrno(errno);
        if (st.st_nlink == 0 && attempt == 0) {
            // Unlinked or replaced behind our back: reopen by path once.
            files_.drop(path, *file);
            continue;
        }
        const uint64_t size = uint64_t(std::max<off_t>(st.st_size, 0));
        FsReadResult result;
        if (asSlice) {
            // The bytes stay in the file; the caller sends them with sendfile(2). Bring
            // them into the page cache here, where a slow disk shows (QuickCallGate), not
            // in the caller's send.
            n = inRange && offset < size ? ssize_t(std::min<uint64_t>(count, size - offset)) : 0;
#ifdef __linux__
            if (n > 0)
                ::readahead(fd, off_t(offset), size_t(n));
#endif
            result.slice = FsFileSlice{*file, fd, offset, uint32_t(n)};
        } else {
            data.truncate(qsizetype(n));
            if (data.capacity() > 65536 && n < qsizetype(count) / 2)
                data.squeeze();
            result.data = std::move(data);
        }
        result.eof = offset + uint64_t(n) >= size;
        result.attr = fsAttrFromStat(st);
        return result;
    }
}

FsResult<FsWriteResult> LocalFileSystem::doWrite(const QByteArray &path, uint64_t offset,
                                                 const QByteArray &data, FsStability stability)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    if (offset > uint64_t(INT64_MAX) - uint64_t(data.size()))
        return FsError::FileTooBig;
    for (int attempt = 0;; ++attempt) {
        auto file = openFile(path, OpenFileCache::Access::Write);
        if (!file)
            return file.error();
        const int fd = (*file)->fd.get();
        struct stat st;
        if (::fstat(fd, &st) < 0)
            return fsErrorFromErrno(errno);
        if (st.st_nlink == 0 && attempt == 0) {
            files_.drop(path, *file);
            continue;
        }
        FsWriteResult result;
        result.before = fsAttrFromStat(st);
        const ssize_t n = pwriteFull(fd, data.constData(), size_t(data.size()), off_t(offset));
        if (n < 0)
            return fsErrorFromErrno(errno);
        if (syncFd(fd, stability) < 0)
            return fsErrorFromErrno(errno);
        if (::fstat(fd, &st) < 0)
            return fsErrorFromErrno(errno);
        result.count = uint32_t(n);
        result.committed = stability;
        result.after = fsAttrFromStat(st);
        return result;
    }
}

FsResult<FsAttr> LocalFileSystem::doCommit(const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::IsDirectory;
    auto file = openFile(path, OpenFileCache::Access::Read);
    if (!file && file.error() == FsError::AccessDenied && !capabilities_.readOnly)
        file = openFile(path, OpenFileCache::Access::Write);
    if (!file)
        return file.error();
    const int fd = (*file)->fd.get();
    if (syncFd(fd, FsStability::FileSync) < 0)
        return fsErrorFromErrno(errno);
    auto attr = statFd(fd);
    if (!attr)
        return fsErrorFromErrno(errno);
    return *attr;
}

// ---------------------------------------------------------------------------------------
// Creation

FsResult<FsCreated> LocalFileSystem::doCreate(const QByteArray &dir, const QByteArray &name,
                                              FsCreateMode mode, const FsSetAttr &initial,
                                              const QByteArray &verifier)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    const int dirFd = parent->fd();
    const char *leaf = name.constData();
    std::optional<FsAttr> dirBefore = statFd(dirFd);
    const QByteArray path = fsJoin(dir, name);
    const uint64_t generation = files_.generation();
    // O_EXCL never follows a symlink, so creation can never land outside the root.
    constexpr int kCreate = O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;

    int fd = -1;
    if (mode == FsCreateMode::Exclusive) {
        const VerifierTimes v = verifierTimes(verifier);
        fd = ::openat(dirFd, leaf, kCreate, 0600);
        if (fd < 0) {
            if (errno != EEXIST)
                return fsErrorFromErrno(errno);
            // A retransmitted CREATE finds its own file; anything else is a real clash.
            struct stat st;
            if (::fstatat(dirFd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fsErrorFromErrno(errno);
            if (!matchesVerifier(st, v))
                return FsError::Exists;
            return FsCreated{fsAttrFromStat(st), FsDirChange{dirBefore, statFd(dirFd)}};
        }
        const struct timespec times[2] = {{time_t(v.atime), 0}, {time_t(v.mtime), 0}};
        if (::futimens(fd, times) < 0) {
            const int err = errno;
            ::close(fd);
            ::unlinkat(dirFd, leaf, 0);
            return fsErrorFromErrno(err);
        }
    } else {
        fd = ::openat(dirFd, leaf, kCreate, initial.mode ? mode_t(*initial.mode & 07777) : 0666);
        if (fd < 0) {
            if (errno != EEXIST || mode == FsCreateMode::Guarded)
                return fsErrorFromErrno(errno);
            // UNCHECKED on an existing name opens it (RFC 1813). Like knfsd, only a size
            // (truncation) applies then, and only to a regular file.
            struct stat st;
            if (::fstatat(dirFd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fsErrorFromErrno(errno);
            if (!S_ISREG(st.st_mode))
                return FsError::Exists;
            if (initial.size) {
                if (*initial.size > uint64_t(INT64_MAX))
                    return FsError::FileTooBig;
                auto file = openFile(path, OpenFileCache::Access::Write);
                if (!file)
                    return file.error();
                if (::ftruncate((*file)->fd.get(), off_t(*initial.size)) < 0
                    || ::fstat((*file)->fd.get(), &st) < 0)
                    return fsErrorFromErrno(errno);
            }
            return FsCreated{fsAttrFromStat(st), FsDirChange{dirBefore, statFd(dirFd)}};
        }
        FsSetAttr rest = initial;
        if (rest.size == uint64_t(0))
            rest.size.reset(); // already empty
        // The open() mode went through the umask: set the asked-for mode exactly.
        if (auto e = applyAttrsFd(fd, rest)) {
            ::close(fd);
            ::unlinkat(dirFd, leaf, 0);
            return *e;
        }
    }

    auto file = std::make_shared<OpenFileCache::OpenFile>();
    file->fd.reset(fd);
    file->readable = true;
    file->writable = true;
    struct stat st;
    if (::fstat(fd, &st) < 0)
        return fsErrorFromErrno(errno);
    // The client's WRITEs usually follow at once: keep the descriptor.
    files_.insert(path, std::move(file), generation);
    return FsCreated{fsAttrFromStat(st), FsDirChange{std::move(dirBefore), statFd(dirFd)}};
}

FsResult<FsCreated> LocalFileSystem::doMkdir(const QByteArray &dir, const QByteArray &name,
                                             const FsSetAttr &initial)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    const int dirFd = parent->fd();
    const char *leaf = name.constData();
    std::optional<FsAttr> dirBefore = statFd(dirFd);
    if (::mkdirat(dirFd, leaf, initial.mode ? mode_t(*initial.mode & 07777) : 0777) < 0)
        return fsErrorFromErrno(errno);
    FsSetAttr rest = initial;
    rest.size.reset();
    if (auto e = applyAttrsAt(dirFd, leaf, rest, false)) {
        ::unlinkat(dirFd, leaf, AT_REMOVEDIR);
        return *e;
    }
    return created(dirFd, leaf, std::move(dirBefore));
}

FsResult<FsCreated> LocalFileSystem::doSymlink(const QByteArray &dir, const QByteArray &name,
                                               const QByteArray &target,
                                               const FsSetAttr &initial)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    if (target.isEmpty() || target.contains('\0'))
        return FsError::InvalidArgument;
    if (target.size() >= PATH_MAX)
        return FsError::NameTooLong;
    const int dirFd = parent->fd();
    const char *leaf = name.constData();
    std::optional<FsAttr> dirBefore = statFd(dirFd);
    // The target is stored verbatim and never resolved here.
    if (::symlinkat(target.constData(), dirFd, leaf) < 0)
        return fsErrorFromErrno(errno);
    FsSetAttr rest = initial;
    rest.size.reset();
    rest.mode.reset();
    if (auto e = applyAttrsAt(dirFd, leaf, rest, true)) {
        ::unlinkat(dirFd, leaf, 0);
        return *e;
    }
    return created(dirFd, leaf, std::move(dirBefore));
}

FsResult<FsCreated> LocalFileSystem::doMknod(const QByteArray &dir, const QByteArray &name,
                                             FsType type, const FsSetAttr &initial)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    mode_t format = 0;
    switch (type) {
    case FsType::Fifo: format = S_IFIFO; break;
    case FsType::Socket: format = S_IFSOCK; break;
    case FsType::BlockDevice:
    case FsType::CharDevice: return FsError::NotSupported; // never create device nodes
    case FsType::File:
    case FsType::Directory:
    case FsType::Symlink: return FsError::InvalidArgument; // CREATE, MKDIR, SYMLINK do these
    }
    const int dirFd = parent->fd();
    const char *leaf = name.constData();
    std::optional<FsAttr> dirBefore = statFd(dirFd);
    const mode_t permissions = initial.mode ? mode_t(*initial.mode & 07777) : 0666;
#ifdef __APPLE__
    if (format != S_IFIFO)
        return FsError::NotSupported;
    if (::mkfifoat(dirFd, leaf, permissions) < 0)
        return fsErrorFromErrno(errno);
#else
    if (::mknodat(dirFd, leaf, format | permissions, 0) < 0)
        return fsErrorFromErrno(errno);
#endif
    FsSetAttr rest = initial;
    rest.size.reset();
    if (auto e = applyAttrsAt(dirFd, leaf, rest, false)) {
        ::unlinkat(dirFd, leaf, 0);
        return *e;
    }
    return created(dirFd, leaf, std::move(dirBefore));
}

// ---------------------------------------------------------------------------------------
// Names

FsResult<QByteArray> LocalFileSystem::doReadlink(const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::InvalidArgument;
    const SplitPath split = splitPath(path);
    auto parent = resolver_.openDir(split.parent, LocalPathResolver::DirUse::Lookup);
    if (!parent)
        return parent.error();
    char buffer[PATH_MAX];
    const ssize_t n = ::readlinkat(parent->fd(), split.leaf, buffer, sizeof buffer);
    if (n < 0)
        return fsErrorFromErrno(errno); // EINVAL: not a symlink
    return QByteArray(buffer, qsizetype(n));
}

FsResult<FsDirChange> LocalFileSystem::doRemove(const QByteArray &dir, const QByteArray &name)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    const int dirFd = parent->fd();
    std::optional<FsAttr> before = statFd(dirFd);
    if (::unlinkat(dirFd, name.constData(), 0) < 0) {
        int err = errno;
        struct stat st;
        // POSIX lets unlink() of a directory fail with EPERM (macOS does); Linux says EISDIR.
        if (err == EPERM && ::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0
            && S_ISDIR(st.st_mode))
            err = EISDIR;
        return fsErrorFromErrno(err);
    }
    files_.invalidate(fsJoin(dir, name));
    return FsDirChange{std::move(before), statFd(dirFd)};
}

FsResult<FsDirChange> LocalFileSystem::doRmdir(const QByteArray &dir, const QByteArray &name)
{
    auto parent = openParent(dir, name);
    if (!parent)
        return parent.error();
    const int dirFd = parent->fd();
    std::optional<FsAttr> before = statFd(dirFd);
    if (::unlinkat(dirFd, name.constData(), AT_REMOVEDIR) < 0)
        return fsErrorFromErrno(errno, ErrnoContext::DirectoryReplace);
    files_.invalidate(fsJoin(dir, name));
    return FsDirChange{std::move(before), statFd(dirFd)};
}

FsResult<FsRenamed> LocalFileSystem::doRename(const QByteArray &fromDir,
                                              const QByteArray &fromName,
                                              const QByteArray &toDir, const QByteArray &toName)
{
    auto from = openParent(fromDir, fromName);
    if (!from)
        return from.error();
    const bool sameDir = fromDir == toDir;
    FsResult<LocalPathResolver::Dir> to = sameDir ? FsResult<LocalPathResolver::Dir>(
                                              LocalPathResolver::Dir::borrowed(from->fd()))
                                                  : openParent(toDir, toName);
    if (!to)
        return to.error();
    if (sameDir) {
        if (auto e = checkName(toName))
            return *e;
    }
    const int fromFd = from->fd();
    const int toFd = to->fd();
    FsRenamed result;
    result.fromDir.before = statFd(fromFd);
    result.toDir.before = sameDir ? result.fromDir.before : statFd(toFd);
    if (::renameat(fromFd, fromName.constData(), toFd, toName.constData()) < 0)
        return fsErrorFromErrno(errno, ErrnoContext::DirectoryReplace);
    // Both names changed meaning, with everything beneath them.
    files_.invalidate(fsJoin(fromDir, fromName));
    files_.invalidate(fsJoin(toDir, toName));
    result.fromDir.after = statFd(fromFd);
    result.toDir.after = sameDir ? result.fromDir.after : statFd(toFd);
    return result;
}

FsResult<FsLinked> LocalFileSystem::doLink(const QByteArray &path, const QByteArray &toDir,
                                           const QByteArray &toName)
{
    if (auto e = checkPath(path))
        return *e;
    if (path.isEmpty())
        return FsError::NotPermitted; // no hard links to directories
    const SplitPath split = splitPath(path);
    auto source = resolver_.openDir(split.parent, LocalPathResolver::DirUse::Lookup);
    if (!source)
        return source.error();
    auto target = openParent(toDir, toName);
    if (!target)
        return target.error();
    const int toFd = target->fd();
    FsLinked result;
    result.dir.before = statFd(toFd);
    // No AT_SYMLINK_FOLLOW: linking a symlink links the symlink itself.
    if (::linkat(source->fd(), split.leaf, toFd, toName.constData(), 0) < 0)
        return fsErrorFromErrno(errno);
    struct stat st;
    if (::fstatat(toFd, toName.constData(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return fsErrorFromErrno(errno);
    result.attr = fsAttrFromStat(st);
    result.dir.after = statFd(toFd);
    return result;
}

// ---------------------------------------------------------------------------------------
// Directories and the filesystem

FsResult<QList<FsDirEntry>> LocalFileSystem::doReaddir(const QByteArray &dir)
{
    if (auto e = checkPath(dir))
        return *e;
    auto opened = resolver_.openDir(dir, LocalPathResolver::DirUse::Listing);
    if (!opened)
        return opened.error();
    const int fd = opened->release();
    DIR *stream = ::fdopendir(fd);
    if (!stream) {
        const int err = errno;
        ::close(fd);
        return fsErrorFromErrno(err);
    }
    std::unique_ptr<DIR, int (*)(DIR *)> closer(stream, &::closedir);
    const int dirFd = ::dirfd(stream);
    QList<FsDirEntry> entries;
    for (;;) {
        errno = 0;
        const struct dirent *entry = ::readdir(stream);
        if (!entry) {
            if (errno != 0)
                return fsErrorFromErrno(errno);
            break;
        }
        if (isDotOrDotDot(entry->d_name))
            continue;
        struct stat st;
        if (::fstatat(dirFd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; // removed since getdents
            return fsErrorFromErrno(errno);
        }
        entries.emplaceBack(FsDirEntry{QByteArray(entry->d_name), fsAttrFromStat(st)});
    }
    return entries;
}

FsResult<FsStat> LocalFileSystem::doFsstat(const QByteArray &path)
{
    if (auto e = checkPath(path))
        return *e;
    struct statvfs vfs;
    if (::fstatvfs(resolver_.rootFd(), &vfs) < 0)
        return fsErrorFromErrno(errno);
    const uint64_t unit = vfs.f_frsize ? uint64_t(vfs.f_frsize) : uint64_t(vfs.f_bsize);
    FsStat s;
    s.totalBytes = uint64_t(vfs.f_blocks) * unit;
    s.freeBytes = uint64_t(vfs.f_bfree) * unit;
    s.availBytes = uint64_t(vfs.f_bavail) * unit;
    s.totalFiles = uint64_t(vfs.f_files);
    s.freeFiles = uint64_t(vfs.f_ffree);
    s.availFiles = uint64_t(vfs.f_favail);
    return s;
}

} // namespace loft
