// File handles and write verifiers across a restart of `loft serve` (same --state-dir,
// source and port), handles to objects that changed while the server was down, and
// handles that were tampered with, and committed writes across a kill -9 before their
// upload. LOFT_TEST_SOURCE picks what is served (TestSource: local, webdav:// on Apache or
// rclone, sftp://).

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "RandomBytes.h"
#include "TestFolder.h"
#include "TestSource.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/stat.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

using namespace loft::test;

class NfsRestart : public QObject {
    Q_OBJECT

private:
    QString disk(const QString &rel) const { return source_->disk(rel); }
    bool putFile(const QString &rel, const QByteArray &data) { return source_->writeFile(rel, data); }

    std::unique_ptr<TestSource> source_;
    std::unique_ptr<QTemporaryDir> state_;
    std::unique_ptr<LoftServerProcess> server_;

private slots:
    void init()
    {
        source_ = std::make_unique<TestSource>();
        state_ = std::make_unique<QTemporaryDir>();
        server_ = std::make_unique<LoftServerProcess>();
        QString why;
        QVERIFY2(source_->start(&why), qPrintable(why));
        QVERIFY(state_->isValid());
    }

    void cleanup()
    {
        server_.reset(); // kills the server if a test left it running
        source_.reset();
        state_.reset();
    }

    void handlesAndVerifierAcrossRestart()
    {
        QVERIFY(putFile(QStringLiteral("keep/data.txt"), "persistent data"));
        QVERIFY(putFile(QStringLiteral("keep/sub/deep.txt"), "deep data"));
        QVERIFY(putFile(QStringLiteral("keep/listed.txt"), "listed"));
        QVERIFY(putFile(QStringLiteral("gone.txt"), "will be deleted"));
        QVERIFY(putFile(QStringLiteral("replaced.txt"), "old object"));
        QVERIFY(putFile(QStringLiteral("to-rename.txt"), "renamed before restart"));

        LoftServeOptions options;
        options.stateDir = state_->path();
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        const QString firstUrl = server_->url();
        const quint16 port = server_->port();

        Fh data, deep, listed, gone, replaced, created, renamed, keepDir;
        uint64_t dataFileId = 0;
        QByteArray verifier1;
        {
            NfsTestClient c;
            QVERIFY2(c.connectRaw(port) && c.mountRaw(server_->exportPath()),
                     qPrintable(c.lastError()));
            const LookupRes d = c.lookupPath("keep/data.txt");
            LOFT_COMPARE_STATUS(c, d, NFS3_OK);
            data = d.fh;
            dataFileId = d.attr->fileid;
            deep = c.lookupPath("keep/sub/deep.txt").fh;
            keepDir = c.lookupPath("keep").fh;
            gone = c.lookupPath("gone.txt").fh;
            replaced = c.lookupPath("replaced.txt").fh;
            QVERIFY(!deep.isEmpty() && !keepDir.isEmpty() && !gone.isEmpty() && !replaced.isEmpty());
            // A handle the client only ever saw in a READDIRPLUS reply.
            const ReaddirRes page = c.readdirplus(keepDir, 0, {}, 8192, 65536);
            LOFT_COMPARE_STATUS(c, page, NFS3_OK);
            for (const DirEntry &e : page.entries)
                if (e.name == "listed.txt")
                    listed = e.fh;
            QVERIFY(!listed.isEmpty());
            // A file made through NFS, and one renamed through NFS.
            const CreateRes cr = c.create(keepDir, "created.txt", CreateHow::Guarded);
            LOFT_COMPARE_STATUS(c, cr, NFS3_OK);
            created = cr.fh;
            const WriteRes w1 = c.write(created, 0, "written", UNSTABLE);
            LOFT_COMPARE_STATUS(c, w1, NFS3_OK);
            const WriteRes w2 = c.write(created, 7, " twice", UNSTABLE);
            LOFT_COMPARE_STATUS(c, w2, NFS3_OK);
            QCOMPARE(w2.verf, w1.verf); // the same within one run
            LOFT_COMPARE_STATUS(c, c.commit(created), NFS3_OK);
            verifier1 = w1.verf;
            renamed = c.lookupPath("to-rename.txt").fh;
            LOFT_COMPARE_STATUS(c, c.rename(c.rootFh(), "to-rename.txt", keepDir, "moved.txt"),
                                NFS3_OK);
        }
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));

        // While the server is down: one file deleted, one replaced by another object.
        QVERIFY(QFile::remove(disk(QStringLiteral("gone.txt"))));
        QVERIFY(putFile(QStringLiteral("replacement.tmp"), "new object"));
        QCOMPARE(::rename(QFile::encodeName(disk(QStringLiteral("replacement.tmp"))),
                          QFile::encodeName(disk(QStringLiteral("replaced.txt")))),
                 0);

        options.port = port;
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        QCOMPARE(server_->url(), firstUrl); // same port, same secret export path

        NfsTestClient c; // a client that kept its handles, as the OS client does
        QVERIFY2(c.connectRaw(port), qPrintable(c.lastError()));
        AttrRes a = c.getattr(data);
        LOFT_COMPARE_STATUS(c, a, NFS3_OK);
        QCOMPARE(a.attr->fileid, dataFileId);
        ReadRes r = c.read(data, 0, 100);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("persistent data"));
        r = c.read(deep, 0, 100);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("deep data"));
        r = c.read(listed, 0, 100);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("listed"));
        r = c.read(created, 0, 100);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("written twice"));
        r = c.read(renamed, 0, 100);
        LOFT_COMPARE_STATUS(c, r, NFS3_OK);
        QCOMPARE(r.data, QByteArray("renamed before restart"));
        LOFT_COMPARE_STATUS(c, c.lookup(keepDir, "data.txt"), NFS3_OK);
        QCOMPARE(c.lookup(keepDir, "data.txt").fh, data);

        // Gone while down: STALE, not some other object.
        LOFT_COMPARE_STATUS(c, c.getattr(gone), NFS3ERR_STALE);
        LOFT_COMPARE_STATUS(c, c.read(gone, 0, 10), NFS3ERR_STALE);
        // A remote store without inode numbers cannot tell a replaced object from the old
        // one: the handle then names what is there now (checked: the new bytes).
        const bool identity = source_->has(TestSource::Feature::ObjectIdentity);
        if (identity)
            LOFT_COMPARE_STATUS(c, c.getattr(replaced), NFS3ERR_STALE);
        QVERIFY2(c.mountRaw(server_->exportPath()), qPrintable(c.lastError()));
        const LookupRes newObject = c.lookup(c.rootFh(), "replaced.txt");
        LOFT_COMPARE_STATUS(c, newObject, NFS3_OK);
        if (identity)
            QVERIFY(newObject.fh != replaced);
        r = c.read(newObject.fh, 0, 100);
        QCOMPARE(r.data, QByteArray("new object"));
        // The old handle stays stale even after the name was looked up again.
        if (identity)
            LOFT_COMPARE_STATUS(c, c.getattr(replaced), NFS3ERR_STALE);

        // A new run, a new write verifier: the client resends what was not committed.
        const WriteRes w = c.write(created, 0, "W", UNSTABLE);
        LOFT_COMPARE_STATUS(c, w, NFS3_OK);
        QVERIFY(w.verf != verifier1);
        const CommitRes cm = c.commit(created);
        LOFT_COMPARE_STATUS(c, cm, NFS3_OK);
        QCOMPARE(cm.verf, w.verf);

        // And an ordinary mount of the same URL works.
        NfsTestClient hl;
        QVERIFY2(hl.mount(server_->libnfsUrl()), qPrintable(hl.lastError()));
        nfs_stat_64 st;
        QVERIFY2(nfs_stat64(hl.nfs(), "/keep/moved.txt", &st) == 0, qPrintable(hl.nfsError()));
        QCOMPARE(st.nfs_size, uint64_t(22));

        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
    }

    // No data loss: WRITE + COMMIT, kill -9 before the upload (WebDAV's write-back holds it
    // for an hour here), restart on the same state and cache: the upload completes and
    // the server has the exact bytes.
    void committedWritesSurviveKillBeforeUpload()
    {
        const bool writeBack =
            source_->kind() == TestSource::Kind::WebDav || source_->kind() == TestSource::Kind::Rclone;
        QVERIFY(source_->makeDir(QStringLiteral("crash")));
        QVERIFY(putFile(QStringLiteral("crash/old.bin"), "the server's version"));
        LoftServeOptions options;
        options.stateDir = state_->path();
        if (writeBack)
            options.extraArgs << QStringLiteral("--upload-delay") << QStringLiteral("3600");
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        const QByteArray fresh = randomBytes(3 * (1 << 20) + 4321, 11);
        const QByteArray patch = randomBytes(70000, 12);
        {
            NfsTestClient c;
            QVERIFY2(c.connectRaw(server_->port()) && c.mountRaw(server_->exportPath()),
                     qPrintable(c.lastError()));
            const LookupRes dir = c.lookupPath("crash");
            LOFT_COMPARE_STATUS(c, dir, NFS3_OK);
            const CreateRes f = c.create(dir.fh, "new.bin", CreateHow::Guarded);
            LOFT_COMPARE_STATUS(c, f, NFS3_OK);
            for (qsizetype off = 0; off < fresh.size(); off += 1 << 20)
                LOFT_COMPARE_STATUS(c, c.write(f.fh, uint64_t(off), fresh.mid(off, 1 << 20), UNSTABLE),
                                    NFS3_OK);
            LOFT_COMPARE_STATUS(c, c.commit(f.fh), NFS3_OK);
            // An existing file changed in the middle.
            const LookupRes old = c.lookupPath("crash/old.bin");
            LOFT_COMPARE_STATUS(c, old, NFS3_OK);
            LOFT_COMPARE_STATUS(c, c.write(old.fh, 4, patch, UNSTABLE), NFS3_OK);
            LOFT_COMPARE_STATUS(c, c.commit(old.fh), NFS3_OK);
        }
        if (writeBack) { // the bytes are still only in Loft's staging area (CREATE made it empty)
            QCOMPARE(readFile(disk(QStringLiteral("crash/new.bin"))).value_or("<missing>"), QByteArray());
            QCOMPARE(readFile(disk(QStringLiteral("crash/old.bin"))).value_or(QByteArray()),
                     QByteArray("the server's version"));
        }
        server_->kill();

        LoftServeOptions again;
        again.stateDir = state_->path();
        QVERIFY2(source_->startServer(*server_, again), qPrintable(server_->errorString()));
        QByteArray expectedOld = QByteArray("the server's version").left(4) + patch;
        QCOMPARE(source_->settledRead(QStringLiteral("crash/new.bin"), fresh).size(), fresh.size());
        QVERIFY(source_->settledRead(QStringLiteral("crash/new.bin"), fresh) == fresh);
        QVERIFY(source_->settledRead(QStringLiteral("crash/old.bin"), expectedOld) == expectedOld);
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
    }

    void rememberedPortAndSigint()
    {
        LoftServeOptions options;
        options.stateDir = state_->path();
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        const QString url = server_->url();
        QVERIFY2(server_->stop(SIGINT), qPrintable(server_->errorString()));
        // Without --port the server comes back on the port it had (clients keep it).
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        QCOMPARE(server_->url(), url);
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
    }

    void tamperedHandles()
    {
        QVERIFY(putFile(QStringLiteral("file.txt"), "content"));
        LoftServeOptions options;
        options.stateDir = state_->path();
        QVERIFY2(source_->startServer(*server_, options), qPrintable(server_->errorString()));
        NfsTestClient c;
        QVERIFY2(c.connectRaw(server_->port()) && c.mountRaw(server_->exportPath()),
                 qPrintable(c.lastError()));
        const LookupRes f = c.lookup(c.rootFh(), "file.txt");
        LOFT_COMPARE_STATUS(c, f, NFS3_OK);
        QCOMPARE(f.fh.size(), 25);

        // One MAC byte flipped, anywhere in the MAC.
        for (int i = 9; i < f.fh.size(); ++i) {
            Fh forged = f.fh;
            forged[i] = char(forged[i] ^ 0x01);
            const int status = c.getattr(forged).status;
            QVERIFY2(status == NFS3ERR_BADHANDLE || status == NFS3ERR_STALE,
                     qPrintable(QStringLiteral("byte %1: %2").arg(i).arg(nfsStatusName(status))));
            QVERIFY(c.read(forged, 0, 10).status != NFS3_OK);
        }
        // Another file id with the old MAC (guessing neighbours' handles).
        for (int i = 1; i < 9; ++i) {
            Fh forged = f.fh;
            forged[i] = char(forged[i] ^ 0x01);
            LOFT_COMPARE_STATUS(c, c.getattr(forged), NFS3ERR_BADHANDLE);
        }
        // A root handle with its MAC flipped.
        Fh forgedRoot = c.rootFh();
        forgedRoot[24] = char(forgedRoot[24] ^ 0x80);
        LOFT_COMPARE_STATUS(c, c.lookup(forgedRoot, "file.txt"), NFS3ERR_BADHANDLE);
        // Wrong lengths.
        for (int len : {0, 1, 8, 24, 26, 32, 64}) {
            Fh wrong = f.fh.leftJustified(len, 'A', true);
            LOFT_COMPARE_STATUS(c, c.getattr(wrong), NFS3ERR_BADHANDLE);
        }
        // Still fine after all that.
        LOFT_COMPARE_STATUS(c, c.getattr(f.fh), NFS3_OK);

        // A handle of another installation (another MAC key) for the same folder.
        QTemporaryDir otherState;
        LoftServerProcess other;
        options.stateDir = otherState.path();
        QVERIFY2(source_->startServer(other, options, QStringLiteral("-other")), qPrintable(other.errorString()));
        NfsTestClient oc;
        QVERIFY2(oc.connectRaw(other.port()) && oc.mountRaw(other.exportPath()),
                 qPrintable(oc.lastError()));
        const LookupRes foreign = oc.lookup(oc.rootFh(), "file.txt");
        LOFT_COMPARE_STATUS(oc, foreign, NFS3_OK);
        LOFT_COMPARE_STATUS(c, c.getattr(foreign.fh), NFS3ERR_BADHANDLE);
        LOFT_COMPARE_STATUS(c, c.getattr(oc.rootFh()), NFS3ERR_BADHANDLE);
        QVERIFY(c.mnt(other.exportPath()).status != 0); // and not its export path either
        QVERIFY2(other.stop(), qPrintable(other.errorString()));
        QVERIFY2(server_->stop(), qPrintable(server_->errorString()));
    }
};

QTEST_GUILESS_MAIN(NfsRestart)
#include "tst_nfs_restart.moc"
