// Read-only serving: `loft serve --read-only`, and a source folder on a read-only mount
// (a read-only bind mount in a private mount namespace). Every mutation answers
// NFS3ERR_ROFS, reads keep working, ACCESS grants no MODIFY/EXTEND/DELETE under
// --read-only, and the folder is byte-identical afterwards. LOFT_TEST_SOURCE picks what
// is served (TestSource: local, webdav://, sftp://; the read-only mount is local only).

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "TestFolder.h"
#include "TestSource.h"

#include <QDir>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
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
constexpr uint32_t kAllAccess = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY | ACCESS3_EXTEND
    | ACCESS3_DELETE | ACCESS3_EXECUTE;
constexpr uint32_t kWriteAccess = ACCESS3_MODIFY | ACCESS3_EXTEND | ACCESS3_DELETE;

QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

// The shell script that makes `dir` a read-only bind mount of itself in a new mount
// namespace (private propagation: nothing leaks to the host) and then runs "$0" "$@".
QStringList readOnlyBindWrapper(const QString &dir)
{
    const QString q = shellQuote(dir);
    return {QStringLiteral("unshare"), QStringLiteral("--mount"),
            QStringLiteral("--propagation"), QStringLiteral("private"),
            QStringLiteral("sh"), QStringLiteral("-c"),
            QStringLiteral("mount --bind %1 %1 && mount -o remount,bind,ro %1 && exec \"$0\" \"$@\"")
                .arg(q)};
}
} // namespace

class NfsReadOnly : public QObject {
    Q_OBJECT

private:
    QString disk(const QString &rel) const { return source_->disk(rel); }
    bool symlinks() const { return source_->has(TestSource::Feature::Symlinks); }

    void populate()
    {
        QVERIFY(source_->writeFile(QStringLiteral("file.txt"), "read-only content"));
        QVERIFY(source_->writeFile(QStringLiteral("tool.sh"), "#!/bin/sh\n"));
        QCOMPARE(::chmod(QFile::encodeName(disk(QStringLiteral("tool.sh"))), 0755), 0);
        QVERIFY(source_->writeFile(QStringLiteral("dir/inner.txt"), "inner"));
        QVERIFY(source_->makeDir(QStringLiteral("empty-dir")));
        if (symlinks())
            QCOMPARE(::symlink("file.txt", QFile::encodeName(disk(QStringLiteral("link")))), 0);
        else // WebDAV: no symlinks; a plain file of that name
            QVERIFY(source_->writeFile(QStringLiteral("link"), "file.txt"));
    }

    // Every mutating procedure, each expected to answer ROFS. `existingNames` also tries
    // the creating procedures on names that exist (only meaningful where the server itself
    // refuses before looking).
    void everyMutationIsRofs(NfsTestClient &c, bool existingNames)
    {
        const Fh root = c.rootFh();
        const LookupRes file = c.lookup(root, "file.txt");
        LOFT_COMPARE_STATUS(c, file, NFS3_OK);
        const LookupRes dir = c.lookup(root, "dir");
        LOFT_COMPARE_STATUS(c, dir, NFS3_OK);
        const LookupRes link = c.lookup(root, "link");
        LOFT_COMPARE_STATUS(c, link, NFS3_OK);

        SetAttr mode;
        mode.mode = 0600;
        LOFT_COMPARE_STATUS(c, c.setattr(file.fh, mode), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.setattr(dir.fh, mode), NFS3ERR_ROFS);
        SetAttr size;
        size.size = 0;
        LOFT_COMPARE_STATUS(c, c.setattr(file.fh, size), NFS3ERR_ROFS);
        SetAttr times;
        times.mtimeHow = SetAttr::Time::Server;
        times.atimeHow = SetAttr::Time::Client;
        times.atime = NfsTime{1'000'000'000, 0};
        LOFT_COMPARE_STATUS(c, c.setattr(file.fh, times), NFS3ERR_ROFS);

        LOFT_COMPARE_STATUS(c, c.write(file.fh, 0, "overwrite", UNSTABLE), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.write(file.fh, 1 << 20, "extend", FILE_SYNC), NFS3ERR_ROFS);

        LOFT_COMPARE_STATUS(c, c.create(root, "new.txt", CreateHow::Unchecked), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.create(root, "new.txt", CreateHow::Guarded), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.create(root, "new.txt", CreateHow::Exclusive, {}, "verifier"),
                            NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.create(dir.fh, "new.txt", CreateHow::Unchecked), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.mkdir(root, "new-dir"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.symlink(root, "new-link", "file.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.mknod(root, "new-fifo", NF3FIFO), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.mknod(root, "new-sock", NF3SOCK), NFS3ERR_ROFS);
        if (existingNames) {
            SetAttr truncate;
            truncate.size = 0;
            LOFT_COMPARE_STATUS(c, c.create(root, "file.txt", CreateHow::Unchecked, truncate),
                                NFS3ERR_ROFS);
            LOFT_COMPARE_STATUS(c, c.create(root, "file.txt", CreateHow::Guarded), NFS3ERR_ROFS);
            LOFT_COMPARE_STATUS(c, c.mkdir(root, "dir"), NFS3ERR_ROFS);
        }

        LOFT_COMPARE_STATUS(c, c.remove(root, "file.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.remove(root, "link"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.rmdir(root, "empty-dir"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.rename(root, "file.txt", root, "renamed.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.rename(root, "file.txt", dir.fh, "moved.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.rename(root, "tool.sh", root, "file.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.link(file.fh, root, "hard.txt"), NFS3ERR_ROFS);
        LOFT_COMPARE_STATUS(c, c.link(file.fh, dir.fh, "hard.txt"), NFS3ERR_ROFS);
    }

    // Reading still works, through raw calls and libnfs.
    void readsWork(NfsTestClient &c)
    {
        const LookupRes file = c.lookup(c.rootFh(), "file.txt");
        LOFT_COMPARE_STATUS(c, file, NFS3_OK);
        const ReadRes r = c.read(file.fh, 0, 4096);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("read-only content"));
        QVERIFY(r.eof);
        const ReaddirRes list = c.readdirplus(c.rootFh(), 0, {}, 8192, 65536);
        LOFT_COMPARE_STATUS(c, list, NFS3_OK);
        QSet<QByteArray> names;
        for (const DirEntry &e : list.entries)
            names.insert(e.name);
        QCOMPARE(names, (QSet<QByteArray>{".", "..", "file.txt", "tool.sh", "dir", "empty-dir",
                                          "link"}));
        if (symlinks()) {
            const ReadlinkRes target = c.readlink(c.lookup(c.rootFh(), "link").fh);
            LOFT_COMPARE_STATUS(c, target, NFS3_OK);
            QCOMPARE(target.target, QByteArray("file.txt"));
        }
        LOFT_COMPARE_STATUS(c, c.fsstat(c.rootFh()), NFS3_OK);
        LOFT_COMPARE_STATUS(c, c.getattr(c.lookupPath("dir/inner.txt").fh), NFS3_OK);

        nfsfh *fh = nullptr;
        QVERIFY2(nfs_open(c.nfs(), "/dir/inner.txt", O_RDONLY, &fh) == 0, qPrintable(c.nfsError()));
        char buffer[32] = {};
        QCOMPARE(nfs_pread(c.nfs(), fh, 0, sizeof buffer, buffer), 5);
        nfs_close(c.nfs(), fh);
        QCOMPARE(QByteArray(buffer), QByteArray("inner"));

        // The high-level API fails cleanly too.
        QVERIFY(nfs_creat(c.nfs(), "/hl-new.txt", 0644, &fh) != 0);
        QVERIFY(nfs_mkdir(c.nfs(), "/hl-dir") != 0);
        QVERIFY(nfs_unlink(c.nfs(), "/file.txt") != 0);
        QVERIFY(nfs_chmod(c.nfs(), "/file.txt", 0600) != 0);
        QVERIFY(nfs_truncate(c.nfs(), "/file.txt", 1) != 0);
    }

    void accessIsHonest(NfsTestClient &c)
    {
        for (const QByteArray &name : {QByteArray("file.txt"), QByteArray("tool.sh"),
                                       QByteArray("dir"), QByteArray("empty-dir")}) {
            const LookupRes l = c.lookup(c.rootFh(), name);
            LOFT_COMPARE_STATUS(c, l, NFS3_OK);
            const AccessRes a = c.access(l.fh, kAllAccess);
            LOFT_COMPARE_STATUS(c, a, NFS3_OK);
            QVERIFY2((a.access & kWriteAccess) == 0,
                     qPrintable(QStringLiteral("%1: ACCESS granted 0x%2")
                                    .arg(QString::fromLatin1(name))
                                    .arg(a.access, 0, 16)));
            QVERIFY(a.access & ACCESS3_READ);
            if (l.attr->type == NF3DIR)
                QVERIFY(a.access & ACCESS3_LOOKUP);
        }
        const AccessRes root = c.access(c.rootFh(), kAllAccess);
        LOFT_COMPARE_STATUS(c, root, NFS3_OK);
        QCOMPARE(root.access & kWriteAccess, 0u);
    }

    std::unique_ptr<TestSource> source_;
    std::unique_ptr<LoftServerProcess> server_;

private slots:
    void init()
    {
        source_ = std::make_unique<TestSource>();
        QString why;
        QVERIFY2(source_->start(&why), qPrintable(why));
        server_ = std::make_unique<LoftServerProcess>();
        populate();
    }

    void cleanup()
    {
        server_.reset(); // kills a server left running by a failed test
        source_.reset();
    }

    void readOnlyOption()
    {
        const QByteArray before = folderFingerprint(source_->root());
        LoftServeOptions options;
        options.readOnly = true;
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        NfsTestClient c;
        QVERIFY2(c.open(*server_), qPrintable(c.lastError()));
        everyMutationIsRofs(c, true);
        accessIsHonest(c);
        readsWork(c);
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
        QCOMPARE(folderFingerprint(source_->root()), before);
    }

    void readOnlyMount()
    {
        if (source_->remote())
            QSKIP("a read-only mount of the served folder is a local-source case; remote "
                  "stores are covered by --read-only above");
        // A chmod 0555 folder is no test for root; a real read-only mount is. It needs a
        // private mount namespace (unshare(1), CAP_SYS_ADMIN): probe before relying on it.
        if (QStandardPaths::findExecutable(QStringLiteral("unshare")).isEmpty())
            QSKIP("unshare(1) is not installed: cannot make a read-only bind mount here");
        {
            QProcess probe;
            QStringList wrapper = readOnlyBindWrapper(source_->root());
            const QString touchProbe = source_->root() + QStringLiteral("/.rw-probe");
            probe.start(wrapper.takeFirst(),
                        wrapper + QStringList{QStringLiteral("sh"), QStringLiteral("-c"),
                                              QStringLiteral("! touch %1 2>/dev/null")
                                                  .arg(shellQuote(touchProbe))});
            if (!probe.waitForFinished(20'000) || probe.exitStatus() != QProcess::NormalExit
                || probe.exitCode() != 0) {
                probe.kill();
                probe.waitForFinished(5000);
                QFile::remove(touchProbe);
                QSKIP(qPrintable(QStringLiteral("no read-only bind mount possible here "
                                                "(unshare/mount as this user failed: %1)")
                                     .arg(QString::fromLocal8Bit(probe.readAllStandardError())
                                              .trimmed())));
            }
            QVERIFY(!existsOnDisk(touchProbe));
        }

        const QByteArray before = folderFingerprint(source_->root());
        LoftServeOptions options;
        options.wrapper = readOnlyBindWrapper(source_->root());
        QVERIFY2(server_->start(source_->root(), options), qPrintable(server_->errorString()));
        NfsTestClient c;
        QVERIFY2(c.open(*server_), qPrintable(c.lastError()));
        // The kernel refuses every change with EROFS: the server must say ROFS, not IO.
        everyMutationIsRofs(c, false);
        accessIsHonest(c);
        readsWork(c);
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
        // The mount lived only in the server's namespace; the test sees the folder itself.
        QCOMPARE(folderFingerprint(source_->root()), before);
    }
};

QTEST_GUILESS_MAIN(NfsReadOnly)
#include "tst_nfs_readonly.moc"
