#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsCreate(NfsRequest req, CREATE3args args, NfsReply<CREATE3res> reply)
{
    Node dir;
    if (!prepareCreate(req, args.where, dir, reply))
        return;
    NfsExport *ex = req.ex;
    FsCreateMode mode = FsCreateMode::Unchecked;
    QByteArray verifier;
    switch (args.how.mode) {
    case createmode3::UNCHECKED: mode = FsCreateMode::Unchecked; break;
    case createmode3::GUARDED: mode = FsCreateMode::Guarded; break;
    case createmode3::EXCLUSIVE:
        mode = FsCreateMode::Exclusive;
        verifier = QByteArray(reinterpret_cast<const char *>(args.how.verf.bytes.data()),
                              int(args.how.verf.bytes.size()));
        break;
    }
    const QByteArray name = args.where.name.bytes;
    ex->fs().create(dir.path, name, mode, fromSattr3(args.how.obj_attributes), verifier,
                    ex->then<FsCreated>([ex, dir, name, reply](FsResult<FsCreated> created) {
                        finishCreate(*ex, dir, name, std::move(created), reply);
                    }));
}

} // namespace loft::nfs3
