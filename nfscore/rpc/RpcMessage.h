// ONC RPC v2 message layout (RFC 5531): call header, credentials, reply header.
#pragma once

#include "Xdr.h"

#include <optional>

namespace loft::rpc {

constexpr uint32_t kRpcVersion = 2;

enum class MsgType : uint32_t { Call = 0, Reply = 1 };
enum class ReplyStat : uint32_t { Accepted = 0, Denied = 1 };
enum class AcceptStat : uint32_t {
    Success = 0,
    ProgUnavail = 1,
    ProgMismatch = 2,
    ProcUnavail = 3,
    GarbageArgs = 4,
    SystemErr = 5,
};
enum class RejectStat : uint32_t { RpcMismatch = 0, AuthError = 1 };
enum class AuthStat : uint32_t {
    Ok = 0,
    BadCred = 1,
    RejectedCred = 2,
    BadVerf = 3,
    RejectedVerf = 4,
    TooWeak = 5,
};
enum class AuthFlavor : uint32_t { None = 0, Sys = 1, Short = 2 };

struct OpaqueAuth {
    AuthFlavor flavor = AuthFlavor::None;
    XdrOpaque<400> body;
    template <class X> void xdr(X &x) { x(flavor); x(body); }
    friend bool operator==(const OpaqueAuth &, const OpaqueAuth &) = default;
};

// AUTH_SYS credentials (RFC 5531 appendix A).
struct AuthSys {
    uint32_t stamp = 0;
    XdrOpaque<255> machinename;
    uint32_t uid = 0;
    uint32_t gid = 0;
    XdrArray<uint32_t, 16> gids;
    template <class X> void xdr(X &x) { x(stamp); x(machinename); x(uid); x(gid); x(gids); }
    friend bool operator==(const AuthSys &, const AuthSys &) = default;
};

// Everything before the procedure's arguments in a CALL message.
struct CallHeader {
    uint32_t xid = 0;
    MsgType type = MsgType::Call;
    uint32_t rpcvers = kRpcVersion;
    uint32_t prog = 0;
    uint32_t vers = 0;
    uint32_t proc = 0;
    OpaqueAuth cred;
    OpaqueAuth verf;
    template <class X> void xdr(X &x) { x(xid); x(type); x(rpcvers); x(prog); x(vers); x(proc); x(cred); x(verf); }
};

struct VersionRange {
    uint32_t low = 0;
    uint32_t high = 0;
    template <class X> void xdr(X &x) { x(low); x(high); }
};

// Writes a reply header accepted with `stat`; the caller appends the result body
// (for Success) or the mismatch range (for ProgMismatch).
inline void writeAcceptedHeader(XdrWriter &w, uint32_t xid, AcceptStat stat)
{
    w(xid);
    w(MsgType::Reply);
    w(ReplyStat::Accepted);
    w(OpaqueAuth{}); // verifier: AUTH_NONE
    w(stat);
}

inline void writeDeniedHeader(XdrWriter &w, uint32_t xid, RejectStat stat)
{
    w(xid);
    w(MsgType::Reply);
    w(ReplyStat::Denied);
    w(stat);
}

} // namespace loft::rpc
