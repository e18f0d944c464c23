#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsLink(NfsRequest req, LINK3args args, NfsReply<LINK3res> reply)
{
    Node file, dir;
    if (!resolveOrFail(req, args.file, file, reply)
        || !resolveOrFail(req, args.link.dir, dir, reply))
        return;
    NfsExport *ex = req.ex;
    nfsstat3 status = checkNewName(*ex, args.link.name.bytes);
    if (status == nfsstat3::NFS3_OK && ex->readOnly())
        status = nfsstat3::NFS3ERR_ROFS;
    if (status == nfsstat3::NFS3_OK && !ex->capabilities().hardLinks)
        status = kUnsupportedObjectKind;
    if (status != nfsstat3::NFS3_OK)
        return reply.fail(status);
    const QByteArray name = args.link.name.bytes;
    ex->fs().link(file.path, dir.path, name,
                  ex->then<FsLinked>([ex, file, dir, name, reply](FsResult<FsLinked> linked) {
                      LINK3res res;
                      if (!linked) {
                          res.status = nfsStatus(unsupportedKindAsNotPermitted(linked.error()));
                          return reply(res);
                      }
                      ex->nodes().bind(dir.id, name, linked->attr.identity);
                      ex->listings().invalidate(dir.id);
                      res.ok.file_attributes = postOpAttr(*ex, file.id, linked->attr);
                      res.ok.linkdir_wcc = folderWcc(*ex, dir.id, linked->dir);
                      reply(res);
                  }));
}

} // namespace loft::nfs3
