// DirectGetLane (ranged GETs over plain http on Loft's own sockets) and the WebDAV
// provider's use of it:
// - against a scripted HTTP server on loopback, for what a real server does not do on
//   demand: closing a kept-alive connection, dying inside a body, chunked or malformed
//   answers, never answering;
// - against Apache mod_dav: reads go the direct way and are byte-exact, redirects, servers
//   without range support, Digest and a frozen server are handled as through QNAM.
#include "ApacheDavServer.h"
#include "DirectGetLane.h"
#include "RandomBytes.h"
#include "WebDavFileSystem.h"

#include <QElapsedTimer>
#include <QTest>

#include <atomic>
#include <future>
#include <thread>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace loft;
using namespace loft::webdav;
using namespace loft::test;
using namespace std::chrono_literals;
using Kind = DirectGetOutcome::Kind;

namespace {

// A loopback HTTP server whose answers the test writes byte by byte. Each connection
// runs on its own thread: it reads a request head, hands it to `handler`, and goes on
// with the next request while the handler returns true.
class ScriptedHttpServer {
public:
    struct Request {
        QByteArray head;
        int number = 0;     // 1-based, over the server's life
        int connection = 0; // 1-based
    };
    using Handler = std::function<bool(int fd, const Request &request)>;

    explicit ScriptedHttpServer(Handler handler) : handler_(std::move(handler))
    {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(listener_, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0
            && ::listen(listener_, 16) == 0
            && ::getsockname(listener_, reinterpret_cast<sockaddr *>(&a), &len) == 0)
            port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { acceptLoop(); });
    }
    ~ScriptedHttpServer()
    {
        stopping_ = true;
        acceptor_.join();
        ::close(listener_);
        for (auto &t : threads_)
            t.join();
    }
    quint16 port() const { return port_; }
    int requests() const { return requests_; }
    int connections() const { return connections_; }
    bool stopping() const { return stopping_; }

    static bool write(int fd, const QByteArray &bytes)
    {
        return ::send(fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    static QByteArray answer206(const QByteArray &body, qint64 first, qint64 total,
                                const QByteArray &extra = {})
    {
        return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + QByteArray::number(first)
            + '-' + QByteArray::number(first + body.size() - 1) + '/' + QByteArray::number(total)
            + "\r\nETag: \"v1\"\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n"
            + extra + "\r\n" + body;
    }
    // The [first, last] of a "Range: bytes=first-last" header.
    static std::pair<qint64, qint64> range(const QByteArray &head)
    {
        const qsizetype at = head.indexOf("Range: bytes=");
        const QByteArray spec = head.mid(at + 13, head.indexOf("\r\n", at) - at - 13);
        const auto parts = spec.split('-');
        return {parts.value(0).toLongLong(), parts.value(1).toLongLong()};
    }

private:
    void acceptLoop()
    {
        while (!stopping_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            const int connection = ++connections_;
            threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
        }
    }
    void serve(int fd, int connection)
    {
        QByteArray pending;
        for (;;) {
            qsizetype end;
            while ((end = pending.indexOf("\r\n\r\n")) < 0) {
                pollfd p{fd, POLLIN, 0};
                if (stopping_ || ::poll(&p, 1, 50) < 0)
                    return void(::close(fd));
                if (!(p.revents & (POLLIN | POLLHUP)))
                    continue;
                char buf[4096];
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0)
                    return void(::close(fd));
                pending.append(buf, n);
            }
            Request r{pending.left(end + 4), ++requests_, connection};
            pending.remove(0, end + 4);
            if (!handler_(fd, r))
                return void(::close(fd));
        }
    }

    Handler handler_;
    int listener_ = -1;
    quint16 port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0};
    std::atomic<int> connections_{0};
    std::thread acceptor_;
    std::vector<std::thread> threads_;
};

DirectGetJob job(quint16 port, qint64 first, qint64 last, std::chrono::milliseconds timeout = 5s)
{
    DirectGetJob j;
    j.host = "127.0.0.1";
    j.port = port;
    j.head = "GET /f HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=" + QByteArray::number(first) + '-'
        + QByteArray::number(last) + "\r\n\r\n";
    j.sliceOffset = uint64_t(first);
    j.sliceLength = uint64_t(last - first + 1);
    j.maxBody = (last - first + 1) + 65536;
    j.timeout = timeout;
    return j;
}

DirectGetOutcome runJob(DirectGetLane &lane, DirectGetJob j)
{
    std::promise<DirectGetOutcome> p;
    auto f = p.get_future();
    lane.submit(std::move(j), [&p](DirectGetOutcome o) { p.set_value(std::move(o)); });
    if (f.wait_for(30s) != std::future_status::ready)
        qFatal("a direct GET never finished");
    return f.get();
}

// Synchronous read through a provider, with its own event loop turning meanwhile.
FsResult<FsReadResult> readFrom(FileSystem &fs, const QByteArray &path, uint64_t offset, uint32_t count)
{
    std::promise<FsResult<FsReadResult>> p;
    auto f = p.get_future();
    fs.read(path, offset, count, [&p](FsResult<FsReadResult> r) { p.set_value(std::move(r)); });
    if (f.wait_for(60s) != std::future_status::ready)
        qFatal("a read never finished");
    return f.get();
}

// Keeps what a streamed read hands over; begin() starts it over, as the contract says.
struct RecordingSink final : FsByteSink {
    QByteArray bytes;
    int begins = 0;
    int pieces = 0;
    bool refuseHead = false;
    qsizetype refuseAfter = -1; // refuse write() once this many bytes are in
    bool begin(const FsAttr &) override
    {
        ++begins;
        bytes.clear();
        return !refuseHead;
    }
    bool write(const char *data, size_t size) override
    {
        ++pieces;
        bytes.append(data, qsizetype(size));
        return refuseAfter < 0 || bytes.size() < refuseAfter;
    }
};

// Ranges of `content`, except that the first answer breaks off inside its body (a
// backend dying mid-transfer) and closes the connection.
ScriptedHttpServer::Handler brokenFirstAnswer(QByteArray content)
{
    return [content](int fd, const ScriptedHttpServer::Request &r) {
        const auto [first, last] = ScriptedHttpServer::range(r.head);
        const QByteArray answer = ScriptedHttpServer::answer206(content.mid(first, last - first + 1),
                                                                first, content.size());
        if (r.number == 1) {
            ScriptedHttpServer::write(fd, answer.left(answer.size() / 2));
            return false;
        }
        return ScriptedHttpServer::write(fd, answer);
    };
}

// Ranges of `content`, except that the second answer is a 200 with all of it (a server
// without range support).
ScriptedHttpServer::Handler wholeSecondAnswer(QByteArray content)
{
    return [content](int fd, const ScriptedHttpServer::Request &r) {
        const auto [first, last] = ScriptedHttpServer::range(r.head);
        if (r.number == 2)
            return ScriptedHttpServer::write(fd, "HTTP/1.1 200 OK\r\nContent-Length: "
                                                     + QByteArray::number(content.size())
                                                     + "\r\n\r\n" + content);
        return ScriptedHttpServer::write(
            fd, ScriptedHttpServer::answer206(content.mid(first, last - first + 1), first, content.size()));
    };
}

// Takes the `size` bytes an onPipe call says wait in the pipe, appended to `into`; false
// when fewer are there.
bool readPipe(int pipeFd, size_t size, QByteArray &into)
{
    const qsizetype at = into.size();
    into.resize(at + qsizetype(size));
    for (size_t done = 0; done < size;) {
        const ssize_t n = ::read(pipeFd, into.data() + at + done, size - done);
        if (n <= 0)
            return false;
        done += size_t(n);
    }
    return true;
}

// readInto(); "not streamed" when the provider declined.
FsResult<FsReadResult> readIntoSink(FileSystem &fs, const QByteArray &path, uint64_t offset,
                                    uint32_t count, std::shared_ptr<FsByteSink> sink)
{
    std::promise<FsResult<FsReadResult>> p;
    auto f = p.get_future();
    if (!fs.readInto(path, offset, count, std::move(sink),
                     [&p](FsResult<FsReadResult> r) { p.set_value(std::move(r)); }))
        return FsError::InvalidArgument;
    if (f.wait_for(60s) != std::future_status::ready)
        qFatal("a read never finished");
    return f.get();
}

FsResult<FsAttr> getattrOf(FileSystem &fs, const QByteArray &path)
{
    std::promise<FsResult<FsAttr>> p;
    auto f = p.get_future();
    fs.getattr(path, [&p](FsResult<FsAttr> r) { p.set_value(std::move(r)); });
    if (f.wait_for(60s) != std::future_status::ready)
        qFatal("a getattr never finished");
    return f.get();
}

template <class T>
QString outcome(const FsResult<T> &r)
{
    return r ? QStringLiteral("ok") : QString::fromLatin1(fsErrorName(r.error()));
}

} // namespace

class TestWebDavDirectGet : public QObject {
    Q_OBJECT
private slots:
    // The lane against a scripted server
    void answersAndKeepsTheConnection();
    void reconnectsWhenTheServerClosedAnIdleConnection();
    void manyJobsOnFewConnections();
    void cutsTheSliceOutOf200();
    void connectionEndingInsideTheBodyIsNotHandled();
    void otherStatusesAreNotHandled();
    void chunkedAnswersMarkTheServerUnsuited();
    void malformedAndHugeHeadsAreNotHandled();
    void silentServerTimesOut();
    void stopWakesABlockedWorker();
    void refusedConnectionIsNotHandled();
    // The provider
    void providerFallsBackToQnamAfterABrokenBody();
    void streamedBodiesGoToTheSink();
    void streamedBodiesGoThroughThePipe();
    void slowPipedBodiesAreProgressNotStalls();
    void providerStreamStartsOverAfterABrokenBody();
    void apacheReadsGoDirectAndExact();
    void apacheRedirectsAndNoRangeStayRight();
    void apacheDigestNeverGoesDirect();
    void apacheFrozenTimesOutDirect();
    void directOffSendsEverythingThroughQnam();

private:
    std::unique_ptr<WebDavFileSystem> openApache(ApacheDavServer &server, const QString &folder,
                                                 WebDavOptions options = {});
};

// ---------------------------------------------------------------------------------------
// The lane

void TestWebDavDirectGet::answersAndKeepsTheConnection()
{
    const QByteArray content = randomBytes(300000, 1);
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        const auto [first, last] = ScriptedHttpServer::range(r.head);
        return ScriptedHttpServer::write(
            fd, ScriptedHttpServer::answer206(content.mid(first, last - first + 1), first, content.size()));
    });
    DirectGetLane lane(1);
    for (const auto &[first, last] : {std::pair{0, 99999}, {100000, 299999}, {5, 5}}) {
        const DirectGetOutcome o = runJob(lane, job(server.port(), first, last));
        QCOMPARE(int(o.kind), int(Kind::Answered));
        QCOMPARE(o.status, 206);
        QCOMPARE(o.reason, QByteArray("Partial Content"));
        QVERIFY(o.body == content.mid(first, last - first + 1));
        QVERIFY(!o.sliced);
        QVERIFY(std::any_of(o.headers.begin(), o.headers.end(),
                            [](const auto &h) { return h.first == "ETag" && h.second == "\"v1\""; }));
    }
    QCOMPARE(server.requests(), 3);
    QCOMPARE(server.connections(), 1); // kept alive
}

void TestWebDavDirectGet::reconnectsWhenTheServerClosedAnIdleConnection()
{
    // Every answer, then the server closes the connection without saying so (as a server
    // does when its keep-alive timeout ends between two requests).
    const QByteArray content = randomBytes(5000, 2);
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        const auto [first, last] = ScriptedHttpServer::range(r.head);
        ScriptedHttpServer::write(fd, ScriptedHttpServer::answer206(content.mid(first, last - first + 1),
                                                                    first, content.size()));
        return false;
    });
    DirectGetLane lane(1);
    for (int i = 0; i < 3; ++i) {
        QTest::qWait(50); // the close has arrived
        const DirectGetOutcome o = runJob(lane, job(server.port(), i * 1000, i * 1000 + 999));
        QCOMPARE(int(o.kind), int(Kind::Answered));
        QVERIFY(o.body == content.mid(i * 1000, 1000));
    }
    QCOMPARE(server.connections(), 3);
    QCOMPARE(server.requests(), 3);
}

void TestWebDavDirectGet::manyJobsOnFewConnections()
{
    const QByteArray content = randomBytes(1 << 20, 3);
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        const auto [first, last] = ScriptedHttpServer::range(r.head);
        return ScriptedHttpServer::write(
            fd, ScriptedHttpServer::answer206(content.mid(first, last - first + 1), first, content.size()));
    });
    DirectGetLane lane(3);
    constexpr int kJobs = 16;
    constexpr int kPart = (1 << 20) / kJobs;
    std::vector<std::future<DirectGetOutcome>> results;
    std::vector<std::promise<DirectGetOutcome>> promises(kJobs);
    for (int i = 0; i < kJobs; ++i) {
        results.push_back(promises[i].get_future());
        lane.submit(job(server.port(), i * kPart, (i + 1) * kPart - 1),
                    [&promises, i](DirectGetOutcome o) { promises[i].set_value(std::move(o)); });
    }
    for (int i = 0; i < kJobs; ++i) {
        QVERIFY(results[i].wait_for(30s) == std::future_status::ready);
        const DirectGetOutcome o = results[i].get();
        QCOMPARE(int(o.kind), int(Kind::Answered));
        QVERIFY(o.body == content.mid(i * kPart, kPart));
    }
    QVERIFY2(server.connections() <= 3, qPrintable(QString::number(server.connections())));
    QCOMPARE(server.requests(), kJobs);
}

void TestWebDavDirectGet::cutsTheSliceOutOf200()
{
    // A server that ignores Range: the whole content comes, the slice is kept, and the
    // connection (with the rest of the body unread) is not used again.
    const QByteArray content = randomBytes(200000, 4);
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &) {
        return ScriptedHttpServer::write(fd, "HTTP/1.1 200 OK\r\nContent-Length: "
                                                 + QByteArray::number(content.size()) + "\r\n\r\n" + content);
    });
    DirectGetLane lane(1);
    DirectGetOutcome o = runJob(lane, job(server.port(), 70000, 89999));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QCOMPARE(o.status, 200);
    QVERIFY(o.sliced);
    QVERIFY(o.body == content.mid(70000, 20000));
    // The slice runs past the end: what there is.
    o = runJob(lane, job(server.port(), 190000, 209999));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(o.body == content.mid(190000));
    QCOMPARE(server.connections(), 2);
}

void TestWebDavDirectGet::connectionEndingInsideTheBodyIsNotHandled()
{
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &) {
        ScriptedHttpServer::write(fd, "HTTP/1.1 206 Partial Content\r\nContent-Length: 100000\r\n\r\n"
                                          + QByteArray(40000, 'x'));
        return false;
    });
    DirectGetLane lane(1);
    const DirectGetOutcome o = runJob(lane, job(server.port(), 0, 99999));
    QCOMPARE(int(o.kind), int(Kind::NotHandled));
    QVERIFY(!o.serverUnsuited);
    QVERIFY2(o.why.contains("inside the body"), o.why.constData());
    QVERIFY(o.body.isEmpty());
}

void TestWebDavDirectGet::otherStatusesAreNotHandled()
{
    const QList<QByteArray> heads = {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
        "HTTP/1.1 301 Moved Permanently\r\nLocation: /g\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
    };
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        return ScriptedHttpServer::write(fd, heads[(r.number - 1) % heads.size()]);
    });
    DirectGetLane lane(1);
    for (const char *status : {"404", "301", "401", "503"}) {
        const DirectGetOutcome o = runJob(lane, job(server.port(), 0, 9));
        QCOMPARE(int(o.kind), int(Kind::NotHandled));
        QCOMPARE(o.why, "status " + QByteArray(status));
        QVERIFY(!o.serverUnsuited);
    }
    QCOMPARE(server.connections(), 4); // an unread body: never used again
}

void TestWebDavDirectGet::chunkedAnswersMarkTheServerUnsuited()
{
    const QList<QByteArray> answers = {
        "HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 206 Partial Content\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 206 Partial Content\r\n\r\nhello", // no length: ends with the connection
    };
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        ScriptedHttpServer::write(fd, answers[(r.number - 1) % answers.size()]);
        return false;
    });
    DirectGetLane lane(1);
    for (int i = 0; i < answers.size(); ++i) {
        const DirectGetOutcome o = runJob(lane, job(server.port(), 0, 4));
        QCOMPARE(int(o.kind), int(Kind::NotHandled));
        QVERIFY2(o.serverUnsuited, o.why.constData());
    }
}

void TestWebDavDirectGet::malformedAndHugeHeadsAreNotHandled()
{
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        if (r.number == 1)
            ScriptedHttpServer::write(fd, "HELLO THERE\r\n\r\n");
        else if (r.number == 2)
            ScriptedHttpServer::write(fd, "HTTP/1.1 206 OK\r\nX-Big: " + QByteArray(100000, 'a') + "\r\n\r\n");
        else
            ScriptedHttpServer::write(fd, "HTTP/1.1 206 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
        return false;
    });
    DirectGetLane lane(1);
    for (const char *why : {"malformed answer head", "answer head too large", "malformed answer head"}) {
        const DirectGetOutcome o = runJob(lane, job(server.port(), 0, 4));
        QCOMPARE(int(o.kind), int(Kind::NotHandled));
        QCOMPARE(o.why, QByteArray(why));
    }
}

void TestWebDavDirectGet::silentServerTimesOut()
{
    // Half an answer, then nothing: the job ends after the timeout, not later.
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &) {
        ScriptedHttpServer::write(fd, "HTTP/1.1 206 Partial Content\r\nContent-Length: 100\r\n\r\nabc");
        for (int i = 0; i < 100 && !server.stopping(); ++i)
            std::this_thread::sleep_for(50ms);
        return false;
    });
    DirectGetLane lane(1);
    QElapsedTimer timer;
    timer.start();
    const DirectGetOutcome o = runJob(lane, job(server.port(), 0, 99, 800ms));
    const qint64 ms = timer.elapsed();
    QCOMPARE(int(o.kind), int(Kind::TimedOut));
    QVERIFY2(ms >= 750 && ms < 3000, qPrintable(QString::number(ms)));
}

void TestWebDavDirectGet::stopWakesABlockedWorker()
{
    ScriptedHttpServer server([&](int, const ScriptedHttpServer::Request &) {
        for (int i = 0; i < 200 && !server.stopping(); ++i)
            std::this_thread::sleep_for(50ms);
        return false;
    });
    DirectGetLane lane(2);
    std::promise<DirectGetOutcome> first, queued;
    lane.submit(job(server.port(), 0, 9, 60s), [&](DirectGetOutcome o) { first.set_value(std::move(o)); });
    lane.submit(job(server.port(), 0, 9, 60s), [&](DirectGetOutcome o) { queued.set_value(std::move(o)); });
    QTRY_COMPARE_WITH_TIMEOUT(server.requests(), 2, 5000);
    QElapsedTimer timer;
    timer.start();
    lane.stop();
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    auto f1 = first.get_future();
    auto f2 = queued.get_future();
    QVERIFY(f1.wait_for(0s) == std::future_status::ready);
    QVERIFY(f2.wait_for(0s) == std::future_status::ready);
    QCOMPARE(int(f1.get().kind), int(Kind::NotHandled));
    QCOMPARE(int(f2.get().kind), int(Kind::NotHandled));
    // After stop, a job is refused at once.
    QCOMPARE(int(runJob(lane, job(server.port(), 0, 9)).kind), int(Kind::NotHandled));
}

void TestWebDavDirectGet::refusedConnectionIsNotHandled()
{
    quint16 port;
    {
        ScriptedHttpServer gone([](int, const ScriptedHttpServer::Request &) { return false; });
        port = gone.port();
    }
    DirectGetLane lane(1);
    const DirectGetOutcome o = runJob(lane, job(port, 0, 9));
    QCOMPARE(int(o.kind), int(Kind::NotHandled));
    QVERIFY2(o.why.startsWith("connect:"), o.why.constData());
}

// ---------------------------------------------------------------------------------------
// The provider

void TestWebDavDirectGet::providerFallsBackToQnamAfterABrokenBody()
{
    // The first answer breaks off inside the body (a backend dying mid-transfer): the
    // same read goes again through QNAM and returns the right bytes.
    const QByteArray content = randomBytes(1 << 20, 5);
    ScriptedHttpServer server(brokenFirstAnswer(content));
    WebDavOptions options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1/dav/").arg(server.port()));
    WebDavFileSystem provider(options); // anonymous: direct from the first request
    const auto r = readFrom(provider, "f", 4096, 500000);
    QCOMPARE(outcome(r), QStringLiteral("ok"));
    QVERIFY(r->data == content.mid(4096, 500000));
    QCOMPARE(r->attr.size, uint64_t(content.size()));
    QCOMPARE(server.requests(), 2);
    QCOMPARE(provider.directAnswers(), quint64(0));
    // The next read goes direct again.
    const auto again = readFrom(provider, "f", 0, 1000);
    QVERIFY(again.ok() && again->data == content.left(1000));
    QCOMPARE(provider.directAnswers(), quint64(1));
}

// Streaming jobs: the body reaches onBody in whole pieces of kStreamPiece bytes (the last
// one shorter), however the bytes arrived, never in the outcome; a 200 is cut to the slice
// on the way; a head the reader refuses, or a body it stops, ends the job Refused and the
// connection with it.
void TestWebDavDirectGet::streamedBodiesGoToTheSink()
{
    const QByteArray content = randomBytes(3 << 20, 6);
    ScriptedHttpServer server(wholeSecondAnswer(content));
    DirectGetLane lane(1);
    QByteArray got;
    std::vector<size_t> pieces;
    int headStatus = 0;
    bool refuseHead = false;
    qsizetype stopAt = -1;
    auto streaming = [&](qint64 first, qint64 last) {
        DirectGetJob j = job(server.port(), first, last);
        got.clear();
        pieces.clear();
        j.onHead = [&](int status, const QList<QPair<QByteArray, QByteArray>> &) {
            headStatus = status;
            return !refuseHead;
        };
        j.onBody = [&](const char *data, size_t size) {
            pieces.push_back(size);
            got.append(data, qsizetype(size));
            return stopAt < 0 || got.size() < stopAt;
        };
        return j;
    };
    constexpr size_t piece = DirectGetLane::kStreamPiece;
    const qsizetype length = qsizetype(2 * piece + 900000);
    DirectGetOutcome o = runJob(lane, streaming(1000, 1000 + length - 1));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(o.streamed);
    QVERIFY(o.body.isEmpty());
    QCOMPARE(headStatus, 206);
    QVERIFY(got == content.mid(1000, length));
    QCOMPARE(pieces, (std::vector<size_t>{piece, piece, 900000}));
    o = runJob(lane, streaming(5000, 5000 + 300000 - 1)); // answered 200
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(o.sliced && o.streamed);
    QVERIFY(got == content.mid(5000, 300000));
    QCOMPARE(pieces, std::vector<size_t>{300000});
    QCOMPARE(server.connections(), 1); // the 200's rest is not read: that one closes it
    refuseHead = true;
    o = runJob(lane, streaming(0, 99));
    QCOMPARE(int(o.kind), int(Kind::Refused));
    QVERIFY(got.isEmpty());
    refuseHead = false;
    stopAt = 1;
    o = runJob(lane, streaming(0, length - 1));
    QCOMPARE(int(o.kind), int(Kind::Refused));
    QCOMPARE(got.size(), qsizetype(piece)); // no piece after the refused one
    stopAt = -1;
    o = runJob(lane, streaming(0, 99));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(got == content.left(100));
    QCOMPARE(server.connections(), 4); // the 200 and each refusal closed theirs
}

// Streaming jobs with onPipe: each piece is spliced from the socket into the connection's
// pipe and waits there, whole, for onPipe (onBody is never called); the early bytes that
// came with the head go first. A reader that refuses a piece leaves it in the pipe: the
// job ends Refused, and the next job's bytes are not mixed with the old ones.
void TestWebDavDirectGet::streamedBodiesGoThroughThePipe()
{
    const QByteArray content = randomBytes(3 << 20, 8);
    ScriptedHttpServer server(wholeSecondAnswer(content));
    DirectGetLane lane(1);
    QByteArray got;
    std::vector<size_t> pieces;
    bool refuse = false;
    int bodyCalls = 0;
    auto piped = [&](qint64 first, qint64 last) {
        DirectGetJob j = job(server.port(), first, last);
        got.clear();
        pieces.clear();
        j.onHead = [](int, const QList<QPair<QByteArray, QByteArray>> &) { return true; };
        j.onBody = [&](const char *, size_t) { return ++bodyCalls, false; };
        j.onPipe = [&](int pipeFd, size_t size) {
            if (refuse)
                return false;
            pieces.push_back(size);
            return readPipe(pipeFd, size, got);
        };
        return j;
    };
    constexpr size_t piece = DirectGetLane::kStreamPiece;
    const qsizetype length = qsizetype(2 * piece + 900000);
    DirectGetOutcome o = runJob(lane, piped(1000, 1000 + length - 1));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(o.streamed && o.body.isEmpty());
    QVERIFY(got == content.mid(1000, length));
    QCOMPARE(pieces, (std::vector<size_t>{piece, piece, 900000}));
    // Answered 200, cut to the slice: the bytes before it (more than came with the head)
    // are passed over.
    o = runJob(lane, piped(2000000, 2000000 + 300000 - 1));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(o.sliced && o.streamed);
    QVERIFY(got == content.mid(2000000, 300000));
    refuse = true;
    o = runJob(lane, piped(0, length - 1));
    QCOMPARE(int(o.kind), int(Kind::Refused));
    refuse = false;
    o = runJob(lane, piped(2000000, 2000000 + 99999));
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(got == content.mid(2000000, 100000)); // nothing left over from the refused one
    QCOMPARE(bodyCalls, 0);
}

// A piped piece waits for all its bytes at once (SO_RCVLOWAT), but bytes that trickle in
// slower than the timeout still count as progress: only a body that stops sending for
// the timeout ends TimedOut.
void TestWebDavDirectGet::slowPipedBodiesAreProgressNotStalls()
{
    const QByteArray content = randomBytes(1 << 20, 9);
    ScriptedHttpServer server([&](int fd, const ScriptedHttpServer::Request &r) {
        const QByteArray answer = ScriptedHttpServer::answer206(content, 0, content.size());
        const qsizetype head = answer.size() - content.size();
        if (r.number == 1) { // five parts 200 ms apart: 800 ms in all, more than the timeout
            const qsizetype cuts[] = {0, head + 200000, head + 400000, head + 600000, head + 800000,
                                      answer.size()};
            for (int i = 0; i < 5; ++i) {
                if (i > 0)
                    std::this_thread::sleep_for(200ms);
                if (!ScriptedHttpServer::write(fd, answer.mid(cuts[i], cuts[i + 1] - cuts[i])))
                    return false;
            }
            return true;
        }
        ScriptedHttpServer::write(fd, answer.left(head + 100000)); // then nothing
        for (int i = 0; i < 40 && !server.stopping(); ++i)
            std::this_thread::sleep_for(50ms);
        return false;
    });
    DirectGetLane lane(1);
    QByteArray got;
    auto piped = [&] {
        DirectGetJob j = job(server.port(), 0, content.size() - 1, 600ms);
        got.clear();
        j.onHead = [](int, const QList<QPair<QByteArray, QByteArray>> &) { return true; };
        j.onBody = [](const char *, size_t) { return false; };
        j.onPipe = [&](int pipeFd, size_t size) { return readPipe(pipeFd, size, got); };
        return j;
    };
    DirectGetOutcome o = runJob(lane, piped());
    QCOMPARE(int(o.kind), int(Kind::Answered));
    QVERIFY(got == content);
    QElapsedTimer timer;
    timer.start();
    o = runJob(lane, piped());
    QCOMPARE(int(o.kind), int(Kind::TimedOut));
    QVERIFY2(timer.elapsed() < 2500, qPrintable(QString::number(timer.elapsed())));
}

// The provider's readInto(): a stream broken off inside the body starts over through QNAM
// (begin() again, then every byte); a refusing sink ends the read with NotSupported (the
// caller then read()s), and a provider without direct GETs declines to stream at all.
void TestWebDavDirectGet::providerStreamStartsOverAfterABrokenBody()
{
    const QByteArray content = randomBytes(1 << 20, 7);
    ScriptedHttpServer server(brokenFirstAnswer(content));
    WebDavOptions options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1/dav/").arg(server.port()));
    WebDavFileSystem provider(options);
    auto sink = std::make_shared<RecordingSink>();
    auto r = readIntoSink(provider, "f", 4096, 700000, sink);
    QCOMPARE(outcome(r), QStringLiteral("ok"));
    QVERIFY(r->data.isEmpty());
    QCOMPARE(r->attr.size, uint64_t(content.size()));
    QVERIFY(!r->eof);
    QCOMPARE(sink->begins, 2);
    QVERIFY(sink->bytes == content.mid(4096, 700000));
    QCOMPARE(server.requests(), 2);
    // Streamed all the way: eof at the end of the file.
    sink = std::make_shared<RecordingSink>();
    r = readIntoSink(provider, "f", 1000000, 48576, sink);
    QCOMPARE(outcome(r), QStringLiteral("ok"));
    QVERIFY(r->eof);
    QCOMPARE(sink->begins, 1);
    QVERIFY(sink->bytes == content.mid(1000000));
    QCOMPARE(provider.directAnswers(), quint64(1));
    // Refused at the head, and inside the body.
    sink = std::make_shared<RecordingSink>();
    sink->refuseHead = true;
    QCOMPARE(outcome(readIntoSink(provider, "f", 0, 1000, sink)), QStringLiteral("not supported"));
    sink = std::make_shared<RecordingSink>();
    sink->refuseAfter = 1;
    QCOMPARE(outcome(readIntoSink(provider, "f", 0, 600000, sink)), QStringLiteral("not supported"));
    options.directGets = false;
    WebDavFileSystem plain(options);
    QCOMPARE(outcome(readIntoSink(plain, "f", 0, 1000, std::make_shared<RecordingSink>())),
             QStringLiteral("invalid argument")); // declined: the caller read()s
}

std::unique_ptr<WebDavFileSystem> TestWebDavDirectGet::openApache(ApacheDavServer &server,
                                                                  const QString &folder,
                                                                  WebDavOptions options)
{
    options.url = server.url().resolved(QUrl(folder + QLatin1Char('/')));
    options.user = server.user();
    options.password = server.password();
    return std::make_unique<WebDavFileSystem>(options);
}

void TestWebDavDirectGet::apacheReadsGoDirectAndExact()
{
    if (!ApacheDavServer::available())
        QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
    ApacheDavServer apache;
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QByteArray content = randomBytes(3 << 20, 6);
    QVERIFY(apache.makeDir(QStringLiteral("d")));
    QVERIFY(apache.writeFile(QStringLiteral("d/big.bin"), content));
    auto provider = openApache(apache, QStringLiteral("d"));
    QVERIFY(getattrOf(*provider, "big.bin").ok()); // the server's scheme (Basic) is learned
    const quint64 before = provider->requestsSent();
    const std::vector<std::pair<uint64_t, uint32_t>> reads = {
        {0, 1 << 20}, {1 << 20, 2 << 20}, {12345, 100}, {(3 << 20) - 10, 4096}};
    for (const auto &[offset, count] : reads) {
        const auto r = readFrom(*provider, "big.bin", offset, count);
        QCOMPARE(outcome(r), QStringLiteral("ok"));
        QVERIFY(r->data == content.mid(qsizetype(offset), qsizetype(count)));
        QCOMPARE(r->eof, offset + count >= uint64_t(content.size()));
        QCOMPARE(r->attr.size, uint64_t(content.size()));
        QVERIFY(!r->attr.version.isEmpty()); // the ETag came through
    }
    QCOMPARE(provider->directAnswers(), quint64(reads.size()));
    QCOMPARE(provider->requestsSent() - before, quint64(reads.size()));
    // Apache logs a request once it is done sending, which may be after the reply arrived.
    QTRY_COMPARE_WITH_TIMEOUT(
        apache.accessLog().filter(QStringLiteral("GET /dav/d/big.bin 206")).size(),
        int(reads.size()), 5000);
    QVERIFY(apache.accessLog().filter(QStringLiteral(" 401")).size() <= 1); // the first PROPFIND's
}

void TestWebDavDirectGet::apacheRedirectsAndNoRangeStayRight()
{
    if (!ApacheDavServer::available())
        QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
    ApacheDavServer apache;
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QByteArray content = randomBytes(1 << 20, 7);
    QVERIFY(apache.writeFile(QStringLiteral("norange/f.bin"), content));
    QVERIFY(apache.makeDir(QStringLiteral("r")));
    QVERIFY(apache.writeFile(QStringLiteral("r/f.bin"), content));

    // Range dropped by the server: 200 with everything; the lane keeps the slice.
    auto noRange = openApache(apache, QStringLiteral("norange"));
    QVERIFY(getattrOf(*noRange, "f.bin").ok());
    const auto sliced = readFrom(*noRange, "f.bin", 300000, 5000);
    QCOMPARE(outcome(sliced), QStringLiteral("ok"));
    QVERIFY(sliced->data == content.mid(300000, 5000));
    QCOMPARE(sliced->attr.size, uint64_t(content.size()));
    QCOMPARE(noRange->directAnswers(), quint64(1));

    // A redirect (/moved301/r/ is /dav/r/): the lane leaves the 301 to QNAM, which follows it.
    WebDavOptions old;
    old.url = apache.url().resolved(QUrl(QStringLiteral("/moved301/r/")));
    old.user = apache.user();
    old.password = apache.password();
    WebDavFileSystem redirected(old);
    QVERIFY(getattrOf(redirected, "f.bin").ok()); // Basic learned: GETs are eligible
    const int before = apache.accessLog().size();
    const auto viaRedirect = readFrom(redirected, "f.bin", 1000, 2000);
    QCOMPARE(outcome(viaRedirect), QStringLiteral("ok"));
    QVERIFY(viaRedirect->data == content.mid(1000, 2000));
    QCOMPARE(redirected.directAnswers(), quint64(0));
    QTRY_COMPARE_WITH_TIMEOUT(
        apache.accessLog().mid(before).filter(QStringLiteral("GET /dav/r/f.bin 206")).size(), 1, 5000);
    const QStringList log = apache.accessLog().mid(before);
    // The lane's and QNAM's (QNAM sometimes sends it once more on another connection).
    QVERIFY2(log.filter(QStringLiteral("GET /moved301/r/f.bin 301")).size() >= 2,
             qPrintable(log.join(QLatin1String(", "))));
}

void TestWebDavDirectGet::apacheDigestNeverGoesDirect()
{
    if (!ApacheDavServer::available())
        QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
    ApacheDavServer::Options o;
    o.auth = ApacheDavServer::Auth::Digest;
    ApacheDavServer apache(o);
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QByteArray content = randomBytes(200000, 8);
    QVERIFY(apache.makeDir(QStringLiteral("d")));
    QVERIFY(apache.writeFile(QStringLiteral("d/f.bin"), content));
    auto provider = openApache(apache, QStringLiteral("d"));
    QVERIFY(getattrOf(*provider, "f.bin").ok());
    for (int i = 0; i < 3; ++i) {
        const auto r = readFrom(*provider, "f.bin", uint64_t(i) * 50000, 50000);
        QCOMPARE(outcome(r), QStringLiteral("ok"));
        QVERIFY(r->data == content.mid(i * 50000, 50000));
    }
    QCOMPARE(provider->directAnswers(), quint64(0)); // no password in clear to a Digest server
}

void TestWebDavDirectGet::apacheFrozenTimesOutDirect()
{
    if (!ApacheDavServer::available())
        QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
    ApacheDavServer apache;
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    QVERIFY(apache.makeDir(QStringLiteral("d")));
    QVERIFY(apache.writeFile(QStringLiteral("d/f.bin"), randomBytes(100000, 9)));
    WebDavOptions options;
    options.transferTimeout = 1500ms;
    auto provider = openApache(apache, QStringLiteral("d"), options);
    QVERIFY(getattrOf(*provider, "f.bin").ok());
    QVERIFY(readFrom(*provider, "f.bin", 0, 1000).ok());
    QCOMPARE(provider->directAnswers(), quint64(1));
    QVERIFY(apache.setFrozen(true));
    QElapsedTimer timer;
    timer.start();
    const auto r = readFrom(*provider, "f.bin", 1000, 1000);
    const qint64 ms = timer.elapsed();
    QVERIFY(apache.setFrozen(false));
    QCOMPARE(outcome(r), QStringLiteral("timed out"));
    QVERIFY2(ms >= 1400 && ms < 4000, qPrintable(QString::number(ms)));
    QVERIFY2(provider->lastError().contains(QLatin1String("did not answer within 1.5 s")),
             qPrintable(provider->lastError()));
    // The server is back: the next read works, direct again.
    const auto after = readFrom(*provider, "f.bin", 2000, 1000);
    QCOMPARE(outcome(after), QStringLiteral("ok"));
    QCOMPARE(provider->directAnswers(), quint64(2));
}

void TestWebDavDirectGet::directOffSendsEverythingThroughQnam()
{
    if (!ApacheDavServer::available())
        QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
    ApacheDavServer apache;
    QVERIFY2(apache.start(), qPrintable(apache.errorString()));
    const QByteArray content = randomBytes(100000, 10);
    QVERIFY(apache.makeDir(QStringLiteral("d")));
    QVERIFY(apache.writeFile(QStringLiteral("d/f.bin"), content));
    WebDavOptions options;
    options.directGets = false;
    auto provider = openApache(apache, QStringLiteral("d"), options);
    QVERIFY(getattrOf(*provider, "f.bin").ok());
    const auto r = readFrom(*provider, "f.bin", 10, 5000);
    QVERIFY(r.ok() && r->data == content.mid(10, 5000));
    QCOMPARE(provider->directAnswers(), quint64(0));
}

QTEST_GUILESS_MAIN(TestWebDavDirectGet)
#include "tst_webdav_direct_get.moc"
