// The one translation from errno values to the provider's FsError.
#pragma once

#include "FileSystem.h"

namespace loft {

// Where an errno came from, for the few values whose meaning depends on it.
enum class ErrnoContext {
    // Resolving a path or operating on a name in a directory (the default).
    // ELOOP here means a symlink stood where a directory was needed: NotDirectory.
    Path,
    // Opening an existing leaf for I/O with O_NOFOLLOW: ELOOP means the leaf itself is a
    // symlink, which the server never follows: InvalidArgument (knfsd answers INVAL too).
    Leaf,
    // rmdir, or rename onto an existing directory: POSIX allows EEXIST as well as
    // ENOTEMPTY for "target directory not empty".
    DirectoryReplace,
};

FsError fsErrorFromErrno(int err, ErrnoContext context = ErrnoContext::Path);

} // namespace loft
