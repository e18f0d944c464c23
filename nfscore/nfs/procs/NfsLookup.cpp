#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
// dir/name through the provider. An answer that a RENAME or REMOVE+CREATE of the name
// overtook (bind() says so) is asked again, at most `retries` times.
void lookupName(NfsExport *ex, const Node &dir, const QByteArray &name,
                const NfsReply<LOOKUP3res> &reply, int retries)
{
    const uint64_t seen = ex->nodes().changeCount();
    ex->fs().lookup(dir.path, name, ex->then<FsAttr>([=](FsResult<FsAttr> attr) {
        LOOKUP3res res;
        if (!attr) {
            // NotFound because the directory was renamed while we looked is not "no such
            // name" (the client would cache that): let it ask again.
            res.status = attr.error() != FsError::NotFound ? nfsStatus(attr.error())
                         : movedMeanwhile(*ex, dir)        ? nfsstat3::NFS3ERR_JUKEBOX
                                                           : nfsstat3::NFS3ERR_NOENT;
            return reply(res);
        }
        const uint64_t id = ex->nodes().bind(dir.id, name, attr->identity, seen);
        if (id == 0) {
            auto path = ex->nodes().path(dir.id);
            if (!path)
                return reply.fail(nfsstat3::NFS3ERR_STALE);
            if (retries == 0)
                return reply.fail(nfsstat3::NFS3ERR_JUKEBOX);
            return lookupName(ex, Node{dir.id, *path}, name, reply, retries - 1);
        }
        res.ok.object = handleFor(*ex, id);
        res.ok.obj_attributes = postOpAttr(*ex, id, *attr);
        reply(res);
    }));
}
} // namespace

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
        ex->fs().getattr(*path, ex->then<FsAttr>([ex, id, used = Node{id, *path},
                                                  reply](FsResult<FsAttr> attr) {
            LOOKUP3res res;
            if (!attr)
                return reply.fail(objectStatus(*ex, used, attr.error()));
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

    lookupName(ex, dir, name, reply, 2);
}

} // namespace loft::nfs3
