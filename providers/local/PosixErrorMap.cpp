#include "PosixErrorMap.h"

#include <cerrno>

namespace loft {

FsError fsErrorFromErrno(int err, ErrnoContext context)
{
    switch (err) {
    case ENOENT: return FsError::NotFound;
    case EEXIST:
        return context == ErrnoContext::DirectoryReplace ? FsError::NotEmpty : FsError::Exists;
    case ENOTDIR: return FsError::NotDirectory;
    case EISDIR: return FsError::IsDirectory;
    case ENOTEMPTY: return FsError::NotEmpty;
    case ENAMETOOLONG: return FsError::NameTooLong;
    case EACCES: return FsError::AccessDenied;
    case EPERM: return FsError::NotPermitted;
    case EROFS: return FsError::ReadOnly;
    case ENOSPC: return FsError::NoSpace;
#ifdef EDQUOT
    case EDQUOT: return FsError::QuotaExceeded;
#endif
    case EFBIG: return FsError::FileTooBig;
    case EMLINK: return FsError::TooManyLinks;
    case EXDEV: return FsError::CrossDevice;
    case EINVAL: return FsError::InvalidArgument;
    case ELOOP:
        return context == ErrnoContext::Leaf ? FsError::InvalidArgument : FsError::NotDirectory;
    case ENOTSUP:
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
#endif
        return FsError::NotSupported;
    case ESTALE: return FsError::Stale;
    // The root may itself live on a network filesystem: let the client retry.
    case ETIMEDOUT: return FsError::TimedOut;
    default: return FsError::Io;
    }
}

} // namespace loft
