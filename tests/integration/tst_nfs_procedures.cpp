// Every NFSv3 procedure (RFC 1813), MOUNT v3 and portmapper GETPORT against `loft serve`,
// through libnfs (raw calls and the high-level API), each result checked against the
// served folder on disk. LOFT_TEST_SOURCE picks what is served (TestSource): a local
// folder, Apache mod_dav through webdav:// or sshd through sftp://; for the remote kinds
// "on disk" is the server's folder, after uploads land. What a remote store cannot hold
// (modes, owners, symlinks, hard links, FIFOs on WebDAV) answers a clean error, checked.

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "TestFolder.h"
#include "TestSource.h"

#include <QDateTime>
#include <QDir>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

using namespace loft::test;

namespace {
constexpr uint32_t kAllAccess = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND
    | ACCESS3_DELETE | ACCESS3_EXECUTE;

QByteArray randomBytes(qsizetype n)
{
    QByteArray out(n, Qt::Uninitialized);
    auto *rng = QRandomGenerator::global();
    for (qsizetype i = 0; i < n; ++i)
        out[i] = char(rng->generate() & 0xff);
    return out;
}
} // namespace

class NfsProcedures : public QObject {
    Q_OBJECT

private:
    QString disk(const QString &rel) const { return source_.disk(rel); }
    bool has(TestSource::Feature f) const { return source_.has(f); }
    bool putFile(const QString &rel, const QByteArray &data) { return source_.writeFile(rel, data); }
    // The bytes on disk once Loft's write reached it (uploads drain for write-back).
    QByteArray settled(const QString &rel, const QByteArray &expected)
    {
        return source_.settledRead(rel, expected);
    }
    // A fresh folder for one test, on disk, and its handle.
    Fh freshDir(const QString &name)
    {
        QDir(disk(name)).removeRecursively();
        if (!source_.makeDir(name))
            return {};
        const LookupRes r = client_.lookupPath(name.toUtf8());
        return r.status == NFS3_OK ? r.fh : Fh();
    }

    TestSource source_;
    LoftServerProcess server_;
    NfsTestClient client_;

private slots:
    void initTestCase()
    {
        QString why;
        QVERIFY2(source_.start(&why), qPrintable(why));
        qInfo("source: %s", qPrintable(source_.name()));
        QVERIFY2(source_.startServer(server_), qPrintable(server_.errorString()));
        QVERIFY2(client_.open(server_), qPrintable(client_.lastError()));
        QCOMPARE(client_.rootFh().size(), 25); // version + file id + MAC
    }

    void cleanupTestCase()
    {
        QVERIFY2(server_.stop(), qPrintable(server_.errorString()));
    }

    void nullProcedure()
    {
        LOFT_COMPARE_STATUS(client_, client_.null(), NFS3_OK);
    }

    void getattrMatchesDisk()
    {
        QVERIFY(!freshDir(QStringLiteral("getattr")).isEmpty());
        QVERIFY(putFile(QStringLiteral("getattr/file.txt"), randomBytes(1234)));
        QCOMPARE(::chmod(QFile::encodeName(disk(QStringLiteral("getattr/file.txt"))), 0640), 0);
        const auto st = lstatPath(disk(QStringLiteral("getattr/file.txt")));
        QVERIFY(st);

        const LookupRes file = client_.lookupPath("getattr/file.txt");
        LOFT_COMPARE_STATUS(client_, file, NFS3_OK);
        const AttrRes a = client_.getattr(file.fh);
        LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
        QCOMPARE(a.attr->type, uint32_t(NF3REG));
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(a.attr->mode & 07777, 0640u);
        QCOMPARE(a.attr->size, 1234u);
        QCOMPARE(a.attr->nlink, 1u);
        if (has(TestSource::Feature::Owners)) {
            QCOMPARE(a.attr->uid, uint32_t(st->st_uid));
            QCOMPARE(a.attr->gid, uint32_t(st->st_gid));
        }
        QCOMPARE(a.attr->mtime.sec, uint32_t(st->st_mtim.tv_sec));
        if (has(TestSource::Feature::NanosecondTimes))
            QCOMPARE(a.attr->mtime.nsec, uint32_t(st->st_mtim.tv_nsec));
        QVERIFY(a.attr->fileid != 0);
        // LOOKUP's attributes are the same object's.
        QCOMPARE(file.attr->fileid, a.attr->fileid);

        const AttrRes root = client_.getattr(client_.rootFh());
        LOFT_COMPARE_STATUS(client_, root, NFS3_OK);
        QCOMPARE(root.attr->type, uint32_t(NF3DIR));
        QVERIFY(root.attr->fileid != a.attr->fileid);
        QCOMPARE(root.attr->fsid, a.attr->fsid);
    }

    void setattrChangesDisk()
    {
        const Fh dir = freshDir(QStringLiteral("setattr"));
        QVERIFY(!dir.isEmpty());
        const QByteArray content = randomBytes(100);
        const QString path = disk(QStringLiteral("setattr/f"));
        QVERIFY(writeFile(path, content));
        const LookupRes f = client_.lookup(dir, "f");
        LOFT_COMPARE_STATUS(client_, f, NFS3_OK);

        SetAttr mode;
        mode.mode = 0604;
        AttrRes r = client_.setattr(f.fh, mode);
        // WebDAV has nowhere to keep a mode: accepted and left as it is.
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        if (has(TestSource::Feature::PosixModes)) {
            QCOMPARE(lstatPath(path)->st_mode & 07777, 0604u);
            QCOMPARE(r.attr->mode & 07777, 0604u);
        }

        SetAttr shrink;
        shrink.size = 10;
        r = client_.setattr(f.fh, shrink);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(settled(QStringLiteral("setattr/f"), content.left(10)), content.left(10));
        QCOMPARE(r.attr->size, 10u);

        SetAttr grow;
        grow.size = 5000;
        LOFT_COMPARE_STATUS(client_, client_.setattr(f.fh, grow), NFS3_OK);
        const QByteArray grown = content.left(10) + QByteArray(4990, '\0');
        QCOMPARE(settled(QStringLiteral("setattr/f"), grown), grown);
        if (!has(TestSource::Feature::SetTimes))
            QSKIP("WebDAV keeps no times a client sets (accepted, not stored): times not checked");

        SetAttr times;
        times.atimeHow = SetAttr::Time::Client;
        times.atime = NfsTime{1'000'000'000, 123};
        times.mtimeHow = SetAttr::Time::Client;
        times.mtime = NfsTime{1'200'000'000, 456'789};
        r = client_.setattr(f.fh, times);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        auto st = lstatPath(path);
        QCOMPARE(qint64(st->st_atim.tv_sec), 1'000'000'000);
        QCOMPARE(qint64(st->st_mtim.tv_sec), 1'200'000'000);
        if (has(TestSource::Feature::NanosecondTimes)) {
            QCOMPARE(qint64(st->st_atim.tv_nsec), 123);
            QCOMPARE(qint64(st->st_mtim.tv_nsec), 456'789);
            QCOMPARE(r.attr->mtime, (NfsTime{1'200'000'000, 456'789}));
        } else {
            QCOMPARE(r.attr->mtime.sec, 1'200'000'000u); // SFTP v3 keeps whole seconds
        }

        SetAttr now;
        now.mtimeHow = SetAttr::Time::Server;
        LOFT_COMPARE_STATUS(client_, client_.setattr(f.fh, now), NFS3_OK);
        st = lstatPath(path);
        QVERIFY(qAbs(qint64(st->st_mtim.tv_sec) - QDateTime::currentSecsSinceEpoch()) < 60);
        QCOMPARE(qint64(st->st_atim.tv_sec), 1'000'000'000); // untouched
    }

    void setattrGuardMismatchIsNotSync()
    {
        if (!has(TestSource::Feature::ChangeTime) || !has(TestSource::Feature::PosixModes))
            QSKIP("the store keeps no ctime (SFTP v3, WebDAV): the guard has nothing to compare");
        const Fh dir = freshDir(QStringLiteral("guard"));
        QVERIFY(!dir.isEmpty());
        const QString path = disk(QStringLiteral("guard/f"));
        QVERIFY(writeFile(path, "x"));
        QCOMPARE(::chmod(QFile::encodeName(path), 0644), 0);
        const LookupRes f = client_.lookup(dir, "f");
        LOFT_COMPARE_STATUS(client_, f, NFS3_OK);
        const AttrRes before = client_.getattr(f.fh);
        LOFT_COMPARE_STATUS(client_, before, NFS3_OK);

        SetAttr mode;
        mode.mode = 0600;
        NfsTime wrong = before.attr->ctime;
        wrong.sec -= 1;
        LOFT_COMPARE_STATUS(client_, client_.setattr(f.fh, mode, wrong), NFS3ERR_NOT_SYNC);
        QCOMPARE(lstatPath(path)->st_mode & 07777, 0644u);

        LOFT_COMPARE_STATUS(client_, client_.setattr(f.fh, mode, before.attr->ctime), NFS3_OK);
        QCOMPARE(lstatPath(path)->st_mode & 07777, 0600u);
    }

    void lookupAndAccess()
    {
        const Fh dir = freshDir(QStringLiteral("lookup"));
        QVERIFY(!dir.isEmpty());
        QVERIFY(putFile(QStringLiteral("lookup/plain"), "p"));
        QVERIFY(putFile(QStringLiteral("lookup/tool"), "#!/bin/sh\n"));
        QCOMPARE(::chmod(QFile::encodeName(disk(QStringLiteral("lookup/plain"))), 0644), 0);
        QCOMPARE(::chmod(QFile::encodeName(disk(QStringLiteral("lookup/tool"))), 0755), 0);

        LOFT_COMPARE_STATUS(client_, client_.lookup(dir, "missing"), NFS3ERR_NOENT);
        const LookupRes self = client_.lookup(dir, ".");
        LOFT_COMPARE_STATUS(client_, self, NFS3_OK);
        QCOMPARE(self.fh, dir);
        const LookupRes parent = client_.lookup(dir, "..");
        LOFT_COMPARE_STATUS(client_, parent, NFS3_OK);
        QCOMPARE(parent.fh, client_.rootFh());
        const LookupRes rootParent = client_.lookup(client_.rootFh(), "..");
        LOFT_COMPARE_STATUS(client_, rootParent, NFS3_OK);
        QCOMPARE(rootParent.fh, client_.rootFh()); // the root is its own parent

        if (!has(TestSource::Feature::PosixModes))
            QSKIP("WebDAV has no permission bits: ACCESS by mode not checked (lookups were)");
        const LookupRes plain = client_.lookup(dir, "plain");
        LOFT_COMPARE_STATUS(client_, plain, NFS3_OK);
        AccessRes a = client_.access(plain.fh, kAllAccess);
        LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
        QCOMPARE(a.access, uint32_t(ACCESS3_READ | ACCESS3_MODIFY | ACCESS3_EXTEND));

        const LookupRes tool = client_.lookup(dir, "tool");
        LOFT_COMPARE_STATUS(client_, tool, NFS3_OK);
        a = client_.access(tool.fh, kAllAccess);
        LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
        QVERIFY(a.access & ACCESS3_EXECUTE);
        // Only asked-for bits come back.
        a = client_.access(tool.fh, ACCESS3_READ);
        QCOMPARE(a.access, uint32_t(ACCESS3_READ));

        a = client_.access(dir, kAllAccess);
        LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
        QCOMPARE(a.access, uint32_t(ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY
                                    | ACCESS3_EXTEND | ACCESS3_DELETE));
    }

    void symlinkAndReadlink()
    {
        const Fh dir = freshDir(QStringLiteral("links"));
        QVERIFY(!dir.isEmpty());
        if (!has(TestSource::Feature::Symlinks)) {
            // WebDAV has no symlinks: a clean error, nothing made.
            LOFT_COMPARE_STATUS(client_, client_.symlink(dir, "made", "target"), NFS3ERR_PERM);
            QVERIFY(!existsOnDisk(disk(QStringLiteral("links/made"))));
            return;
        }
        const CreateRes s = client_.symlink(dir, "made", "some/target path");
        LOFT_COMPARE_STATUS(client_, s, NFS3_OK);
        QVERIFY(!s.fh.isEmpty());
        QCOMPARE(s.attr->type, uint32_t(NF3LNK));
        const auto st = lstatPath(disk(QStringLiteral("links/made")));
        QVERIFY(st && S_ISLNK(st->st_mode));
        QCOMPARE(QFile::symLinkTarget(disk(QStringLiteral("links/made"))).isEmpty(), false);
        char target[256] = {};
        QCOMPARE(::readlink(QFile::encodeName(disk(QStringLiteral("links/made"))), target,
                            sizeof target - 1),
                 ssize_t(16));
        QCOMPARE(QByteArray(target), QByteArray("some/target path"));

        ReadlinkRes r = client_.readlink(s.fh);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.target, QByteArray("some/target path"));

        // A symlink made on disk reads back verbatim, even one pointing out of the folder.
        QCOMPARE(::symlink("../../etc/passwd", QFile::encodeName(disk(QStringLiteral("links/planted")))), 0);
        const LookupRes planted = client_.lookup(dir, "planted");
        LOFT_COMPARE_STATUS(client_, planted, NFS3_OK);
        QCOMPARE(planted.attr->type, uint32_t(NF3LNK));
        r = client_.readlink(planted.fh);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.target, QByteArray("../../etc/passwd"));

        // READLINK of a regular file.
        QVERIFY(putFile(QStringLiteral("links/file"), "f"));
        const LookupRes file = client_.lookup(dir, "file");
        LOFT_COMPARE_STATUS(client_, client_.readlink(file.fh), NFS3ERR_INVAL);
    }

    void readWriteAtOffsetsWithLibnfs()
    {
        QVERIFY(!freshDir(QStringLiteral("rw")).isEmpty());
        nfs_context *nfs = client_.nfs();
        nfsfh *fh = nullptr;
        QVERIFY2(nfs_creat(nfs, "/rw/data.bin", 0644, &fh) == 0, qPrintable(client_.nfsError()));
        auto closeFh = qScopeGuard([&] { nfs_close(nfs, fh); });

        QCOMPARE(nfs_pwrite(nfs, fh, 0, 5, "hello"), 5);
        QCOMPARE(nfs_pwrite(nfs, fh, 100'000, 5, "world"), 5);
        QCOMPARE(nfs_pwrite(nfs, fh, (1 << 20) + 7, 4, "tail"), 4);
        QVERIFY(nfs_fsync(nfs, fh) == 0);
        QByteArray expected(1048587, '\0');
        expected.replace(0, 5, "hello");
        expected.replace(100'000, 5, "world");
        expected.replace((1 << 20) + 7, 4, "tail");
        QCOMPARE(settled(QStringLiteral("rw/data.bin"), expected).size(), expected.size());
        QVERIFY(settled(QStringLiteral("rw/data.bin"), expected) == expected);

        // A large write (over 4 MiB, so libnfs splits it into many WRITEs) at an odd offset.
        const QByteArray big = randomBytes((5 << 20) + 3);
        const uint64_t at = 12'345;
        QCOMPARE(nfs_pwrite(nfs, fh, at, uint64_t(big.size()), big.constData()), int(big.size()));
        QVERIFY(nfs_fsync(nfs, fh) == 0);
        expected.resize(qsizetype(at) + big.size());
        expected.replace(qsizetype(at), big.size(), big);
        const QByteArray onDisk = settled(QStringLiteral("rw/data.bin"), expected);
        QCOMPARE(onDisk.size(), expected.size());
        QVERIFY(onDisk == expected);

        QByteArray back(big.size(), '\0');
        QCOMPARE(nfs_pread(nfs, fh, at, uint64_t(back.size()), back.data()), int(back.size()));
        QVERIFY(back == big);

        // Raw READs near and past the end: the eof flag.
        const LookupRes raw = client_.lookupPath("rw/data.bin");
        LOFT_COMPARE_STATUS(client_, raw, NFS3_OK);
        const uint64_t size = uint64_t(expected.size());
        ReadRes r = client_.read(raw.fh, 0, 4096);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.count, 4096u);
        QVERIFY(!r.eof);
        QCOMPARE(r.data, expected.left(4096));
        r = client_.read(raw.fh, size - 5, 100);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.count, 5u);
        QVERIFY(r.eof);
        QCOMPARE(r.data, expected.right(5));
        r = client_.read(raw.fh, size + 10, 100);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.count, 0u);
        QVERIFY(r.eof);
        r = client_.read(raw.fh, size, 1);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.count, 0u);
        QVERIFY(r.eof);
        // One whole 1 MiB READ (rtmax) in one call.
        r = client_.read(raw.fh, 1 << 20, 1 << 20);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.count, uint32_t(1 << 20));
        QVERIFY(r.data == expected.mid(1 << 20, 1 << 20));
    }

    void writeUnstableThenCommit()
    {
        const Fh dir = freshDir(QStringLiteral("commit"));
        QVERIFY(!dir.isEmpty());
        const CreateRes c = client_.create(dir, "w", CreateHow::Unchecked);
        LOFT_COMPARE_STATUS(client_, c, NFS3_OK);

        const WriteRes w1 = client_.write(c.fh, 0, "abc", UNSTABLE);
        LOFT_COMPARE_STATUS(client_, w1, NFS3_OK);
        QCOMPARE(w1.count, 3u);
        QCOMPARE(w1.verf.size(), 8);
        const WriteRes w2 = client_.write(c.fh, 3, "def", UNSTABLE);
        LOFT_COMPARE_STATUS(client_, w2, NFS3_OK);
        QCOMPARE(w2.verf, w1.verf); // one verifier for the whole run
        QCOMPARE(w2.after->size, 6u);
        const CommitRes cm = client_.commit(c.fh);
        LOFT_COMPARE_STATUS(client_, cm, NFS3_OK);
        QCOMPARE(cm.verf, w1.verf);
        QCOMPARE(settled(QStringLiteral("commit/w"), QByteArray("abcdef")), QByteArray("abcdef"));

        const WriteRes w3 = client_.write(c.fh, 6, "g", FILE_SYNC);
        LOFT_COMPARE_STATUS(client_, w3, NFS3_OK);
        QCOMPARE(w3.committed, int(FILE_SYNC));
        QCOMPARE(w3.verf, w1.verf);

        // One full-size (1 MiB) WRITE in a single call.
        const QByteArray mib = randomBytes(1 << 20);
        const WriteRes w4 = client_.write(c.fh, 7, mib, UNSTABLE);
        LOFT_COMPARE_STATUS(client_, w4, NFS3_OK);
        QCOMPARE(w4.count, uint32_t(1 << 20));
        LOFT_COMPARE_STATUS(client_, client_.commit(c.fh, 7, 1 << 20), NFS3_OK);
        QVERIFY(settled(QStringLiteral("commit/w"), QByteArray("abcdefg") + mib) == QByteArray("abcdefg") + mib);

        // WRITE to a directory.
        LOFT_COMPARE_STATUS(client_, client_.write(dir, 0, "x", UNSTABLE), NFS3ERR_ISDIR);
    }

    void createUncheckedAndGuarded()
    {
        const Fh dir = freshDir(QStringLiteral("create"));
        QVERIFY(!dir.isEmpty());
        SetAttr attrs;
        attrs.mode = 0640;
        const CreateRes u = client_.create(dir, "u.txt", CreateHow::Unchecked, attrs);
        LOFT_COMPARE_STATUS(client_, u, NFS3_OK);
        QVERIFY(!u.fh.isEmpty());
        auto st = lstatPath(disk(QStringLiteral("create/u.txt")));
        QVERIFY(st && S_ISREG(st->st_mode));
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(st->st_mode & 07777, 0640u);
        QCOMPARE(u.attr->fileid, client_.getattr(u.fh).attr->fileid);

        // UNCHECKED on an existing file opens it: the content stays.
        QVERIFY(putFile(QStringLiteral("create/u.txt"), "kept"));
        const CreateRes again = client_.create(dir, "u.txt", CreateHow::Unchecked);
        LOFT_COMPARE_STATUS(client_, again, NFS3_OK);
        QCOMPARE(again.attr->fileid, u.attr->fileid);
        QCOMPARE(settled(QStringLiteral("create/u.txt"), QByteArray("kept")), QByteArray("kept"));

        // GUARDED on an existing name.
        LOFT_COMPARE_STATUS(client_, client_.create(dir, "u.txt", CreateHow::Guarded), NFS3ERR_EXIST);
        QCOMPARE(settled(QStringLiteral("create/u.txt"), QByteArray("kept")), QByteArray("kept"));
        const CreateRes g = client_.create(dir, "g.txt", CreateHow::Guarded, attrs);
        LOFT_COMPARE_STATUS(client_, g, NFS3_OK);
        QVERIFY(existsOnDisk(disk(QStringLiteral("create/g.txt"))));

        // CREATE over a directory name.
        QVERIFY(source_.makeDir(QStringLiteral("create/sub")));
        QVERIFY(client_.create(dir, "sub", CreateHow::Unchecked).status != NFS3_OK);
        QVERIFY(QFileInfo(disk(QStringLiteral("create/sub"))).isDir());
    }

    void createExclusive()
    {
        const Fh dir = freshDir(QStringLiteral("excl"));
        QVERIFY(!dir.isEmpty());
        const CreateRes first = client_.create(dir, "e", CreateHow::Exclusive, {}, "ABCDEFGH");
        LOFT_COMPARE_STATUS(client_, first, NFS3_OK);
        QVERIFY(!first.fh.isEmpty());
        QVERIFY(existsOnDisk(disk(QStringLiteral("excl/e"))));

        // A retransmission (same verifier) succeeds and names the same file.
        const CreateRes retry = client_.create(dir, "e", CreateHow::Exclusive, {}, "ABCDEFGH");
        LOFT_COMPARE_STATUS(client_, retry, NFS3_OK);
        QCOMPARE(retry.fh, first.fh);
        QCOMPARE(client_.getattr(retry.fh).attr->fileid, client_.getattr(first.fh).attr->fileid);

        // Another client's create (different verifier) is a real clash.
        LOFT_COMPARE_STATUS(client_, client_.create(dir, "e", CreateHow::Exclusive, {}, "12345678"),
                            NFS3ERR_EXIST);

        // The client then sets the real attributes (and times) with SETATTR.
        SetAttr attrs;
        attrs.mode = 0600;
        attrs.mtimeHow = SetAttr::Time::Server;
        attrs.atimeHow = SetAttr::Time::Server;
        LOFT_COMPARE_STATUS(client_, client_.setattr(first.fh, attrs), NFS3_OK);
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(lstatPath(disk(QStringLiteral("excl/e")))->st_mode & 07777, 0600u);
        LOFT_COMPARE_STATUS(client_, client_.write(first.fh, 0, "data", FILE_SYNC), NFS3_OK);
        QCOMPARE(settled(QStringLiteral("excl/e"), QByteArray("data")), QByteArray("data"));

        // EXCLUSIVE on a name that exists as an ordinary file.
        QVERIFY(putFile(QStringLiteral("excl/other"), "o"));
        LOFT_COMPARE_STATUS(client_, client_.create(dir, "other", CreateHow::Exclusive, {}, "ABCDEFGH"),
                            NFS3ERR_EXIST);
        QCOMPARE(settled(QStringLiteral("excl/other"), QByteArray("o")), QByteArray("o"));
    }

    void mkdirAndRmdir()
    {
        const Fh dir = freshDir(QStringLiteral("dirs"));
        QVERIFY(!dir.isEmpty());
        SetAttr attrs;
        attrs.mode = 0750;
        const CreateRes d = client_.mkdir(dir, "d", attrs);
        LOFT_COMPARE_STATUS(client_, d, NFS3_OK);
        QCOMPARE(d.attr->type, uint32_t(NF3DIR));
        auto st = lstatPath(disk(QStringLiteral("dirs/d")));
        QVERIFY(st && S_ISDIR(st->st_mode));
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(st->st_mode & 07777, 0750u);
        LOFT_COMPARE_STATUS(client_, client_.mkdir(dir, "d"), NFS3ERR_EXIST);

        // Not empty.
        QVERIFY(putFile(QStringLiteral("dirs/d/inside"), "i"));
        LOFT_COMPARE_STATUS(client_, client_.rmdir(dir, "d"), NFS3ERR_NOTEMPTY);
        QVERIFY(existsOnDisk(disk(QStringLiteral("dirs/d/inside"))));
        // RMDIR of a file.
        QVERIFY(putFile(QStringLiteral("dirs/file"), "f"));
        LOFT_COMPARE_STATUS(client_, client_.rmdir(dir, "file"), NFS3ERR_NOTDIR);
        QVERIFY(existsOnDisk(disk(QStringLiteral("dirs/file"))));
        LOFT_COMPARE_STATUS(client_, client_.rmdir(dir, "missing"), NFS3ERR_NOENT);

        QVERIFY(QFile::remove(disk(QStringLiteral("dirs/d/inside"))));
        LOFT_COMPARE_STATUS(client_, client_.rmdir(dir, "d"), NFS3_OK);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("dirs/d"))));
        LOFT_COMPARE_STATUS(client_, client_.getattr(d.fh), NFS3ERR_STALE);
    }

    void mknodFifoButNoDevices()
    {
        const Fh dir = freshDir(QStringLiteral("nodes"));
        QVERIFY(!dir.isEmpty());
        if (!has(TestSource::Feature::SpecialFiles)) {
            // A remote store holds files, folders (and links): the rest is a clean error.
            for (const auto &[name, type] : {std::pair{"fifo", NF3FIFO}, std::pair{"sock", NF3SOCK},
                                              std::pair{"chr", NF3CHR}, std::pair{"blk", NF3BLK}}) {
                LOFT_COMPARE_STATUS(client_, client_.mknod(dir, name, type), NFS3ERR_PERM);
                QVERIFY(!existsOnDisk(disk(QStringLiteral("nodes/") + QLatin1String(name))));
            }
            LOFT_COMPARE_STATUS(client_, client_.mknod(dir, "reg", NF3REG), NFS3ERR_BADTYPE);
            QVERIFY(!existsOnDisk(disk(QStringLiteral("nodes/reg"))));
            return;
        }
        const CreateRes fifo = client_.mknod(dir, "fifo", NF3FIFO);
        LOFT_COMPARE_STATUS(client_, fifo, NFS3_OK);
        QCOMPARE(fifo.attr->type, uint32_t(NF3FIFO));
        const auto st = lstatPath(disk(QStringLiteral("nodes/fifo")));
        QVERIFY(st && S_ISFIFO(st->st_mode));
        QCOMPARE(client_.getattr(fifo.fh).attr->type, uint32_t(NF3FIFO));

        const CreateRes sock = client_.mknod(dir, "sock", NF3SOCK);
        LOFT_COMPARE_STATUS(client_, sock, NFS3_OK);
        QVERIFY(S_ISSOCK(lstatPath(disk(QStringLiteral("nodes/sock")))->st_mode));

        LOFT_COMPARE_STATUS(client_, client_.mknod(dir, "chr", NF3CHR), NFS3ERR_PERM);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("nodes/chr"))));
        LOFT_COMPARE_STATUS(client_, client_.mknod(dir, "blk", NF3BLK), NFS3ERR_PERM);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("nodes/blk"))));
        // MKNOD of a regular file type is not what MKNOD does.
        LOFT_COMPARE_STATUS(client_, client_.mknod(dir, "reg", NF3REG), NFS3ERR_BADTYPE);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("nodes/reg"))));
    }

    void removeFiles()
    {
        const Fh dir = freshDir(QStringLiteral("remove"));
        QVERIFY(!dir.isEmpty());
        QVERIFY(putFile(QStringLiteral("remove/f"), "f"));
        QVERIFY(source_.makeDir(QStringLiteral("remove/d")));
        const LookupRes f = client_.lookup(dir, "f");
        LOFT_COMPARE_STATUS(client_, f, NFS3_OK);

        LOFT_COMPARE_STATUS(client_, client_.remove(dir, "f"), NFS3_OK);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("remove/f"))));
        LOFT_COMPARE_STATUS(client_, client_.getattr(f.fh), NFS3ERR_STALE);
        LOFT_COMPARE_STATUS(client_, client_.remove(dir, "f"), NFS3ERR_NOENT);
        // REMOVE does not remove directories.
        QVERIFY(client_.remove(dir, "d").status != NFS3_OK);
        QVERIFY(QFileInfo(disk(QStringLiteral("remove/d"))).isDir());
    }

    void renameOverExistingAndAcrossDirectories()
    {
        const Fh dir = freshDir(QStringLiteral("ren"));
        QVERIFY(!dir.isEmpty());
        const Fh other = freshDir(QStringLiteral("ren2"));
        QVERIFY(!other.isEmpty());
        QVERIFY(putFile(QStringLiteral("ren/a"), "content of a"));
        QVERIFY(putFile(QStringLiteral("ren/b"), "content of b"));
        const LookupRes a = client_.lookup(dir, "a");
        const LookupRes b = client_.lookup(dir, "b");
        LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
        LOFT_COMPARE_STATUS(client_, b, NFS3_OK);

        // Over an existing file.
        LOFT_COMPARE_STATUS(client_, client_.rename(dir, "a", dir, "b"), NFS3_OK);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("ren/a"))));
        QCOMPARE(settled(QStringLiteral("ren/b"), QByteArray("content of a")), QByteArray("content of a"));
        // The renamed file's old handle still works, and names the moved file.
        ReadRes r = client_.read(a.fh, 0, 100);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("content of a"));
        // The replaced file is gone.
        LOFT_COMPARE_STATUS(client_, client_.getattr(b.fh), NFS3ERR_STALE);
        LOFT_COMPARE_STATUS(client_, client_.lookup(dir, "a"), NFS3ERR_NOENT);

        // Across directories.
        LOFT_COMPARE_STATUS(client_, client_.rename(dir, "b", other, "c"), NFS3_OK);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("ren/b"))));
        QCOMPARE(settled(QStringLiteral("ren2/c"), QByteArray("content of a")), QByteArray("content of a"));
        r = client_.read(a.fh, 0, 100);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("content of a"));
        const LookupRes c = client_.lookup(other, "c");
        LOFT_COMPARE_STATUS(client_, c, NFS3_OK);
        QCOMPARE(c.fh, a.fh); // same object, same handle

        // A directory moved with its contents: handles beneath it follow.
        QVERIFY(putFile(QStringLiteral("ren/sub/deep"), "deep"));
        const LookupRes deep = client_.lookupPath("ren/sub/deep");
        LOFT_COMPARE_STATUS(client_, deep, NFS3_OK);
        LOFT_COMPARE_STATUS(client_, client_.rename(dir, "sub", other, "moved"), NFS3_OK);
        QCOMPARE(settled(QStringLiteral("ren2/moved/deep"), QByteArray("deep")), QByteArray("deep"));
        r = client_.read(deep.fh, 0, 100);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("deep"));

        LOFT_COMPARE_STATUS(client_, client_.rename(dir, "nothing", dir, "x"), NFS3ERR_NOENT);
    }

    void linkMakesHardLink()
    {
        const Fh dir = freshDir(QStringLiteral("hard"));
        QVERIFY(!dir.isEmpty());
        QVERIFY(putFile(QStringLiteral("hard/orig"), "shared"));
        const LookupRes orig = client_.lookup(dir, "orig");
        LOFT_COMPARE_STATUS(client_, orig, NFS3_OK);
        if (!has(TestSource::Feature::HardLinks)) {
            // WebDAV has no hard links: a clean error, nothing made, the file untouched.
            LOFT_COMPARE_STATUS(client_, client_.link(orig.fh, dir, "alias"), NFS3ERR_PERM);
            QVERIFY(!existsOnDisk(disk(QStringLiteral("hard/alias"))));
            QCOMPARE(*readFile(disk(QStringLiteral("hard/orig"))), QByteArray("shared"));
            QCOMPARE(client_.getattr(orig.fh).attr->nlink, 1u);
            return;
        }
        const LinkRes l = client_.link(orig.fh, dir, "alias");
        LOFT_COMPARE_STATUS(client_, l, NFS3_OK);
        const bool counts = has(TestSource::Feature::LinkCounts); // the disk has them anyway
        if (counts)
            QCOMPARE(l.attr->nlink, 2u);
        const auto s1 = lstatPath(disk(QStringLiteral("hard/orig")));
        const auto s2 = lstatPath(disk(QStringLiteral("hard/alias")));
        QVERIFY(s1 && s2);
        QCOMPARE(s1->st_ino, s2->st_ino);
        QCOMPARE(qulonglong(s1->st_nlink), 2ull);
        if (counts)
            QCOMPARE(client_.getattr(orig.fh).attr->nlink, 2u);
        LOFT_COMPARE_STATUS(client_, client_.link(orig.fh, dir, "alias"), NFS3ERR_EXIST);
        // No hard links to directories.
        QVERIFY(client_.link(dir, client_.rootFh(), "dirlink").status != NFS3_OK);
        QVERIFY(!existsOnDisk(disk(QStringLiteral("dirlink"))));
    }

    void readdirMatchesDisk()
    {
        const Fh dir = freshDir(QStringLiteral("list"));
        QVERIFY(!dir.isEmpty());
        QSet<QByteArray> names;
        for (int i = 0; i < 20; ++i) {
            const QByteArray name = "entry-" + QByteArray::number(i);
            QVERIFY(putFile(QStringLiteral("list/") + QString::fromLatin1(name),
                              QByteArray(i, 'x')));
            names.insert(name);
        }
        QVERIFY(source_.makeDir(QStringLiteral("list/subdir")));
        names.insert("subdir");

        const ReaddirRes r = client_.readdir(dir, 0, {}, 64 * 1024);
        LOFT_COMPARE_STATUS(client_, r, NFS3_OK);
        QVERIFY(r.eof);
        QSet<QByteArray> seen;
        for (const DirEntry &e : r.entries)
            seen.insert(e.name);
        QCOMPARE(r.entries.size(), names.size() + 2);
        QVERIFY(seen.contains(".") && seen.contains(".."));
        seen.remove(".");
        seen.remove("..");
        QCOMPARE(seen, names);

        const ReaddirRes p = client_.readdirplus(dir, 0, {}, 64 * 1024, 256 * 1024);
        LOFT_COMPARE_STATUS(client_, p, NFS3_OK);
        QVERIFY(p.eof);
        int checked = 0;
        for (const DirEntry &e : p.entries) {
            if (e.name == "." || e.name == "..")
                continue;
            QVERIFY(e.attr);
            QVERIFY(!e.fh.isEmpty());
            QCOMPARE(e.attr->fileid, e.fileid);
            const auto st = lstatPath(disk(QStringLiteral("list/") + QString::fromLatin1(e.name)));
            QVERIFY(st);
            if (S_ISREG(st->st_mode))
                QCOMPARE(e.attr->size, uint64_t(st->st_size));
            // The entry's handle is a working handle for that object.
            const AttrRes a = client_.getattr(e.fh);
            LOFT_COMPARE_STATUS(client_, a, NFS3_OK);
            QCOMPARE(a.attr->fileid, e.fileid);
            ++checked;
        }
        QCOMPARE(checked, names.size());

        // READDIR of a file.
        const LookupRes f = client_.lookup(dir, "entry-1");
        LOFT_COMPARE_STATUS(client_, client_.readdir(f.fh, 0, {}, 4096), NFS3ERR_NOTDIR);
    }

    void fsstatFsinfoPathconf()
    {
        const FsstatRes s = client_.fsstat(client_.rootFh());
        LOFT_COMPARE_STATUS(client_, s, NFS3_OK);
        struct statvfs vfs;
        QCOMPARE(::statvfs(QFile::encodeName(source_.root()), &vfs), 0);
        QVERIFY(s.tbytes > 0);
        QVERIFY(s.fbytes <= s.tbytes);
        QVERIFY(s.abytes <= s.tbytes);
        if (has(TestSource::Feature::DiskStatvfs))
            QCOMPARE(s.tbytes, uint64_t(vfs.f_blocks) * uint64_t(vfs.f_frsize));
        QVERIFY(s.tfiles > 0);
        QVERIFY(s.ffiles <= s.tfiles);

        const FsinfoRes i = client_.fsinfo(client_.rootFh());
        LOFT_COMPARE_STATUS(client_, i, NFS3_OK);
        QVERIFY(i.rtmax >= 64 * 1024);
        QVERIFY(i.wtmax >= 64 * 1024);
        QVERIFY(i.rtpref > 0 && i.rtpref <= i.rtmax);
        QVERIFY(i.wtpref > 0 && i.wtpref <= i.wtmax);
        QVERIFY(i.dtpref > 0);
        QVERIFY(i.maxfilesize >= (uint64_t(1) << 40));
        QCOMPARE(bool(i.properties & FSF3_LINK), has(TestSource::Feature::HardLinks));
        QCOMPARE(bool(i.properties & FSF3_SYMLINK), has(TestSource::Feature::Symlinks));
        QVERIFY(i.properties & FSF3_HOMOGENEOUS);
        QVERIFY(i.properties & FSF3_CANSETTIME);
        if (has(TestSource::Feature::NanosecondTimes))
            QVERIFY(i.timeDelta.sec == 0 && i.timeDelta.nsec > 0 && i.timeDelta.nsec <= 1'000'000);

        const PathconfRes p = client_.pathconf(client_.rootFh());
        LOFT_COMPARE_STATUS(client_, p, NFS3_OK);
        QCOMPARE(p.nameMax, 255u);
        QVERIFY(p.linkmax >= (has(TestSource::Feature::HardLinks) ? 2u : 1u));
        QVERIFY(p.noTrunc);
        QVERIFY(p.casePreserving);
        QVERIFY(!p.caseInsensitive);

        if (!has(TestSource::Feature::DiskStatvfs))
            QSKIP("WebDAV reports quota, not the server disk's statvfs: sizes not compared");
        // libnfs's statvfs agrees with the disk.
        struct statvfs remote;
        QVERIFY2(nfs_statvfs(client_.nfs(), "/", &remote) == 0, qPrintable(client_.nfsError()));
        QCOMPARE(uint64_t(remote.f_blocks) * uint64_t(remote.f_frsize),
                 uint64_t(vfs.f_blocks) * uint64_t(vfs.f_frsize));
    }

    void portmapperGetport()
    {
        QCOMPARE(client_.getport(100003, 3, 6), qint64(server_.port()));
        QCOMPARE(client_.getport(100005, 3, 6), qint64(server_.port()));
        QCOMPARE(client_.getport(100000, 2, 6), qint64(server_.port()));
        QCOMPARE(client_.getport(123456, 1, 6), qint64(0));
        QCOMPARE(client_.getport(100003, 4, 6), qint64(0));
        QCOMPARE(client_.getport(100003, 3, 17), qint64(0)); // no UDP
    }

    void mountOnlyTheSecretExport()
    {
        MountRes m = client_.mnt("/wrong");
        QCOMPARE(m.status, int(MNT3ERR_ACCES));
        QCOMPARE(client_.mnt("/").status, int(MNT3ERR_ACCES));
        QCOMPARE(client_.mnt(server_.exportPath() + "x").status, int(MNT3ERR_ACCES));
        QCOMPARE(client_.mnt(server_.exportPath().chopped(1)).status, int(MNT3ERR_ACCES));
        // A folder inside the export can be mounted (as mount.nfs allows); a missing one not.
        QCOMPARE(client_.mnt(server_.exportPath() + "/no-such-folder").status, int(MNT3ERR_NOENT));
        QVERIFY(source_.makeDir(QStringLiteral("mnt-sub/inner")));
        m = client_.mnt(server_.exportPath() + "/mnt-sub/inner");
        QCOMPARE(m.status, int(MNT3_OK));
        QCOMPARE(m.fh, client_.lookupPath("mnt-sub/inner").fh);
        QCOMPARE(client_.mnt(server_.exportPath() + "/mnt-sub/../..").status, int(MNT3ERR_INVAL));

        m = client_.mnt(server_.exportPath());
        QCOMPARE(m.status, int(MNT3_OK));
        QCOMPARE(m.fh, client_.rootFh());
        QVERIFY(m.flavors.contains(1)); // AUTH_SYS

        // EXPORT lists nothing: the secret path is not for anyone to read.
        const auto exports = client_.exportList();
        QVERIFY2(exports, qPrintable(client_.lastError()));
        QVERIFY(exports->isEmpty());
    }

    void highLevelLibnfsBattery()
    {
        QVERIFY(!freshDir(QStringLiteral("hl")).isEmpty());
        nfs_context *nfs = client_.nfs();
        auto ok = [&](int rc) {
            if (rc < 0)
                qWarning("libnfs: %s", qPrintable(client_.nfsError()));
            return rc >= 0;
        };
        QVERIFY(ok(nfs_mkdir(nfs, "/hl/dir")));
        QVERIFY(QFileInfo(disk(QStringLiteral("hl/dir"))).isDir());

        nfsfh *fh = nullptr;
        QVERIFY(ok(nfs_creat(nfs, "/hl/dir/file", 0644, &fh)));
        QCOMPARE(nfs_write(nfs, fh, 11, "hello world"), 11);
        QVERIFY(ok(nfs_close(nfs, fh)));
        QCOMPARE(settled(QStringLiteral("hl/dir/file"), QByteArray("hello world")), QByteArray("hello world"));

        QVERIFY(ok(nfs_chmod(nfs, "/hl/dir/file", 0600)));
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(lstatPath(disk(QStringLiteral("hl/dir/file")))->st_mode & 07777, 0600u);
        QVERIFY(ok(nfs_truncate(nfs, "/hl/dir/file", 5)));
        QCOMPARE(settled(QStringLiteral("hl/dir/file"), QByteArray("hello")), QByteArray("hello"));
        struct timeval times[2] = {{1'111'111'111, 0}, {1'222'222'222, 500'000}};
        QVERIFY(ok(nfs_utimes(nfs, "/hl/dir/file", times)));
        if (has(TestSource::Feature::SetTimes)) {
            auto st = lstatPath(disk(QStringLiteral("hl/dir/file")));
            QCOMPARE(qint64(st->st_atim.tv_sec), 1'111'111'111);
            QCOMPARE(qint64(st->st_mtim.tv_sec), 1'222'222'222);
            if (has(TestSource::Feature::NanosecondTimes))
                QCOMPARE(qint64(st->st_mtim.tv_nsec), 500'000'000);
        }

        nfs_stat_64 nst;
        QVERIFY(ok(nfs_stat64(nfs, "/hl/dir/file", &nst)));
        QCOMPARE(nst.nfs_size, 5u);
        if (has(TestSource::Feature::PosixModes))
            QCOMPARE(nst.nfs_mode & 07777, 0600u);
        QVERIFY(S_ISREG(mode_t(nst.nfs_mode)));
        if (has(TestSource::Feature::SetTimes))
            QCOMPARE(nst.nfs_mtime, 1'222'222'222u);

        QSet<QByteArray> expectedListing{".", "..", "file"};
        if (has(TestSource::Feature::Symlinks)) {
            QVERIFY(ok(nfs_symlink(nfs, "file", "/hl/dir/sym")));
            char target[64] = {};
            QVERIFY(ok(nfs_readlink(nfs, "/hl/dir/sym", target, sizeof target - 1)));
            QCOMPARE(QByteArray(target), QByteArray("file"));
            QCOMPARE(QFileInfo(disk(QStringLiteral("hl/dir/sym"))).isSymLink(), true);
            expectedListing.insert("sym");
        } else {
            QVERIFY(nfs_symlink(nfs, "file", "/hl/dir/sym") < 0);
            QVERIFY(!existsOnDisk(disk(QStringLiteral("hl/dir/sym"))));
        }

        if (has(TestSource::Feature::HardLinks)) {
            QVERIFY(ok(nfs_link(nfs, "/hl/dir/file", "/hl/dir/hard")));
            QCOMPARE(qulonglong(lstatPath(disk(QStringLiteral("hl/dir/file")))->st_nlink), 2ull);
        } else {
            QVERIFY(nfs_link(nfs, "/hl/dir/file", "/hl/dir/hard") < 0);
            QVERIFY(!existsOnDisk(disk(QStringLiteral("hl/dir/hard"))));
            // Something to rename below all the same: a copy of the file's bytes.
            QVERIFY(putFile(QStringLiteral("hl/dir/hard"), "hello"));
        }

        QVERIFY(ok(nfs_rename(nfs, "/hl/dir/hard", "/hl/renamed")));
        QVERIFY(!existsOnDisk(disk(QStringLiteral("hl/dir/hard"))));
        QCOMPARE(settled(QStringLiteral("hl/renamed"), QByteArray("hello")), QByteArray("hello"));

        // nfs_opendir lists with READDIRPLUS.
        nfsdir *d = nullptr;
        QVERIFY(ok(nfs_opendir(nfs, "/hl/dir", &d)));
        QSet<QByteArray> listed;
        while (nfsdirent *e = nfs_readdir(nfs, d))
            listed.insert(QByteArray(e->name));
        nfs_closedir(nfs, d);
        QCOMPARE(listed, expectedListing);

        if (has(TestSource::Feature::Symlinks))
            QVERIFY(ok(nfs_unlink(nfs, "/hl/dir/sym")));
        QVERIFY(ok(nfs_unlink(nfs, "/hl/dir/file")));
        QVERIFY(!existsOnDisk(disk(QStringLiteral("hl/dir/file"))));
        QVERIFY(ok(nfs_rmdir(nfs, "/hl/dir")));
        QVERIFY(!existsOnDisk(disk(QStringLiteral("hl/dir"))));
        QVERIFY(nfs_stat64(nfs, "/hl/dir", &nst) < 0);
    }
};

QTEST_GUILESS_MAIN(NfsProcedures)
#include "tst_nfs_procedures.moc"
