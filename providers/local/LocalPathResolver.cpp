#include "LocalPathResolver.h"

#include "PosixErrorMap.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(SYS_openat2) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define LOFT_HAVE_OPENAT2 1
#endif

namespace loft {

namespace {

#ifdef O_PATH
constexpr int kLookupDirFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
constexpr int kLookupDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif
constexpr int kListingDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

// FreeBSD reports a symlink met with O_NOFOLLOW as EMLINK; everyone else says ELOOP.
int normalizeNoFollowErrno(int err)
{
#ifdef __FreeBSD__
    if (err == EMLINK)
        return ELOOP;
#endif
    return err;
}

#ifdef LOFT_HAVE_OPENAT2
long openat2Beneath(int rootFd, const char *path, int flags)
{
    struct open_how how;
    std::memset(&how, 0, sizeof how);
    how.flags = uint64_t(unsigned(flags));
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return ::syscall(SYS_openat2, rootFd, path, &how, sizeof how);
}
#endif

} // namespace

SplitPath splitPath(const QByteArray &path)
{
    const qsizetype slash = path.lastIndexOf('/');
    if (slash < 0)
        return {QByteArrayView(), path.constData()};
    return {QByteArrayView(path.constData(), slash), path.constData() + slash + 1};
}

int LocalPathResolver::open(const QByteArray &nativeRoot, Strategy strategy)
{
    int fd = ::open(nativeRoot.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    root_.reset(fd);
    bool openat2Works = false;
#ifdef LOFT_HAVE_OPENAT2
    if (strategy == Strategy::Auto) {
        // Probe once: missing (ENOSYS) or filtered out by a seccomp profile (EPERM).
        long probe = openat2Beneath(fd, ".", kLookupDirFlags);
        if (probe >= 0) {
            ::close(int(probe));
            openat2Works = true;
        }
    }
#else
    (void)strategy;
#endif
    useOpenat2_.store(openat2Works, std::memory_order_relaxed);
    return 0;
}

int LocalPathResolver::openBeneath(const char *path, int flags) const
{
#ifdef LOFT_HAVE_OPENAT2
    if (useOpenat2_.load(std::memory_order_relaxed)) {
        for (int attempt = 0; attempt < 8; ++attempt) {
            long fd = openat2Beneath(root_.get(), path, flags);
            if (fd >= 0)
                return int(fd);
            const int err = errno;
            // EAGAIN: the kernel saw a concurrent rename and could not prove confinement.
            if (err == EAGAIN || err == EINTR)
                continue;
            if (err == ENOSYS) {
                useOpenat2_.store(false, std::memory_order_relaxed);
                break;
            }
            return -err;
        }
    }
#endif
    return walk(path, flags);
}

int LocalPathResolver::walk(const char *path, int flags) const
{
    int dirFd = root_.get();
    UniqueFd current;
    const char *p = path;
    char name[NAME_MAX + 1];
    for (;;) {
        const char *slash = std::strchr(p, '/');
        const size_t len = slash ? size_t(slash - p) : std::strlen(p);
        if (len == 0 || len > NAME_MAX)
            return len == 0 ? -EINVAL : -ENAMETOOLONG;
        std::memcpy(name, p, len);
        name[len] = '\0';
        if (!slash) {
            int fd = ::openat(dirFd, name, flags | O_NOFOLLOW);
            return fd >= 0 ? fd : -normalizeNoFollowErrno(errno);
        }
        int fd = ::openat(dirFd, name, kLookupDirFlags | O_NOFOLLOW);
        if (fd < 0)
            return -normalizeNoFollowErrno(errno);
        current.reset(fd);
        dirFd = fd;
        p = slash + 1;
    }
}

FsResult<LocalPathResolver::Dir> LocalPathResolver::openDir(QByteArrayView path, DirUse use) const
{
    const int flags = use == DirUse::Lookup ? kLookupDirFlags : kListingDirFlags;
    if (path.isEmpty()) {
        if (use == DirUse::Lookup)
            return Dir::borrowed(root_.get());
        int fd = ::openat(root_.get(), ".", flags);
        if (fd < 0)
            return fsErrorFromErrno(errno);
        return Dir::owned(UniqueFd(fd));
    }
    if (path.size() >= PATH_MAX)
        return FsError::NameTooLong;
    char buffer[PATH_MAX];
    std::memcpy(buffer, path.data(), size_t(path.size()));
    buffer[path.size()] = '\0';
    int fd = openBeneath(buffer, flags);
    if (fd < 0)
        return fsErrorFromErrno(-fd, ErrnoContext::Path);
    return Dir::owned(UniqueFd(fd));
}

FsResult<UniqueFd> LocalPathResolver::openFile(const QByteArray &path, int flags) const
{
    int fd = openBeneath(path.constData(), flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        return UniqueFd(fd);
    if (fd != -ELOOP)
        return fsErrorFromErrno(-fd, ErrnoContext::Path);
    // A symlink somewhere: on the way (NotDirectory) or the leaf itself (InvalidArgument).
    const SplitPath split = splitPath(path);
    auto parent = openDir(split.parent, DirUse::Lookup);
    if (!parent)
        return parent.error();
    struct stat st;
    if (::fstatat(parent->fd(), split.leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
        return fsErrorFromErrno(ELOOP, ErrnoContext::Leaf);
    return fsErrorFromErrno(ELOOP, ErrnoContext::Path);
}

} // namespace loft
