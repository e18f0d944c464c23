// Reading and applying file attributes with POSIX calls, never following a symlink.
#pragma once

#include "FileSystem.h"

#include <optional>
#include <sys/stat.h>

namespace loft {

// FsAttr from a struct stat. rdev is encoded as (major << 32) | minor; version is
// inode, size, mtime and ctime in hex (changes whenever the content may have changed).
FsAttr fsAttrFromStat(const struct stat &st);

// Builds the two timespecs for utimensat/futimens from a change set.
// Returns false when neither time is to change.
bool fsTimesToTimespecs(const FsSetAttr &changes, struct timespec times[2]);

// chmod of dirFd/name without following a symlink (fchmodat2 where the kernel has it).
// Returns 0 or -1 with errno set; a symlink gives EOPNOTSUPP on Linux.
int chmodNoFollow(int dirFd, const char *name, mode_t mode);

// Applies owner, mode and times (not size) to dirFd/name without following a symlink,
// in the order chown, chmod (chown may clear set-id bits), times.
// `isSymlink` skips the mode, which Linux cannot set on a symlink.
std::optional<FsError> applyAttrsAt(int dirFd, const char *name, const FsSetAttr &changes,
                                    bool isSymlink);

// The same for an open regular file, including size.
std::optional<FsError> applyAttrsFd(int fd, const FsSetAttr &changes);

} // namespace loft
