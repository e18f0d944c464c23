#include "nfs/NfsAttrConvert.h"

#include <algorithm>

namespace loft::nfs3 {

namespace {
ftype3 toFtype(FsType t)
{
    switch (t) {
    case FsType::File: return ftype3::NF3REG;
    case FsType::Directory: return ftype3::NF3DIR;
    case FsType::Symlink: return ftype3::NF3LNK;
    case FsType::BlockDevice: return ftype3::NF3BLK;
    case FsType::CharDevice: return ftype3::NF3CHR;
    case FsType::Socket: return ftype3::NF3SOCK;
    case FsType::Fifo: return ftype3::NF3FIFO;
    }
    return ftype3::NF3REG;
}

FsTime fromNfsTime(const nfstime3 &t)
{
    return FsTime{int64_t(t.seconds), t.nseconds};
}
} // namespace

nfstime3 toNfsTime(const FsTime &t)
{
    // nfstime3 seconds are unsigned 32-bit: clamp what does not fit.
    const int64_t s = std::clamp<int64_t>(t.sec, 0, UINT32_MAX);
    return nfstime3{uint32_t(s), t.nsec};
}

fattr3 toFattr3(const FsAttr &a, uint64_t fileId, uint64_t fsid)
{
    fattr3 f;
    f.type = toFtype(a.type);
    f.mode = a.mode & 07777;
    f.nlink = a.nlink;
    f.uid = a.uid;
    f.gid = a.gid;
    f.size = a.size;
    f.used = a.used;
    f.rdev = specdata3{uint32_t(a.rdev >> 32), uint32_t(a.rdev)};
    f.fsid = fsid;
    f.fileid = fileId;
    f.atime = toNfsTime(a.atime);
    f.mtime = toNfsTime(a.mtime);
    f.ctime = toNfsTime(a.ctime);
    return f;
}

wcc_attr toWccAttr(const FsAttr &a)
{
    return wcc_attr{a.size, toNfsTime(a.mtime), toNfsTime(a.ctime)};
}

FsSetAttr fromSattr3(const sattr3 &s)
{
    FsSetAttr out;
    out.mode = s.mode ? std::optional<uint32_t>(*s.mode & 07777) : std::nullopt;
    out.uid = s.uid;
    out.gid = s.gid;
    out.size = s.size;
    auto how = [](time_how h) {
        switch (h) {
        case time_how::SET_TO_SERVER_TIME: return FsSetAttr::TimeHow::ServerNow;
        case time_how::SET_TO_CLIENT_TIME: return FsSetAttr::TimeHow::Given;
        default: return FsSetAttr::TimeHow::Keep;
        }
    };
    out.atimeHow = how(s.atime.set_it);
    out.mtimeHow = how(s.mtime.set_it);
    out.atime = fromNfsTime(s.atime.atime);
    out.mtime = fromNfsTime(s.mtime.mtime);
    return out;
}

} // namespace loft::nfs3
