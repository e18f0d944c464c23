#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsFsstat(NfsRequest req, FSSTAT3args args, NfsReply<FSSTAT3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.fsroot, node, reply))
        return;
    NfsExport *ex = req.ex;
    ex->fs().fsstat(node.path, ex->then<FsStat>([ex, node, reply](FsResult<FsStat> st) {
        FSSTAT3res res;
        if (!st)
            return reply.fail(objectStatus(*ex, node, st.error()));
        res.ok.tbytes = st->totalBytes;
        res.ok.fbytes = st->freeBytes;
        res.ok.abytes = st->availBytes;
        res.ok.tfiles = st->totalFiles;
        res.ok.ffiles = st->freeFiles;
        res.ok.afiles = st->availFiles;
        res.ok.invarsec = 0; // may change at any time
        reply(res);
    }));
}

} // namespace loft::nfs3
