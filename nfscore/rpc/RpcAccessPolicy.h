// Which callers the dispatcher answers: when allowedUids is set, calls to programs other
// than the open ones (the portmapper) must carry AUTH_SYS with root's uid or an allowed
// one. AUTH_SYS is only what the client claims; this keeps other local users' ordinary
// NFS clients out, the secret export path and handle MACs do the rest.
#pragma once

#include "rpc/RpcCall.h"

#include <QSet>

namespace loft::rpc {

struct RpcAccessPolicy {
    QSet<uint32_t> allowedUids;  // empty: any caller
    QSet<uint32_t> openPrograms; // answered for anyone (portmapper)

    bool allows(const RpcCall &call) const
    {
        if (allowedUids.isEmpty() || openPrograms.contains(call.prog) || call.proc == 0)
            return true; // NULL procedures are pings, answered for anyone
        return call.authSys && (call.authSys->uid == 0 || allowedUids.contains(call.authSys->uid));
    }
};

} // namespace loft::rpc
