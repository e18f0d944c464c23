#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsReadlink(NfsRequest req, READLINK3args args, NfsReply<READLINK3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.symlink, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().readlink(node.path, ex->then<QByteArray>([ex, node, reply](FsResult<QByteArray> target) {
        READLINK3res res;
        if (!target)
            res.status = target.error() == FsError::InvalidArgument
                ? nfsstat3::NFS3ERR_INVAL // not a symlink
                : objectStatus(*ex, node, target.error());
        else
            res.ok.data.bytes = *target;
        reply(res);
    }));
}

} // namespace loft::nfs3
