#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsLookup(NfsRequest req, LOOKUP3args args, NfsReply<LOOKUP3res> reply)
{
    Node dir;
    if (!resolveOrFail(req, args.what.dir, dir, reply))
        return;
    NfsExport *ex = req.ex;
    const QByteArray name = args.what.name.bytes;

    // "." is the directory itself and ".." its parent (the root is its own parent).
    if (name == "." || name == "..") {
        uint64_t id = dir.id;
        if (name == "..")
            if (const NodeTable::Node *n = ex->nodes().node(dir.id); n && dir.id != NodeTable::kRootId)
                id = n->parent;
        auto path = ex->nodes().path(id);
        if (!path)
            return reply.fail(nfsstat3::NFS3ERR_STALE);
        ex->fs().getattr(*path, ex->then<FsAttr>([ex, id, reply](FsResult<FsAttr> attr) {
            LOOKUP3res res;
            if (!attr)
                return reply.fail(objectStatus(*ex, id, attr.error()));
            res.ok.object = handleFor(*ex, id);
            res.ok.obj_attributes = postOpAttr(*ex, id, *attr);
            reply(res);
        }));
        return;
    }
    if (name.isEmpty() || name.contains('/') || name.contains('\0'))
        return reply.fail(name.isEmpty() ? nfsstat3::NFS3ERR_NOENT : nfsstat3::NFS3ERR_INVAL);
    if (uint32_t(name.size()) > ex->capabilities().maxNameBytes)
        return reply.fail(nfsstat3::NFS3ERR_NAMETOOLONG);

    ex->fs().lookup(dir.path, name, ex->then<FsAttr>([ex, dir, name, reply](FsResult<FsAttr> attr) {
        LOOKUP3res res;
        if (!attr) {
            res.status = attr.error() == FsError::NotFound ? nfsstat3::NFS3ERR_NOENT
                                                           : nfsStatus(attr.error());
            return reply(res);
        }
        const uint64_t id = ex->nodes().bind(dir.id, name, attr->identity);
        res.ok.object = handleFor(*ex, id);
        res.ok.obj_attributes = postOpAttr(*ex, id, *attr);
        reply(res);
    }));
}

} // namespace loft::nfs3
