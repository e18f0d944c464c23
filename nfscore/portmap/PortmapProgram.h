// Portmapper v2 on Loft's own port: tells clients that MOUNT v3 and NFS v3 live on
// this same port. SET/UNSET are refused; nothing else is registered here.
#pragma once

#include "rpc/RpcCall.h"

namespace loft {

class PortmapProgram : public rpc::RpcProgram {
public:
    explicit PortmapProgram(quint16 port) : port_(port) {}
    uint32_t number() const override;
    rpc::VersionRange versions() const override;
    void call(rpc::RpcCall &&call, rpc::RpcReply reply) override;

private:
    quint16 port_;
};

} // namespace loft
