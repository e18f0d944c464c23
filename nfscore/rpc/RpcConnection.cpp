#include "rpc/RpcConnection.h"
#include "rpc/RpcDispatcher.h"

#include "FileSystem.h"

#include <QLoggingCategory>
#include <QSocketNotifier>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcRpc)

namespace loft::rpc {

namespace {
constexpr qsizetype kReadChunk = 256 * 1024;
constexpr int kMaxIov = 64;
thread_local RpcConnection::ReplyBatch *currentBatch = nullptr;

QString peerName(int fd)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
        return QStringLiteral("unknown peer");
    char host[INET6_ADDRSTRLEN] = {};
    quint16 port = 0;
    if (ss.ss_family == AF_INET) {
        auto *in = reinterpret_cast<sockaddr_in *>(&ss);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&ss);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    return QString::fromLatin1(host) + ':' + QString::number(port);
}
} // namespace

RpcConnection::ReplyBatch::ReplyBatch() : outer_(currentBatch)
{
    currentBatch = this;
}

RpcConnection::ReplyBatch::~ReplyBatch()
{
    while (!deferred_.empty()) { // deferred work may defer more
        auto work = std::move(deferred_);
        deferred_.clear();
        for (auto &f : work)
            f();
    }
    currentBatch = outer_;
    for (const QPointer<RpcConnection> &c : waiting_) {
        if (c)
            c->flush();
    }
}

RpcConnection::ReplyBatch *RpcConnection::ReplyBatch::current()
{
    return currentBatch;
}

void RpcConnection::ReplyBatch::defer(std::function<void()> work)
{
    deferred_.push_back(std::move(work));
}

RpcConnection::RpcConnection(qintptr descriptor, RpcDispatcher &dispatcher,
                             RpcConnectionLimits limits, QObject *parent)
    : QObject(parent), fd_(int(descriptor)), dispatcher_(dispatcher), limits_(limits),
      reader_(limits.maxRecordSize)
{
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    // Writing to a connection the client already closed must not raise SIGPIPE (which
    // would kill the whole server); where send flags cannot say so, the socket does.
    ::setsockopt(fd_, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    peer_ = peerName(fd_);
    readNotifier_ = new QSocketNotifier(fd_, QSocketNotifier::Read, this);
    writeNotifier_ = new QSocketNotifier(fd_, QSocketNotifier::Write, this);
    writeNotifier_->setEnabled(false);
    connect(readNotifier_, &QSocketNotifier::activated, this, &RpcConnection::onReadable);
    connect(writeNotifier_, &QSocketNotifier::activated, this, &RpcConnection::flush);
    qCDebug(lcRpc) << "connection from" << peer_;
}

RpcConnection::~RpcConnection()
{
    delete readNotifier_;
    delete writeNotifier_;
    if (fd_ >= 0)
        ::close(fd_);
}

bool RpcConnection::paused() const
{
    return inFlight_ >= limits_.maxCallsInFlight || queuedBytes_ >= limits_.maxQueuedReplyBytes;
}

void RpcConnection::updateReading()
{
    if (!closing_)
        readNotifier_->setEnabled(!paused());
}

void RpcConnection::onReadable()
{
    // After the replies of a pass have left and no call is pending, the client's next call
    // usually follows within microseconds: wait for it briefly here (polling the socket)
    // instead of going to sleep in the event loop, whose wake-up costs more than that at
    // one call in flight. Only while this is the server's one connection, and bounded in
    // passes, so other clients and timers are never held up for long.
    for (int pass = 0; pass < 64; ++pass) {
        {
            ReplyBatch batch; // replies answered inline leave together when this ends
            if (!readAvailable())
                return;
        }
        if (closing_ || paused() || inFlight_ != 0 || limits_.busyPollMicros <= 0
            || !openConnections_ || *openConnections_ != 1
            || !awaitCall(std::chrono::microseconds(limits_.busyPollMicros)))
            break;
    }
    updateReading();
}

bool RpcConnection::awaitCall(std::chrono::microseconds within)
{
    const auto deadline = std::chrono::steady_clock::now() + within;
    do {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0)
            return true;
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
}

// Reads what is there now; false when the connection was dropped.
bool RpcConnection::readAvailable()
{
    if (closing_)
        return false;
    char buffer[kReadChunk];
    // Read what is there now (bounded, so one busy client cannot starve the others).
    for (int round = 0; round < 8 && !closing_ && !paused(); ++round) {
        // A large fragment (WRITE data) is read straight into its record; the rest
        // through the small buffer.
        auto [target, wanted] = reader_.directSpace();
        const bool direct = target != nullptr;
        if (!direct) {
            target = buffer;
            wanted = sizeof buffer;
        }
        const ssize_t n = ::read(fd_, target, size_t(wanted));
        if (n > 0) {
            if (direct)
                reader_.directFilled(n);
            else
                reader_.feed(buffer, n);
            processRecords();
            if (n < wanted)
                break;
        } else if (n == 0) {
            drop("client closed the connection");
            return false;
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            qCDebug(lcRpc) << peer_ << "read error" << strerror(errno);
            drop("read error");
            return false;
        }
    }
    return true;
}

void RpcConnection::processRecords()
{
    QByteArray record;
    bool needMore = false;
    while (!closing_ && !paused() && !needMore) {
        switch (reader_.next(record)) {
        case RpcRecordReader::Status::NeedMore:
            needMore = true;
            break;
        case RpcRecordReader::Status::TooLarge:
            qCWarning(lcRpc) << peer_ << "sent a record over" << limits_.maxRecordSize
                             << "bytes; closing the connection";
            drop("record too large");
            return;
        case RpcRecordReader::Status::Record: {
            // Tells the provider whether this call is alone (FsCallerQueue): nothing of
            // this client in flight and no further record already buffered.
            FsCallerQueue::Scope queue(inFlight_ > 0 || reader_.buffered() > 0);
            ++inFlight_;
            dispatcher_.dispatch(std::move(record), this);
        }
            record = QByteArray();
            break;
        }
    }
    // Reading follows the limits both ways: off once they are reached here, on again
    // when they were left while records waited in the buffer.
    updateReading();
}

void RpcConnection::sendRecord(QList<XdrChunk> chunks)
{
    if (closing_)
        return;
    for (XdrChunk &c : chunks) {
        if (c.size() == 0)
            continue; // a zero-length iovec would never be consumed
        queuedBytes_ += c.size();
        out_.push_back(std::move(c));
    }
    // Replies finished in the same batch or event-loop pass leave together in one send.
    if (!flushScheduled_) {
        flushScheduled_ = true;
        if (currentBatch)
            currentBatch->waiting_.emplace_back(this);
        else
            QMetaObject::invokeMethod(this, &RpcConnection::flush, Qt::QueuedConnection);
    }
}

// Writes the in-memory chunks at the front of out_ (up to the first external one) in one
// send; an external chunk at the front writes itself. Bytes written, or -1 with errno.
ssize_t RpcConnection::sendFront()
{
    const XdrChunk &front = out_.front();
    if (front.external)
        return front.external->sendTo(fd_, uint32_t(outOffset_));
    iovec iov[kMaxIov];
    int n = 0;
    bool moreFollows = false;
    for (auto it = out_.begin(); it != out_.end() && n < kMaxIov; ++it, ++n) {
        if (it->external) {
            moreFollows = true; // the header of a file region: let TCP pack them together
            break;
        }
        const qsizetype skip = n == 0 ? outOffset_ : 0;
        iov[n].iov_base = const_cast<char *>(it->bytes.constData()) + skip;
        iov[n].iov_len = size_t(it->bytes.size() - skip);
    }
#ifdef MSG_NOSIGNAL
    // writev(2) would raise SIGPIPE on a connection the client has closed, killing
    // the server; sendmsg with MSG_NOSIGNAL reports EPIPE instead.
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = decltype(msg.msg_iovlen)(n);
    return ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (moreFollows ? MSG_MORE : 0));
#else
    (void)moreFollows;
    return ::writev(fd_, iov, n); // SO_NOSIGPIPE is set on the socket
#endif
}

void RpcConnection::flush()
{
    flushScheduled_ = false;
    if (closing_)
        return;
    while (!out_.empty()) {
        ssize_t written = sendFront();
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                writeNotifier_->setEnabled(true); // resume when the kernel has room
                return;
            }
            qCDebug(lcRpc) << peer_ << "write error" << strerror(errno);
            drop("write error");
            return;
        }
        queuedBytes_ -= written;
        while (written > 0) {
            const qsizetype left = out_.front().size() - outOffset_;
            if (written >= left) {
                written -= left;
                out_.pop_front();
                outOffset_ = 0;
            } else {
                outOffset_ += written;
                written = 0;
            }
        }
    }
    writeNotifier_->setEnabled(false);
    if (!paused())
        processRecords(); // records already buffered while we were paused; resumes reading
}

void RpcConnection::callFinished()
{
    --inFlight_;
    if (!closing_ && inFlight_ == limits_.maxCallsInFlight - 1) {
        updateReading();
        QMetaObject::invokeMethod(this, &RpcConnection::processRecords, Qt::QueuedConnection);
    }
}

void RpcConnection::drop(const char *why)
{
    if (closing_)
        return;
    closing_ = true;
    qCDebug(lcRpc) << peer_ << "closed:" << why;
    readNotifier_->setEnabled(false);
    writeNotifier_->setEnabled(false);
    ::shutdown(fd_, SHUT_RDWR);
    out_.clear();
    emit closed();
    deleteLater();
}

} // namespace loft::rpc
