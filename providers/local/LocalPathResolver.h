// Confines path resolution to one directory, race-free and without following symlinks.
//
// The root is opened once. Paths beneath it are resolved with Linux openat2(2)
// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or, where that call is
// missing, by walking the components with openat(O_NOFOLLOW | O_DIRECTORY). Callers then
// operate on the leaf with *at() calls relative to the parent descriptor, so a symlink or
// a concurrent rename can never take the server outside the root.
//
// Paths must already be validated (see checkPath in LocalFileSystem): relative,
// '/'-separated, no "", "." or ".." components, no NUL, shorter than PATH_MAX.
#pragma once

#include "FileSystem.h"
#include "UniqueFd.h"

#include <QByteArray>
#include <QByteArrayView>
#include <atomic>

namespace loft {

class LocalPathResolver {
public:
    enum class Strategy {
        Auto,         // openat2 when the kernel has it, else the component walk
        PortableWalk, // always the component walk (non-Linux, and tests)
    };

    // A directory descriptor: the root itself (borrowed) or one opened beneath it (owned).
    class Dir {
    public:
        Dir() = default;
        static Dir borrowed(int fd)
        {
            Dir d;
            d.fd_ = fd;
            return d;
        }
        static Dir owned(UniqueFd fd)
        {
            Dir d;
            d.fd_ = fd.get();
            d.owned_ = std::move(fd);
            return d;
        }
        int fd() const { return fd_; }
        // Gives up ownership of an owned descriptor (for fdopendir); -1 when borrowed.
        int release()
        {
            fd_ = -1;
            return owned_.release();
        }

    private:
        int fd_ = -1;
        UniqueFd owned_;
    };

    enum class DirUse {
        Lookup,  // only as the dirfd of *at() calls and for fstat (O_PATH on Linux)
        Listing, // readable with getdents/readdir; always a fresh descriptor
    };

    LocalPathResolver() = default;
    LocalPathResolver(const LocalPathResolver &) = delete;
    LocalPathResolver &operator=(const LocalPathResolver &) = delete;

    // Opens the root directory (following symlinks in the root path itself: that is
    // configuration, not client input). Returns 0 or an errno value.
    int open(const QByteArray &nativeRoot, Strategy strategy);
    void close() { root_.reset(); }
    bool isOpen() const { return root_.valid(); }
    int rootFd() const { return root_.get(); }
    bool usesOpenat2() const { return useOpenat2_.load(std::memory_order_relaxed); }

    // The directory at `path` (empty: the root).
    FsResult<Dir> openDir(QByteArrayView path, DirUse use) const;

    // Opens the non-directory-resolving leaf at non-empty `path` with `flags` (O_NOFOLLOW
    // and O_CLOEXEC are added). A symlink leaf gives InvalidArgument, a symlink on the way
    // NotDirectory.
    FsResult<UniqueFd> openFile(const QByteArray &path, int flags) const;

private:
    // fd, or -errno. `path` is NUL-terminated and non-empty.
    int openBeneath(const char *path, int flags) const;
    int walk(const char *path, int flags) const;

    UniqueFd root_;
    mutable std::atomic<bool> useOpenat2_{false};
};

// Splits a non-empty validated path into its parent (possibly empty) and its last
// component. The leaf points into `path` and is NUL-terminated.
struct SplitPath {
    QByteArrayView parent;
    const char *leaf;
};
SplitPath splitPath(const QByteArray &path);

} // namespace loft
