#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
// SETATTR with a guard: only when the object's ctime still equals the client's.
void applySetattr(NfsExport *ex, const Node &node, const FsSetAttr &changes,
                  const std::optional<FsAttr> &before, NfsReply<SETATTR3res> reply)
{
    ex->fs().setattr(node.path, changes,
                     ex->then<FsAttr>([ex, node, before, reply](FsResult<FsAttr> after) {
                         SETATTR3res res;
                         if (before)
                             res.ok.obj_wcc.before = toWccAttr(*before);
                         if (!after) {
                             res.status = objectStatus(*ex, node, after.error());
                             res.fail.obj_wcc = res.ok.obj_wcc;
                         } else {
                             res.ok.obj_wcc.after = postOpAttr(*ex, node.id, *after);
                         }
                         reply(res);
                     }));
}
} // namespace

void nfsSetattr(NfsRequest req, SETATTR3args args, NfsReply<SETATTR3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.object, node, reply))
        return;
    NfsExport *ex = req.ex;
    if (ex->readOnly())
        return reply.fail(nfsstat3::NFS3ERR_ROFS);
    const FsSetAttr changes = fromSattr3(args.new_attributes);
    const sattrguard3 guard = args.guard;
    ex->fs().getattr(node.path, ex->then<FsAttr>([ex, node, changes, guard,
                                                  reply](FsResult<FsAttr> before) {
        if (!before)
            return reply.fail(objectStatus(*ex, node, before.error()));
        if (guard && !(toNfsTime(before->ctime) == *guard)) {
            SETATTR3res res;
            res.status = nfsstat3::NFS3ERR_NOT_SYNC;
            res.fail.obj_wcc.before = toWccAttr(*before);
            res.fail.obj_wcc.after = postOpAttr(*ex, node.id, *before);
            return reply(res);
        }
        applySetattr(ex, node, changes, *before, reply);
    }));
}

} // namespace loft::nfs3
