// What every NFSv3 procedure handler works with: the export, the caller's
// credentials, a typed one-shot reply, and the small steps they all share
// (resolve a handle, check a name, make a child's handle).
#pragma once

#include "nfs/NfsAttrConvert.h"
#include "nfs/NfsExport.h"
#include "nfs/NfsStatusMap.h"
#include "rpc/RpcCall.h"

#include <memory>
#include <variant>

namespace loft::nfs3 {

struct NfsRequest {
    NfsExport *ex = nullptr;
    std::optional<rpc::AuthSys> cred;
};

// Sends the procedure's result. Copyable so it can ride in provider completions;
// the first call sends, the underlying RpcReply answers SYSTEM_ERR if none does.
template <class Res>
class NfsReply {
public:
    explicit NfsReply(rpc::RpcReply reply)
        : reply_(std::make_shared<rpc::RpcReply>(std::move(reply))) {}
    void operator()(const Res &res) const { reply_->success(res); }

    // A result with only a status and a default failure arm.
    void fail(nfsstat3 status) const
    {
        Res res;
        res.status = status;
        (*this)(res);
    }

private:
    std::shared_ptr<rpc::RpcReply> reply_;
};

struct Node {
    uint64_t id = 0;
    QByteArray path;
};

// Handle -> node: BADHANDLE for a malformed or forged handle, STALE for a file id
// that no longer names anything.
std::variant<Node, nfsstat3> resolve(NfsExport &ex, const nfs_fh3 &fh);

nfs_fh3 handleFor(const NfsExport &ex, uint64_t id);

// Checks a name that a procedure is about to create.
nfsstat3 checkNewName(const NfsExport &ex, const QByteArray &name);
// Checks a name that a procedure removes or renames from.
nfsstat3 checkExistingName(const NfsExport &ex, const QByteArray &name);

// NFS3_OK when `attr` (read at node.path) belongs to node's object. When the provider's
// identity shows that node.path now names another object: STALE, and the id is retired --
// unless the object was renamed while the call ran (see objectStatus): then JUKEBOX.
nfsstat3 checkIdentity(NfsExport &ex, const Node &node, const FsAttr &attr);

// The attributes a call hands out for object `id`. They also refresh the copy in its
// folder's kept listing, so a later READDIRPLUS does not answer older ones.
fattr3 attributesFor(NfsExport &ex, uint64_t id, const FsAttr &attr);
post_op_attr postOpAttr(NfsExport &ex, uint64_t id, const FsAttr &attr);
wcc_data objectWcc(NfsExport &ex, uint64_t id, const FsAttr &before, const FsAttr &after);
// A folder's attributes around a change of its entries, likewise.
wcc_data folderWcc(NfsExport &ex, uint64_t dirId, const FsDirChange &change);

} // namespace loft::nfs3

namespace loft::nfs3 {

// True when node's object no longer lives at node.path because a RENAME of it (or of a
// folder above it) completed while a call that resolved node.path earlier was running.
// Its id is still good: the call only used an old path.
inline bool movedMeanwhile(NfsExport &ex, const Node &node)
{
    const auto now = ex.nodes().path(node.id);
    return now && *now != node.path;
}

// Status for a failure on the object a handle names (node = what the call resolved):
// a vanished object is STALE, and its id is retired. An object that only moved while the
// call ran gets JUKEBOX instead, so the client asks again (and the new path is used);
// retiring it would make a live handle STALE for good.
inline nfsstat3 objectStatus(NfsExport &ex, const Node &node, FsError e)
{
    if (e == FsError::NotFound || e == FsError::Stale) {
        if (movedMeanwhile(ex, node))
            return nfsstat3::NFS3ERR_JUKEBOX;
        ex.nodes().retire(node.id);
        return nfsstat3::NFS3ERR_STALE;
    }
    return nfsStatus(e);
}

// Resolves `fh` into `node`, or answers the failure and returns false.
template <class Res>
bool resolveOrFail(NfsRequest &req, const nfs_fh3 &fh, Node &node, const NfsReply<Res> &reply)
{
    auto r = resolve(*req.ex, fh);
    if (auto *status = std::get_if<nfsstat3>(&r)) {
        reply.fail(*status);
        return false;
    }
    node = std::move(std::get<Node>(r));
    return true;
}

} // namespace loft::nfs3

namespace loft::nfs3 {

// Prologue of CREATE, MKDIR, SYMLINK and MKNOD: resolve the directory, check the new
// name and the export's writability. Answers and returns false on failure.
template <class Res>
bool prepareCreate(NfsRequest &req, const diropargs3 &where, Node &dir, const NfsReply<Res> &reply)
{
    if (!resolveOrFail(req, where.dir, dir, reply))
        return false;
    nfsstat3 status = checkNewName(*req.ex, where.name.bytes);
    if (status == nfsstat3::NFS3_OK && req.ex->readOnly())
        status = nfsstat3::NFS3ERR_ROFS;
    if (status != nfsstat3::NFS3_OK) {
        reply.fail(status);
        return false;
    }
    return true;
}

// Epilogue of CREATE, MKDIR, SYMLINK and MKNOD: bind the new object to a file id and
// answer {handle, attributes, directory wcc}.
template <class Res>
void finishCreate(NfsExport &ex, const Node &dir, const QByteArray &name,
                  FsResult<FsCreated> &&created, const NfsReply<Res> &reply)
{
    Res res;
    if (!created) {
        res.status = nfsStatus(created.error());
        reply(res);
        return;
    }
    const auto replaced = ex.nodes().child(dir.id, name);
    const uint64_t id = ex.nodes().bind(dir.id, name, created->attr.identity);
    ex.listings().added(dir.id, id, replaced.value_or(0), name, created->attr, created->dir);
    res.ok.obj = handleFor(ex, id);
    res.ok.obj_attributes = postOpAttr(ex, id, created->attr);
    res.ok.dir_wcc = folderWcc(ex, dir.id, created->dir);
    reply(res);
}

} // namespace loft::nfs3
