#include "PosixAttr.h"

#include "PosixErrorMap.h"

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sysmacros.h>
#endif

// fchmodat2(2) (Linux 6.6) is the race-free chmod without following symlinks. The
// glibc here predates it; its number is the same on every architecture with the
// generic syscall table.
#if defined(SYS_fchmodat2)
#define LOFT_SYS_FCHMODAT2 SYS_fchmodat2
#elif defined(__linux__) && ((defined(__x86_64__) && !defined(__ILP32__)) || defined(__aarch64__) \
                             || defined(__riscv))
#define LOFT_SYS_FCHMODAT2 452
#endif

namespace loft {

namespace {

FsTime fsTime(const struct timespec &ts)
{
    return FsTime{int64_t(ts.tv_sec), uint32_t(ts.tv_nsec)};
}

FsType fsType(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFDIR: return FsType::Directory;
    case S_IFLNK: return FsType::Symlink;
    case S_IFBLK: return FsType::BlockDevice;
    case S_IFCHR: return FsType::CharDevice;
    case S_IFSOCK: return FsType::Socket;
    case S_IFIFO: return FsType::Fifo;
    default: return FsType::File;
    }
}

struct timespec toTimespec(FsSetAttr::TimeHow how, const FsTime &t)
{
    struct timespec ts {};
    switch (how) {
    case FsSetAttr::TimeHow::Keep: ts.tv_nsec = UTIME_OMIT; break;
    case FsSetAttr::TimeHow::ServerNow: ts.tv_nsec = UTIME_NOW; break;
    case FsSetAttr::TimeHow::Given:
        ts.tv_sec = time_t(t.sec);
        ts.tv_nsec = long(t.nsec);
        break;
    }
    return ts;
}

// The content version: inode, size, mtime and ctime as 64 hex digits. ctime is included
// because tools that restore mtime (rsync, cp -p, touch -d) cannot restore ctime.
QByteArray contentVersion(const FsAttr &a)
{
    const uint64_t words[4] = {
        a.identity,
        a.size,
        uint64_t(a.mtime.sec) * 1000000000u + a.mtime.nsec,
        uint64_t(a.ctime.sec) * 1000000000u + a.ctime.nsec,
    };
    static const char digits[] = "0123456789abcdef";
    QByteArray version(64, Qt::Uninitialized);
    char *out = version.data();
    for (uint64_t word : words) {
        for (int shift = 60; shift >= 0; shift -= 4)
            *out++ = digits[(word >> shift) & 0xf];
    }
    return version;
}

} // namespace

FsAttr fsAttrFromStat(const struct stat &st)
{
    FsAttr a;
    a.type = fsType(st.st_mode);
    a.mode = uint32_t(st.st_mode & 07777);
    a.nlink = uint32_t(st.st_nlink);
    a.uid = uint32_t(st.st_uid);
    a.gid = uint32_t(st.st_gid);
    a.size = st.st_size > 0 ? uint64_t(st.st_size) : 0;
    a.used = st.st_blocks > 0 ? uint64_t(st.st_blocks) * 512 : 0;
    a.rdev = (uint64_t(major(st.st_rdev)) << 32) | uint64_t(uint32_t(minor(st.st_rdev)));
    a.identity = uint64_t(st.st_ino);
#ifdef __APPLE__
    a.atime = fsTime(st.st_atimespec);
    a.mtime = fsTime(st.st_mtimespec);
    a.ctime = fsTime(st.st_ctimespec);
#else
    a.atime = fsTime(st.st_atim);
    a.mtime = fsTime(st.st_mtim);
    a.ctime = fsTime(st.st_ctim);
#endif
    a.version = contentVersion(a);
    return a;
}

bool fsTimesToTimespecs(const FsSetAttr &changes, struct timespec times[2])
{
    times[0] = toTimespec(changes.atimeHow, changes.atime);
    times[1] = toTimespec(changes.mtimeHow, changes.mtime);
    return changes.atimeHow != FsSetAttr::TimeHow::Keep
        || changes.mtimeHow != FsSetAttr::TimeHow::Keep;
}

int chmodNoFollow(int dirFd, const char *name, mode_t mode)
{
#ifdef LOFT_SYS_FCHMODAT2
    // Probed once: absent means ENOSYS, or refused by a seccomp filter.
    static const bool haveFchmodat2 = [] {
        // Invalid flags: a kernel that has the call answers EINVAL without touching anything.
        errno = 0;
        long r = ::syscall(LOFT_SYS_FCHMODAT2, AT_FDCWD, "", 0, ~0);
        return r < 0 && errno == EINVAL;
    }();
    if (haveFchmodat2)
        return int(::syscall(LOFT_SYS_FCHMODAT2, dirFd, name, mode, AT_SYMLINK_NOFOLLOW));
#endif
    // glibc implements AT_SYMLINK_NOFOLLOW through an O_PATH descriptor (race-free).
    return ::fchmodat(dirFd, name, mode, AT_SYMLINK_NOFOLLOW);
}

std::optional<FsError> applyAttrsAt(int dirFd, const char *name, const FsSetAttr &changes,
                                    bool isSymlink)
{
    if (changes.uid || changes.gid) {
        uid_t uid = changes.uid ? uid_t(*changes.uid) : uid_t(-1);
        gid_t gid = changes.gid ? gid_t(*changes.gid) : gid_t(-1);
        if (::fchownat(dirFd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
            return fsErrorFromErrno(errno);
    }
    if (changes.mode && !isSymlink) {
        if (chmodNoFollow(dirFd, name, mode_t(*changes.mode & 07777)) < 0)
            return fsErrorFromErrno(errno);
    }
    struct timespec times[2];
    if (fsTimesToTimespecs(changes, times)) {
        if (::utimensat(dirFd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
            return fsErrorFromErrno(errno);
    }
    return std::nullopt;
}

std::optional<FsError> applyAttrsFd(int fd, const FsSetAttr &changes)
{
    if (changes.size) {
        if (*changes.size > uint64_t(INT64_MAX))
            return FsError::FileTooBig;
        if (::ftruncate(fd, off_t(*changes.size)) < 0)
            return fsErrorFromErrno(errno);
    }
    if (changes.uid || changes.gid) {
        uid_t uid = changes.uid ? uid_t(*changes.uid) : uid_t(-1);
        gid_t gid = changes.gid ? gid_t(*changes.gid) : gid_t(-1);
        if (::fchown(fd, uid, gid) < 0)
            return fsErrorFromErrno(errno);
    }
    if (changes.mode) {
        if (::fchmod(fd, mode_t(*changes.mode & 07777)) < 0)
            return fsErrorFromErrno(errno);
    }
    struct timespec times[2];
    if (fsTimesToTimespecs(changes, times)) {
        if (::futimens(fd, times) < 0)
            return fsErrorFromErrno(errno);
    }
    return std::nullopt;
}

} // namespace loft
