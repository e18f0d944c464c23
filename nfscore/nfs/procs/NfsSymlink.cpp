#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsSymlink(NfsRequest req, SYMLINK3args args, NfsReply<SYMLINK3res> reply)
{
    Node dir;
    if (!prepareCreate(req, args.where, dir, reply))
        return;
    NfsExport *ex = req.ex;
    if (!ex->capabilities().symlinks)
        return reply.fail(kUnsupportedObjectKind);
    const QByteArray &target = args.symlink.symlink_data.bytes;
    if (target.isEmpty() || target.contains('\0'))
        return reply.fail(nfsstat3::NFS3ERR_INVAL);
    const QByteArray name = args.where.name.bytes;
    ex->fs().symlink(dir.path, name, target, fromSattr3(args.symlink.symlink_attributes),
                     ex->then<FsCreated>([ex, dir, name, reply](FsResult<FsCreated> created) {
                         if (!created)
                             created = unsupportedKindAsNotPermitted(created.error());
                         finishCreate(*ex, dir, name, std::move(created), reply);
                     }));
}

} // namespace loft::nfs3
