#include "nfs/FileSliceBytes.h"
#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsRead(NfsRequest req, READ3args args, NfsReply<READ3res> reply)
{
    Node node;
    if (!resolveOrFail(req, args.file, node, reply))
        return;
    NfsExport *ex = req.ex;
    const uint32_t count = std::min(args.count, kMaxIoSize);
    // Straight from the file to the socket where the provider can (FileSliceBytes).
    ex->fs().readToSend(node.path, args.offset, count,
                  ex->then<FsReadResult>([ex, node, reply](FsResult<FsReadResult> r) {
                      READ3res res;
                      if (!r) {
                          res.status = objectStatus(*ex, node, r.error());
                          return reply(res);
                      }
                      res.ok.file_attributes = postOpAttr(*ex, node.id, r->attr);
                      res.ok.eof = r->eof;
                      if (r->slice) {
                          res.ok.count = r->slice->length;
                          res.ok.data.external = std::make_shared<FileSliceBytes>(std::move(*r->slice));
                      } else {
                          res.ok.count = uint32_t(r->data.size());
                          res.ok.data.bytes = std::move(r->data);
                      }
                      reply(res);
                  }));
}

} // namespace loft::nfs3
