#include "DirectGetLane.h"

#include <QByteArrayView>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>

namespace loft::webdav {

namespace {
constexpr size_t kMaxHead = 64 * 1024;

enum class Wait { Ready, TimedOut, Failed };

Wait waitFor(int fd, short events, std::chrono::milliseconds timeout)
{
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, int(std::min<int64_t>(timeout.count(), INT32_MAX)));
        if (n > 0)
            return Wait::Ready; // POLLERR/POLLHUP too: the next call says what happened
        if (n == 0)
            return Wait::TimedOut;
        if (errno != EINTR)
            return Wait::Failed;
    }
}

// recv() that waits up to `timeout` for data; -1 with `timedOut` set when none came.
ssize_t receive(int fd, char *to, size_t length, std::chrono::milliseconds timeout, bool &timedOut)
{
    for (;;) {
        const ssize_t n = ::recv(fd, to, length, 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        const Wait w = waitFor(fd, POLLIN, timeout);
        if (w == Wait::TimedOut) {
            timedOut = true;
            return -1;
        }
        if (w == Wait::Failed)
            return -1;
    }
}

// Outcome of spliceIn(): bytes moved (0: the peer closed), or one of these.
constexpr ssize_t kSpliceFailed = -1, kSpliceTimedOut = -2, kPipeFull = -3;

// The socket's receive low-water mark (SO_RCVLOWAT): poll() reports it readable only once
// this many bytes are there (or the peer closed), so a thread waiting for a whole piece
// wakes about once for it, not once per segment. `current` is the value set last.
void setLowWater(int fd, int &current, int bytes)
{
    bytes = std::max(1, bytes);
    if (bytes != current && ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes) == 0)
        current = bytes;
}

// splice() of up to `length` bytes from the socket into the pipe, waiting up to `timeout`
// for data (for all `length` of them, when they are slow to come: see setLowWater).
// kPipeFull when the socket has bytes but the pipe takes no more (its slots hold the
// socket's buffers as they came, and small ones fill it before its bytes do).
ssize_t spliceIn(int fd, int pipeIn, size_t length, std::chrono::milliseconds timeout, int &lowWater)
{
#ifdef __linux__
    bool waited = false;
    for (;;) {
        const ssize_t n = ::splice(fd, nullptr, pipeIn, nullptr, length,
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return kSpliceFailed;
        if (waited)
            return kPipeFull; // poll() said the socket has bytes: the pipe is what is full
        setLowWater(fd, lowWater, int(std::min<size_t>(length, INT32_MAX)));
        Wait w = waitFor(fd, POLLIN, timeout);
        int queued = 0;
        if (w == Wait::TimedOut && ::ioctl(fd, FIONREAD, &queued) == 0 && queued > 0)
            w = Wait::Ready; // fewer bytes than asked for, but some: that is progress
        if (w == Wait::TimedOut)
            return kSpliceTimedOut;
        if (w == Wait::Failed)
            return kSpliceFailed;
        waited = true;
    }
#else
    Q_UNUSED(fd) Q_UNUSED(pipeIn) Q_UNUSED(length) Q_UNUSED(timeout) Q_UNUSED(lowWater)
    return kSpliceFailed;
#endif
}

bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        size -= size_t(n);
    }
    return true;
}

bool sendAll(int fd, QByteArrayView data, std::chrono::milliseconds timeout)
{
    qsizetype sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, size_t(data.size() - sent), MSG_NOSIGNAL);
        if (n > 0) {
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
            && waitFor(fd, POLLOUT, timeout) == Wait::Ready)
            continue;
        return false;
    }
    return true;
}

// A non-blocking TCP connection to host:port, or -1 (`why` set).
int connectTo(const QByteArray &host, quint16 port, std::chrono::milliseconds timeout,
              QByteArray &why)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const QByteArray service = QByteArray::number(port);
    if (const int rc = ::getaddrinfo(host.constData(), service.constData(), &hints, &found)) {
        why = "cannot resolve " + host + ": " + ::gai_strerror(rc);
        return -1;
    }
    int fd = -1;
    for (addrinfo *a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        int err = 0;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            err = errno;
            if (err == EINPROGRESS) {
                socklen_t len = sizeof err;
                err = waitFor(fd, POLLOUT, timeout) == Wait::Ready
                        && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0
                    ? err
                    : ETIMEDOUT;
            }
        }
        if (err != 0) {
            why = "connect: " + QByteArray(::strerror(err));
            ::close(fd);
            fd = -1;
        }
    }
    ::freeaddrinfo(found);
    if (fd >= 0) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

struct Head {
    bool valid = false;
    bool http10 = false;
    int status = 0;
    QByteArray reason;
    QList<QPair<QByteArray, QByteArray>> headers;
    std::optional<qint64> contentLength;
    bool closes = false;     // Connection: close
    QByteArray unsuited;     // a feature this lane does not speak (non-empty: give up)
};

Head parseHead(QByteArrayView text)
{
    Head h;
    const auto lines = text.toByteArray().split('\n');
    if (lines.isEmpty())
        return h;
    const QByteArray status = lines.first().trimmed();
    if (!status.startsWith("HTTP/1.") || status.size() < 12 || status[8] != ' ')
        return h;
    h.http10 = status.startsWith("HTTP/1.0");
    bool ok = false;
    h.status = status.mid(9, 3).toInt(&ok);
    if (!ok)
        return h;
    h.reason = status.mid(13).trimmed();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines[i];
        if (line.trimmed().isEmpty())
            continue;
        if (line.startsWith(' ') || line.startsWith('\t')) {
            h.unsuited = "folded header lines";
            return h;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return h;
        const QByteArray name = line.left(colon).trimmed();
        const QByteArray value = line.mid(colon + 1).trimmed();
        h.headers.append({name, value});
        const QByteArray lower = name.toLower();
        if (lower == "content-length") {
            const qint64 length = value.toLongLong(&ok);
            if (!ok || length < 0 || (h.contentLength && *h.contentLength != length))
                return h;
            h.contentLength = length;
        } else if (lower == "transfer-encoding" && value.toLower() != "identity") {
            h.unsuited = "Transfer-Encoding " + value;
        } else if (lower == "content-encoding" && value.toLower() != "identity") {
            h.unsuited = "Content-Encoding " + value;
        } else if (lower == "connection" && value.toLower().contains("close")) {
            h.closes = true;
        }
    }
    h.valid = true;
    return h;
}

DirectGetOutcome notHandled(QByteArray why, bool unsuited = false)
{
    DirectGetOutcome o;
    o.kind = DirectGetOutcome::Kind::NotHandled;
    o.why = std::move(why);
    o.serverUnsuited = unsuited;
    return o;
}

DirectGetOutcome refused(QByteArray what)
{
    DirectGetOutcome o;
    o.kind = DirectGetOutcome::Kind::Refused;
    o.why = "the reader refused " + what;
    return o;
}

DirectGetOutcome timedOut()
{
    DirectGetOutcome o;
    o.kind = DirectGetOutcome::Kind::TimedOut;
    o.why = "no progress within the timeout";
    return o;
}

} // namespace

DirectGetLane::DirectGetLane(int connections)
{
    connections_.resize(size_t(std::max(1, connections)));
    for (size_t i = 0; i < connections_.size(); ++i)
        workers_.emplace_back([this, i] {
            ::pthread_setname_np(::pthread_self(), "loft-davget");
#ifdef __linux__
            // A lane fetches ahead of the reader: when the CPU is short, the thread that
            // answers the reader had better go first (nice 5, this thread only; measured on
            // cold reads, 2 cores: +4% to +7% in three runs of 10-14, nice 3 and 7 no better).
            ::setpriority(PRIO_PROCESS, id_t(::syscall(SYS_gettid)), 5);
#endif
            work(i);
        });
}

DirectGetLane::~DirectGetLane()
{
    stop();
}

void DirectGetLane::submit(DirectGetJob job, Done done)
{
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back({std::move(job), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    done(notHandled("stopping"));
}

void DirectGetLane::stop()
{
    std::deque<Queued> left;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (Connection &c : connections_)
            if (c.fd >= 0)
                ::shutdown(c.fd, SHUT_RDWR); // a blocked worker wakes at once
        left = std::exchange(queue_, {});
    }
    wake_.notify_all();
    for (std::thread &t : workers_)
        if (t.joinable())
            t.join();
    workers_.clear();
    for (Queued &q : left)
        q.done(notHandled("stopping"));
}

void DirectGetLane::work(size_t index)
{
    Connection &c = connections_[index];
    for (;;) {
        Queued q;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_)
                break;
            q = std::move(queue_.front());
            queue_.pop_front();
        }
        DirectGetOutcome outcome = run(c, q.job);
        q.done(std::move(outcome));
    }
    closeConnection(c);
}

void DirectGetLane::closeConnection(Connection &c)
{
    int fd;
    {
        std::lock_guard lock(mutex_);
        fd = std::exchange(c.fd, -1);
    }
    if (fd >= 0)
        ::close(fd);
    c.reused = false;
    closePipe(c); // it may hold bytes of the answer broken off
}

bool DirectGetLane::openPipe(Connection &c)
{
#ifdef __linux__
    if (c.pipe[0] >= 0)
        return true;
    if (::pipe2(c.pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        c.pipe[0] = c.pipe[1] = -1;
        return false;
    }
    // Room for a whole piece, or no pipe: a smaller one would cut every piece short.
    if (::fcntl(c.pipe[1], F_SETPIPE_SZ, int(kStreamPiece)) < int(kStreamPiece)) {
        closePipe(c);
        return false;
    }
    return true;
#else
    Q_UNUSED(c)
    return false;
#endif
}

void DirectGetLane::closePipe(Connection &c)
{
    for (int &end : c.pipe)
        if (end >= 0)
            ::close(std::exchange(end, -1));
}

DirectGetOutcome DirectGetLane::run(Connection &c, const DirectGetJob &job)
{
    // Two rounds: a kept-alive connection the server closed meanwhile fails before the
    // first byte of the answer; then the request goes again on a new connection.
    for (int round = 0; round < 2; ++round) {
        if (c.fd >= 0 && (c.host != job.host || c.port != job.port))
            closeConnection(c);
        if (c.fd < 0) {
            QByteArray why;
            const int fd = connectTo(job.host, job.port, job.timeout, why);
            if (fd < 0)
                return notHandled(why);
            std::lock_guard lock(mutex_);
            if (stopping_) {
                ::close(fd);
                return notHandled("stopping");
            }
            c.fd = fd;
            c.host = job.host;
            c.port = job.port;
            c.reused = false;
            c.lowWater = 1;
        }
        const bool mayBeStale = c.reused;
        if (!sendAll(c.fd, job.head, job.timeout)) {
            closeConnection(c);
            if (mayBeStale)
                continue;
            return notHandled("send failed");
        }

        // The head, and whatever part of the body came with it.
        QByteArray &buffer = c.buffer;
        if (buffer.size() != qsizetype(kMaxHead))
            buffer.resize(qsizetype(kMaxHead));
        qsizetype have = 0;
        qsizetype headEnd = -1;
        bool late = false;
        while (headEnd < 0) {
            if (have == buffer.size()) {
                closeConnection(c);
                return notHandled("answer head too large");
            }
            const ssize_t n = receive(c.fd, buffer.data() + have, size_t(buffer.size() - have),
                                      job.timeout, late);
            if (n <= 0) {
                closeConnection(c);
                if (late)
                    return timedOut();
                if (have == 0 && mayBeStale)
                    break; // the server had closed the idle connection: once more
                return notHandled(n == 0 ? "closed before the answer" : "receive failed");
            }
            const qsizetype from = std::max<qsizetype>(0, have - 3);
            have += n;
            const qsizetype at = QByteArrayView(buffer.constData(), have).indexOf("\r\n\r\n", from);
            if (at >= 0)
                headEnd = at + 4;
        }
        if (headEnd < 0)
            continue;

        Head head = parseHead(QByteArrayView(buffer.constData(), headEnd));
        if (!head.valid || !head.unsuited.isEmpty()) {
            closeConnection(c);
            return notHandled(head.valid ? head.unsuited : "malformed answer head",
                              !head.unsuited.isEmpty());
        }
        const bool sliceOf200 = head.status == 200 && job.sliceOffset.has_value();
        if (head.status != 206 && !sliceOf200) {
            closeConnection(c); // the body is not read: the connection cannot carry on
            return notHandled("status " + QByteArray::number(head.status));
        }
        if (!head.contentLength) {
            closeConnection(c);
            return notHandled("no Content-Length", true);
        }
        const qint64 length = *head.contentLength;
        // The part of the content kept: all of a 206, the slice of a 200.
        const qint64 keepFrom = sliceOf200 ? qint64(std::min<uint64_t>(*job.sliceOffset, uint64_t(length))) : 0;
        const qint64 keepTo = sliceOf200
            ? qint64(std::min<uint64_t>(*job.sliceOffset + job.sliceLength, uint64_t(length)))
            : length;
        if (keepTo - keepFrom > job.maxBody) {
            closeConnection(c);
            return notHandled("answer larger than allowed");
        }

        DirectGetOutcome o;
        o.kind = DirectGetOutcome::Kind::Answered;
        o.status = head.status;
        o.reason = head.reason;
        o.headers = std::move(head.headers);
        o.sliced = sliceOf200;
        const bool streaming = bool(job.onBody);
        if (streaming && !job.onHead(o.status, o.headers)) {
            closeConnection(c); // the body is not read: the connection cannot carry on
            return refused("the answer's head");
        }
        o.streamed = streaming;
        // Pieces spliced through the connection's pipe, never copied into memory here.
        const bool piped = streaming && job.onPipe && openPipe(c);
        if (!streaming)
            o.body = QByteArray(qsizetype(keepTo - keepFrom), Qt::Uninitialized);
        if (streaming && !piped && c.streamBuffer.size() != qsizetype(kStreamPiece))
            c.streamBuffer.resize(qsizetype(kStreamPiece));

        // Content bytes [pos, pos + n) arrived at `data`: keep their part in [keepFrom, keepTo).
        qint64 pos = 0;
        // Streaming: kept bytes gathered in the stream buffer. The sink gets whole buffers
        // (and the rest at the end): its page-cache writes then come in large aligned
        // pieces, which the file system stores in large folios.
        qint64 gathered = 0;
        // The gathered bytes to the sink. False when it refused them.
        auto handOver = [&] {
            const size_t n = size_t(std::exchange(gathered, 0));
            return piped ? job.onPipe(c.pipe[0], n) : job.onBody(c.streamBuffer.constData(), n);
        };
        // False when the sink refused the bytes.
        auto take = [&](const char *data, qint64 n) {
            const qint64 from = std::max(pos, keepFrom), to = std::min(pos + n, keepTo);
            const char *kept = data + (from - pos);
            pos += n;
            if (to <= from)
                return true;
            if (streaming) {
                for (qint64 at = from; at < to;) {
                    const qint64 m = std::min(to - at, qint64(kStreamPiece) - gathered);
                    if (piped) {
                        if (!writeAll(c.pipe[1], kept + (at - from), size_t(m)))
                            return false;
                    } else {
                        char *into = c.streamBuffer.data() + gathered;
                        if (kept + (at - from) != into)
                            memmove(into, kept + (at - from), size_t(m));
                    }
                    gathered += m;
                    at += m;
                    if ((gathered == qint64(kStreamPiece) || at == keepTo) && !handOver())
                        return false;
                }
                return true;
            }
            if (kept != o.body.data() + (from - keepFrom))
                memcpy(o.body.data() + (from - keepFrom), kept, size_t(to - from));
            return true;
        };
        const qint64 early = std::min<qint64>(have - headEnd, length);
        const bool overrun = have - headEnd > length; // more than the body: out of step
        if (!take(buffer.constData() + headEnd, early)) {
            closeConnection(c);
            return refused("the body");
        }
        while (pos < keepTo) {
            if (piped && pos >= keepFrom) {
                const ssize_t n = spliceIn(c.fd, c.pipe[1],
                                           size_t(std::min(qint64(kStreamPiece) - gathered, keepTo - pos)),
                                           job.timeout, c.lowWater);
                if (n == kPipeFull && gathered > 0 && handOver())
                    continue;
                if (n <= 0) {
                    closeConnection(c);
                    if (n == kSpliceTimedOut)
                        return timedOut();
                    if (n == kPipeFull)
                        return refused("the body");
                    return notHandled("the connection ended inside the body");
                }
                pos += n;
                gathered += n;
                if ((gathered == qint64(kStreamPiece) || pos == keepTo) && !handOver()) {
                    closeConnection(c);
                    return refused("the body");
                }
                continue;
            }
            // Kept bytes go straight into place; skipped ones through the head buffer.
            char *to;
            qint64 room;
            if (pos < keepFrom) {
                to = buffer.data();
                room = std::min<qint64>(buffer.size(), keepFrom - pos);
            } else if (streaming) {
                to = c.streamBuffer.data() + gathered;
                room = std::min<qint64>(c.streamBuffer.size() - gathered, keepTo - pos);
            } else {
                to = o.body.data() + (pos - keepFrom);
                room = keepTo - pos;
            }
            const ssize_t n = receive(c.fd, to, size_t(room), job.timeout, late);
            if (n <= 0) {
                closeConnection(c);
                if (late)
                    return timedOut();
                return notHandled("the connection ended inside the body");
            }
            if (!take(to, n)) {
                closeConnection(c);
                return refused("the body");
            }
        }
        // Reusable only when exactly the body was read and the server keeps it open.
        if (overrun || pos != length || head.closes || head.http10) {
            closeConnection(c);
        } else {
            c.reused = true;
            setLowWater(c.fd, c.lowWater, 1); // the next answer's head comes in small
        }
        return o;
    }
    return notHandled("the server closed the connection twice");
}

} // namespace loft::webdav
