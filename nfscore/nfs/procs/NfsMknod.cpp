#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsMknod(NfsRequest req, MKNOD3args args, NfsReply<MKNOD3res> reply)
{
    Node dir;
    if (!prepareCreate(req, args.where, dir, reply))
        return;
    NfsExport *ex = req.ex;
    FsType type;
    switch (args.what.type) {
    case ftype3::NF3FIFO: type = FsType::Fifo; break;
    case ftype3::NF3SOCK: type = FsType::Socket; break;
    case ftype3::NF3CHR:
    case ftype3::NF3BLK:
        // Device nodes on a user's cloud folder make no sense and need privileges.
        return reply.fail(kUnsupportedObjectKind);
    default:
        return reply.fail(nfsstat3::NFS3ERR_BADTYPE);
    }
    const QByteArray name = args.where.name.bytes;
    ex->fs().mknod(dir.path, name, type, fromSattr3(args.what.pipe_attributes),
                   ex->then<FsCreated>([ex, dir, name, reply](FsResult<FsCreated> created) {
                       if (!created)
                           created = unsupportedKindAsNotPermitted(created.error());
                       finishCreate(*ex, dir, name, std::move(created), reply);
                   }));
}

} // namespace loft::nfs3
