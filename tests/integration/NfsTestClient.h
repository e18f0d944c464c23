// libnfs as the independent client of the integration tests.
//
// Two faces:
// - nfs(): libnfs's high-level synchronous API (nfs_open, nfs_pwrite, nfs_mkdir, ...), on a
//   context mounted through the URL with nfsport/mountport (no portmapper);
// - raw calls: one method per NFSv3 / MOUNT / portmapper procedure on a separate libnfs
//   rpc_context, each sent with libnfs's own XDR encoder and waited for with a timeout.
//   They return the decoded result copied into plain Qt types.
//
// A raw result's `status` is the protocol status (nfsstat3 / mountstat3), or -1 when the
// call itself failed (connection lost, timeout, RPC-level error): see lastError().
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTest>

#include <cstdint>
#include <functional>
#include <optional>

struct nfs_context;
struct rpc_context;

namespace loft::test {

class LoftServerProcess;

using Fh = QByteArray; // an NFSv3 file handle, opaque

struct NfsTime {
    uint32_t sec = 0;
    uint32_t nsec = 0;
    friend bool operator==(const NfsTime &, const NfsTime &) = default;
};

struct Attr { // fattr3
    uint32_t type = 0;
    uint32_t mode = 0;
    uint32_t nlink = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t size = 0;
    uint64_t used = 0;
    uint64_t fsid = 0;
    uint64_t fileid = 0;
    NfsTime atime, mtime, ctime;
};

// sattr3 (absent fields are left alone).
struct SetAttr {
    enum class Time { Keep, Server, Client };
    std::optional<uint32_t> mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    std::optional<uint64_t> size;
    Time atimeHow = Time::Keep;
    Time mtimeHow = Time::Keep;
    NfsTime atime, mtime;
};

struct Res {
    int status = -1;
};
struct AttrRes : Res {            // GETATTR; SETATTR (post-op attributes)
    std::optional<Attr> attr;
};
struct LookupRes : Res {
    Fh fh;
    std::optional<Attr> attr;
};
struct AccessRes : Res {
    uint32_t access = 0;
};
struct ReadlinkRes : Res {
    QByteArray target;
};
struct ReadRes : Res {
    QByteArray data;
    uint32_t count = 0;
    bool eof = false;
    std::optional<Attr> attr;
};
struct WriteRes : Res {
    uint32_t count = 0;
    int committed = -1;
    QByteArray verf;
    std::optional<Attr> after;
};
struct CommitRes : Res {
    QByteArray verf;
};
struct CreateRes : Res {          // CREATE, MKDIR, SYMLINK, MKNOD
    Fh fh;
    std::optional<Attr> attr;
};
struct LinkRes : Res {
    std::optional<Attr> attr;
};
struct DirEntry {
    uint64_t fileid = 0;
    QByteArray name;
    uint64_t cookie = 0;
    std::optional<Attr> attr; // READDIRPLUS only
    Fh fh;                    // READDIRPLUS only
};
struct ReaddirRes : Res {
    QByteArray verf;
    QList<DirEntry> entries;
    bool eof = false;
};
struct FsstatRes : Res {
    uint64_t tbytes = 0, fbytes = 0, abytes = 0, tfiles = 0, ffiles = 0, afiles = 0;
};
struct FsinfoRes : Res {
    uint32_t rtmax = 0, rtpref = 0, rtmult = 0, wtmax = 0, wtpref = 0, wtmult = 0, dtpref = 0;
    uint64_t maxfilesize = 0;
    NfsTime timeDelta;
    uint32_t properties = 0;
};
struct PathconfRes : Res {
    uint32_t linkmax = 0, nameMax = 0;
    bool noTrunc = false, chownRestricted = false, caseInsensitive = false,
         casePreserving = false;
};
struct MountRes : Res {
    Fh fh;
    QList<int> flavors;
};

enum class CreateHow { Unchecked = 0, Guarded = 1, Exclusive = 2 };

class NfsTestClient {
public:
    NfsTestClient();
    ~NfsTestClient();
    NfsTestClient(const NfsTestClient &) = delete;
    NfsTestClient &operator=(const NfsTestClient &) = delete;

    // Both faces against a running server: the high-level mount and the raw connection
    // (with the root handle from a raw MOUNT).
    bool open(const LoftServerProcess &server);
    // The high-level face alone, from a libnfs URL.
    bool mount(const QString &libnfsUrl);
    // The raw face alone: connects to 127.0.0.1:port (MOUNT, NFS and portmapper share it).
    bool connectRaw(quint16 port);
    // Raw MOUNT of exportPath; on success rootFh() is its handle.
    bool mountRaw(const QByteArray &exportPath);

    nfs_context *nfs() const { return nfs_; }
    const Fh &rootFh() const { return rootFh_; }
    QString lastError() const { return error_; }
    // libnfs's message for the last high-level call.
    QString nfsError() const;

    // Raw NFSv3.
    Res null();
    AttrRes getattr(const Fh &fh);
    AttrRes setattr(const Fh &fh, const SetAttr &attr, std::optional<NfsTime> guard = {});
    LookupRes lookup(const Fh &dir, const QByteArray &name);
    // LOOKUP of a '/'-separated path from the root (each component one LOOKUP).
    LookupRes lookupPath(const QByteArray &path);
    AccessRes access(const Fh &fh, uint32_t bits);
    ReadlinkRes readlink(const Fh &fh);
    ReadRes read(const Fh &fh, uint64_t offset, uint32_t count);
    WriteRes write(const Fh &fh, uint64_t offset, const QByteArray &data, int stable);
    CommitRes commit(const Fh &fh, uint64_t offset = 0, uint32_t count = 0);
    CreateRes create(const Fh &dir, const QByteArray &name, CreateHow how,
                     const SetAttr &attr = {}, const QByteArray &verifier = {});
    CreateRes mkdir(const Fh &dir, const QByteArray &name, const SetAttr &attr = {});
    CreateRes symlink(const Fh &dir, const QByteArray &name, const QByteArray &target);
    CreateRes mknod(const Fh &dir, const QByteArray &name, int type);
    Res remove(const Fh &dir, const QByteArray &name);
    Res rmdir(const Fh &dir, const QByteArray &name);
    Res rename(const Fh &fromDir, const QByteArray &fromName, const Fh &toDir,
               const QByteArray &toName);
    LinkRes link(const Fh &file, const Fh &dir, const QByteArray &name);
    ReaddirRes readdir(const Fh &dir, uint64_t cookie, const QByteArray &verf, uint32_t count);
    ReaddirRes readdirplus(const Fh &dir, uint64_t cookie, const QByteArray &verf,
                           uint32_t dircount, uint32_t maxcount);
    FsstatRes fsstat(const Fh &fh);
    FsinfoRes fsinfo(const Fh &fh);
    PathconfRes pathconf(const Fh &fh);

    // Raw MOUNT v3 and portmapper v2.
    MountRes mnt(const QByteArray &path);
    // The export list; nothing (and lastError()) when the call failed.
    std::optional<QList<QByteArray>> exportList();
    // The port, or -1 when the call failed.
    qint64 getport(uint32_t prog, uint32_t vers, uint32_t prot);

    static constexpr int kTimeoutMs = 20'000;

private:
    // Queues one raw call (`start` gets libnfs's callback and its private data) and serves
    // the connection until the reply arrives or the timeout passes. `onReply` sees the
    // decoded result inside the callback. False when the call failed.
    bool call(const std::function<int(void (*)(rpc_context *, int, void *, void *), void *)> &start,
              const std::function<void(void *)> &onReply, int timeoutMs = kTimeoutMs);
    void closeRaw();
    void closeNfs();

    nfs_context *nfs_ = nullptr;
    rpc_context *rpc_ = nullptr;
    Fh rootFh_;
    QString error_;
};

// "NFS3ERR_NOENT (2)" and the like, for failure messages; "call failed" for -1.
QString nfsStatusName(int status);

} // namespace loft::test

// Compares a raw result's status with the expected one; on a mismatch the failure names
// both statuses and, when the call itself failed, the client's error.
#define LOFT_COMPARE_STATUS(client, result, expected)                                        \
    do {                                                                                     \
        const int got_ = (result).status;                                                    \
        const int want_ = int(expected);                                                     \
        if (got_ != want_)                                                                   \
            QFAIL(qPrintable(QStringLiteral("status %1, expected %2%3")                      \
                                 .arg(loft::test::nfsStatusName(got_),                       \
                                      loft::test::nfsStatusName(want_),                      \
                                      got_ < 0 ? QStringLiteral(": ") + (client).lastError() \
                                               : QString())));                               \
    } while (false)
