// Routes decoded calls to the registered programs, answering the RPC-level errors
// (RPC_MISMATCH, PROG_UNAVAIL, PROG_MISMATCH, AUTH_ERROR, GARBAGE_ARGS) itself.
#pragma once

#include "rpc/RpcAccessPolicy.h"
#include "rpc/RpcCall.h"

#include <QHash>

namespace loft::rpc {

class RpcDispatcher {
public:
    void addProgram(RpcProgram *program) { programs_.insert(program->number(), program); }
    QList<RpcProgram *> programs() const { return programs_.values(); }
    void setAccessPolicy(RpcAccessPolicy policy) { policy_ = std::move(policy); }

    // `record` is one complete RPC record from `connection`.
    void dispatch(QByteArray record, RpcConnection *connection);

private:
    QHash<uint32_t, RpcProgram *> programs_;
    RpcAccessPolicy policy_;
};

} // namespace loft::rpc
