// Access: what another local account can and cannot do to a running `loft serve`.
// - without the secret export path it cannot MOUNT (guesses refused, export and mount
//   lists empty, the state folder holding the secret unreadable to it);
// - it cannot use a handle it did not get: random, altered and other-server handles
//   answer STALE or BADHANDLE;
// - with --allow-uid, its AUTH_SYS uid is refused even with the secret;
// - passwords (LOFT_PASSWORD) never show in the command line, `ps`, logs, state and
//   cache files, or crash output, and a crash writes no core file.
// Needs root (creates the second account with useradd, removes it after).

#include "ApacheDavServer.h"
#include "LocalTestUser.h"
#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "RawRpcSocket.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <csignal>
#include <unistd.h>

using namespace loft::test;

namespace {
constexpr uint32_t kNfs = 100003, kMount = 100005, kPortmap = 100000;
constexpr uint32_t kNfs3ErrStale = 70, kNfs3ErrBadHandle = 10001;

QByteArray fileContents(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every file below `dir` whose bytes contain `needle`.
QStringList filesContaining(const QString &dir, const QByteArray &needle)
{
    QStringList hits;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        if (fileContents(path).contains(needle))
            hits << path;
    }
    return hits;
}

uint32_t nfsStatusOf(const std::optional<RawReply> &r)
{
    if (!r || r->replyStat != 0 || r->acceptStat != 0)
        return 0xffffffffu;
    return XdrIn(r->body).u32();
}
} // namespace

class Access : public QObject {
    Q_OBJECT

    QTemporaryDir source_;
    LocalTestUser other_;
    std::unique_ptr<LoftServerProcess> server_;

    QString urlFor(const QByteArray &exportPath, const QString &file = {}) const
    {
        return QStringLiteral("nfs://127.0.0.1%1/%2?nfsport=%3&mountport=%3")
            .arg(QString::fromLatin1(exportPath), file).arg(server_->port());
    }

private slots:
    void initTestCase()
    {
        if (::geteuid() != 0)
            QSKIP("access tests create a second local account: run as root (CI does)");
        QVERIFY2(other_.create(), qPrintable(other_.errorString()));
        QVERIFY(source_.isValid());
        QFile f(source_.filePath(QStringLiteral("probe.txt")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("owner's data");
        f.close();
        // The served folder is readable by everyone on disk, so a refusal below is the
        // server's doing, not the file system's.
        QFile::setPermissions(source_.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                  | QFileDevice::ExeOwner | QFileDevice::ReadOther
                                                  | QFileDevice::ExeOther);
        server_ = std::make_unique<LoftServerProcess>();
        QVERIFY2(server_->start(source_.path()), qPrintable(server_->errorString()));
    }

    void cleanupTestCase()
    {
        if (server_)
            QVERIFY(server_->stop());
    }

    void otherUserCannotMountWithoutTheSecret()
    {
        // Control: with the secret, the other account's libnfs reads the file (no uid
        // restriction configured), so the refusals below are about the path alone.
        const auto good = other_.run(QStringLiteral("nfs-cat"), {urlFor(server_->exportPath(), "probe.txt")});
        QCOMPARE(good.output, QByteArray("owner's data"));
        QCOMPARE(good.exitCode, 0);
        QByteArray altered = server_->exportPath();
        altered[altered.size() - 1] = altered.back() == 'A' ? 'B' : 'A';
        for (const QByteArray &guess : {QByteArray("/"), QByteArray("/loft"), altered,
                                        server_->exportPath().left(server_->exportPath().size() - 1),
                                        QByteArray(source_.path().toUtf8())}) {
            const auto r = other_.run(QStringLiteral("nfs-ls"), {urlFor(guess)});
            QVERIFY2(r.exitCode != 0 && !r.output.contains("probe.txt"),
                     qPrintable(QStringLiteral("MOUNT of %1 by %2: %3")
                                    .arg(QString::fromLatin1(guess), other_.name(),
                                         QString::fromLocal8Bit(r.output))));
        }
        // The lists that could disclose it are empty, after a real mount took place.
        NfsTestClient owner;
        QVERIFY2(owner.open(*server_), qPrintable(owner.lastError()));
        RawRpcSocket s;
        s.setUid(other_.uid());
        QVERIFY(s.connectTo(server_->port()));
        const auto exports = s.call(kMount, 3, 5, {});
        QVERIFY(exports && exports->acceptStat == 0);
        QCOMPARE(XdrIn(exports->body).u32(), 0u); // no export entry
        const auto dump = s.call(kMount, 3, 2, {});
        QVERIFY(dump && dump->acceptStat == 0);
        QCOMPARE(XdrIn(dump->body).u32(), 0u);    // no mount entry (would name the path)
        QVERIFY2(!dump->body.contains(server_->exportPath().mid(1)), "DUMP disclosed the export");
        // Nor can the other account read the state folder that holds the secret.
        QDirIterator it(server_->stateDir(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int stateFiles = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            ++stateFiles;
            const auto r = other_.run(QStringLiteral("cat"), {path});
            QVERIFY2(r.exitCode != 0, qPrintable(path + QStringLiteral(" is readable by ") + other_.name()));
        }
        QVERIFY(stateFiles > 0);
        // Nor find it in the server's command line.
        QVERIFY(!fileContents(QStringLiteral("/proc/%1/cmdline").arg(server_->pid()))
                     .contains(server_->exportPath().mid(1)));
    }

    void handlesItDidNotGetAreRefused()
    {
        NfsTestClient owner;
        QVERIFY2(owner.open(*server_), qPrintable(owner.lastError()));
        const LookupRes probe = owner.lookup(owner.rootFh(), "probe.txt");
        LOFT_COMPARE_STATUS(owner, probe, 0);

        // A handle from another server on the same folder (its own installation key).
        LoftServerProcess otherServer;
        QVERIFY2(otherServer.start(source_.path()), qPrintable(otherServer.errorString()));
        QByteArray foreign;
        {
            NfsTestClient c;
            QVERIFY2(c.open(otherServer), qPrintable(c.lastError()));
            const LookupRes l = c.lookup(c.rootFh(), "probe.txt");
            LOFT_COMPARE_STATUS(c, l, 0);
            foreign = l.fh;
        }
        QVERIFY(otherServer.stop());

        QList<std::pair<QString, QByteArray>> forged;
        QByteArray flipped = probe.fh;
        flipped[flipped.size() - 1] = char(flipped.back() ^ 0x01);
        forged << std::pair{QStringLiteral("last bit flipped"), flipped};
        QByteArray otherId = probe.fh;
        otherId[otherId.size() / 2] = char(otherId.at(otherId.size() / 2) ^ 0x40);
        forged << std::pair{QStringLiteral("middle byte changed"), otherId};
        QByteArray random(probe.fh.size(), Qt::Uninitialized);
        for (auto &b : random)
            b = char(QRandomGenerator::global()->bounded(256));
        forged << std::pair{QStringLiteral("random bytes"), random};
        forged << std::pair{QStringLiteral("truncated"), probe.fh.left(probe.fh.size() - 4)};
        forged << std::pair{QStringLiteral("from another server"), foreign};

        RawRpcSocket s;
        s.setUid(other_.uid());
        QVERIFY(s.connectTo(server_->port()));
        // Control: the genuine handle works over this very socket.
        XdrOut genuine;
        genuine.opaque(probe.fh);
        QCOMPARE(nfsStatusOf(s.call(kNfs, 3, 1, genuine.bytes())), 0u);
        int refused = 0;
        for (const auto &[what, fh] : forged) {
            XdrOut getattr;
            getattr.opaque(fh);
            XdrOut read;
            read.opaque(fh).u64(0).u32(100);
            for (const auto &[proc, args] : {std::pair{1u, getattr.bytes()}, std::pair{6u, read.bytes()},
                                             std::pair{3u, diropArgs(fh, "probe.txt")},
                                             std::pair{12u, diropArgs(fh, "probe.txt")}}) {
                const uint32_t st = nfsStatusOf(s.call(kNfs, 3, proc, args));
                QVERIFY2(st == kNfs3ErrStale || st == kNfs3ErrBadHandle,
                         qPrintable(QStringLiteral("%1 handle, procedure %2: status %3")
                                        .arg(what).arg(proc).arg(st)));
                ++refused;
            }
        }
        qInfo() << refused << "calls with forged handles refused (STALE/BADHANDLE)";
        QVERIFY(QFile::exists(source_.filePath(QStringLiteral("probe.txt")))); // REMOVE did nothing
    }

    void uidMismatchIsRefusedWhereConfigured()
    {
        constexpr uint32_t kOwnerUid = 4321; // the only account besides root allowed
        LoftServerProcess restricted;
        LoftServeOptions o;
        o.extraArgs = QStringList{QStringLiteral("--allow-uid"), QString::number(kOwnerUid)};
        QVERIFY2(restricted.start(source_.path(), o), qPrintable(restricted.errorString()));

        // The other account has the secret, yet its calls are refused.
        const QString url = QStringLiteral("nfs://127.0.0.1%1/probe.txt?nfsport=%2&mountport=%2")
                                .arg(QString::fromLatin1(restricted.exportPath())).arg(restricted.port());
        const auto r = other_.run(QStringLiteral("nfs-cat"), {url});
        QVERIFY2(r.exitCode != 0 && !r.output.contains("owner's data"), r.output.constData());
        // Root (the kernel's mount and the test) is served.
        NfsTestClient root;
        QVERIFY2(root.open(restricted), qPrintable(root.lastError()));

        for (const auto &[uid, allowed] : {std::pair{other_.uid(), false}, std::pair{uid_t(kOwnerUid), true},
                                           std::pair{uid_t(0), true}, std::pair{uid_t(65534), false}}) {
            RawRpcSocket s;
            s.setUid(uid);
            QVERIFY(s.connectTo(restricted.port()));
            XdrOut path;
            path.opaque(restricted.exportPath());
            const auto m = s.call(kMount, 3, 1, path.bytes());
            QVERIFY(m);
            XdrOut fh;
            fh.opaque(root.rootFh());
            const auto g = s.call(kNfs, 3, 1, fh.bytes());
            QVERIFY(g);
            if (allowed) {
                QVERIFY(m->replyStat == 0 && XdrIn(m->body).u32() == 0);
                QCOMPARE(nfsStatusOf(g), 0u);
            } else {
                // MSG_DENIED, AUTH_ERROR; the body holds the auth_stat (AUTH_TOOWEAK).
                QCOMPARE(m->replyStat, 1u);
                QCOMPARE(m->rejectStat, 1u);
                QCOMPARE(g->replyStat, 1u);
                QCOMPARE(g->rejectStat, 1u);
            }
            // Pings and the portmapper answer anyone.
            const auto ping = s.call(kNfs, 3, 0, {});
            QVERIFY(ping && ping->replyStat == 0 && ping->acceptStat == 0);
            XdrOut getport;
            getport.u32(kNfs).u32(3).u32(6).u32(0);
            const auto port = s.call(kPortmap, 2, 3, getport.bytes());
            QVERIFY(port && port->replyStat == 0 && XdrIn(port->body).u32() == restricted.port());
        }
        QVERIFY(restricted.stop());
    }

    void passwordsStayOutOfSight()
    {
        if (!ApacheDavServer::available())
            QSKIP("Apache httpd is not installed");
        ApacheDavServer::Options ao;
        const QByteArray secret = "Pw-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
        ao.password = QString::fromLatin1(secret);
        ApacheDavServer apache(ao);
        QVERIFY2(apache.start(), qPrintable(apache.errorString() + QString::fromLocal8Bit(apache.log())));
        QVERIFY(apache.makeDir(QStringLiteral("served")));
        QTemporaryDir home, cache, work;
        QVERIFY(home.isValid() && cache.isValid() && work.isValid());
        const QString source = QStringLiteral("webdav://%1@127.0.0.1:%2/dav/served")
                                   .arg(apache.user()).arg(apache.port());
        const QStringList env{QStringLiteral("LOFT_PASSWORD=") + QString::fromLatin1(secret),
                              QStringLiteral("HOME=") + home.path(),
                              QStringLiteral("XDG_CONFIG_HOME=") + home.path() + QStringLiteral("/config"),
                              QStringLiteral("XDG_DATA_HOME=") + home.path() + QStringLiteral("/data"),
                              QStringLiteral("XDG_CACHE_HOME=") + home.path() + QStringLiteral("/cache")};

        // A password in the address is refused without being echoed.
        {
            QProcess p;
            p.start(loftBinary(), {QStringLiteral("serve"),
                                   QStringLiteral("webdav://%1:%2@127.0.0.1:%3/dav/served")
                                       .arg(apache.user(), QString::fromLatin1(secret)).arg(apache.port())});
            QVERIFY(p.waitForFinished(30'000));
            QVERIFY(p.exitCode() != 0);
            const QByteArray out = p.readAllStandardError() + p.readAllStandardOutput();
            QVERIFY2(out.contains("LOFT_PASSWORD"), out.constData());
            QVERIFY2(!out.contains(secret), "the password was echoed");
        }
        // A wrong password: the error names neither.
        {
            LoftServerProcess wrong;
            LoftServeOptions o;
            o.extraEnv = env;
            o.extraEnv[0] = QStringLiteral("LOFT_PASSWORD=wrong-") + QString::fromLatin1(secret);
            o.extraArgs = QStringList{QStringLiteral("--cache-dir"), cache.path(), QStringLiteral("-v")};
            QVERIFY(!wrong.start(source, o));
            QVERIFY2(!wrong.errorString().contains(QString::fromLatin1(secret)),
                     qPrintable(wrong.errorString()));
            QVERIFY(!wrong.errorString().isEmpty());
        }

        LoftServerProcess server;
        LoftServeOptions o;
        o.extraEnv = env;
        o.extraArgs = QStringList{QStringLiteral("--cache-dir"), cache.path(), QStringLiteral("-v"),
                                  QStringLiteral("--upload-delay"), QStringLiteral("0")};
        o.wrapper = QStringList{QStringLiteral("prlimit"), QStringLiteral("--core=unlimited"),
                                QStringLiteral("--")};
        QVERIFY2(server.start(source, o), qPrintable(server.errorString()));
        const qint64 pid = server.pid();
        // Work through it: a file written, uploaded, listed, read.
        {
            NfsTestClient c;
            QVERIFY2(c.open(server), qPrintable(c.lastError()));
            const CreateRes f = c.create(c.rootFh(), "note.txt", CreateHow::Unchecked);
            LOFT_COMPARE_STATUS(c, f, 0);
            LOFT_COMPARE_STATUS(c, c.write(f.fh, 0, "uploaded", 0), 0);
            LOFT_COMPARE_STATUS(c, c.commit(f.fh), 0);
            QTRY_COMPARE_WITH_TIMEOUT(apache.readFile(QStringLiteral("served/note.txt")),
                                      QByteArray("uploaded"), 20'000);
        }
        // The sanity check that the needle can be found: it is in the process's environment.
        QVERIFY(fileContents(QStringLiteral("/proc/%1/environ").arg(pid)).contains(secret));
        QVERIFY(!fileContents(QStringLiteral("/proc/%1/cmdline").arg(pid)).contains(secret));
        const auto ps = other_.run(QStringLiteral("ps"), {QStringLiteral("axwwo"), QStringLiteral("pid,args")});
        QCOMPARE(ps.exitCode, 0);
        QVERIFY(ps.output.contains(source.toUtf8())); // the loft line is there ...
        QVERIFY2(!ps.output.contains(secret), "ps shows the password"); // ... without it
        QVERIFY(other_.run(QStringLiteral("cat"), {QStringLiteral("/proc/%1/environ").arg(pid)}).exitCode != 0);
        // No core file will carry it away.
        const QByteArray limits = fileContents(QStringLiteral("/proc/%1/limits").arg(pid));
        QVERIFY2(QRegularExpression(QStringLiteral("Max core file size\\s+0\\s"))
                     .match(QString::fromLatin1(limits)).hasMatch(),
                 limits.constData());

        // Crash it: whatever it prints on the way down holds no password either.
        ::kill(pid_t(pid), SIGSEGV);
        QTRY_VERIFY_WITH_TIMEOUT(!server.running(), 10'000);
        const QByteArray log = server.serverLog();
        QVERIFY(!log.isEmpty()); // -v: connections and calls were logged
        QVERIFY2(!log.contains(secret), "the log shows the password");
        for (const QString &dir : {server.stateDir(), cache.path(), home.path(), work.path(),
                                   QDir::currentPath()}) {
            const QStringList hits = filesContaining(dir, secret);
            QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char(' '))));
        }
    }
};

QTEST_GUILESS_MAIN(Access)
#include "tst_access.moc"
