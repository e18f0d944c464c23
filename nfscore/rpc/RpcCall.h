// One decoded RPC call and the one-shot handle that answers it.
#pragma once

#include "rpc/RpcMessage.h"

#include <QByteArray>
#include <QPointer>
#include <optional>

namespace loft::rpc {

class RpcConnection;

struct RpcCall {
    uint32_t xid = 0;
    uint32_t prog = 0;
    uint32_t vers = 0;
    uint32_t proc = 0;
    std::optional<AuthSys> authSys; // present for AUTH_SYS callers
    QByteArray record;              // the whole record
    qsizetype argsOffset = 0;       // where the procedure's arguments start in `record`

    // Decodes the arguments; false when malformed or followed by stray bytes. A large
    // opaque at the end (WRITE data) takes over `record`'s storage instead of copying it,
    // leaving `record` empty.
    template <class Args>
    bool decodeArgs(Args &args)
    {
        XdrReader r(record.constData() + argsOffset, record.size() - argsOffset, &record);
        r(args);
        return r.ok() && r.remaining() == 0;
    }
};

// Sends exactly one reply to one call. Move-only; use on the server thread. A reply
// destroyed without being sent answers SYSTEM_ERR, so a call is never left hanging.
class RpcReply {
public:
    RpcReply(QPointer<RpcConnection> connection, uint32_t xid)
        : connection_(std::move(connection)), xid_(xid) {}
    RpcReply(RpcReply &&other) noexcept { *this = std::move(other); }
    RpcReply &operator=(RpcReply &&other) noexcept;
    RpcReply(const RpcReply &) = delete;
    RpcReply &operator=(const RpcReply &) = delete;
    ~RpcReply();

    template <class Body>
    void success(const Body &body)
    {
        QByteArray out = beginAccepted(AcceptStat::Success);
        QList<XdrChunk> chunks;
        XdrWriter w(out, &chunks); // large payloads (READ data) are shared or external, not copied
        w(body);
        w.flush();
        chunks.append(std::move(out));
        finish(std::move(chunks));
    }
    void successEmpty() { finish(beginAccepted(AcceptStat::Success)); }
    void error(AcceptStat stat);
    void progMismatch(VersionRange supported);
    void rpcMismatch();
    void authError(AuthStat stat);

    bool pending() const { return pending_; }
    uint32_t xid() const { return xid_; }

private:
    QByteArray beginAccepted(AcceptStat stat) const;
    void finish(QByteArray record) { finish(QList<XdrChunk>{XdrChunk(std::move(record))}); }
    // The record's bytes in order; the first chunk starts with room for the record mark.
    void finish(QList<XdrChunk> chunks);

    QPointer<RpcConnection> connection_;
    uint32_t xid_ = 0;
    bool pending_ = true;
};

// One RPC program (portmapper, MOUNT, NFS). `call` must answer through `reply`,
// now or later.
class RpcProgram {
public:
    virtual ~RpcProgram() = default;
    virtual uint32_t number() const = 0;
    virtual VersionRange versions() const = 0;
    virtual void call(RpcCall &&call, RpcReply reply) = 0;
};

} // namespace loft::rpc
