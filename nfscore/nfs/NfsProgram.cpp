#include "nfs/NfsProgram.h"

#include "nfs/NfsHandlers.h"

#include <array>

namespace loft {

using namespace nfs3;

namespace {

using Invoker = void (*)(NfsRequest, rpc::RpcCall &, rpc::RpcReply);

// Decodes the procedure's arguments (GARBAGE_ARGS when malformed) and runs its handler.
template <class Args, class Res, void (*Handler)(NfsRequest, Args, NfsReply<Res>)>
void invoke(NfsRequest req, rpc::RpcCall &call, rpc::RpcReply reply)
{
    Args args;
    if (!call.decodeArgs(args))
        return reply.error(rpc::AcceptStat::GarbageArgs);
    Handler(std::move(req), std::move(args), NfsReply<Res>(std::move(reply)));
}

// Indexed by procedure number (RFC 1813 order).
constexpr std::array<Invoker, 22> kProcedures = {
    &invoke<NULL3args, NULL3res, nfsNull>,
    &invoke<GETATTR3args, GETATTR3res, nfsGetattr>,
    &invoke<SETATTR3args, SETATTR3res, nfsSetattr>,
    &invoke<LOOKUP3args, LOOKUP3res, nfsLookup>,
    &invoke<ACCESS3args, ACCESS3res, nfsAccess>,
    &invoke<READLINK3args, READLINK3res, nfsReadlink>,
    &invoke<READ3args, READ3res, nfsRead>,
    &invoke<WRITE3args, WRITE3res, nfsWrite>,
    &invoke<CREATE3args, CREATE3res, nfsCreate>,
    &invoke<MKDIR3args, MKDIR3res, nfsMkdir>,
    &invoke<SYMLINK3args, SYMLINK3res, nfsSymlink>,
    &invoke<MKNOD3args, MKNOD3res, nfsMknod>,
    &invoke<REMOVE3args, REMOVE3res, nfsRemove>,
    &invoke<RMDIR3args, RMDIR3res, nfsRmdir>,
    &invoke<RENAME3args, RENAME3res, nfsRename>,
    &invoke<LINK3args, LINK3res, nfsLink>,
    &invoke<READDIR3args, READDIR3res, nfsReaddir>,
    &invoke<READDIRPLUS3args, READDIRPLUS3res, nfsReaddirplus>,
    &invoke<FSSTAT3args, FSSTAT3res, nfsFsstat>,
    &invoke<FSINFO3args, FSINFO3res, nfsFsinfo>,
    &invoke<PATHCONF3args, PATHCONF3res, nfsPathconf>,
    &invoke<COMMIT3args, COMMIT3res, nfsCommit>,
};

} // namespace

uint32_t NfsProgram::number() const
{
    return NFS_PROGRAM;
}

rpc::VersionRange NfsProgram::versions() const
{
    return {NFS_V3, NFS_V3};
}

void NfsProgram::call(rpc::RpcCall &&call, rpc::RpcReply reply)
{
    if (call.proc >= kProcedures.size())
        return reply.error(rpc::AcceptStat::ProcUnavail);
    NfsRequest req{&export_, call.authSys};
    kProcedures[call.proc](std::move(req), call, std::move(reply));
}

} // namespace loft
