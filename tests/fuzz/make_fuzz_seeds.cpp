// Writes the seed corpora of the binary fuzz targets: real encodings of every call,
// made with the server's own XDR types (so they are what a client sends), and checked
// to decode back before they are written.
//
//   make_fuzz_seeds <dir>     writes <dir>/<target>/<seed> for each target below
//
// tests/fuzz/corpus/ holds its output (the test fuzz_seeds_current checks that it is up
// to date); the PROPFIND seeds there are hand-written XML, not made here.
#include "FuzzExport.h"
#include "handles/FileHandleCodec.h"
#include "mount/MountTypes.h"
#include "nfs/NfsTypes.h"
#include "portmap/PortmapTypes.h"
#include "rpc/RpcMessage.h"
#include "rpc/RpcRecordReader.h"

#include <QDir>
#include <QFile>
#include <cstdio>
#include <cstdlib>

using namespace loft;

namespace {

QString outDir;

void write(const char *target, const QString &name, const QByteArray &bytes)
{
    const QString dir = outDir + '/' + QString::fromLatin1(target);
    QDir().mkpath(dir);
    QFile f(dir + '/' + name);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size()) {
        std::fprintf(stderr, "make_fuzz_seeds: cannot write %s\n", qPrintable(f.fileName()));
        std::exit(1);
    }
}

// A typed seed: selector byte + encoding, after checking that the encoding decodes.
template <class T>
void writeTyped(const char *target, uint8_t selector, const QString &name, const T &value)
{
    const QByteArray encoded = xdrEncode(value);
    T back;
    if (!xdrDecode(encoded, back)) {
        std::fprintf(stderr, "make_fuzz_seeds: %s does not decode back\n", qPrintable(name));
        std::exit(1);
    }
    write(target, name, QByteArray(1, char(selector)) + encoded);
}

QByteArray fragment(const QByteArray &payload, bool last)
{
    QByteArray out(4, '\0');
    rpc::RpcRecordReader::writeMark(out.data(), uint32_t(payload.size()));
    if (!last)
        out[0] = char(out[0] & 0x7f);
    return out + payload;
}

// ---- RPC call records (fuzz_rpc_dispatch) ---------------------------------------------

rpc::OpaqueAuth authSys()
{
    rpc::AuthSys sys;
    sys.stamp = 7;
    sys.machinename.bytes = "seedhost";
    sys.uid = 1000;
    sys.gid = 1000;
    sys.gids.items = {1000, 27};
    rpc::OpaqueAuth auth;
    auth.flavor = rpc::AuthFlavor::Sys;
    auth.body.bytes = xdrEncode(sys);
    return auth;
}

QByteArray callRecord(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                      const QByteArray &args, rpc::OpaqueAuth cred = authSys())
{
    rpc::CallHeader h;
    h.xid = xid;
    h.prog = prog;
    h.vers = vers;
    h.proc = proc;
    h.cred = std::move(cred);
    return xdrEncode(h) + args;
}

// ---- NFSv3 arguments -------------------------------------------------------------------

struct Handles {
    nfs3::nfs_fh3 root;  // file id 1, the export's root
    nfs3::nfs_fh3 other; // file id 2: whatever the server bound first (often a.txt)
};

nfs3::diropargs3 dirop(const nfs3::nfs_fh3 &dir, const QByteArray &name)
{
    nfs3::diropargs3 d;
    d.dir = dir;
    d.name.bytes = name;
    return d;
}

nfs3::sattr3 someAttributes()
{
    nfs3::sattr3 s;
    s.mode = 0640;
    s.uid = 1000;
    s.gid = 1000;
    s.size = 5;
    s.atime.set_it = nfs3::time_how::SET_TO_SERVER_TIME;
    s.mtime.set_it = nfs3::time_how::SET_TO_CLIENT_TIME;
    s.mtime.mtime = {1700000000, 5};
    return s;
}

// Calls f(procedure, name, value) for one or more argument values of every procedure.
template <class F>
void forEachNfsArgs(const Handles &fh, F &&f)
{
    using namespace nfs3;
    f(0, "null", NULL3args{});
    f(1, "getattr", GETATTR3args{fh.root});
    f(1, "getattr-other", GETATTR3args{fh.other});
    f(2, "setattr", SETATTR3args{fh.other, someAttributes(), nfstime3{1700000000, 0}});
    f(2, "setattr-none", SETATTR3args{fh.other, sattr3{}, std::nullopt});
    f(3, "lookup-file", LOOKUP3args{dirop(fh.root, fuzz::kFileA)});
    f(3, "lookup-dir", LOOKUP3args{dirop(fh.root, fuzz::kSubdir)});
    f(3, "lookup-dotdot", LOOKUP3args{dirop(fh.root, "..")});
    f(4, "access", ACCESS3args{fh.root, ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY});
    f(5, "readlink", READLINK3args{fh.other});
    f(6, "read", READ3args{fh.other, 0, 4096});
    f(6, "read-far", READ3args{fh.other, uint64_t(1) << 62, 65536});
    {
        WRITE3args w{fh.other, 3, 5, stable_how::FILE_SYNC, {}};
        w.data.bytes = "seed!";
        f(7, "write", w);
    }
    {
        CREATE3args c{dirop(fh.root, "new.txt"), {}};
        c.how.mode = createmode3::GUARDED;
        c.how.obj_attributes = someAttributes();
        f(8, "create-guarded", c);
        c.how.mode = createmode3::EXCLUSIVE;
        c.how.verf.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
        f(8, "create-exclusive", c);
    }
    f(9, "mkdir", MKDIR3args{dirop(fh.root, "newdir"), someAttributes()});
    {
        SYMLINK3args s{dirop(fh.root, "newlink"), {}};
        s.symlink.symlink_data.bytes = "a.txt";
        f(10, "symlink", s);
    }
    {
        MKNOD3args m{dirop(fh.root, "fifo"), {}};
        m.what.type = ftype3::NF3FIFO;
        f(11, "mknod-fifo", m);
        m.what.type = ftype3::NF3CHR;
        m.what.device.spec = {1, 3};
        f(11, "mknod-chr", m);
        m.what.type = ftype3::NF3REG;
        f(11, "mknod-reg", m);
    }
    f(12, "remove", REMOVE3args{dirop(fh.root, fuzz::kFileA)});
    f(13, "rmdir", RMDIR3args{dirop(fh.root, fuzz::kSubdir)});
    f(14, "rename", RENAME3args{dirop(fh.root, fuzz::kFileA), dirop(fh.root, "moved.txt")});
    f(15, "link", LINK3args{fh.other, dirop(fh.root, "hardlink")});
    f(16, "readdir", READDIR3args{fh.root, 0, {}, 4096});
    f(16, "readdir-cookie", READDIR3args{fh.root, 3, {{0, 0, 0, 0, 0, 0, 0, 1}}, 512});
    f(17, "readdirplus", READDIRPLUS3args{fh.root, 0, {}, 4096, 32768});
    f(18, "fsstat", FSSTAT3args{fh.root});
    f(19, "fsinfo", FSINFO3args{fh.root});
    f(20, "pathconf", PATHCONF3args{fh.root});
    f(21, "commit", COMMIT3args{fh.other, 0, 0});
}

QString seedName(int proc, const char *name)
{
    return QStringLiteral("%1-%2").arg(proc, 2, 10, QLatin1Char('0')).arg(QLatin1String(name));
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds <corpus-dir>\n");
        return 2;
    }
    outDir = QString::fromLocal8Bit(argv[1]);

    // fuzz_rpc_record_reader: [cap selector][cut selector] stream
    {
        const char *t = "fuzz_rpc_record_reader";
        const QByteArray header(2, '\0');
        auto seed = [&](const char *name, uint8_t cap, uint8_t cut, const QByteArray &stream) {
            write(t, QLatin1String(name), QByteArray(1, char(cap)) + char(cut) + stream);
        };
        seed("one-record", 4, 0, fragment("hello world!", true));
        seed("three-fragments", 6, 3, fragment("abc", false) + fragment("defg", false) + fragment("h", true));
        seed("two-records-bytewise", 5, 1, fragment("first", true) + fragment("second", true));
        seed("empty-record", 1, 7, fragment("", true) + fragment("x", true));
        seed("too-large", 0, 2, fragment(QByteArray(100, 'z'), true));
        seed("cap-across-fragments", 1, 5, fragment(QByteArray(20, 'a'), false) + fragment(QByteArray(20, 'b'), true));
    }

    // fuzz_portmap_args: selector order as in fuzz_portmap_args.cpp
    {
        using namespace portmap;
        const char *t = "fuzz_portmap_args";
        writeTyped(t, 0, "mapping-getport-nfs", mapping{100003, 3, kIpprotoTcp, 0});
        writeTyped(t, 0, "mapping-set-mount", mapping{100005, 3, kIpprotoUdp, 20048});
        writeTyped(t, 1, "call_args-callit", call_args{100003, 3, 0, QByteArray("abcde")});
        pmaplist list;
        list.items = {mapping{PMAP_PROG, PMAP_VERS, kIpprotoTcp, 111},
                      mapping{100003, 3, kIpprotoTcp, 2049}};
        writeTyped(t, 2, "pmaplist-dump", list);
        writeTyped(t, 3, "call_result", call_result{2049, QByteArray("reply")});
    }

    // fuzz_mount_args: selector order as in fuzz_mount_args.cpp
    {
        using namespace mount3;
        const char *t = "fuzz_mount_args";
        writeTyped(t, 0, "dirpath-export", dirpath{fuzz::kExportPath});
        writeTyped(t, 0, "dirpath-subdir", dirpath{fuzz::kExportPath + "/sub/deeper/"});
        mountres3 ok;
        ok.mountinfo.fhandle.bytes = QByteArray(25, 'h');
        ok.mountinfo.auth_flavors.items = {1, 0};
        writeTyped(t, 1, "mountres3-ok", ok);
        mountres3 refused;
        refused.fhs_status = mountstat3::MNT3ERR_ACCES;
        writeTyped(t, 1, "mountres3-acces", refused);
        mountlist ml;
        ml.items = {mountbody{name{"host"}, dirpath{"/a"}}, mountbody{name{"h2"}, dirpath{"/b/c"}}};
        writeTyped(t, 2, "mountlist", ml);
        exports ex;
        exportnode node;
        node.ex_dir.bytes = "/export";
        node.ex_groups.items = {groupnode{name{"localhost"}}};
        ex.items = {node, exportnode{}};
        writeTyped(t, 3, "exports", ex);
    }

    const FileHandleCodec codec(fuzz::kHandleKey, fuzz::kExportId);
    Handles fh;
    fh.root.data.bytes = codec.encode(1);
    fh.other.data.bytes = codec.encode(2);

    // fuzz_nfs3_args: procedure number + arguments
    forEachNfsArgs(fh, [](int proc, const char *name, const auto &args) {
        writeTyped("fuzz_nfs3_args", uint8_t(proc), seedName(proc, name), args);
    });

    // fuzz_rpc_dispatch: complete call records
    {
        const char *t = "fuzz_rpc_dispatch";
        uint32_t xid = 0x5eed0000;
        write(t, "pmap-null", callRecord(++xid, portmap::PMAP_PROG, 2, 0, {}, {}));
        write(t, "pmap-getport", callRecord(++xid, portmap::PMAP_PROG, 2, 3,
                                            xdrEncode(portmap::mapping{100005, 3, 6, 0})));
        write(t, "pmap-dump", callRecord(++xid, portmap::PMAP_PROG, 2, 4, {}));
        write(t, "mount-mnt", callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 1,
                                         xdrEncode(mount3::dirpath{fuzz::kExportPath})));
        write(t, "mount-mnt-subdir",
              callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 1,
                         xdrEncode(mount3::dirpath{fuzz::kExportPath + "/sub/deeper"})));
        write(t, "mount-mnt-wrong", callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 1,
                                               xdrEncode(mount3::dirpath{"/"})));
        write(t, "mount-dump", callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 2, {}));
        write(t, "mount-umnt", callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 3,
                                          xdrEncode(mount3::dirpath{fuzz::kExportPath})));
        write(t, "mount-export", callRecord(++xid, mount3::MOUNT_PROGRAM, 3, 5, {}));
        write(t, "nfs-wrong-version", callRecord(++xid, nfs3::NFS_PROGRAM, 4, 0, {}));
        write(t, "unknown-program", callRecord(++xid, 100021, 4, 0, {}));
        rpc::OpaqueAuth shortAuth;
        shortAuth.flavor = rpc::AuthFlavor::Short;
        shortAuth.body.bytes = "abcd";
        write(t, "auth-short", callRecord(++xid, nfs3::NFS_PROGRAM, 3, 0, {}, shortAuth));
        rpc::CallHeader v3;
        v3.xid = ++xid;
        v3.rpcvers = 3;
        write(t, "rpc-version-3", xdrEncode(v3));
        forEachNfsArgs(fh, [&](int proc, const char *name, const auto &args) {
            write(t, "nfs-" + seedName(proc, name),
                  callRecord(++xid, nfs3::NFS_PROGRAM, 3, uint32_t(proc), xdrEncode(args)));
        });
    }
    return 0;
}
