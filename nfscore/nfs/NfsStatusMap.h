// The one place where provider errors become NFSv3 status codes.
#pragma once

#include "FileSystem.h"
#include "nfs/NfsTypes.h"

namespace loft::nfs3 {

constexpr nfsstat3 nfsStatus(FsError e)
{
    switch (e) {
    case FsError::NotFound: return nfsstat3::NFS3ERR_NOENT;
    case FsError::Exists: return nfsstat3::NFS3ERR_EXIST;
    case FsError::NotDirectory: return nfsstat3::NFS3ERR_NOTDIR;
    case FsError::IsDirectory: return nfsstat3::NFS3ERR_ISDIR;
    case FsError::NotEmpty: return nfsstat3::NFS3ERR_NOTEMPTY;
    case FsError::NameTooLong: return nfsstat3::NFS3ERR_NAMETOOLONG;
    case FsError::InvalidName: return nfsstat3::NFS3ERR_INVAL;
    case FsError::AccessDenied: return nfsstat3::NFS3ERR_ACCES;
    case FsError::NotPermitted: return nfsstat3::NFS3ERR_PERM;
    case FsError::ReadOnly: return nfsstat3::NFS3ERR_ROFS;
    case FsError::NoSpace: return nfsstat3::NFS3ERR_NOSPC;
    case FsError::QuotaExceeded: return nfsstat3::NFS3ERR_DQUOT;
    case FsError::FileTooBig: return nfsstat3::NFS3ERR_FBIG;
    case FsError::TooManyLinks: return nfsstat3::NFS3ERR_MLINK;
    case FsError::CrossDevice: return nfsstat3::NFS3ERR_XDEV;
    case FsError::InvalidArgument: return nfsstat3::NFS3ERR_INVAL;
    case FsError::NotSupported: return nfsstat3::NFS3ERR_NOTSUPP;
    case FsError::Stale: return nfsstat3::NFS3ERR_STALE;
    case FsError::TimedOut: return nfsstat3::NFS3ERR_JUKEBOX;
    case FsError::Unavailable: return nfsstat3::NFS3ERR_JUKEBOX;
    case FsError::Io: return nfsstat3::NFS3ERR_IO;
    }
    return nfsstat3::NFS3ERR_IO;
}

// LINK, SYMLINK and MKNOD of a kind of object the store cannot hold (WebDAV has no links,
// no remote store has devices): NFS3ERR_PERM, as knfsd answers for such a file system and
// as link(2), symlink(2) and mknod(2) document EPERM. NFS3ERR_NOTSUPP would reach Linux
// programs as the kernel-internal ENOTSUPP (524, "Unknown error 524").
constexpr nfsstat3 kUnsupportedObjectKind = nfsstat3::NFS3ERR_PERM;
constexpr FsError unsupportedKindAsNotPermitted(FsError e)
{
    return e == FsError::NotSupported ? FsError::NotPermitted : e;
}

} // namespace loft::nfs3
