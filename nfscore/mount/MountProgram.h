// MOUNT v3: hands out the root handle for the export's secret path, and nothing for
// any other path; a folder inside the export may be mounted too. EXPORT and DUMP answer
// empty lists, so the secret is never disclosed (DUMP would list mounted paths).
#pragma once

#include "mount/MountTypes.h"
#include "rpc/RpcCall.h"

namespace loft {

class NfsExport;

class MountProgram : public rpc::RpcProgram {
public:
    explicit MountProgram(NfsExport &ex) : export_(ex) {}
    uint32_t number() const override;
    rpc::VersionRange versions() const override;
    void call(rpc::RpcCall &&call, rpc::RpcReply reply) override;

private:
    void mount(const mount3::dirpath &path, const rpc::RpcCall &call, rpc::RpcReply reply);

    NfsExport &export_;
};

} // namespace loft
