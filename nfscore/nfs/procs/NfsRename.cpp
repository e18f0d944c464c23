#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsRename(NfsRequest req, RENAME3args args, NfsReply<RENAME3res> reply)
{
    Node fromDir, toDir;
    if (!resolveOrFail(req, args.from.dir, fromDir, reply)
        || !resolveOrFail(req, args.to.dir, toDir, reply))
        return;
    NfsExport *ex = req.ex;
    const QByteArray fromName = args.from.name.bytes;
    const QByteArray toName = args.to.name.bytes;
    nfsstat3 status = checkExistingName(*ex, fromName);
    if (status == nfsstat3::NFS3_OK)
        status = checkNewName(*ex, toName);
    if (status == nfsstat3::NFS3_OK && ex->readOnly())
        status = nfsstat3::NFS3ERR_ROFS;
    if (status != nfsstat3::NFS3_OK)
        return reply.fail(status);
    ex->fs().rename(fromDir.path, fromName, toDir.path, toName,
                    ex->then<FsRenamed>([=](FsResult<FsRenamed> renamed) {
                        RENAME3res res;
                        if (!renamed) {
                            res.status = nfsStatus(renamed.error());
                            return reply(res);
                        }
                        // The moved object keeps its file id (and so its handle).
                        if (auto id = ex->nodes().child(fromDir.id, fromName))
                            ex->nodes().move(*id, toDir.id, toName);
                        else
                            ex->nodes().retireChild(toDir.id, toName);
                        ex->listings().invalidate(fromDir.id);
                        ex->listings().invalidate(toDir.id);
                        res.ok.fromdir_wcc = folderWcc(*ex, fromDir.id, renamed->fromDir);
                        res.ok.todir_wcc = folderWcc(*ex, toDir.id, renamed->toDir);
                        reply(res);
                    }));
}

} // namespace loft::nfs3
