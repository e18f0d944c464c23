// Hostile and broken input: malformed records, absurd fragment sizes, wrong programs,
// versions and procedures, garbage arguments, bad names and symlinks leading out of the
// served folder. After each, a second, well-behaved client (libnfs) must still be served.

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "RawRpcSocket.h"
#include "TestFolder.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

using namespace loft::test;

namespace {
constexpr uint32_t kNfs = 100003;
constexpr uint32_t kMount = 100005;
constexpr uint32_t kPortmap = 100000;

// Accept and reject codes (RFC 5531).
constexpr uint32_t kSuccess = 0, kProgUnavail = 1, kProgMismatch = 2, kProcUnavail = 3,
                   kGarbageArgs = 4;

constexpr const char kProbeContent[] = "still here";

uint32_t firstWord(const QByteArray &body)
{
    XdrIn in(body);
    return in.u32();
}
} // namespace

class NfsBadInput : public QObject {
    Q_OBJECT

private:
    QString disk(const QString &rel) const { return sourcePath_ + QLatin1Char('/') + rel; }

    // A second, well-behaved client is served: a fresh libnfs mount reads the probe file.
    void expectStillServing()
    {
        QVERIFY2(server_.running(), server_.serverLog().constData());
        NfsTestClient c;
        QVERIFY2(c.mount(server_.libnfsUrl()), qPrintable(c.lastError()));
        nfsfh *fh = nullptr;
        QVERIFY2(nfs_open(c.nfs(), "/probe.txt", O_RDONLY, &fh) == 0, qPrintable(c.nfsError()));
        char buffer[64] = {};
        const int n = nfs_pread(c.nfs(), fh, 0, sizeof buffer - 1, buffer);
        nfs_close(c.nfs(), fh);
        QCOMPARE(QByteArray(buffer, n), QByteArray(kProbeContent));
    }

    bool connectRaw(RawRpcSocket &s) { return s.connectTo(server_.port()); }

    // The root handle over a raw socket (MOUNT MNT).
    QByteArray rawRootFh(RawRpcSocket &s)
    {
        XdrOut path;
        path.opaque(server_.exportPath());
        const auto reply = s.call(kMount, 3, 1, path.bytes());
        if (!reply || reply->acceptStat != kSuccess)
            return {};
        XdrIn in(reply->body);
        if (in.u32() != 0)
            return {};
        return in.opaque();
    }

    QTemporaryDir parent_; // holds source/ and outside/ side by side
    QString sourcePath_;
    QString outsidePath_;
    LoftServerProcess server_;

private slots:
    void initTestCase()
    {
        QVERIFY(parent_.isValid());
        sourcePath_ = parent_.path() + QStringLiteral("/source");
        outsidePath_ = parent_.path() + QStringLiteral("/outside");
        QVERIFY(QDir().mkpath(sourcePath_) && QDir().mkpath(outsidePath_));
        QVERIFY(writeFile(disk(QStringLiteral("probe.txt")), kProbeContent));
        QVERIFY(writeFile(outsidePath_ + QStringLiteral("/secret.txt"), "outside secret"));
        QVERIFY2(server_.start(sourcePath_), qPrintable(server_.errorString()));
        expectStillServing();
    }

    void cleanupTestCase()
    {
        QVERIFY2(server_.stop(), qPrintable(server_.errorString()));
    }

    void truncatedRecord()
    {
        {
            // Half a record, then the connection goes away.
            RawRpcSocket s;
            QVERIFY(connectRaw(s));
            const QByteArray call = RawRpcSocket::callMessage(1, kNfs, 3, 0, {});
            XdrOut mark;
            mark.u32(0x80000000u | uint32_t(call.size()));
            QVERIFY(s.sendBytes(mark.bytes() + call.left(call.size() / 2)));
            s.socket().disconnectFromHost();
        }
        {
            // Two bytes of a record mark, then an abort.
            RawRpcSocket s;
            QVERIFY(connectRaw(s));
            QVERIFY(s.sendBytes(QByteArray("\x80\x00", 2)));
            s.socket().abort();
        }
        expectStillServing();
        {
            // Half a record on a connection that stays open: it holds nothing up.
            RawRpcSocket s;
            QVERIFY(connectRaw(s));
            const QByteArray call = RawRpcSocket::callMessage(2, kNfs, 3, 0, {});
            XdrOut mark;
            mark.u32(0x80000000u | uint32_t(call.size()));
            QVERIFY(s.sendBytes(mark.bytes() + call.left(10)));
            expectStillServing();
        }
        expectStillServing();
    }

    void hugeFragmentHeader()
    {
        const qint64 before = server_.residentKiB();
        QVERIFY(before > 0);
        for (uint32_t mark : {0x80000000u | 0x40000000u,   // last fragment of 1 GiB
                              0x40000000u,                 // a 1 GiB fragment, more to come
                              0xffffffffu}) {              // the largest length there is
            RawRpcSocket s;
            QVERIFY(connectRaw(s));
            XdrOut out;
            out.u32(mark);
            QVERIFY(s.sendBytes(out.bytes() + QByteArray(4096, 'x')));
            QVERIFY2(s.waitForPeerClose(), "the server kept a connection claiming a 1 GiB record");
        }
        {
            // Many small fragments that add up past any sane record size.
            RawRpcSocket s;
            QVERIFY(connectRaw(s));
            const QByteArray chunk(1 << 20, 'y');
            XdrOut mark;
            mark.u32(uint32_t(chunk.size())); // not last
            bool closed = false;
            for (int i = 0; i < 64 && !closed; ++i) {
                if (!s.sendBytes(mark.bytes() + chunk))
                    closed = true;
                else if (s.socket().state() != QAbstractSocket::ConnectedState)
                    closed = true;
            }
            QVERIFY2(closed || s.waitForPeerClose(), "64 MiB of fragments were accepted");
        }
        const qint64 after = server_.residentKiB();
        QVERIFY2(after - before < 128 * 1024,
                 qPrintable(QStringLiteral("resident memory grew from %1 KiB to %2 KiB")
                                .arg(before)
                                .arg(after)));
        expectStillServing();
    }

    void garbageArguments()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        // GETATTR with three bytes of arguments.
        auto r = s.call(kNfs, 3, 1, QByteArray("\x00\x00\x01", 3));
        QVERIFY(r);
        QCOMPARE(r->replyStat, 0u);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // A handle that claims to be 2 GiB long.
        XdrOut huge;
        huge.u32(0x7fffffffu).u32(0);
        r = s.call(kNfs, 3, 1, huge.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // A handle longer than NFS3_FHSIZE (64).
        XdrOut tooLong;
        tooLong.opaque(QByteArray(65, 'h'));
        r = s.call(kNfs, 3, 1, tooLong.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // READ without its count.
        XdrOut read;
        read.opaque(QByteArray(25, 'h')).u64(0);
        r = s.call(kNfs, 3, 6, read.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // WRITE whose data is shorter than it says.
        XdrOut write;
        write.opaque(QByteArray(25, 'h')).u64(0).u32(100).u32(0).u32(100).fixed("short");
        r = s.call(kNfs, 3, 7, write.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // CREATE with an unknown create mode.
        XdrOut create;
        create.opaque(QByteArray(25, 'h')).opaque("name").u32(7);
        r = s.call(kNfs, 3, 8, create.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // MOUNT with a path claiming 1 GiB, and with no path.
        XdrOut path;
        path.u32(0x40000000u);
        r = s.call(kMount, 3, 1, path.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        r = s.call(kMount, 3, 1, {});
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);
        // Portmapper GETPORT with half a mapping.
        XdrOut mapping;
        mapping.u32(kNfs).u32(3);
        r = s.call(kPortmap, 2, 3, mapping.bytes());
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kGarbageArgs);

        // The connection itself is still good.
        r = s.call(kNfs, 3, 0, {});
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kSuccess);
        expectStillServing();
    }

    void unknownProgram()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        for (uint32_t prog : {123456u, 100021u /* NLM */, 100227u /* NFS ACL */, 0u}) {
            const auto r = s.call(prog, 1, 0, {});
            QVERIFY(r);
            QCOMPARE(r->replyStat, 0u);
            QCOMPARE(r->acceptStat, kProgUnavail);
        }
        expectStillServing();
    }

    void wrongVersions()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        for (uint32_t vers : {2u, 4u, 0u}) {
            const auto r = s.call(kNfs, vers, 0, {});
            QVERIFY(r);
            QCOMPARE(r->replyStat, 0u);
            QCOMPARE(r->acceptStat, kProgMismatch);
            QCOMPARE(r->low, 3u);
            QCOMPARE(r->high, 3u);
        }
        const auto m = s.call(kMount, 1, 0, {});
        QVERIFY(m);
        QCOMPARE(m->acceptStat, kProgMismatch);
        QCOMPARE(m->low, 3u);
        QCOMPARE(m->high, 3u);
        expectStillServing();
    }

    void unknownProcedure()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        for (uint32_t proc : {22u, 23u, 1000u, 0xffffffffu}) {
            const auto r = s.call(kNfs, 3, proc, {});
            QVERIFY(r);
            QCOMPARE(r->replyStat, 0u);
            QCOMPARE(r->acceptStat, kProcUnavail);
        }
        auto r = s.call(kMount, 3, 6, {});
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kProcUnavail);
        r = s.call(kPortmap, 2, 6, {});
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kProcUnavail);
        expectStillServing();
    }

    void wrongRpcVersion()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        for (uint32_t rpcvers : {3u, 1u}) {
            const auto r = s.call(kNfs, 3, 0, {}, rpcvers);
            QVERIFY(r);
            QCOMPARE(r->replyStat, 1u);  // MSG_DENIED
            QCOMPARE(r->rejectStat, 0u); // RPC_MISMATCH
            QCOMPARE(r->low, 2u);
            QCOMPARE(r->high, 2u);
        }
        expectStillServing();
    }

    void oddMessages()
    {
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        // A REPLY sent to the server, and a record too short to be a call header: no
        // answer is possible, but the connection keeps working.
        XdrOut reply;
        reply.u32(77).u32(1).u32(0);
        QVERIFY(s.sendRecord(reply.bytes()));
        QVERIFY(s.sendRecord(QByteArray("\x00\x00\x00\x05\x00", 5)));
        // An unknown credential flavour (RPCSEC_GSS) is refused with AUTH_ERROR.
        XdrOut gss;
        gss.u32(99).u32(0).u32(2).u32(kNfs).u32(3).u32(0).u32(6).opaque("x").u32(0).u32(0);
        QVERIFY(s.sendRecord(gss.bytes()));
        auto rec = s.readRecord();
        QVERIFY(rec);
        auto r = RawRpcSocket::parseReply(*rec);
        QVERIFY(r);
        QCOMPARE(r->xid, 99u);
        QCOMPARE(r->replyStat, 1u);
        QCOMPARE(r->rejectStat, 1u); // AUTH_ERROR
        // Then an ordinary call on the same connection.
        r = s.call(kNfs, 3, 0, {});
        QVERIFY(r);
        QCOMPARE(r->acceptStat, kSuccess);

        // A client that pipelines many calls and vanishes before the replies.
        {
            NfsTestClient c;
            QVERIFY2(c.connectRaw(server_.port()) && c.mountRaw(server_.exportPath()),
                     qPrintable(c.lastError()));
            const QByteArray probe = c.lookup(c.rootFh(), "probe.txt").fh;
            QVERIFY(!probe.isEmpty());
            RawRpcSocket burst;
            QVERIFY(connectRaw(burst));
            QByteArray many;
            for (uint32_t i = 0; i < 200; ++i) {
                XdrOut args;
                args.opaque(probe).u64(0).u32(1 << 20);
                const QByteArray call = RawRpcSocket::callMessage(1000 + i, kNfs, 3, 6, args.bytes());
                XdrOut mark;
                mark.u32(0x80000000u | uint32_t(call.size()));
                many += mark.bytes() + call;
            }
            QVERIFY(burst.sendBytes(many));
            burst.socket().abort();
        }
        expectStillServing();
    }

    void badNames()
    {
        const QByteArray before = folderFingerprint(sourcePath_);
        RawRpcSocket s;
        QVERIFY(connectRaw(s));
        const QByteArray root = rawRootFh(s);
        QVERIFY(!root.isEmpty());

        struct Case {
            QByteArray name;
            uint32_t expected;
        };
        const QList<Case> cases = {
            {".", NFS3ERR_EXIST},
            {"..", NFS3ERR_EXIST},
            {"", NFS3ERR_INVAL},
            {"a/b", NFS3ERR_INVAL},
            {"/", NFS3ERR_INVAL},
            {QByteArray("a\0b", 3), NFS3ERR_INVAL},
            {QByteArray("probe.txt\0x", 11), NFS3ERR_INVAL},
        };
        for (const Case &c : cases) {
            const QString what = QString::fromLatin1(c.name.toPercentEncoding());
            auto r = s.call(kNfs, 3, 8, createUncheckedArgs(root, c.name));
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) == c.expected,
                     qPrintable(QStringLiteral("CREATE \"%1\": %2").arg(what, nfsStatusName(int(firstWord(r->body))))));
            r = s.call(kNfs, 3, 9, mkdirArgs(root, c.name));
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) == c.expected,
                     qPrintable(QStringLiteral("MKDIR \"%1\": %2").arg(what, nfsStatusName(int(firstWord(r->body))))));
            // SYMLINK and MKNOD (FIFO) create names too.
            XdrOut symlinkArgs;
            symlinkArgs.fixed(diropArgs(root, c.name));
            for (int i = 0; i < 6; ++i)
                symlinkArgs.u32(0);
            symlinkArgs.opaque("target");
            r = s.call(kNfs, 3, 10, symlinkArgs.bytes());
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) != NFS3_OK, qPrintable(QStringLiteral("SYMLINK \"%1\"").arg(what)));
            XdrOut mknodArgs;
            mknodArgs.fixed(diropArgs(root, c.name)).u32(NF3FIFO);
            for (int i = 0; i < 6; ++i)
                mknodArgs.u32(0);
            r = s.call(kNfs, 3, 11, mknodArgs.bytes());
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) != NFS3_OK, qPrintable(QStringLiteral("MKNOD \"%1\"").arg(what)));
            // RENAME to it and LINK as it.
            XdrOut renameArgs;
            renameArgs.fixed(diropArgs(root, "probe.txt")).fixed(diropArgs(root, c.name));
            r = s.call(kNfs, 3, 14, renameArgs.bytes());
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) != NFS3_OK, qPrintable(QStringLiteral("RENAME to \"%1\"").arg(what)));
            // REMOVE and RMDIR of it.
            r = s.call(kNfs, 3, 12, diropArgs(root, c.name));
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) != NFS3_OK, qPrintable(QStringLiteral("REMOVE \"%1\"").arg(what)));
            r = s.call(kNfs, 3, 13, diropArgs(root, c.name));
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY2(firstWord(r->body) != NFS3_OK, qPrintable(QStringLiteral("RMDIR \"%1\"").arg(what)));
        }
        // LOOKUP of the empty name finds nothing; of a name with '/' or NUL, nothing either.
        auto r = s.call(kNfs, 3, 3, diropArgs(root, ""));
        QVERIFY(r && r->acceptStat == kSuccess);
        QCOMPARE(firstWord(r->body), uint32_t(NFS3ERR_NOENT));
        for (const QByteArray &name : {QByteArray("probe.txt/x"), QByteArray("probe.txt\0", 10)}) {
            r = s.call(kNfs, 3, 3, diropArgs(root, name));
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY(firstWord(r->body) != NFS3_OK);
        }
        // LINK to a bad name.
        NfsTestClient c;
        QVERIFY2(c.connectRaw(server_.port()) && c.mountRaw(server_.exportPath()), qPrintable(c.lastError()));
        const QByteArray probe = c.lookup(c.rootFh(), "probe.txt").fh;
        for (const QByteArray &name : {QByteArray("."), QByteArray(".."), QByteArray("x/y"), QByteArray("")}) {
            XdrOut linkArgs;
            linkArgs.opaque(probe).fixed(diropArgs(root, name));
            r = s.call(kNfs, 3, 15, linkArgs.bytes());
            QVERIFY(r && r->acceptStat == kSuccess);
            QVERIFY(firstWord(r->body) != NFS3_OK);
        }

        QCOMPARE(folderFingerprint(sourcePath_), before);
        expectStillServing();
    }

    void nameLengthLimit()
    {
        NfsTestClient c;
        QVERIFY2(c.connectRaw(server_.port()) && c.mountRaw(server_.exportPath()), qPrintable(c.lastError()));
        const QByteArray n255(255, 'n');
        const QByteArray n256(256, 'n');
        QVERIFY(QDir().mkpath(disk(QStringLiteral("long"))));
        const Fh dir = c.lookup(c.rootFh(), "long").fh;
        QVERIFY(!dir.isEmpty());

        LOFT_COMPARE_STATUS(c, c.create(dir, n255, CreateHow::Guarded), NFS3_OK);
        QVERIFY(existsOnDisk(disk(QStringLiteral("long/") + QString::fromLatin1(n255))));
        LOFT_COMPARE_STATUS(c, c.lookup(dir, n255), NFS3_OK);
        LOFT_COMPARE_STATUS(c, c.create(dir, n256, CreateHow::Guarded), NFS3ERR_NAMETOOLONG);
        LOFT_COMPARE_STATUS(c, c.mkdir(dir, n256), NFS3ERR_NAMETOOLONG);
        LOFT_COMPARE_STATUS(c, c.symlink(dir, n256, "t"), NFS3ERR_NAMETOOLONG);
        LOFT_COMPARE_STATUS(c, c.lookup(dir, n256), NFS3ERR_NAMETOOLONG);
        LOFT_COMPARE_STATUS(c, c.rename(dir, n255, dir, n256), NFS3ERR_NAMETOOLONG);
        QCOMPARE(QDir(disk(QStringLiteral("long"))).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(), 1);
        const QByteArray n255dir(255, 'd');
        LOFT_COMPARE_STATUS(c, c.mkdir(dir, n255dir), NFS3_OK);
        QVERIFY(QFileInfo(disk(QStringLiteral("long/") + QString::fromLatin1(n255dir))).isDir());
        expectStillServing();
    }

    void symlinksDoNotLeadOut()
    {
        const QString outsideSecret = outsidePath_ + QStringLiteral("/secret.txt");
        QCOMPARE(::symlink(QFile::encodeName(outsidePath_).constData(),
                           QFile::encodeName(disk(QStringLiteral("escape-abs"))).constData()),
                 0);
        QCOMPARE(::symlink("../outside", QFile::encodeName(disk(QStringLiteral("escape-rel"))).constData()), 0);
        QCOMPARE(::symlink(QFile::encodeName(outsideSecret).constData(),
                           QFile::encodeName(disk(QStringLiteral("secret-link"))).constData()),
                 0);
        const QByteArray outsideBefore = folderFingerprint(outsidePath_);

        NfsTestClient c;
        QVERIFY2(c.open(server_), qPrintable(c.lastError()));
        for (const QByteArray &linkName : {QByteArray("escape-abs"), QByteArray("escape-rel")}) {
            // LOOKUP gives the symlink itself...
            const LookupRes link = c.lookup(c.rootFh(), linkName);
            LOFT_COMPARE_STATUS(c, link, NFS3_OK);
            QCOMPARE(link.attr->type, uint32_t(NF3LNK));
            // ...and nothing goes through it.
            const LookupRes inside = c.lookup(link.fh, "secret.txt");
            QVERIFY2(inside.status == NFS3ERR_NOTDIR,
                     qPrintable(linkName + ": LOOKUP inside gave " + nfsStatusName(inside.status)));
            QVERIFY(c.lookup(link.fh, "..").status != NFS3_OK || c.lookup(link.fh, "..").fh == c.rootFh());
            QVERIFY(c.create(link.fh, "planted", CreateHow::Unchecked).status != NFS3_OK);
            QVERIFY(c.create(link.fh, "planted-x", CreateHow::Exclusive, {}, "12345678").status != NFS3_OK);
            QVERIFY(c.mkdir(link.fh, "planted-dir").status != NFS3_OK);
            QVERIFY(c.symlink(link.fh, "planted-link", "x").status != NFS3_OK);
            QVERIFY(c.mknod(link.fh, "planted-fifo", NF3FIFO).status != NFS3_OK);
            QVERIFY(c.remove(link.fh, "secret.txt").status != NFS3_OK);
            QVERIFY(c.rename(c.rootFh(), "probe.txt", link.fh, "stolen").status != NFS3_OK);
            QVERIFY(c.rename(link.fh, "secret.txt", c.rootFh(), "stolen").status != NFS3_OK);
            QVERIFY(c.link(c.lookup(c.rootFh(), "probe.txt").fh, link.fh, "hard").status != NFS3_OK);
            const ReaddirRes list = c.readdir(link.fh, 0, {}, 8192);
            QVERIFY(list.status != NFS3_OK);
            QVERIFY(list.entries.isEmpty());
            QVERIFY(c.readdirplus(link.fh, 0, {}, 8192, 65536).status != NFS3_OK);
            const ReadRes read = c.read(link.fh, 0, 4096);
            QVERIFY(read.status != NFS3_OK);
            QVERIFY(!read.data.contains("secret"));
            // MOUNT of a path through the link.
            QVERIFY(c.mnt(server_.exportPath() + '/' + linkName).status != 0);
            QVERIFY(c.mnt(server_.exportPath() + '/' + linkName + "/x").status != 0);
        }

        // A symlink to a file outside: not readable, writable or truncatable through it.
        const LookupRes secret = c.lookup(c.rootFh(), "secret-link");
        LOFT_COMPARE_STATUS(c, secret, NFS3_OK);
        QCOMPARE(secret.attr->type, uint32_t(NF3LNK));
        const ReadRes read = c.read(secret.fh, 0, 4096);
        QVERIFY(read.status != NFS3_OK);
        QVERIFY(!read.data.contains("secret"));
        QVERIFY(c.write(secret.fh, 0, "pwned", FILE_SYNC).status != NFS3_OK);
        SetAttr truncate;
        truncate.size = 0;
        QVERIFY(c.setattr(secret.fh, truncate).status != NFS3_OK);
        SetAttr chmod;
        chmod.mode = 0777;
        c.setattr(secret.fh, chmod); // may fail or change the link itself; never the target
        // A hard link to the symlink is a link to the symlink, not to the target.
        if (c.link(secret.fh, c.rootFh(), "secret-hard").status == NFS3_OK) {
            const auto st = lstatPath(disk(QStringLiteral("secret-hard")));
            QVERIFY(st && S_ISLNK(st->st_mode));
            QVERIFY(QFile::remove(disk(QStringLiteral("secret-hard"))));
        }

        // libnfs resolves symlinks itself, within the export: nothing outside is reachable.
        nfsfh *fh = nullptr;
        QVERIFY(nfs_open(c.nfs(), "/escape-rel/secret.txt", O_RDONLY, &fh) != 0);
        QVERIFY(nfs_open(c.nfs(), "/escape-abs/secret.txt", O_RDONLY, &fh) != 0);
        QVERIFY(nfs_creat(c.nfs(), "/escape-rel/created-through-link", 0644, &fh) != 0);
        if (nfs_open(c.nfs(), "/secret-link", O_RDONLY, &fh) == 0) {
            char buffer[64] = {};
            const int n = nfs_pread(c.nfs(), fh, 0, sizeof buffer, buffer);
            nfs_close(c.nfs(), fh);
            QVERIFY(n <= 0 || !QByteArray(buffer, n).contains("outside secret"));
        }

        QCOMPARE(folderFingerprint(outsidePath_), outsideBefore);
        QCOMPARE(*readFile(outsideSecret), QByteArray("outside secret"));
        QCOMPARE(QDir(outsidePath_).entryList(QDir::NoDotAndDotDot | QDir::AllEntries),
                 QStringList{QStringLiteral("secret.txt")});
        expectStillServing();
    }
};

QTEST_GUILESS_MAIN(NfsBadInput)
#include "tst_nfs_bad_input.moc"
