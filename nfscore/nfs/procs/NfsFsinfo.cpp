#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsFsinfo(NfsRequest req, FSINFO3args args, NfsReply<FSINFO3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.fsroot, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().getattr(node.path, ex->then<FsAttr>([ex, node, reply](FsResult<FsAttr> attr) {
        FSINFO3res res;
        if (!attr)
            return reply.fail(objectStatus(*ex, node, attr.error()));
        const FsCapabilities &caps = ex->capabilities();
        res.ok.obj_attributes = postOpAttr(*ex, node.id, *attr);
        res.ok.rtmax = res.ok.rtpref = kMaxIoSize;
        res.ok.wtmax = res.ok.wtpref = kMaxIoSize;
        res.ok.rtmult = res.ok.wtmult = 4096;
        res.ok.dtpref = 64 * 1024;
        res.ok.maxfilesize = caps.maxFileSize;
        res.ok.time_delta = nfstime3{0, 1};
        res.ok.properties = FSF3_HOMOGENEOUS | FSF3_CANSETTIME
            | (caps.hardLinks ? FSF3_LINK : 0) | (caps.symlinks ? FSF3_SYMLINK : 0);
        reply(res);
    }));
}

} // namespace loft::nfs3
