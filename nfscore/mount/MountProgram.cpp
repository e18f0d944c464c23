#include "mount/MountProgram.h"

#include "nfs/NfsExport.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcServer)

namespace loft {

using namespace mount3;

uint32_t MountProgram::number() const
{
    return MOUNT_PROGRAM;
}

rpc::VersionRange MountProgram::versions() const
{
    return {MOUNT_V3, MOUNT_V3};
}

void MountProgram::mount(const dirpath &path, const rpc::RpcCall &, rpc::RpcReply reply)
{
    QByteArray wanted = path.bytes;
    while (wanted.size() > 1 && wanted.endsWith('/'))
        wanted.chop(1);
    const QByteArray &exportPath = export_.exportPath();
    mountres3 res;
    if (wanted != exportPath && !wanted.startsWith(exportPath + '/')) {
        qCWarning(lcServer) << "refused MOUNT of an unknown export path";
        res.fhs_status = mountstat3::MNT3ERR_ACCES;
        return reply.success(res);
    }
    res.mountinfo.auth_flavors.items = {1 /* AUTH_SYS */, 0 /* AUTH_NONE */};
    if (wanted == exportPath) {
        res.mountinfo.fhandle.bytes = export_.rootHandle();
        return reply.success(res);
    }
    // A folder inside the export (server:/EXPORT/sub/dir), as mount.nfs allows.
    const QByteArray relative = wanted.mid(exportPath.size() + 1);
    const QList<QByteArray> parts = relative.split('/');
    for (const QByteArray &part : parts) {
        if (!fsValidName(part) || uint32_t(part.size()) > export_.capabilities().maxNameBytes) {
            res.fhs_status = mountstat3::MNT3ERR_INVAL;
            return reply.success(res);
        }
    }
    auto shared = std::make_shared<rpc::RpcReply>(std::move(reply));
    NfsExport *ex = &export_;
    export_.fs().getattr(relative, export_.then<FsAttr>([ex, parts, res, shared](FsResult<FsAttr> attr) mutable {
        if (!attr) {
            res.fhs_status = attr.error() == FsError::NotFound ? mountstat3::MNT3ERR_NOENT
                : attr.error() == FsError::NotDirectory        ? mountstat3::MNT3ERR_NOTDIR
                                                               : mountstat3::MNT3ERR_IO;
            return shared->success(res);
        }
        if (attr->type != FsType::Directory) {
            res.fhs_status = mountstat3::MNT3ERR_NOTDIR;
            return shared->success(res);
        }
        uint64_t id = NodeTable::kRootId;
        for (qsizetype i = 0; i < parts.size(); ++i)
            id = ex->nodes().bind(id, parts[i], i + 1 == parts.size() ? attr->identity : 0);
        res.mountinfo.fhandle.bytes = ex->codec().encode(id);
        shared->success(res);
    }));
}

void MountProgram::call(rpc::RpcCall &&call, rpc::RpcReply reply)
{
    switch (mountproc3(call.proc)) {
    case mountproc3::MOUNTPROC3_NULL:
        return reply.successEmpty();
    case mountproc3::MOUNTPROC3_MNT: {
        dirpath path;
        if (!call.decodeArgs(path))
            return reply.error(rpc::AcceptStat::GarbageArgs);
        return mount(path, call, std::move(reply));
    }
    case mountproc3::MOUNTPROC3_DUMP:
        // Any local process may ask; the list would hold the secret export path.
        return reply.success(mountlist{});
    case mountproc3::MOUNTPROC3_UMNT: {
        dirpath path;
        if (!call.decodeArgs(path))
            return reply.error(rpc::AcceptStat::GarbageArgs);
        return reply.successEmpty();
    }
    case mountproc3::MOUNTPROC3_UMNTALL:
        return reply.successEmpty();
    case mountproc3::MOUNTPROC3_EXPORT:
        return reply.success(exports{});
    default:
        return reply.error(rpc::AcceptStat::ProcUnavail);
    }
}

} // namespace loft
