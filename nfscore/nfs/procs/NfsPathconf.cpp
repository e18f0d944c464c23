#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsPathconf(NfsRequest req, PATHCONF3args args, NfsReply<PATHCONF3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.object, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().getattr(node.path, ex->then<FsAttr>([ex, node, reply](FsResult<FsAttr> attr) {
        PATHCONF3res res;
        if (!attr)
            return reply.fail(objectStatus(*ex, node, attr.error()));
        const FsCapabilities &caps = ex->capabilities();
        res.ok.obj_attributes = postOpAttr(*ex, node.id, *attr);
        res.ok.linkmax = caps.hardLinks ? 32000 : 1;
        res.ok.name_max = caps.maxNameBytes;
        res.ok.no_trunc = true; // long names are refused, never truncated
        res.ok.chown_restricted = true;
        res.ok.case_insensitive = caps.caseInsensitive;
        res.ok.case_preserving = true;
        reply(res);
    }));
}

} // namespace loft::nfs3
