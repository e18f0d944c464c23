#include "portmap/PortmapProgram.h"

#include "mount/MountTypes.h"
#include "nfs/NfsTypes.h"
#include "portmap/PortmapTypes.h"

namespace loft {

using namespace portmap;

namespace {
pmaplist registrations(quint16 port)
{
    pmaplist list;
    list.items = {
        mapping{PMAP_PROG, PMAP_VERS, kIpprotoTcp, port},
        mapping{mount3::MOUNT_PROGRAM, mount3::MOUNT_V3, kIpprotoTcp, port},
        mapping{nfs3::NFS_PROGRAM, nfs3::NFS_V3, kIpprotoTcp, port},
    };
    return list;
}
} // namespace

uint32_t PortmapProgram::number() const
{
    return PMAP_PROG;
}

rpc::VersionRange PortmapProgram::versions() const
{
    return {PMAP_VERS, PMAP_VERS};
}

void PortmapProgram::call(rpc::RpcCall &&call, rpc::RpcReply reply)
{
    switch (pmapproc(call.proc)) {
    case pmapproc::PMAPPROC_NULL:
        return reply.successEmpty();
    case pmapproc::PMAPPROC_SET:
    case pmapproc::PMAPPROC_UNSET: {
        mapping m;
        if (!call.decodeArgs(m))
            return reply.error(rpc::AcceptStat::GarbageArgs);
        return reply.success(false); // this portmapper is not a registry
    }
    case pmapproc::PMAPPROC_GETPORT: {
        mapping want;
        if (!call.decodeArgs(want))
            return reply.error(rpc::AcceptStat::GarbageArgs);
        uint32_t port = 0;
        for (const mapping &m : registrations(port_).items)
            if (m.prog == want.prog && m.vers == want.vers && m.prot == want.prot)
                port = m.port;
        return reply.success(port);
    }
    case pmapproc::PMAPPROC_DUMP:
        return reply.success(registrations(port_));
    default:
        return reply.error(rpc::AcceptStat::ProcUnavail);
    }
}

} // namespace loft
