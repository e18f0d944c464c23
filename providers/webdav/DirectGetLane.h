// Ranged GETs over plain http on Loft's own keep-alive sockets, beside QNAM.
//
// Why: a cold sequential read is almost all GET bodies. Through QNAM each byte is copied
// from the socket into a QNAM buffer on QNAM's thread, then into the reply body on the
// provider's thread (perf on bench/webdav-read.sh: a third of Loft's CPU time per byte
// read went there). Here one worker reads the body straight into the buffer the caller
// keeps: one copy, one thread, no event-loop hops per chunk. A streaming job (onBody)
// has no such buffer: the body is gathered in one buffer of the connection's and handed to
// the caller's sink a block at a time (the block cache writes it into its file); or, with
// onPipe, spliced from the socket into a pipe of the connection's and taken from there by
// the sink, so the bytes never pass through memory here (the block cache splices them on
// into its file). Lane threads run at nice 5: they fetch ahead of the reader.
//
// Narrow on purpose. WebDavClient hands a request here only when it is a ranged GET to
// the configured origin over http:// with no credential or a Basic one the server is
// known to take; TLS, Digest, redirects and every answer other than 206 (or 200, cut to
// the slice as QNAM's path does) are left to QNAM: the job comes back NotHandled and the
// client sends it the usual way, with its retries and error messages. A body that stops
// arriving for `timeout` ends the job as TimedOut (like QNAM's transfer timeout).
//
// Each worker thread owns one connection (kept alive between jobs, reopened when the
// server closed it). Blocking I/O with poll() timeouts; stop() wakes blocked workers.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace loft::webdav {

struct DirectGetJob {
    QByteArray host; // name or address literal, without brackets
    quint16 port = 80;
    QByteArray head; // the whole request: "GET ... HTTP/1.1\r\n...\r\n\r\n"
    std::optional<uint64_t> sliceOffset; // as WebDavRequest: what a 200 answer is cut to
    uint64_t sliceLength = 0;
    qint64 maxBody = 0;
    std::chrono::milliseconds timeout{30000};
    // When set, the body (the slice of it that is kept) goes to onBody as it arrives, in
    // pieces of DirectGetLane::kStreamPiece bytes (the last one shorter) gathered in a
    // buffer of the connection's, after onHead accepted the answer's head; not into
    // DirectGetOutcome::body. Either returning false ends the job Refused.
    std::function<bool(int status, const QList<QPair<QByteArray, QByteArray>> &headers)> onHead;
    std::function<bool(const char *data, size_t size)> onBody;
    // When set too, each piece goes to onPipe instead, spliced from the socket into a pipe
    // of the connection's (Linux): `size` bytes wait there, and onPipe must take them all.
    std::function<bool(int pipeFd, size_t size)> onPipe;
};

struct DirectGetOutcome {
    enum class Kind {
        Answered,   // status 206 (or 200, sliced): status, reason, headers and body are set
        TimedOut,   // no progress for the job's timeout
        NotHandled, // send it through QNAM; `why` says what was met
        Refused,    // the job's onHead or onBody said no (the connection is closed)
    };
    Kind kind = Kind::NotHandled;
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool sliced = false;
    bool streamed = false; // the body went to the job's onBody
    // NotHandled because the server speaks in a way this lane does not (chunked bodies,
    // no Content-Length, HTTP/1.0): later jobs had better not come here at all.
    bool serverUnsuited = false;
    QByteArray why;
};

class DirectGetLane {
public:
    using Done = std::function<void(DirectGetOutcome)>;

    // A streamed body reaches onBody in pieces of this size: one cache block. Each piece
    // then goes into the page cache in one write, stored as one large folio (measured on
    // ext4 against pieces of whatever size each receive brought: +11% throughput with
    // 256 KiB pieces, +12.5% with 1 MiB, and 9-12% less CPU).
    static constexpr size_t kStreamPiece = 1u << 20;

    explicit DirectGetLane(int connections);
    ~DirectGetLane();
    DirectGetLane(const DirectGetLane &) = delete;
    DirectGetLane &operator=(const DirectGetLane &) = delete;

    // Thread-safe. `done` runs on a worker thread, exactly once (NotHandled after stop()).
    void submit(DirectGetJob job, Done done);
    // Wakes and joins the workers; jobs not started yet end NotHandled.
    void stop();

private:
    struct Queued {
        DirectGetJob job;
        Done done;
    };
    struct Connection {
        int fd = -1;
        QByteArray host;
        quint16 port = 0;
        bool reused = false; // served a job already: the server may have closed it since
        QByteArray buffer;   // the answer head (and skipped body bytes), kept between jobs
        QByteArray streamBuffer; // a streamed body passes through here (kept between jobs)
        int pipe[2] = {-1, -1};  // or, for onPipe, through here (kept between jobs)
        int lowWater = 1;        // the socket's SO_RCVLOWAT
    };
    void work(size_t index);
    DirectGetOutcome run(Connection &c, const DirectGetJob &job);
    void closeConnection(Connection &c);
    static bool openPipe(Connection &c);
    static void closePipe(Connection &c);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Queued> queue_;
    std::vector<Connection> connections_; // one per worker; fds read by stop()
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

} // namespace loft::webdav
