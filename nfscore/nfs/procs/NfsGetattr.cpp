#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsGetattr(NfsRequest req, GETATTR3args args, NfsReply<GETATTR3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.object, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().getattr(node.path, ex->then<FsAttr>([ex, node, reply](FsResult<FsAttr> attr) {
        GETATTR3res res;
        if (!attr)
            res.status = objectStatus(*ex, node, attr.error());
        else if (const nfsstat3 s = checkIdentity(*ex, node, *attr); s != nfsstat3::NFS3_OK)
            res.status = s;
        else
            res.ok.obj_attributes = attributesFor(*ex, node.id, *attr);
        reply(res);
    }));
}

} // namespace loft::nfs3
