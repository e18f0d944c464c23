#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

namespace {
FsStability toStability(stable_how s)
{
    switch (s) {
    case stable_how::UNSTABLE: return FsStability::Unstable;
    case stable_how::DATA_SYNC: return FsStability::DataSync;
    default: return FsStability::FileSync;
    }
}
stable_how fromStability(FsStability s)
{
    switch (s) {
    case FsStability::Unstable: return stable_how::UNSTABLE;
    case FsStability::DataSync: return stable_how::DATA_SYNC;
    case FsStability::FileSync: return stable_how::FILE_SYNC;
    }
    return stable_how::FILE_SYNC;
}
} // namespace

void nfsWrite(NfsRequest req, WRITE3args args, NfsReply<WRITE3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.file, node, reply))
        return;
    NfsExport *ex = req.ex;
    if (ex->readOnly())
        return reply.fail(nfsstat3::NFS3ERR_ROFS);
    if (args.count > uint32_t(args.data.bytes.size()))
        return reply.fail(nfsstat3::NFS3ERR_INVAL);
    QByteArray data = std::move(args.data.bytes);
    data.truncate(args.count);
    ex->fs().write(node.path, args.offset, data, toStability(args.stable),
                   ex->then<FsWriteResult>([ex, node, reply](FsResult<FsWriteResult> w) {
                       WRITE3res res;
                       if (!w) {
                           res.status = objectStatus(*ex, node, w.error());
                           return reply(res);
                       }
                       res.ok.file_wcc = objectWcc(*ex, node.id, w->before, w->after);
                       res.ok.count = w->count;
                       res.ok.committed = fromStability(w->committed);
                       res.ok.verf = ex->writeVerifier();
                       reply(res);
                   }));
}

} // namespace loft::nfs3
