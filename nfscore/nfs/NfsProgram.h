// NFS v3: the procedure table {procedure, decode, handler}.
#pragma once

#include "rpc/RpcCall.h"

namespace loft {

class NfsExport;

class NfsProgram : public rpc::RpcProgram {
public:
    explicit NfsProgram(NfsExport &ex) : export_(ex) {}
    uint32_t number() const override;
    rpc::VersionRange versions() const override;
    void call(rpc::RpcCall &&call, rpc::RpcReply reply) override;

private:
    NfsExport &export_;
};

} // namespace loft
