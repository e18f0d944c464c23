#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

// REMOVE and RMDIR differ only in the provider call.
template <class Res, class Call>
void removeEntry(NfsRequest &req, const diropargs3 &what, const NfsReply<Res> &reply, Call call)
{
    Node dir;
    if (!resolveOrFail(req, what.dir, dir, reply))
        return;
    NfsExport *ex = req.ex;
    nfsstat3 status = checkExistingName(*ex, what.name.bytes);
    if (status == nfsstat3::NFS3_OK && ex->readOnly())
        status = nfsstat3::NFS3ERR_ROFS;
    if (status != nfsstat3::NFS3_OK)
        return reply.fail(status);
    const QByteArray name = what.name.bytes;
    call(ex->fs(), dir.path, name,
         ex->then<FsDirChange>([ex, dir, name, reply](FsResult<FsDirChange> change) {
             Res res;
             if (!change) {
                 res.status = nfsStatus(change.error());
                 return reply(res);
             }
             const auto removed = ex->nodes().child(dir.id, name);
             ex->nodes().retireChild(dir.id, name);
             ex->listings().removed(dir.id, removed.value_or(0), *change);
             res.ok.dir_wcc = folderWcc(*ex, dir.id, *change);
             reply(res);
         }));
}

void nfsRemove(NfsRequest req, REMOVE3args args, NfsReply<REMOVE3res> reply)
{
    removeEntry(req, args.object, reply,
                [](FileSystem &fs, const QByteArray &dir, const QByteArray &name, auto done) {
                    fs.remove(dir, name, std::move(done));
                });
}

void nfsRmdir(NfsRequest req, RMDIR3args args, NfsReply<RMDIR3res> reply)
{
    removeEntry(req, args.object, reply,
                [](FileSystem &fs, const QByteArray &dir, const QByteArray &name, auto done) {
                    fs.rmdir(dir, name, std::move(done));
                });
}

} // namespace loft::nfs3
