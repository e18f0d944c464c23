// SFTP version 3 attributes and their one translation to FsAttr.
//
// Version 3 carries size, uid/gid, the full st_mode and whole-second atime/mtime; no
// inode number, link count, ctime or block count. So, for FsAttr:
// - identity is 0 (no inode numbers), nlink 1, ctime = mtime, used = size;
// - version is "<mtime>-<size>": it changes when the content changes, except for a
//   same-size rewrite within the same second, which SFTP v3 cannot show.
#pragma once

#include "FileSystem.h"

#include <QByteArray>
#include <cstdint>

struct sftp_attributes_struct;

namespace loft {

struct SftpAttrs {
    // SSH_FILEXFER_ATTR_* bits saying which fields are present.
    uint32_t flags = 0;
    uint64_t size = 0;
    uint32_t uid = 0, gid = 0;
    uint32_t permissions = 0; // st_mode, file type bits included
    uint32_t atime = 0, mtime = 0;
};

SftpAttrs sftpAttrsFrom(const sftp_attributes_struct &a);
FsAttr fsAttrFromSftp(const SftpAttrs &a);
inline FsAttr fsAttrFromSftp(const sftp_attributes_struct &a) { return fsAttrFromSftp(sftpAttrsFrom(a)); }

// The SETSTAT attributes for `changes`. SFTP v3 sets uid with gid and atime with mtime,
// so a half that is not changed is taken from `current`; ServerNow is this machine's
// clock (v3 has no "server's time" request). Times outside v3's unsigned 32-bit seconds
// are InvalidArgument.
FsResult<SftpAttrs> sftpSetAttrs(const FsSetAttr &changes, const SftpAttrs &current);

// The exclusive-create verifier as (mtime, atime) seconds, knfsd style: the two
// big-endian 32-bit halves with the high bit cleared, so that 32-bit signed and unsigned
// timestamps both keep them exactly.
struct SftpVerifierTimes {
    uint32_t mtime = 0;
    uint32_t atime = 0;
};
SftpVerifierTimes sftpVerifierTimes(const QByteArray &verifier);
// True when `a` is the empty regular file an exclusive create with `v` leaves behind.
bool sftpMatchesVerifier(const FsAttr &a, SftpVerifierTimes v);

} // namespace loft
