// The server's protection limits, each set small on the `loft serve` command line and
// pushed past by a raw client: too many connections (refused, with a log line), a record
// over --max-record-size (dropped), calls past --max-calls-per-connection and replies past
// --max-reply-memory (the client is slowed, memory stays bounded, every call is answered).
// After each, a well-behaved client is still served.

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "RawRpcSocket.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <memory>
#include <vector>

using namespace loft::test;

namespace {
constexpr uint32_t kNfs = 100003, kMount = 100005;
constexpr uint32_t kGetattr = 1, kLookup = 3, kRead = 6;
constexpr int kMiB = 1 << 20;

QByteArray recordOf(const QByteArray &payload)
{
    XdrOut mark;
    mark.u32(0x80000000u | uint32_t(payload.size()));
    return mark.bytes() + payload;
}
} // namespace

class NfsLimits : public QObject {
    Q_OBJECT

    QTemporaryDir source_;
    std::unique_ptr<LoftServerProcess> server_;

    bool startServer(const QStringList &limits)
    {
        server_ = std::make_unique<LoftServerProcess>();
        LoftServeOptions o;
        o.extraArgs = limits;
        if (!server_->start(source_.path(), o)) {
            qWarning() << server_->errorString();
            return false;
        }
        return true;
    }

    // MOUNT + LOOKUP over a raw socket: the handle of `name` in the root.
    QByteArray rawHandle(RawRpcSocket &s, const QByteArray &name)
    {
        XdrOut path;
        path.opaque(server_->exportPath());
        const auto m = s.call(kMount, 3, 1, path.bytes());
        if (!m || m->acceptStat != 0)
            return {};
        XdrIn in(m->body);
        if (in.u32() != 0)
            return {};
        const QByteArray root = in.opaque();
        const auto l = s.call(kNfs, 3, kLookup, diropArgs(root, name));
        if (!l || l->acceptStat != 0)
            return {};
        XdrIn lin(l->body);
        if (lin.u32() != 0)
            return {};
        return lin.opaque();
    }

    void expectServed()
    {
        QVERIFY2(server_->running(), server_->serverLog().constData());
        NfsTestClient c;
        QVERIFY2(c.open(*server_), qPrintable(c.lastError()));
        const LookupRes l = c.lookup(c.rootFh(), "big.bin");
        LOFT_COMPARE_STATUS(c, l, 0);
        QVERIFY(l.attr && l.attr->size == 2 * kMiB);
    }

    // `loft serve` with these arguments exits 1 at once and says `expected` on stderr.
    void expectRefusedOption(const QStringList &args, const QByteArray &expected)
    {
        QProcess p;
        p.start(loftBinary(), QStringList{QStringLiteral("serve")} + args << source_.path());
        QVERIFY(p.waitForFinished(15'000));
        QCOMPARE(p.exitCode(), 1);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains(expected), err.constData());
        QVERIFY2(p.readAllStandardOutput().isEmpty(), "printed a URL for bad limits");
    }

private slots:
    void initTestCase()
    {
        QVERIFY(source_.isValid());
        QFile f(source_.filePath(QStringLiteral("big.bin")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray block(kMiB, '\0');
        for (int i = 0; i < block.size(); ++i)
            block[i] = char(i * 7 + 3);
        f.write(block);
        f.write(block);
    }

    void badValuesAreRefused()
    {
        expectRefusedOption({"--max-connections", "0"}, "--max-connections needs a number");
        expectRefusedOption({"--max-calls-per-connection", "lots"},
                            "--max-calls-per-connection needs a number");
        expectRefusedOption({"--max-record-size", "64K"}, "--max-record-size needs a size");
        expectRefusedOption({"--max-reply-memory", "1K"}, "--max-reply-memory needs a size");
        expectRefusedOption({"--allow-uid", "alice"}, "--allow-uid needs a numeric user id");
        expectRefusedOption({"--busy-poll", "-5"}, "--busy-poll needs a number");
    }

    // Busy polling off (--busy-poll 0) or long: calls are answered the same, and a second
    // client is served while the first one stays connected.
    void busyPollSettingsServeAlike()
    {
        for (const char *micros : {"0", "2000"}) {
            QVERIFY(startServer({"--busy-poll", micros}));
            NfsTestClient first;
            QVERIFY2(first.open(*server_), qPrintable(first.lastError()));
            for (int i = 0; i < 50; ++i)
                LOFT_COMPARE_STATUS(first, first.lookup(first.rootFh(), "big.bin"), 0);
            expectServed();
            LOFT_COMPARE_STATUS(first, first.lookup(first.rootFh(), "big.bin"), 0);
        }
    }

    void connectionsPastTheLimitAreRefused()
    {
        QVERIFY(startServer({"--max-connections", "4"}));
        std::vector<std::unique_ptr<RawRpcSocket>> held;
        for (int i = 0; i < 4; ++i) {
            held.push_back(std::make_unique<RawRpcSocket>());
            QVERIFY(held.back()->connectTo(server_->port()));
            const auto r = held.back()->call(kNfs, 3, 0, {}); // accepted and answered
            QVERIFY(r && r->acceptStat == 0);
        }
        RawRpcSocket extra;
        QVERIFY(extra.connectTo(server_->port())); // the kernel accepts, the server closes
        QVERIFY2(extra.waitForPeerClose(5000), "the fifth connection was not closed");
        QTRY_VERIFY_WITH_TIMEOUT(server_->serverLog().contains("refused 1 connection(s): already 4 open"),
                                 5000);
        // The held ones are still served.
        for (auto &s : held) {
            const auto r = s->call(kNfs, 3, 0, {});
            QVERIFY(r && r->acceptStat == 0);
        }
        // A slot freed is a slot given to the next client.
        held.pop_back();
        QDeadlineTimer deadline(10'000);
        bool served = false;
        while (!served && !deadline.hasExpired()) {
            RawRpcSocket again;
            QVERIFY(again.connectTo(server_->port()));
            const auto r = again.call(kNfs, 3, 0, {});
            served = r && r->acceptStat == 0;
            if (!served)
                QThread::msleep(100);
        }
        QVERIFY2(served, "no connection accepted after one of the four closed");
        QVERIFY(server_->stop());
    }

    void recordsPastTheLimitDropTheConnection()
    {
        QVERIFY(startServer({"--max-record-size", "1088K"}));
        // A full 1 MiB WRITE still fits.
        {
            NfsTestClient c;
            QVERIFY2(c.open(*server_), qPrintable(c.lastError()));
            const CreateRes f = c.create(c.rootFh(), "w.bin", CreateHow::Unchecked);
            LOFT_COMPARE_STATUS(c, f, 0);
            const WriteRes w = c.write(f.fh, 0, QByteArray(kMiB, 'w'), 2);
            LOFT_COMPARE_STATUS(c, w, 0);
            QCOMPARE(w.count, uint32_t(kMiB));
        }
        RawRpcSocket s;
        QVERIFY(s.connectTo(server_->port()));
        XdrOut mark;
        mark.u32(0x80000000u | uint32_t(1088 * 1024 + 1)); // refused from the header alone
        QVERIFY(s.sendBytes(mark.bytes() + QByteArray(1024, 'x')));
        QVERIFY2(s.waitForPeerClose(5000), "a record over the limit kept the connection");
        QTRY_VERIFY_WITH_TIMEOUT(server_->serverLog().contains("sent a record over 1114112 bytes"),
                                 5000);
        expectServed();
        QVERIFY(server_->stop());
        QFile::remove(source_.filePath(QStringLiteral("w.bin")));
    }

    void callsPastTheLimitWaitTheirTurn()
    {
        // One call in flight: pipelined calls are read and answered one at a time, so the
        // replies come back in call order even where a big READ precedes a GETATTR (with
        // many in flight the GETATTRs usually overtake the READs).
        QVERIFY(startServer({"--max-calls-per-connection", "1"}));
        RawRpcSocket s;
        QVERIFY(s.connectTo(server_->port()));
        const QByteArray fh = rawHandle(s, "big.bin");
        QVERIFY(!fh.isEmpty());
        constexpr int kCalls = 100;
        QByteArray burst;
        for (int i = 0; i < kCalls; ++i) {
            XdrOut args;
            args.opaque(fh);
            if (i % 2 == 0)
                args.u64(uint64_t(i % 4) * 256 * 1024).u32(kMiB);
            burst += recordOf(RawRpcSocket::callMessage(1000 + i, kNfs, 3,
                                                        i % 2 == 0 ? kRead : kGetattr,
                                                        args.bytes()));
        }
        QVERIFY(s.sendBytes(burst));
        for (int i = 0; i < kCalls; ++i) {
            const auto rec = s.readRecord(20'000);
            QVERIFY2(rec, qPrintable(QStringLiteral("reply %1 missing").arg(i)));
            const auto reply = RawRpcSocket::parseReply(*rec);
            QVERIFY(reply && reply->acceptStat == 0);
            QCOMPARE(reply->xid, uint32_t(1000 + i));
            QCOMPARE(XdrIn(reply->body).u32(), 0u); // NFS3_OK
        }
        expectServed();
        QVERIFY(server_->stop());
    }

    void unreadRepliesSlowTheClientNotTheServer()
    {
        // 200 READs of 1 MiB that the client does not read: without the reply-memory limit
        // the server would hold 200 MiB; with 4 MiB (and 8 calls in flight) it stops
        // reading the calls and its memory stays bounded. Every call is answered once the
        // client reads, and another client is served meanwhile.
        QVERIFY(startServer({"--max-reply-memory", "4M", "--max-calls-per-connection", "8"}));
        RawRpcSocket s;
        s.socket().setReadBufferSize(64 * 1024); // the test's socket holds replies back too
        QVERIFY(s.connectTo(server_->port()));
        const QByteArray fh = rawHandle(s, "big.bin");
        QVERIFY(!fh.isEmpty());
        expectServed(); // warm-up: the served file is in the page cache
        const qint64 before = server_->residentKiB();
        QVERIFY(before > 0);

        constexpr int kCalls = 200;
        QByteArray burst;
        for (int i = 0; i < kCalls; ++i) {
            XdrOut args;
            args.opaque(fh).u64(uint64_t(i % 2) * kMiB).u32(kMiB);
            burst += recordOf(RawRpcSocket::callMessage(5000 + i, kNfs, 3, kRead, args.bytes()));
        }
        QVERIFY(s.socket().write(burst) == burst.size());
        s.socket().flush();
        QThread::msleep(1500); // the server answers what it may and stops reading
        const qint64 held = server_->residentKiB() - before;
        qInfo() << "server memory grew by" << held / 1024 << "MiB with 200 MiB of replies unread";
        QVERIFY2(held < 64 * 1024, qPrintable(QStringLiteral("grew by %1 KiB").arg(held)));

        QElapsedTimer other;
        other.start();
        expectServed();
        qInfo() << "another client mounted and looked up in" << other.elapsed() << "ms";
        QVERIFY(other.elapsed() < 3000);

        s.socket().setReadBufferSize(0);
        QSet<uint32_t> answered;
        for (int i = 0; i < kCalls; ++i) {
            const auto rec = s.readRecord(20'000);
            QVERIFY2(rec, qPrintable(QStringLiteral("only %1 replies").arg(i)));
            const auto reply = RawRpcSocket::parseReply(*rec);
            QVERIFY(reply && reply->acceptStat == 0);
            XdrIn in(reply->body);
            QCOMPARE(in.u32(), 0u);
            answered.insert(reply->xid);
            QVERIFY(rec->size() > kMiB);
        }
        QCOMPARE(answered.size(), kCalls);
        QVERIFY(server_->stop());
    }
};

QTEST_GUILESS_MAIN(NfsLimits)
#include "tst_nfs_limits.moc"
