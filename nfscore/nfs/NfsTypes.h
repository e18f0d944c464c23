// NFS version 3 protocol types (RFC 1813), declared once for both directions.
//
// Every type describes itself with `template <class X> void xdr(X &x)` (see Xdr.h);
// XdrReader decodes and XdrWriter encodes from that one description. Type and field
// names follow RFC 1813 section 2 and 3 so each declaration can be checked against the
// RFC's XDR text line by line. Deviations, all deliberate:
//   - A union discriminated on a bool (post_op_attr, pre_op_attr, post_op_fh3, set_mode3,
//     sattrguard3, ...) is a std::optional of its TRUE arm.
//   - A `T *next` linked list (entry3, entryplus3) is an XdrList<T, Max>.
//   - Results switched on nfsstat3 are NfsResult3<resok, resfail>; the RFC's arms
//     `resok` / `resfail` are the members `ok` / `fail`. Where the RFC's failure arm is
//     `void` (GETATTR), resfail is NfsVoid.
//   - Variable-length data carries a decode bound (Loft's, not the RFC's: the RFC leaves
//     filename3, nfspath3 and READ/WRITE data unbounded).
#pragma once

#include "Xdr.h"

#include <cstdint>

namespace loft::nfs3 {

// ---- Program, sizes and Loft's decode bounds ----------------------------------------

constexpr uint32_t NFS_PROGRAM = 100003;
constexpr uint32_t NFS_V3 = 3;

constexpr uint32_t NFS3_FHSIZE = 64;
constexpr uint32_t NFS3_COOKIEVERFSIZE = 8;
constexpr uint32_t NFS3_CREATEVERFSIZE = 8;
constexpr uint32_t NFS3_WRITEVERFSIZE = 8;

// Largest READ / WRITE payload Loft accepts or sends (also advertised as rtmax / wtmax).
constexpr uint32_t kMaxIoSize = 1u << 20;
// Decode bound for filename3. Deliberately above any real NAME_MAX (255) so that an
// over-long name still decodes and the handler can answer NFS3ERR_NAMETOOLONG instead
// of the whole call failing as GARBAGE_ARGS.
constexpr uint32_t kMaxNameSize = 1024;
// Decode bound for nfspath3 (symlink targets).
constexpr uint32_t kMaxPathSize = 4096;
// Decode bound for the entries of one READDIR / READDIRPLUS reply.
constexpr uint32_t kMaxDirEntries = 1u << 16;

// ---- Basic data types (RFC 1813 2.5) -------------------------------------------------

using filename3 = XdrOpaque<kMaxNameSize>;
using nfspath3 = XdrOpaque<kMaxPathSize>;
using fileid3 = uint64_t;
using cookie3 = uint64_t;
using cookieverf3 = XdrFixed<NFS3_COOKIEVERFSIZE>;
using createverf3 = XdrFixed<NFS3_CREATEVERFSIZE>;
using writeverf3 = XdrFixed<NFS3_WRITEVERFSIZE>;
using uid3 = uint32_t;
using gid3 = uint32_t;
using size3 = uint64_t;
using offset3 = uint64_t;
using mode3 = uint32_t;
using count3 = uint32_t;

enum class nfsstat3 : uint32_t {
    NFS3_OK = 0,
    NFS3ERR_PERM = 1,
    NFS3ERR_NOENT = 2,
    NFS3ERR_IO = 5,
    NFS3ERR_NXIO = 6,
    NFS3ERR_ACCES = 13,
    NFS3ERR_EXIST = 17,
    NFS3ERR_XDEV = 18,
    NFS3ERR_NODEV = 19,
    NFS3ERR_NOTDIR = 20,
    NFS3ERR_ISDIR = 21,
    NFS3ERR_INVAL = 22,
    NFS3ERR_FBIG = 27,
    NFS3ERR_NOSPC = 28,
    NFS3ERR_ROFS = 30,
    NFS3ERR_MLINK = 31,
    NFS3ERR_NAMETOOLONG = 63,
    NFS3ERR_NOTEMPTY = 66,
    NFS3ERR_DQUOT = 69,
    NFS3ERR_STALE = 70,
    NFS3ERR_REMOTE = 71,
    NFS3ERR_BADHANDLE = 10001,
    NFS3ERR_NOT_SYNC = 10002,
    NFS3ERR_BAD_COOKIE = 10003,
    NFS3ERR_NOTSUPP = 10004,
    NFS3ERR_TOOSMALL = 10005,
    NFS3ERR_SERVERFAULT = 10006,
    NFS3ERR_BADTYPE = 10007,
    NFS3ERR_JUKEBOX = 10008,
};

enum class ftype3 : uint32_t {
    NF3REG = 1,
    NF3DIR = 2,
    NF3BLK = 3,
    NF3CHR = 4,
    NF3LNK = 5,
    NF3SOCK = 6,
    NF3FIFO = 7,
};

// Procedure numbers (RFC 1813 section 3).
enum class nfsproc3 : uint32_t {
    NFSPROC3_NULL = 0,
    NFSPROC3_GETATTR = 1,
    NFSPROC3_SETATTR = 2,
    NFSPROC3_LOOKUP = 3,
    NFSPROC3_ACCESS = 4,
    NFSPROC3_READLINK = 5,
    NFSPROC3_READ = 6,
    NFSPROC3_WRITE = 7,
    NFSPROC3_CREATE = 8,
    NFSPROC3_MKDIR = 9,
    NFSPROC3_SYMLINK = 10,
    NFSPROC3_MKNOD = 11,
    NFSPROC3_REMOVE = 12,
    NFSPROC3_RMDIR = 13,
    NFSPROC3_RENAME = 14,
    NFSPROC3_LINK = 15,
    NFSPROC3_READDIR = 16,
    NFSPROC3_READDIRPLUS = 17,
    NFSPROC3_FSSTAT = 18,
    NFSPROC3_FSINFO = 19,
    NFSPROC3_PATHCONF = 20,
    NFSPROC3_COMMIT = 21,
};

enum class stable_how : uint32_t {
    UNSTABLE = 0,
    DATA_SYNC = 1,
    FILE_SYNC = 2,
};

enum class time_how : uint32_t {
    DONT_CHANGE = 0,
    SET_TO_SERVER_TIME = 1,
    SET_TO_CLIENT_TIME = 2,
};

enum class createmode3 : uint32_t {
    UNCHECKED = 0,
    GUARDED = 1,
    EXCLUSIVE = 2,
};

// ACCESS bits (RFC 1813 3.3.4).
constexpr uint32_t ACCESS3_READ = 0x0001;
constexpr uint32_t ACCESS3_LOOKUP = 0x0002;
constexpr uint32_t ACCESS3_MODIFY = 0x0004;
constexpr uint32_t ACCESS3_EXTEND = 0x0008;
constexpr uint32_t ACCESS3_DELETE = 0x0010;
constexpr uint32_t ACCESS3_EXECUTE = 0x0020;

// FSINFO properties (RFC 1813 3.3.19).
constexpr uint32_t FSF3_LINK = 0x0001;
constexpr uint32_t FSF3_SYMLINK = 0x0002;
constexpr uint32_t FSF3_HOMOGENEOUS = 0x0008;
constexpr uint32_t FSF3_CANSETTIME = 0x0010;

// The `void` arm of a union, and the arguments / result of NFSPROC3_NULL.
struct NfsVoid {
    template <class X>
    void xdr(X &)
    {
    }
    friend bool operator==(const NfsVoid &, const NfsVoid &) = default;
};

// A result union switched on nfsstat3: `case NFS3_OK: Ok resok; default: Fail resfail;`.
template <class Ok, class Fail = NfsVoid>
struct NfsResult3 {
    nfsstat3 status = nfsstat3::NFS3_OK;
    Ok ok{};     // valid when status == NFS3_OK
    Fail fail{}; // valid otherwise

    template <class X>
    void xdr(X &x)
    {
        x(status);
        if (status == nfsstat3::NFS3_OK)
            x(ok);
        else
            x(fail);
    }
    friend bool operator==(const NfsResult3 &, const NfsResult3 &) = default;
};

// ---- Structured data types (RFC 1813 2.6) --------------------------------------------

struct specdata3 {
    uint32_t specdata1 = 0;
    uint32_t specdata2 = 0;
    template <class X>
    void xdr(X &x)
    {
        x(specdata1);
        x(specdata2);
    }
    friend bool operator==(const specdata3 &, const specdata3 &) = default;
};

struct nfs_fh3 {
    XdrOpaque<NFS3_FHSIZE> data;
    template <class X>
    void xdr(X &x)
    {
        x(data);
    }
    friend bool operator==(const nfs_fh3 &, const nfs_fh3 &) = default;
};

struct nfstime3 {
    uint32_t seconds = 0;
    uint32_t nseconds = 0;
    template <class X>
    void xdr(X &x)
    {
        x(seconds);
        x(nseconds);
    }
    friend bool operator==(const nfstime3 &, const nfstime3 &) = default;
};

struct fattr3 {
    ftype3 type = ftype3::NF3REG;
    mode3 mode = 0;
    uint32_t nlink = 0;
    uid3 uid = 0;
    gid3 gid = 0;
    size3 size = 0;
    size3 used = 0;
    specdata3 rdev;
    uint64_t fsid = 0;
    fileid3 fileid = 0;
    nfstime3 atime;
    nfstime3 mtime;
    nfstime3 ctime;
    template <class X>
    void xdr(X &x)
    {
        x(type);
        x(mode);
        x(nlink);
        x(uid);
        x(gid);
        x(size);
        x(used);
        x(rdev);
        x(fsid);
        x(fileid);
        x(atime);
        x(mtime);
        x(ctime);
    }
    friend bool operator==(const fattr3 &, const fattr3 &) = default;
};

using post_op_attr = std::optional<fattr3>;

struct wcc_attr {
    size3 size = 0;
    nfstime3 mtime;
    nfstime3 ctime;
    template <class X>
    void xdr(X &x)
    {
        x(size);
        x(mtime);
        x(ctime);
    }
    friend bool operator==(const wcc_attr &, const wcc_attr &) = default;
};

using pre_op_attr = std::optional<wcc_attr>;

struct wcc_data {
    pre_op_attr before;
    post_op_attr after;
    template <class X>
    void xdr(X &x)
    {
        x(before);
        x(after);
    }
    friend bool operator==(const wcc_data &, const wcc_data &) = default;
};

using post_op_fh3 = std::optional<nfs_fh3>;

using set_mode3 = std::optional<mode3>;
using set_uid3 = std::optional<uid3>;
using set_gid3 = std::optional<gid3>;
using set_size3 = std::optional<size3>;

// union set_atime switch (time_how set_it) { case SET_TO_CLIENT_TIME: nfstime3 atime;
// default: void; } -- only the three time_how values are valid discriminants.
struct set_atime {
    time_how set_it = time_how::DONT_CHANGE;
    nfstime3 atime; // valid when set_it == SET_TO_CLIENT_TIME
    template <class X>
    void xdr(X &x)
    {
        x(set_it);
        switch (set_it) {
        case time_how::DONT_CHANGE:
        case time_how::SET_TO_SERVER_TIME:
            break;
        case time_how::SET_TO_CLIENT_TIME:
            x(atime);
            break;
        default:
            if constexpr (X::decoding)
                x.fail();
            break;
        }
    }
    friend bool operator==(const set_atime &, const set_atime &) = default;
};

struct set_mtime {
    time_how set_it = time_how::DONT_CHANGE;
    nfstime3 mtime; // valid when set_it == SET_TO_CLIENT_TIME
    template <class X>
    void xdr(X &x)
    {
        x(set_it);
        switch (set_it) {
        case time_how::DONT_CHANGE:
        case time_how::SET_TO_SERVER_TIME:
            break;
        case time_how::SET_TO_CLIENT_TIME:
            x(mtime);
            break;
        default:
            if constexpr (X::decoding)
                x.fail();
            break;
        }
    }
    friend bool operator==(const set_mtime &, const set_mtime &) = default;
};

struct sattr3 {
    set_mode3 mode;
    set_uid3 uid;
    set_gid3 gid;
    set_size3 size;
    set_atime atime;
    set_mtime mtime;
    template <class X>
    void xdr(X &x)
    {
        x(mode);
        x(uid);
        x(gid);
        x(size);
        x(atime);
        x(mtime);
    }
    friend bool operator==(const sattr3 &, const sattr3 &) = default;
};

struct diropargs3 {
    nfs_fh3 dir;
    filename3 name;
    template <class X>
    void xdr(X &x)
    {
        x(dir);
        x(name);
    }
    friend bool operator==(const diropargs3 &, const diropargs3 &) = default;
};

// ---- Procedure 0: NULL ---------------------------------------------------------------

using NULL3args = NfsVoid;
using NULL3res = NfsVoid;

// ---- Procedure 1: GETATTR ------------------------------------------------------------

struct GETATTR3args {
    nfs_fh3 object;
    template <class X>
    void xdr(X &x)
    {
        x(object);
    }
    friend bool operator==(const GETATTR3args &, const GETATTR3args &) = default;
};

struct GETATTR3resok {
    fattr3 obj_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
    }
    friend bool operator==(const GETATTR3resok &, const GETATTR3resok &) = default;
};

using GETATTR3res = NfsResult3<GETATTR3resok>; // default: void

// ---- Procedure 2: SETATTR ------------------------------------------------------------

// union sattrguard3 switch (bool check) { case TRUE: nfstime3 obj_ctime; case FALSE: void; }
using sattrguard3 = std::optional<nfstime3>;

struct SETATTR3args {
    nfs_fh3 object;
    sattr3 new_attributes;
    sattrguard3 guard;
    template <class X>
    void xdr(X &x)
    {
        x(object);
        x(new_attributes);
        x(guard);
    }
    friend bool operator==(const SETATTR3args &, const SETATTR3args &) = default;
};

struct SETATTR3resok {
    wcc_data obj_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj_wcc);
    }
    friend bool operator==(const SETATTR3resok &, const SETATTR3resok &) = default;
};

struct SETATTR3resfail {
    wcc_data obj_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj_wcc);
    }
    friend bool operator==(const SETATTR3resfail &, const SETATTR3resfail &) = default;
};

using SETATTR3res = NfsResult3<SETATTR3resok, SETATTR3resfail>;

// ---- Procedure 3: LOOKUP -------------------------------------------------------------

struct LOOKUP3args {
    diropargs3 what;
    template <class X>
    void xdr(X &x)
    {
        x(what);
    }
    friend bool operator==(const LOOKUP3args &, const LOOKUP3args &) = default;
};

struct LOOKUP3resok {
    nfs_fh3 object;
    post_op_attr obj_attributes;
    post_op_attr dir_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(object);
        x(obj_attributes);
        x(dir_attributes);
    }
    friend bool operator==(const LOOKUP3resok &, const LOOKUP3resok &) = default;
};

struct LOOKUP3resfail {
    post_op_attr dir_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(dir_attributes);
    }
    friend bool operator==(const LOOKUP3resfail &, const LOOKUP3resfail &) = default;
};

using LOOKUP3res = NfsResult3<LOOKUP3resok, LOOKUP3resfail>;

// ---- Procedure 4: ACCESS -------------------------------------------------------------

struct ACCESS3args {
    nfs_fh3 object;
    uint32_t access = 0;
    template <class X>
    void xdr(X &x)
    {
        x(object);
        x(access);
    }
    friend bool operator==(const ACCESS3args &, const ACCESS3args &) = default;
};

struct ACCESS3resok {
    post_op_attr obj_attributes;
    uint32_t access = 0;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
        x(access);
    }
    friend bool operator==(const ACCESS3resok &, const ACCESS3resok &) = default;
};

struct ACCESS3resfail {
    post_op_attr obj_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
    }
    friend bool operator==(const ACCESS3resfail &, const ACCESS3resfail &) = default;
};

using ACCESS3res = NfsResult3<ACCESS3resok, ACCESS3resfail>;

// ---- Procedure 5: READLINK -----------------------------------------------------------

struct READLINK3args {
    nfs_fh3 symlink;
    template <class X>
    void xdr(X &x)
    {
        x(symlink);
    }
    friend bool operator==(const READLINK3args &, const READLINK3args &) = default;
};

struct READLINK3resok {
    post_op_attr symlink_attributes;
    nfspath3 data;
    template <class X>
    void xdr(X &x)
    {
        x(symlink_attributes);
        x(data);
    }
    friend bool operator==(const READLINK3resok &, const READLINK3resok &) = default;
};

struct READLINK3resfail {
    post_op_attr symlink_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(symlink_attributes);
    }
    friend bool operator==(const READLINK3resfail &, const READLINK3resfail &) = default;
};

using READLINK3res = NfsResult3<READLINK3resok, READLINK3resfail>;

// ---- Procedure 6: READ ---------------------------------------------------------------

struct READ3args {
    nfs_fh3 file;
    offset3 offset = 0;
    count3 count = 0;
    template <class X>
    void xdr(X &x)
    {
        x(file);
        x(offset);
        x(count);
    }
    friend bool operator==(const READ3args &, const READ3args &) = default;
};

struct READ3resok {
    post_op_attr file_attributes;
    count3 count = 0;
    bool eof = false;
    XdrOpaque<kMaxIoSize> data;
    template <class X>
    void xdr(X &x)
    {
        x(file_attributes);
        x(count);
        x(eof);
        x(data);
    }
    friend bool operator==(const READ3resok &, const READ3resok &) = default;
};

struct READ3resfail {
    post_op_attr file_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(file_attributes);
    }
    friend bool operator==(const READ3resfail &, const READ3resfail &) = default;
};

using READ3res = NfsResult3<READ3resok, READ3resfail>;

// ---- Procedure 7: WRITE --------------------------------------------------------------

struct WRITE3args {
    nfs_fh3 file;
    offset3 offset = 0;
    count3 count = 0;
    stable_how stable = stable_how::UNSTABLE;
    XdrOpaque<kMaxIoSize> data;
    template <class X>
    void xdr(X &x)
    {
        x(file);
        x(offset);
        x(count);
        x(stable);
        x(data);
    }
    friend bool operator==(const WRITE3args &, const WRITE3args &) = default;
};

struct WRITE3resok {
    wcc_data file_wcc;
    count3 count = 0;
    stable_how committed = stable_how::UNSTABLE;
    writeverf3 verf;
    template <class X>
    void xdr(X &x)
    {
        x(file_wcc);
        x(count);
        x(committed);
        x(verf);
    }
    friend bool operator==(const WRITE3resok &, const WRITE3resok &) = default;
};

struct WRITE3resfail {
    wcc_data file_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(file_wcc);
    }
    friend bool operator==(const WRITE3resfail &, const WRITE3resfail &) = default;
};

using WRITE3res = NfsResult3<WRITE3resok, WRITE3resfail>;

// ---- Procedure 8: CREATE -------------------------------------------------------------

// union createhow3 switch (createmode3 mode) {
//   case UNCHECKED: case GUARDED: sattr3 obj_attributes;
//   case EXCLUSIVE: createverf3 verf; }
struct createhow3 {
    createmode3 mode = createmode3::UNCHECKED;
    sattr3 obj_attributes; // valid when mode is UNCHECKED or GUARDED
    createverf3 verf;      // valid when mode is EXCLUSIVE
    template <class X>
    void xdr(X &x)
    {
        x(mode);
        switch (mode) {
        case createmode3::UNCHECKED:
        case createmode3::GUARDED:
            x(obj_attributes);
            break;
        case createmode3::EXCLUSIVE:
            x(verf);
            break;
        default:
            if constexpr (X::decoding)
                x.fail();
            break;
        }
    }
    friend bool operator==(const createhow3 &, const createhow3 &) = default;
};

struct CREATE3args {
    diropargs3 where;
    createhow3 how;
    template <class X>
    void xdr(X &x)
    {
        x(where);
        x(how);
    }
    friend bool operator==(const CREATE3args &, const CREATE3args &) = default;
};

struct CREATE3resok {
    post_op_fh3 obj;
    post_op_attr obj_attributes;
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj);
        x(obj_attributes);
        x(dir_wcc);
    }
    friend bool operator==(const CREATE3resok &, const CREATE3resok &) = default;
};

struct CREATE3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const CREATE3resfail &, const CREATE3resfail &) = default;
};

using CREATE3res = NfsResult3<CREATE3resok, CREATE3resfail>;

// ---- Procedure 9: MKDIR --------------------------------------------------------------

struct MKDIR3args {
    diropargs3 where;
    sattr3 attributes;
    template <class X>
    void xdr(X &x)
    {
        x(where);
        x(attributes);
    }
    friend bool operator==(const MKDIR3args &, const MKDIR3args &) = default;
};

struct MKDIR3resok {
    post_op_fh3 obj;
    post_op_attr obj_attributes;
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj);
        x(obj_attributes);
        x(dir_wcc);
    }
    friend bool operator==(const MKDIR3resok &, const MKDIR3resok &) = default;
};

struct MKDIR3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const MKDIR3resfail &, const MKDIR3resfail &) = default;
};

using MKDIR3res = NfsResult3<MKDIR3resok, MKDIR3resfail>;

// ---- Procedure 10: SYMLINK -----------------------------------------------------------

struct symlinkdata3 {
    sattr3 symlink_attributes;
    nfspath3 symlink_data;
    template <class X>
    void xdr(X &x)
    {
        x(symlink_attributes);
        x(symlink_data);
    }
    friend bool operator==(const symlinkdata3 &, const symlinkdata3 &) = default;
};

struct SYMLINK3args {
    diropargs3 where;
    symlinkdata3 symlink;
    template <class X>
    void xdr(X &x)
    {
        x(where);
        x(symlink);
    }
    friend bool operator==(const SYMLINK3args &, const SYMLINK3args &) = default;
};

struct SYMLINK3resok {
    post_op_fh3 obj;
    post_op_attr obj_attributes;
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj);
        x(obj_attributes);
        x(dir_wcc);
    }
    friend bool operator==(const SYMLINK3resok &, const SYMLINK3resok &) = default;
};

struct SYMLINK3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const SYMLINK3resfail &, const SYMLINK3resfail &) = default;
};

using SYMLINK3res = NfsResult3<SYMLINK3resok, SYMLINK3resfail>;

// ---- Procedure 11: MKNOD -------------------------------------------------------------

struct devicedata3 {
    sattr3 dev_attributes;
    specdata3 spec;
    template <class X>
    void xdr(X &x)
    {
        x(dev_attributes);
        x(spec);
    }
    friend bool operator==(const devicedata3 &, const devicedata3 &) = default;
};

// union mknoddata3 switch (ftype3 type) {
//   case NF3CHR: case NF3BLK: devicedata3 device;
//   case NF3SOCK: case NF3FIFO: sattr3 pipe_attributes;
//   default: void; }
// "default" covers the other ftype3 values (the handler answers NFS3ERR_BADTYPE);
// a number that is no ftype3 at all fails decoding.
struct mknoddata3 {
    ftype3 type = ftype3::NF3FIFO;
    devicedata3 device;     // valid when type is NF3CHR or NF3BLK
    sattr3 pipe_attributes; // valid when type is NF3SOCK or NF3FIFO
    template <class X>
    void xdr(X &x)
    {
        x(type);
        switch (type) {
        case ftype3::NF3CHR:
        case ftype3::NF3BLK:
            x(device);
            break;
        case ftype3::NF3SOCK:
        case ftype3::NF3FIFO:
            x(pipe_attributes);
            break;
        case ftype3::NF3REG:
        case ftype3::NF3DIR:
        case ftype3::NF3LNK:
            break;
        default:
            if constexpr (X::decoding)
                x.fail();
            break;
        }
    }
    friend bool operator==(const mknoddata3 &, const mknoddata3 &) = default;
};

struct MKNOD3args {
    diropargs3 where;
    mknoddata3 what;
    template <class X>
    void xdr(X &x)
    {
        x(where);
        x(what);
    }
    friend bool operator==(const MKNOD3args &, const MKNOD3args &) = default;
};

struct MKNOD3resok {
    post_op_fh3 obj;
    post_op_attr obj_attributes;
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(obj);
        x(obj_attributes);
        x(dir_wcc);
    }
    friend bool operator==(const MKNOD3resok &, const MKNOD3resok &) = default;
};

struct MKNOD3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const MKNOD3resfail &, const MKNOD3resfail &) = default;
};

using MKNOD3res = NfsResult3<MKNOD3resok, MKNOD3resfail>;

// ---- Procedure 12: REMOVE ------------------------------------------------------------

struct REMOVE3args {
    diropargs3 object;
    template <class X>
    void xdr(X &x)
    {
        x(object);
    }
    friend bool operator==(const REMOVE3args &, const REMOVE3args &) = default;
};

struct REMOVE3resok {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const REMOVE3resok &, const REMOVE3resok &) = default;
};

struct REMOVE3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const REMOVE3resfail &, const REMOVE3resfail &) = default;
};

using REMOVE3res = NfsResult3<REMOVE3resok, REMOVE3resfail>;

// ---- Procedure 13: RMDIR -------------------------------------------------------------

struct RMDIR3args {
    diropargs3 object;
    template <class X>
    void xdr(X &x)
    {
        x(object);
    }
    friend bool operator==(const RMDIR3args &, const RMDIR3args &) = default;
};

struct RMDIR3resok {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const RMDIR3resok &, const RMDIR3resok &) = default;
};

struct RMDIR3resfail {
    wcc_data dir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(dir_wcc);
    }
    friend bool operator==(const RMDIR3resfail &, const RMDIR3resfail &) = default;
};

using RMDIR3res = NfsResult3<RMDIR3resok, RMDIR3resfail>;

// ---- Procedure 14: RENAME ------------------------------------------------------------

struct RENAME3args {
    diropargs3 from;
    diropargs3 to;
    template <class X>
    void xdr(X &x)
    {
        x(from);
        x(to);
    }
    friend bool operator==(const RENAME3args &, const RENAME3args &) = default;
};

struct RENAME3resok {
    wcc_data fromdir_wcc;
    wcc_data todir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(fromdir_wcc);
        x(todir_wcc);
    }
    friend bool operator==(const RENAME3resok &, const RENAME3resok &) = default;
};

struct RENAME3resfail {
    wcc_data fromdir_wcc;
    wcc_data todir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(fromdir_wcc);
        x(todir_wcc);
    }
    friend bool operator==(const RENAME3resfail &, const RENAME3resfail &) = default;
};

using RENAME3res = NfsResult3<RENAME3resok, RENAME3resfail>;

// ---- Procedure 15: LINK --------------------------------------------------------------

struct LINK3args {
    nfs_fh3 file;
    diropargs3 link;
    template <class X>
    void xdr(X &x)
    {
        x(file);
        x(link);
    }
    friend bool operator==(const LINK3args &, const LINK3args &) = default;
};

struct LINK3resok {
    post_op_attr file_attributes;
    wcc_data linkdir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(file_attributes);
        x(linkdir_wcc);
    }
    friend bool operator==(const LINK3resok &, const LINK3resok &) = default;
};

struct LINK3resfail {
    post_op_attr file_attributes;
    wcc_data linkdir_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(file_attributes);
        x(linkdir_wcc);
    }
    friend bool operator==(const LINK3resfail &, const LINK3resfail &) = default;
};

using LINK3res = NfsResult3<LINK3resok, LINK3resfail>;

// ---- Procedure 16: READDIR -----------------------------------------------------------

struct READDIR3args {
    nfs_fh3 dir;
    cookie3 cookie = 0;
    cookieverf3 cookieverf;
    count3 count = 0;
    template <class X>
    void xdr(X &x)
    {
        x(dir);
        x(cookie);
        x(cookieverf);
        x(count);
    }
    friend bool operator==(const READDIR3args &, const READDIR3args &) = default;
};

// struct entry3 { fileid3 fileid; filename3 name; cookie3 cookie; entry3 *nextentry; };
// The `nextentry` chain is the XdrList in dirlist3.
struct entry3 {
    fileid3 fileid = 0;
    filename3 name;
    cookie3 cookie = 0;
    template <class X>
    void xdr(X &x)
    {
        x(fileid);
        x(name);
        x(cookie);
    }
    friend bool operator==(const entry3 &, const entry3 &) = default;
};

struct dirlist3 {
    XdrList<entry3, kMaxDirEntries> entries;
    bool eof = false;
    template <class X>
    void xdr(X &x)
    {
        x(entries);
        x(eof);
    }
    friend bool operator==(const dirlist3 &, const dirlist3 &) = default;
};

struct READDIR3resok {
    post_op_attr dir_attributes;
    cookieverf3 cookieverf;
    dirlist3 reply;
    template <class X>
    void xdr(X &x)
    {
        x(dir_attributes);
        x(cookieverf);
        x(reply);
    }
    friend bool operator==(const READDIR3resok &, const READDIR3resok &) = default;
};

struct READDIR3resfail {
    post_op_attr dir_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(dir_attributes);
    }
    friend bool operator==(const READDIR3resfail &, const READDIR3resfail &) = default;
};

using READDIR3res = NfsResult3<READDIR3resok, READDIR3resfail>;

// ---- Procedure 17: READDIRPLUS -------------------------------------------------------

struct READDIRPLUS3args {
    nfs_fh3 dir;
    cookie3 cookie = 0;
    cookieverf3 cookieverf;
    count3 dircount = 0;
    count3 maxcount = 0;
    template <class X>
    void xdr(X &x)
    {
        x(dir);
        x(cookie);
        x(cookieverf);
        x(dircount);
        x(maxcount);
    }
    friend bool operator==(const READDIRPLUS3args &, const READDIRPLUS3args &) = default;
};

// struct entryplus3 { ...; entryplus3 *nextentry; }: the chain is the XdrList in dirlistplus3.
struct entryplus3 {
    fileid3 fileid = 0;
    filename3 name;
    cookie3 cookie = 0;
    post_op_attr name_attributes;
    post_op_fh3 name_handle;
    template <class X>
    void xdr(X &x)
    {
        x(fileid);
        x(name);
        x(cookie);
        x(name_attributes);
        x(name_handle);
    }
    friend bool operator==(const entryplus3 &, const entryplus3 &) = default;
};

struct dirlistplus3 {
    XdrList<entryplus3, kMaxDirEntries> entries;
    bool eof = false;
    template <class X>
    void xdr(X &x)
    {
        x(entries);
        x(eof);
    }
    friend bool operator==(const dirlistplus3 &, const dirlistplus3 &) = default;
};

struct READDIRPLUS3resok {
    post_op_attr dir_attributes;
    cookieverf3 cookieverf;
    dirlistplus3 reply;
    template <class X>
    void xdr(X &x)
    {
        x(dir_attributes);
        x(cookieverf);
        x(reply);
    }
    friend bool operator==(const READDIRPLUS3resok &, const READDIRPLUS3resok &) = default;
};

struct READDIRPLUS3resfail {
    post_op_attr dir_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(dir_attributes);
    }
    friend bool operator==(const READDIRPLUS3resfail &, const READDIRPLUS3resfail &) = default;
};

using READDIRPLUS3res = NfsResult3<READDIRPLUS3resok, READDIRPLUS3resfail>;

// ---- Procedure 18: FSSTAT ------------------------------------------------------------

struct FSSTAT3args {
    nfs_fh3 fsroot;
    template <class X>
    void xdr(X &x)
    {
        x(fsroot);
    }
    friend bool operator==(const FSSTAT3args &, const FSSTAT3args &) = default;
};

struct FSSTAT3resok {
    post_op_attr obj_attributes;
    size3 tbytes = 0;
    size3 fbytes = 0;
    size3 abytes = 0;
    size3 tfiles = 0;
    size3 ffiles = 0;
    size3 afiles = 0;
    uint32_t invarsec = 0;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
        x(tbytes);
        x(fbytes);
        x(abytes);
        x(tfiles);
        x(ffiles);
        x(afiles);
        x(invarsec);
    }
    friend bool operator==(const FSSTAT3resok &, const FSSTAT3resok &) = default;
};

struct FSSTAT3resfail {
    post_op_attr obj_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
    }
    friend bool operator==(const FSSTAT3resfail &, const FSSTAT3resfail &) = default;
};

using FSSTAT3res = NfsResult3<FSSTAT3resok, FSSTAT3resfail>;

// ---- Procedure 19: FSINFO ------------------------------------------------------------

struct FSINFO3args {
    nfs_fh3 fsroot;
    template <class X>
    void xdr(X &x)
    {
        x(fsroot);
    }
    friend bool operator==(const FSINFO3args &, const FSINFO3args &) = default;
};

struct FSINFO3resok {
    post_op_attr obj_attributes;
    uint32_t rtmax = 0;
    uint32_t rtpref = 0;
    uint32_t rtmult = 0;
    uint32_t wtmax = 0;
    uint32_t wtpref = 0;
    uint32_t wtmult = 0;
    uint32_t dtpref = 0;
    size3 maxfilesize = 0;
    nfstime3 time_delta;
    uint32_t properties = 0;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
        x(rtmax);
        x(rtpref);
        x(rtmult);
        x(wtmax);
        x(wtpref);
        x(wtmult);
        x(dtpref);
        x(maxfilesize);
        x(time_delta);
        x(properties);
    }
    friend bool operator==(const FSINFO3resok &, const FSINFO3resok &) = default;
};

struct FSINFO3resfail {
    post_op_attr obj_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
    }
    friend bool operator==(const FSINFO3resfail &, const FSINFO3resfail &) = default;
};

using FSINFO3res = NfsResult3<FSINFO3resok, FSINFO3resfail>;

// ---- Procedure 20: PATHCONF ----------------------------------------------------------

struct PATHCONF3args {
    nfs_fh3 object;
    template <class X>
    void xdr(X &x)
    {
        x(object);
    }
    friend bool operator==(const PATHCONF3args &, const PATHCONF3args &) = default;
};

struct PATHCONF3resok {
    post_op_attr obj_attributes;
    uint32_t linkmax = 0;
    uint32_t name_max = 0;
    bool no_trunc = false;
    bool chown_restricted = false;
    bool case_insensitive = false;
    bool case_preserving = false;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
        x(linkmax);
        x(name_max);
        x(no_trunc);
        x(chown_restricted);
        x(case_insensitive);
        x(case_preserving);
    }
    friend bool operator==(const PATHCONF3resok &, const PATHCONF3resok &) = default;
};

struct PATHCONF3resfail {
    post_op_attr obj_attributes;
    template <class X>
    void xdr(X &x)
    {
        x(obj_attributes);
    }
    friend bool operator==(const PATHCONF3resfail &, const PATHCONF3resfail &) = default;
};

using PATHCONF3res = NfsResult3<PATHCONF3resok, PATHCONF3resfail>;

// ---- Procedure 21: COMMIT ------------------------------------------------------------

struct COMMIT3args {
    nfs_fh3 file;
    offset3 offset = 0;
    count3 count = 0;
    template <class X>
    void xdr(X &x)
    {
        x(file);
        x(offset);
        x(count);
    }
    friend bool operator==(const COMMIT3args &, const COMMIT3args &) = default;
};

struct COMMIT3resok {
    wcc_data file_wcc;
    writeverf3 verf;
    template <class X>
    void xdr(X &x)
    {
        x(file_wcc);
        x(verf);
    }
    friend bool operator==(const COMMIT3resok &, const COMMIT3resok &) = default;
};

struct COMMIT3resfail {
    wcc_data file_wcc;
    template <class X>
    void xdr(X &x)
    {
        x(file_wcc);
    }
    friend bool operator==(const COMMIT3resfail &, const COMMIT3resfail &) = default;
};

using COMMIT3res = NfsResult3<COMMIT3resok, COMMIT3resfail>;

} // namespace loft::nfs3
