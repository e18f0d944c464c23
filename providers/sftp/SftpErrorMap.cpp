#include "SftpErrorMap.h"

#include <libssh/sftp.h>

namespace loft {

namespace {
// Status codes of SFTP drafts 4-13 (libssh 0.10 declares up to SSH_FX_NO_MEDIA only).
enum : int {
    kNoSpaceOnFilesystem = 14,
    kQuotaExceeded = 15,
    kUnknownPrincipal = 16,
    kLockConflict = 17,
    kDirNotEmpty = 18,
    kNotADirectory = 19,
    kInvalidFilename = 20,
    kLinkLoop = 21,
    kCannotDelete = 22,
    kInvalidParameter = 23,
    kFileIsADirectory = 24,
    kByteRangeLockConflict = 25,
    kByteRangeLockRefused = 26,
    kDeletePending = 27,
    kFileCorrupt = 28,
    kOwnerInvalid = 29,
    kGroupInvalid = 30,
    kNoMatchingByteRangeLock = 31,
};
} // namespace

FsError fsErrorFromSftpStatus(int status)
{
    switch (status) {
    case SSH_FX_NO_SUCH_FILE:
    case SSH_FX_NO_SUCH_PATH: return FsError::NotFound;
    case SSH_FX_PERMISSION_DENIED:
    case kCannotDelete:
    case kLockConflict:
    case kByteRangeLockConflict:
    case kByteRangeLockRefused: return FsError::AccessDenied;
    // OpenSSH sends BAD_MESSAGE for EINVAL and ENAMETOOLONG; over-long names are refused
    // before they are sent, so what is left is an invalid argument.
    case SSH_FX_BAD_MESSAGE:
    case kInvalidParameter:
    case kUnknownPrincipal:
    case kOwnerInvalid:
    case kGroupInvalid:
    case kNoMatchingByteRangeLock: return FsError::InvalidArgument;
    case SSH_FX_NO_CONNECTION:
    case SSH_FX_CONNECTION_LOST:
    case SSH_FX_NO_MEDIA: return FsError::Unavailable;
    case SSH_FX_OP_UNSUPPORTED: return FsError::NotSupported;
    case SSH_FX_INVALID_HANDLE:
    case kDeletePending: return FsError::Stale;
    case SSH_FX_FILE_ALREADY_EXISTS: return FsError::Exists;
    case SSH_FX_WRITE_PROTECT: return FsError::ReadOnly;
    case kNoSpaceOnFilesystem: return FsError::NoSpace;
    case kQuotaExceeded: return FsError::QuotaExceeded;
    case kDirNotEmpty: return FsError::NotEmpty;
    case kNotADirectory: return FsError::NotDirectory;
    case kFileIsADirectory: return FsError::IsDirectory;
    case kInvalidFilename: return FsError::InvalidName;
    case kLinkLoop: return FsError::NotDirectory; // like ELOOP while resolving a path
    case SSH_FX_OK:      // not an error: a caller bug, reported as I/O
    case SSH_FX_EOF:     // end of file is handled where reads are; elsewhere it is odd
    case SSH_FX_FAILURE: // refined by the caller where the operation says more
    case kFileCorrupt:
    default: return FsError::Io;
    }
}

const char *sftpStatusName(int status)
{
    switch (status) {
    case SSH_FX_OK: return "ok";
    case SSH_FX_EOF: return "end of file";
    case SSH_FX_NO_SUCH_FILE: return "no such file";
    case SSH_FX_PERMISSION_DENIED: return "permission denied";
    case SSH_FX_FAILURE: return "failure";
    case SSH_FX_BAD_MESSAGE: return "bad message";
    case SSH_FX_NO_CONNECTION: return "no connection";
    case SSH_FX_CONNECTION_LOST: return "connection lost";
    case SSH_FX_OP_UNSUPPORTED: return "operation unsupported";
    case SSH_FX_INVALID_HANDLE: return "invalid handle";
    case SSH_FX_NO_SUCH_PATH: return "no such path";
    case SSH_FX_FILE_ALREADY_EXISTS: return "file already exists";
    case SSH_FX_WRITE_PROTECT: return "write protected";
    case SSH_FX_NO_MEDIA: return "no media";
    default: return "error";
    }
}

} // namespace loft
