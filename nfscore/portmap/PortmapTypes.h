// Portmapper version 2 protocol types (RFC 1833 section 3, RFC 1057 appendix A),
// declared once for both directions with the xdr() convention of Xdr.h.
//
// Procedures, arguments and results:
//   PMAPPROC_NULL     void       -> void
//   PMAPPROC_SET      mapping    -> bool
//   PMAPPROC_UNSET    mapping    -> bool
//   PMAPPROC_GETPORT  mapping    -> unsigned int (port, 0 when not registered)
//   PMAPPROC_DUMP     void       -> pmaplist
//   PMAPPROC_CALLIT   call_args  -> call_result
#pragma once

#include "Xdr.h"

#include <cstdint>

namespace loft::portmap {

constexpr uint32_t PMAP_PROG = 100000;
constexpr uint32_t PMAP_VERS = 2;
constexpr uint32_t PMAP_PORT = 111;

// The RFC's IPPROTO_TCP / IPPROTO_UDP. Spelled differently because <netinet/in.h>
// defines those names as macros on macOS and the BSDs.
constexpr uint32_t kIpprotoTcp = 6;
constexpr uint32_t kIpprotoUdp = 17;

// Loft's decode bounds (the RFC leaves them unbounded).
constexpr uint32_t kMaxMappings = 1024;
constexpr uint32_t kMaxCallitBytes = 65536;

enum class pmapproc : uint32_t {
    PMAPPROC_NULL = 0,
    PMAPPROC_SET = 1,
    PMAPPROC_UNSET = 2,
    PMAPPROC_GETPORT = 3,
    PMAPPROC_DUMP = 4,
    PMAPPROC_CALLIT = 5,
};

struct mapping {
    uint32_t prog = 0;
    uint32_t vers = 0;
    uint32_t prot = 0;
    uint32_t port = 0;
    template <class X>
    void xdr(X &x)
    {
        x(prog);
        x(vers);
        x(prot);
        x(port);
    }
    friend bool operator==(const mapping &, const mapping &) = default;
};

// struct *pmaplist { mapping map; pmaplist next; };
using pmaplist = XdrList<mapping, kMaxMappings>;

struct call_args {
    uint32_t prog = 0;
    uint32_t vers = 0;
    uint32_t proc = 0;
    XdrOpaque<kMaxCallitBytes> args;
    template <class X>
    void xdr(X &x)
    {
        x(prog);
        x(vers);
        x(proc);
        x(args);
    }
    friend bool operator==(const call_args &, const call_args &) = default;
};

struct call_result {
    uint32_t port = 0;
    XdrOpaque<kMaxCallitBytes> res;
    template <class X>
    void xdr(X &x)
    {
        x(port);
        x(res);
    }
    friend bool operator==(const call_result &, const call_result &) = default;
};

} // namespace loft::portmap
