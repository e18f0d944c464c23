#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
// What the caller may do, from the mode bits and its AUTH_SYS identity. Honest for a
// read-only export: no MODIFY, EXTEND or DELETE is ever granted there.
uint32_t allowed(const FsAttr &a, const std::optional<rpc::AuthSys> &cred, bool readOnly)
{
    uint32_t bits;
    if (!cred || cred->uid == 0) {
        bits = 7; // root (or no credentials: the server's own user) may read and write
        if (a.type != FsType::Directory && !(a.mode & 0111))
            bits &= ~1u;
    } else if (cred->uid == a.uid) {
        bits = (a.mode >> 6) & 7;
    } else if (cred->gid == a.gid || cred->gids.items.contains(a.gid)) {
        bits = (a.mode >> 3) & 7;
    } else {
        bits = a.mode & 7;
    }
    uint32_t access = 0;
    if (bits & 4)
        access |= ACCESS3_READ;
    if (bits & 2)
        access |= ACCESS3_MODIFY | ACCESS3_EXTEND;
    if (bits & 1)
        access |= a.type == FsType::Directory ? ACCESS3_LOOKUP : ACCESS3_EXECUTE;
    if (a.type == FsType::Directory && (bits & 2))
        access |= ACCESS3_DELETE;
    if (readOnly)
        access &= ~(ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE);
    return access;
}
} // namespace

void nfsAccess(NfsRequest req, ACCESS3args args, NfsReply<ACCESS3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.object, node, reply))
        return;
    NfsExport *ex = req.ex;
    const uint32_t wanted = args.access;
    auto cred = req.cred;
    ex->fs().getattr(node.path, ex->then<FsAttr>([ex, node, wanted, cred, reply](FsResult<FsAttr> attr) {
        ACCESS3res res;
        if (!attr)
            return reply.fail(objectStatus(*ex, node, attr.error()));
        res.ok.obj_attributes = postOpAttr(*ex, node.id, *attr);
        res.ok.access = wanted & allowed(*attr, cred, ex->readOnly());
        reply(res);
    }));
}

} // namespace loft::nfs3
