#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsCommit(NfsRequest req, COMMIT3args args, NfsReply<COMMIT3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.file, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().commit(node.path, ex->then<FsAttr>([ex, node, reply](FsResult<FsAttr> attr) {
        COMMIT3res res;
        if (!attr) {
            res.status = objectStatus(*ex, node, attr.error());
            return reply(res);
        }
        res.ok.file_wcc.after = postOpAttr(*ex, node.id, *attr);
        res.ok.verf = ex->writeVerifier();
        reply(res);
    }));
}

} // namespace loft::nfs3
