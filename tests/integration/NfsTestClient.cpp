#include "NfsTestClient.h"

#include "LoftServerProcess.h"

#include <QDeadlineTimer>

#include <cerrno>
#include <cstring>
#include <poll.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>
#include <nfsc/libnfs-raw-portmap.h>

namespace loft::test {

namespace {

// libnfs decodes READDIR / READDIRPLUS entries into a buffer with 4-byte alignment,
// while entry3 and entryplus3 hold 64-bit fields (UBSan's alignment check stops there):
// copy each entry out before reading it.
template <class T>
T loadUnaligned(const T *p)
{
    T v;
    std::memcpy(static_cast<void *>(&v), static_cast<const void *>(p), sizeof v);
    return v;
}

// The argument structs take mutable pointers; libnfs only reads them while encoding.
void setFh(nfs_fh3 &out, const Fh &fh)
{
    out.data.data_len = u_int(fh.size());
    out.data.data_val = const_cast<char *>(fh.constData());
}

Fh fromFh(const nfs_fh3 &fh)
{
    return Fh(fh.data.data_val, qsizetype(fh.data.data_len));
}

NfsTime fromTime(const nfstime3 &t)
{
    return NfsTime{t.seconds, t.nseconds};
}

Attr fromFattr(const fattr3 &a)
{
    Attr out;
    out.type = uint32_t(a.type);
    out.mode = a.mode;
    out.nlink = a.nlink;
    out.uid = a.uid;
    out.gid = a.gid;
    out.size = a.size;
    out.used = a.used;
    out.fsid = a.fsid;
    out.fileid = a.fileid;
    out.atime = fromTime(a.atime);
    out.mtime = fromTime(a.mtime);
    out.ctime = fromTime(a.ctime);
    return out;
}

std::optional<Attr> fromPostOp(const post_op_attr &a)
{
    if (!a.attributes_follow)
        return std::nullopt;
    return fromFattr(a.post_op_attr_u.attributes);
}

Fh fromPostOpFh(const post_op_fh3 &fh)
{
    return fh.handle_follows ? fromFh(fh.post_op_fh3_u.handle) : Fh();
}

sattr3 toSattr(const SetAttr &s)
{
    sattr3 out;
    std::memset(&out, 0, sizeof out);
    if (s.mode) {
        out.mode.set_it = 1;
        out.mode.set_mode3_u.mode = *s.mode;
    }
    if (s.uid) {
        out.uid.set_it = 1;
        out.uid.set_uid3_u.uid = *s.uid;
    }
    if (s.gid) {
        out.gid.set_it = 1;
        out.gid.set_gid3_u.gid = *s.gid;
    }
    if (s.size) {
        out.size.set_it = 1;
        out.size.set_size3_u.size = *s.size;
    }
    auto how = [](SetAttr::Time t) {
        switch (t) {
        case SetAttr::Time::Keep: return DONT_CHANGE;
        case SetAttr::Time::Server: return SET_TO_SERVER_TIME;
        case SetAttr::Time::Client: return SET_TO_CLIENT_TIME;
        }
        return DONT_CHANGE;
    };
    out.atime.set_it = how(s.atimeHow);
    out.atime.set_atime_u.atime = nfstime3{s.atime.sec, s.atime.nsec};
    out.mtime.set_it = how(s.mtimeHow);
    out.mtime.set_mtime_u.mtime = nfstime3{s.mtime.sec, s.mtime.nsec};
    return out;
}

struct Pending {
    bool done = false;
    int status = -1;
    QString error;
    const std::function<void(void *)> *onReply = nullptr;
};

void onRpcReply(rpc_context *, int status, void *data, void *privateData)
{
    auto *p = static_cast<Pending *>(privateData);
    if (p->done)
        return;
    p->done = true;
    p->status = status;
    if (status == RPC_STATUS_SUCCESS) {
        if (*p->onReply)
            (*p->onReply)(data);
    } else if (status == RPC_STATUS_ERROR && data) {
        p->error = QString::fromUtf8(static_cast<const char *>(data));
    } else {
        p->error = status == RPC_STATUS_TIMEOUT ? QStringLiteral("RPC timeout")
                                                : QStringLiteral("RPC cancelled");
    }
}

} // namespace

QString nfsStatusName(int status)
{
    const char *name = nullptr;
    switch (status) {
    case -1: return QStringLiteral("call failed");
    case NFS3_OK: name = "NFS3_OK"; break;
    case NFS3ERR_PERM: name = "NFS3ERR_PERM"; break;
    case NFS3ERR_NOENT: name = "NFS3ERR_NOENT"; break;
    case NFS3ERR_IO: name = "NFS3ERR_IO"; break;
    case NFS3ERR_NXIO: name = "NFS3ERR_NXIO"; break;
    case NFS3ERR_ACCES: name = "NFS3ERR_ACCES"; break;
    case NFS3ERR_EXIST: name = "NFS3ERR_EXIST"; break;
    case NFS3ERR_XDEV: name = "NFS3ERR_XDEV"; break;
    case NFS3ERR_NODEV: name = "NFS3ERR_NODEV"; break;
    case NFS3ERR_NOTDIR: name = "NFS3ERR_NOTDIR"; break;
    case NFS3ERR_ISDIR: name = "NFS3ERR_ISDIR"; break;
    case NFS3ERR_INVAL: name = "NFS3ERR_INVAL"; break;
    case NFS3ERR_FBIG: name = "NFS3ERR_FBIG"; break;
    case NFS3ERR_NOSPC: name = "NFS3ERR_NOSPC"; break;
    case NFS3ERR_ROFS: name = "NFS3ERR_ROFS"; break;
    case NFS3ERR_MLINK: name = "NFS3ERR_MLINK"; break;
    case NFS3ERR_NAMETOOLONG: name = "NFS3ERR_NAMETOOLONG"; break;
    case NFS3ERR_NOTEMPTY: name = "NFS3ERR_NOTEMPTY"; break;
    case NFS3ERR_DQUOT: name = "NFS3ERR_DQUOT"; break;
    case NFS3ERR_STALE: name = "NFS3ERR_STALE"; break;
    case NFS3ERR_REMOTE: name = "NFS3ERR_REMOTE"; break;
    case NFS3ERR_BADHANDLE: name = "NFS3ERR_BADHANDLE"; break;
    case NFS3ERR_NOT_SYNC: name = "NFS3ERR_NOT_SYNC"; break;
    case NFS3ERR_BAD_COOKIE: name = "NFS3ERR_BAD_COOKIE"; break;
    case NFS3ERR_NOTSUPP: name = "NFS3ERR_NOTSUPP"; break;
    case NFS3ERR_TOOSMALL: name = "NFS3ERR_TOOSMALL"; break;
    case NFS3ERR_SERVERFAULT: name = "NFS3ERR_SERVERFAULT"; break;
    case NFS3ERR_BADTYPE: name = "NFS3ERR_BADTYPE"; break;
    case NFS3ERR_JUKEBOX: name = "NFS3ERR_JUKEBOX"; break;
    default: break;
    }
    return name ? QStringLiteral("%1 (%2)").arg(QLatin1String(name)).arg(status)
                : QStringLiteral("status %1").arg(status);
}

NfsTestClient::NfsTestClient() = default;

NfsTestClient::~NfsTestClient()
{
    closeRaw();
    closeNfs();
}

void NfsTestClient::closeRaw()
{
    if (rpc_) {
        rpc_destroy_context(rpc_);
        rpc_ = nullptr;
    }
}

void NfsTestClient::closeNfs()
{
    if (nfs_) {
        nfs_destroy_context(nfs_);
        nfs_ = nullptr;
    }
}

QString NfsTestClient::nfsError() const
{
    if (!nfs_)
        return QStringLiteral("no libnfs context");
    const char *e = nfs_get_error(nfs_);
    return e ? QString::fromUtf8(e) : QString();
}

bool NfsTestClient::open(const LoftServerProcess &server)
{
    return mount(server.libnfsUrl()) && connectRaw(server.port())
        && mountRaw(server.exportPath());
}

bool NfsTestClient::mount(const QString &libnfsUrl)
{
    closeNfs();
    nfs_ = nfs_init_context();
    if (!nfs_) {
        error_ = QStringLiteral("nfs_init_context failed");
        return false;
    }
    nfs_set_timeout(nfs_, kTimeoutMs);
    nfs_set_autoreconnect(nfs_, 0);
    const QByteArray url = libnfsUrl.toUtf8();
    nfs_url *parsed = nfs_parse_url_dir(nfs_, url.constData());
    if (!parsed) {
        error_ = QStringLiteral("cannot parse %1: %2").arg(libnfsUrl, nfsError());
        closeNfs();
        return false;
    }
    const int rc = nfs_mount(nfs_, parsed->server, parsed->path);
    nfs_destroy_url(parsed);
    if (rc != 0) {
        error_ = QStringLiteral("nfs_mount %1 failed: %2").arg(libnfsUrl, nfsError());
        closeNfs();
        return false;
    }
    return true;
}

bool NfsTestClient::connectRaw(quint16 port)
{
    closeRaw();
    rpc_ = rpc_init_context();
    if (!rpc_) {
        error_ = QStringLiteral("rpc_init_context failed");
        return false;
    }
    const bool ok = call(
        [&](rpc_cb cb, void *p) { return rpc_connect_async(rpc_, "127.0.0.1", port, cb, p); },
        {});
    if (!ok)
        error_ = QStringLiteral("cannot connect to 127.0.0.1:%1: %2").arg(port).arg(error_);
    return ok;
}

bool NfsTestClient::mountRaw(const QByteArray &exportPath)
{
    const MountRes r = mnt(exportPath);
    if (r.status != MNT3_OK) {
        if (r.status > 0)
            error_ = QStringLiteral("MOUNT %1 failed: status %2")
                         .arg(QString::fromLatin1(exportPath))
                         .arg(r.status);
        return false;
    }
    rootFh_ = r.fh;
    return true;
}

bool NfsTestClient::call(
    const std::function<int(void (*)(rpc_context *, int, void *, void *), void *)> &start,
    const std::function<void(void *)> &onReply, int timeoutMs)
{
    if (!rpc_) {
        error_ = QStringLiteral("not connected");
        return false;
    }
    Pending pending;
    pending.onReply = &onReply;
    if (start(&onRpcReply, &pending) != 0) {
        error_ = QStringLiteral("cannot queue the call: %1")
                     .arg(QString::fromUtf8(rpc_get_error(rpc_)));
        return false;
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!pending.done) {
        if (deadline.hasExpired()) {
            // Fails every call in flight (ours included) before `pending` goes away.
            rpc_disconnect(rpc_, "test timeout");
            closeRaw();
            error_ = QStringLiteral("no reply within %1 ms").arg(timeoutMs);
            return false;
        }
        pollfd pfd{rpc_get_fd(rpc_), short(rpc_which_events(rpc_)), 0};
        const int n = ::poll(&pfd, 1, 50);
        if (n < 0 && errno != EINTR) {
            rpc_disconnect(rpc_, "poll failed");
            closeRaw();
            error_ = QStringLiteral("poll: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        if (rpc_service(rpc_, n > 0 ? pfd.revents : 0) < 0) {
            const QString why = QString::fromUtf8(rpc_get_error(rpc_));
            if (!pending.done)
                rpc_disconnect(rpc_, "service failed");
            closeRaw();
            if (!pending.done || pending.status != RPC_STATUS_SUCCESS) {
                error_ = QStringLiteral("connection failed: %1 %2").arg(why, pending.error);
                return false;
            }
            return true;
        }
    }
    if (pending.status != RPC_STATUS_SUCCESS) {
        error_ = pending.error;
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// NFSv3

Res NfsTestClient::null()
{
    Res r;
    if (call([&](rpc_cb cb, void *p) { return rpc_nfs3_null_async(rpc_, cb, p); }, {}))
        r.status = NFS3_OK;
    return r;
}

AttrRes NfsTestClient::getattr(const Fh &fh)
{
    GETATTR3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object, fh);
    AttrRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_getattr_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<GETATTR3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK)
                 r.attr = fromFattr(res->GETATTR3res_u.resok.obj_attributes);
         });
    return r;
}

AttrRes NfsTestClient::setattr(const Fh &fh, const SetAttr &attr, std::optional<NfsTime> guard)
{
    SETATTR3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object, fh);
    args.new_attributes = toSattr(attr);
    if (guard) {
        args.guard.check = 1;
        args.guard.sattrguard3_u.obj_ctime = nfstime3{guard->sec, guard->nsec};
    }
    AttrRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_setattr_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<SETATTR3res *>(data);
             r.status = res->status;
             r.attr = fromPostOp(res->status == NFS3_OK ? res->SETATTR3res_u.resok.obj_wcc.after
                                                        : res->SETATTR3res_u.resfail.obj_wcc.after);
         });
    return r;
}

LookupRes NfsTestClient::lookup(const Fh &dir, const QByteArray &name)
{
    LOOKUP3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.what.dir, dir);
    QByteArray n = name;
    args.what.name = n.data();
    LookupRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_lookup_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<LOOKUP3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 r.fh = fromFh(res->LOOKUP3res_u.resok.object);
                 r.attr = fromPostOp(res->LOOKUP3res_u.resok.obj_attributes);
             }
         });
    return r;
}

LookupRes NfsTestClient::lookupPath(const QByteArray &path)
{
    LookupRes r;
    r.status = NFS3_OK;
    r.fh = rootFh_;
    for (const QByteArray &part : path.split('/')) {
        if (part.isEmpty())
            continue;
        r = lookup(r.fh, part);
        if (r.status != NFS3_OK)
            return r;
    }
    return r;
}

AccessRes NfsTestClient::access(const Fh &fh, uint32_t bits)
{
    ACCESS3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object, fh);
    args.access = bits;
    AccessRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_access_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<ACCESS3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK)
                 r.access = res->ACCESS3res_u.resok.access;
         });
    return r;
}

ReadlinkRes NfsTestClient::readlink(const Fh &fh)
{
    READLINK3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.symlink, fh);
    ReadlinkRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_readlink_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<READLINK3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK)
                 r.target = QByteArray(res->READLINK3res_u.resok.data);
         });
    return r;
}

ReadRes NfsTestClient::read(const Fh &fh, uint64_t offset, uint32_t count)
{
    READ3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.file, fh);
    args.offset = offset;
    args.count = count;
    ReadRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_read_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<READ3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 const READ3resok &ok = res->READ3res_u.resok;
                 r.count = ok.count;
                 r.eof = ok.eof;
                 r.data = QByteArray(ok.data.data_val, qsizetype(ok.data.data_len));
                 r.attr = fromPostOp(ok.file_attributes);
             }
         });
    return r;
}

WriteRes NfsTestClient::write(const Fh &fh, uint64_t offset, const QByteArray &data, int stable)
{
    WRITE3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.file, fh);
    args.offset = offset;
    args.count = count3(data.size());
    args.stable = stable_how(stable);
    args.data.data_len = u_int(data.size());
    args.data.data_val = const_cast<char *>(data.constData());
    WriteRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_write_async(rpc_, cb, &args, p); },
         [&](void *reply) {
             auto *res = static_cast<WRITE3res *>(reply);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 const WRITE3resok &ok = res->WRITE3res_u.resok;
                 r.count = ok.count;
                 r.committed = int(ok.committed);
                 r.verf = QByteArray(ok.verf, NFS3_WRITEVERFSIZE);
                 r.after = fromPostOp(ok.file_wcc.after);
             }
         });
    return r;
}

CommitRes NfsTestClient::commit(const Fh &fh, uint64_t offset, uint32_t count)
{
    COMMIT3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.file, fh);
    args.offset = offset;
    args.count = count;
    CommitRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_commit_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<COMMIT3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK)
                 r.verf = QByteArray(res->COMMIT3res_u.resok.verf, NFS3_WRITEVERFSIZE);
         });
    return r;
}

CreateRes NfsTestClient::create(const Fh &dir, const QByteArray &name, CreateHow how,
                                const SetAttr &attr, const QByteArray &verifier)
{
    CREATE3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.where.dir, dir);
    QByteArray n = name;
    args.where.name = n.data();
    args.how.mode = createmode3(how);
    switch (how) {
    case CreateHow::Unchecked: args.how.createhow3_u.obj_attributes = toSattr(attr); break;
    case CreateHow::Guarded: args.how.createhow3_u.g_obj_attributes = toSattr(attr); break;
    case CreateHow::Exclusive:
        std::memcpy(args.how.createhow3_u.verf, verifier.leftJustified(8, '\0').constData(), 8);
        break;
    }
    CreateRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_create_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<CREATE3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 r.fh = fromPostOpFh(res->CREATE3res_u.resok.obj);
                 r.attr = fromPostOp(res->CREATE3res_u.resok.obj_attributes);
             }
         });
    return r;
}

CreateRes NfsTestClient::mkdir(const Fh &dir, const QByteArray &name, const SetAttr &attr)
{
    MKDIR3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.where.dir, dir);
    QByteArray n = name;
    args.where.name = n.data();
    args.attributes = toSattr(attr);
    CreateRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_mkdir_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<MKDIR3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 r.fh = fromPostOpFh(res->MKDIR3res_u.resok.obj);
                 r.attr = fromPostOp(res->MKDIR3res_u.resok.obj_attributes);
             }
         });
    return r;
}

CreateRes NfsTestClient::symlink(const Fh &dir, const QByteArray &name, const QByteArray &target)
{
    SYMLINK3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.where.dir, dir);
    QByteArray n = name;
    QByteArray t = target;
    args.where.name = n.data();
    args.symlink.symlink_data = t.data();
    args.symlink.symlink_attributes = toSattr({});
    CreateRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_symlink_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<SYMLINK3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 r.fh = fromPostOpFh(res->SYMLINK3res_u.resok.obj);
                 r.attr = fromPostOp(res->SYMLINK3res_u.resok.obj_attributes);
             }
         });
    return r;
}

CreateRes NfsTestClient::mknod(const Fh &dir, const QByteArray &name, int type)
{
    MKNOD3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.where.dir, dir);
    QByteArray n = name;
    args.where.name = n.data();
    args.what.type = ftype3(type);
    switch (type) {
    case NF3CHR:
        args.what.mknoddata3_u.chr_device.dev_attributes = toSattr({});
        args.what.mknoddata3_u.chr_device.spec = specdata3{1, 3}; // like /dev/null
        break;
    case NF3BLK:
        args.what.mknoddata3_u.blk_device.dev_attributes = toSattr({});
        args.what.mknoddata3_u.blk_device.spec = specdata3{7, 0};
        break;
    case NF3SOCK: args.what.mknoddata3_u.sock_attributes = toSattr({}); break;
    case NF3FIFO: args.what.mknoddata3_u.pipe_attributes = toSattr({}); break;
    default: break;
    }
    CreateRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_mknod_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<MKNOD3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 r.fh = fromPostOpFh(res->MKNOD3res_u.resok.obj);
                 r.attr = fromPostOp(res->MKNOD3res_u.resok.obj_attributes);
             }
         });
    return r;
}

Res NfsTestClient::remove(const Fh &dir, const QByteArray &name)
{
    REMOVE3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object.dir, dir);
    QByteArray n = name;
    args.object.name = n.data();
    Res r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_remove_async(rpc_, cb, &args, p); },
         [&](void *data) { r.status = static_cast<REMOVE3res *>(data)->status; });
    return r;
}

Res NfsTestClient::rmdir(const Fh &dir, const QByteArray &name)
{
    RMDIR3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object.dir, dir);
    QByteArray n = name;
    args.object.name = n.data();
    Res r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_rmdir_async(rpc_, cb, &args, p); },
         [&](void *data) { r.status = static_cast<RMDIR3res *>(data)->status; });
    return r;
}

Res NfsTestClient::rename(const Fh &fromDir, const QByteArray &fromName, const Fh &toDir,
                          const QByteArray &toName)
{
    RENAME3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.from.dir, fromDir);
    setFh(args.to.dir, toDir);
    QByteArray f = fromName;
    QByteArray t = toName;
    args.from.name = f.data();
    args.to.name = t.data();
    Res r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_rename_async(rpc_, cb, &args, p); },
         [&](void *data) { r.status = static_cast<RENAME3res *>(data)->status; });
    return r;
}

LinkRes NfsTestClient::link(const Fh &file, const Fh &dir, const QByteArray &name)
{
    LINK3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.file, file);
    setFh(args.link.dir, dir);
    QByteArray n = name;
    args.link.name = n.data();
    LinkRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_link_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<LINK3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK)
                 r.attr = fromPostOp(res->LINK3res_u.resok.file_attributes);
         });
    return r;
}

ReaddirRes NfsTestClient::readdir(const Fh &dir, uint64_t cookie, const QByteArray &verf,
                                  uint32_t count)
{
    READDIR3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.dir, dir);
    args.cookie = cookie;
    std::memcpy(args.cookieverf, verf.leftJustified(8, '\0').constData(), 8);
    args.count = count;
    ReaddirRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_readdir_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<READDIR3res *>(data);
             r.status = res->status;
             if (res->status != NFS3_OK)
                 return;
             const READDIR3resok &ok = res->READDIR3res_u.resok;
             r.verf = QByteArray(ok.cookieverf, NFS3_COOKIEVERFSIZE);
             r.eof = ok.reply.eof;
             for (const entry3 *p = ok.reply.entries; p;) {
                 const entry3 e = loadUnaligned(p);
                 r.entries.append(DirEntry{e.fileid, QByteArray(e.name), e.cookie, {}, {}});
                 p = e.nextentry;
             }
         });
    return r;
}

ReaddirRes NfsTestClient::readdirplus(const Fh &dir, uint64_t cookie, const QByteArray &verf,
                                      uint32_t dircount, uint32_t maxcount)
{
    READDIRPLUS3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.dir, dir);
    args.cookie = cookie;
    std::memcpy(args.cookieverf, verf.leftJustified(8, '\0').constData(), 8);
    args.dircount = dircount;
    args.maxcount = maxcount;
    ReaddirRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_readdirplus_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<READDIRPLUS3res *>(data);
             r.status = res->status;
             if (res->status != NFS3_OK)
                 return;
             const READDIRPLUS3resok &ok = res->READDIRPLUS3res_u.resok;
             r.verf = QByteArray(ok.cookieverf, NFS3_COOKIEVERFSIZE);
             r.eof = ok.reply.eof;
             for (const entryplus3 *p = ok.reply.entries; p;) {
                 const entryplus3 e = loadUnaligned(p);
                 r.entries.append(DirEntry{e.fileid, QByteArray(e.name), e.cookie,
                                           fromPostOp(e.name_attributes),
                                           fromPostOpFh(e.name_handle)});
                 p = e.nextentry;
             }
         });
    return r;
}

FsstatRes NfsTestClient::fsstat(const Fh &fh)
{
    FSSTAT3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.fsroot, fh);
    FsstatRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_fsstat_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<FSSTAT3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 const FSSTAT3resok &ok = res->FSSTAT3res_u.resok;
                 r.tbytes = ok.tbytes;
                 r.fbytes = ok.fbytes;
                 r.abytes = ok.abytes;
                 r.tfiles = ok.tfiles;
                 r.ffiles = ok.ffiles;
                 r.afiles = ok.afiles;
             }
         });
    return r;
}

FsinfoRes NfsTestClient::fsinfo(const Fh &fh)
{
    FSINFO3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.fsroot, fh);
    FsinfoRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_fsinfo_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<FSINFO3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 const FSINFO3resok &ok = res->FSINFO3res_u.resok;
                 r.rtmax = ok.rtmax;
                 r.rtpref = ok.rtpref;
                 r.rtmult = ok.rtmult;
                 r.wtmax = ok.wtmax;
                 r.wtpref = ok.wtpref;
                 r.wtmult = ok.wtmult;
                 r.dtpref = ok.dtpref;
                 r.maxfilesize = ok.maxfilesize;
                 r.timeDelta = fromTime(ok.time_delta);
                 r.properties = ok.properties;
             }
         });
    return r;
}

PathconfRes NfsTestClient::pathconf(const Fh &fh)
{
    PATHCONF3args args;
    std::memset(&args, 0, sizeof args);
    setFh(args.object, fh);
    PathconfRes r;
    call([&](rpc_cb cb, void *p) { return rpc_nfs3_pathconf_async(rpc_, cb, &args, p); },
         [&](void *data) {
             auto *res = static_cast<PATHCONF3res *>(data);
             r.status = res->status;
             if (res->status == NFS3_OK) {
                 const PATHCONF3resok &ok = res->PATHCONF3res_u.resok;
                 r.linkmax = ok.linkmax;
                 r.nameMax = ok.name_max;
                 r.noTrunc = ok.no_trunc;
                 r.chownRestricted = ok.chown_restricted;
                 r.caseInsensitive = ok.case_insensitive;
                 r.casePreserving = ok.case_preserving;
             }
         });
    return r;
}

// ---------------------------------------------------------------------------------------
// MOUNT v3 and portmapper v2

MountRes NfsTestClient::mnt(const QByteArray &path)
{
    QByteArray p0 = path;
    MountRes r;
    call([&](rpc_cb cb, void *p) { return rpc_mount3_mnt_async(rpc_, cb, p0.data(), p); },
         [&](void *data) {
             auto *res = static_cast<mountres3 *>(data);
             r.status = res->fhs_status;
             if (res->fhs_status == MNT3_OK) {
                 const mountres3_ok &ok = res->mountres3_u.mountinfo;
                 r.fh = Fh(ok.fhandle.fhandle3_val, qsizetype(ok.fhandle.fhandle3_len));
                 for (u_int i = 0; i < ok.auth_flavors.auth_flavors_len; ++i)
                     r.flavors.append(ok.auth_flavors.auth_flavors_val[i]);
             }
         });
    return r;
}

std::optional<QList<QByteArray>> NfsTestClient::exportList()
{
    QList<QByteArray> out;
    const bool ok = call(
        [&](rpc_cb cb, void *p) { return rpc_mount3_export_async(rpc_, cb, p); },
        [&](void *data) {
            auto *list = static_cast<exports *>(data);
            for (const exportnode *n = list ? *list : nullptr; n; n = n->ex_next)
                out.append(QByteArray(n->ex_dir));
        });
    if (!ok)
        return std::nullopt;
    return out;
}

qint64 NfsTestClient::getport(uint32_t prog, uint32_t vers, uint32_t prot)
{
    qint64 port = -1;
    call([&](rpc_cb cb, void *p) {
             return rpc_pmap2_getport_async(rpc_, int(prog), int(vers), int(prot), cb, p);
         },
         [&](void *data) { port = *static_cast<uint32_t *>(data); });
    return port;
}

} // namespace loft::test
