#include "SftpAttr.h"

#include <QDateTime>
#include <libssh/sftp.h>

#include <algorithm>
#include <cstring>
#include <sys/stat.h>

namespace loft {

SftpAttrs sftpAttrsFrom(const sftp_attributes_struct &a)
{
    SftpAttrs s;
    s.flags = a.flags;
    s.size = a.size;
    s.uid = a.uid;
    s.gid = a.gid;
    s.permissions = a.permissions;
    s.atime = a.atime;
    s.mtime = a.mtime;
    if (!(s.flags & SSH_FILEXFER_ATTR_PERMISSIONS)) {
        // No mode: libssh still knows the type for some servers.
        switch (a.type) {
        case SSH_FILEXFER_TYPE_DIRECTORY: s.permissions = S_IFDIR; break;
        case SSH_FILEXFER_TYPE_SYMLINK: s.permissions = S_IFLNK; break;
        default: s.permissions = S_IFREG; break;
        }
        s.flags |= SSH_FILEXFER_ATTR_PERMISSIONS;
    }
    return s;
}

FsAttr fsAttrFromSftp(const SftpAttrs &a)
{
    FsAttr f;
    switch (a.permissions & S_IFMT) {
    case S_IFDIR: f.type = FsType::Directory; break;
    case S_IFLNK: f.type = FsType::Symlink; break;
    case S_IFBLK: f.type = FsType::BlockDevice; break;
    case S_IFCHR: f.type = FsType::CharDevice; break;
    case S_IFSOCK: f.type = FsType::Socket; break;
    case S_IFIFO: f.type = FsType::Fifo; break;
    default: f.type = FsType::File; break;
    }
    f.mode = a.permissions & 07777;
    if (a.flags & SSH_FILEXFER_ATTR_UIDGID) {
        f.uid = a.uid;
        f.gid = a.gid;
    }
    if (a.flags & SSH_FILEXFER_ATTR_SIZE)
        f.size = a.size;
    f.used = f.size;
    f.nlink = 1;
    f.identity = 0;
    if (a.flags & SSH_FILEXFER_ATTR_ACMODTIME) {
        f.atime = FsTime{int64_t(a.atime), 0};
        f.mtime = FsTime{int64_t(a.mtime), 0};
    }
    f.ctime = f.mtime;
    f.version = QByteArray::number(qulonglong(a.mtime)) + '-' + QByteArray::number(qulonglong(f.size));
    return f;
}

FsResult<SftpAttrs> sftpSetAttrs(const FsSetAttr &changes, const SftpAttrs &current)
{
    SftpAttrs s;
    if (changes.mode) {
        s.flags |= SSH_FILEXFER_ATTR_PERMISSIONS;
        s.permissions = *changes.mode & 07777;
    }
    if (changes.uid || changes.gid) {
        s.flags |= SSH_FILEXFER_ATTR_UIDGID;
        s.uid = changes.uid.value_or(current.uid);
        s.gid = changes.gid.value_or(current.gid);
    }
    if (changes.size) {
        s.flags |= SSH_FILEXFER_ATTR_SIZE;
        s.size = *changes.size;
    }
    if (changes.atimeHow != FsSetAttr::TimeHow::Keep || changes.mtimeHow != FsSetAttr::TimeHow::Keep) {
        const int64_t now = QDateTime::currentSecsSinceEpoch();
        auto pick = [now](FsSetAttr::TimeHow how, const FsTime &given, uint32_t kept,
                          uint32_t &out) {
            int64_t seconds = kept;
            if (how == FsSetAttr::TimeHow::ServerNow)
                seconds = now;
            else if (how == FsSetAttr::TimeHow::Given)
                seconds = given.sec;
            if (seconds < 0 || seconds > int64_t(UINT32_MAX))
                return false;
            out = uint32_t(seconds);
            return true;
        };
        s.flags |= SSH_FILEXFER_ATTR_ACMODTIME;
        if (!pick(changes.atimeHow, changes.atime, current.atime, s.atime)
            || !pick(changes.mtimeHow, changes.mtime, current.mtime, s.mtime))
            return FsError::InvalidArgument;
    }
    return s;
}

SftpVerifierTimes sftpVerifierTimes(const QByteArray &verifier)
{
    unsigned char b[8] = {};
    std::memcpy(b, verifier.constData(), size_t(std::min<qsizetype>(verifier.size(), 8)));
    auto be32 = [](const unsigned char *p) {
        return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
    };
    return {be32(b) & 0x7fffffffu, be32(b + 4) & 0x7fffffffu};
}

bool sftpMatchesVerifier(const FsAttr &a, SftpVerifierTimes v)
{
    return a.type == FsType::File && a.size == 0 && a.mtime.sec == int64_t(v.mtime)
        && a.atime.sec == int64_t(v.atime);
}

} // namespace loft
