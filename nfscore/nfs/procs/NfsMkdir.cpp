#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsMkdir(NfsRequest req, MKDIR3args args, NfsReply<MKDIR3res> reply)
{
    Node dir;
    if (!prepareCreate(req, args.where, dir, reply))
        return;
    NfsExport *ex = req.ex;
    const QByteArray name = args.where.name.bytes;
    ex->fs().mkdir(dir.path, name, fromSattr3(args.attributes),
                   ex->then<FsCreated>([ex, dir, name, reply](FsResult<FsCreated> created) {
                       finishCreate(*ex, dir, name, std::move(created), reply);
                   }));
}

} // namespace loft::nfs3
