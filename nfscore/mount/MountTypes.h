// MOUNT version 3 protocol types (RFC 1813 appendix I), declared once for both
// directions with the xdr() convention of Xdr.h. Names follow the RFC's XDR text.
//
// Procedures, arguments and results:
//   MOUNTPROC3_NULL     void     -> void
//   MOUNTPROC3_MNT      dirpath  -> mountres3
//   MOUNTPROC3_DUMP     void     -> mountlist
//   MOUNTPROC3_UMNT     dirpath  -> void
//   MOUNTPROC3_UMNTALL  void     -> void
//   MOUNTPROC3_EXPORT   void     -> exports
#pragma once

#include "Xdr.h"

#include <cstdint>

namespace loft::mount3 {

constexpr uint32_t MOUNT_PROGRAM = 100005;
constexpr uint32_t MOUNT_V3 = 3;

constexpr uint32_t MNTPATHLEN = 1024; // maximum bytes in a path name
constexpr uint32_t MNTNAMLEN = 255;   // maximum bytes in a name
constexpr uint32_t FHSIZE3 = 64;      // maximum bytes in a V3 file handle

// Loft's decode bounds for the lists (the RFC leaves them unbounded).
constexpr uint32_t kMaxAuthFlavors = 16;
constexpr uint32_t kMaxMountListEntries = 1024;
constexpr uint32_t kMaxExports = 1024;
constexpr uint32_t kMaxExportGroups = 256;

using fhandle3 = XdrOpaque<FHSIZE3>;
using dirpath = XdrOpaque<MNTPATHLEN>;
using name = XdrOpaque<MNTNAMLEN>;

enum class mountproc3 : uint32_t {
    MOUNTPROC3_NULL = 0,
    MOUNTPROC3_MNT = 1,
    MOUNTPROC3_DUMP = 2,
    MOUNTPROC3_UMNT = 3,
    MOUNTPROC3_UMNTALL = 4,
    MOUNTPROC3_EXPORT = 5,
};

enum class mountstat3 : uint32_t {
    MNT3_OK = 0,
    MNT3ERR_PERM = 1,
    MNT3ERR_NOENT = 2,
    MNT3ERR_IO = 5,
    MNT3ERR_ACCES = 13,
    MNT3ERR_NOTDIR = 20,
    MNT3ERR_INVAL = 22,
    MNT3ERR_NAMETOOLONG = 63,
    MNT3ERR_NOTSUPP = 10004,
    MNT3ERR_SERVERFAULT = 10006,
};

struct mountres3_ok {
    fhandle3 fhandle;
    XdrArray<int32_t, kMaxAuthFlavors> auth_flavors;
    template <class X>
    void xdr(X &x)
    {
        x(fhandle);
        x(auth_flavors);
    }
    friend bool operator==(const mountres3_ok &, const mountres3_ok &) = default;
};

// union mountres3 switch (mountstat3 fhs_status) { case MNT3_OK: mountres3_ok mountinfo;
// default: void; }
struct mountres3 {
    mountstat3 fhs_status = mountstat3::MNT3_OK;
    mountres3_ok mountinfo; // valid when fhs_status == MNT3_OK
    template <class X>
    void xdr(X &x)
    {
        x(fhs_status);
        if (fhs_status == mountstat3::MNT3_OK)
            x(mountinfo);
    }
    friend bool operator==(const mountres3 &, const mountres3 &) = default;
};

// struct mountbody { name ml_hostname; dirpath ml_directory; mountlist ml_next; };
// The ml_next chain is the XdrList `mountlist`.
struct mountbody {
    name ml_hostname;
    dirpath ml_directory;
    template <class X>
    void xdr(X &x)
    {
        x(ml_hostname);
        x(ml_directory);
    }
    friend bool operator==(const mountbody &, const mountbody &) = default;
};

using mountlist = XdrList<mountbody, kMaxMountListEntries>;

// struct groupnode { name gr_name; groups gr_next; };
struct groupnode {
    name gr_name;
    template <class X>
    void xdr(X &x)
    {
        x(gr_name);
    }
    friend bool operator==(const groupnode &, const groupnode &) = default;
};

using groups = XdrList<groupnode, kMaxExportGroups>;

// struct exportnode { dirpath ex_dir; groups ex_groups; exports ex_next; };
struct exportnode {
    dirpath ex_dir;
    groups ex_groups;
    template <class X>
    void xdr(X &x)
    {
        x(ex_dir);
        x(ex_groups);
    }
    friend bool operator==(const exportnode &, const exportnode &) = default;
};

using exports = XdrList<exportnode, kMaxExports>;

} // namespace loft::mount3
