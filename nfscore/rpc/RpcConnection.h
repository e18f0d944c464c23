// One client TCP connection: reads records, hands calls to the dispatcher, writes
// replies as they complete (in any order; the XID pairs them).
//
// It works on the socket descriptor directly (non-blocking, QSocketNotifier) rather
// than through QTcpSocket, so replies can leave with one writev(2) per batch and large
// READ payloads go from the provider's buffer to the kernel without another copy.
// Limits the calls in flight and the reply bytes queued, and stops reading from the
// socket past them so TCP flow control slows a greedy client instead of growing memory.
#pragma once

#include "rpc/RpcCall.h"
#include "rpc/RpcRecordReader.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <chrono>
#include <deque>
#include <functional>
#include <vector>

class QSocketNotifier;

namespace loft::rpc {

class RpcDispatcher;

struct RpcConnectionLimits {
    qsizetype maxRecordSize = 4 * 1024 * 1024; // a 1 MiB WRITE plus headroom
    int maxCallsInFlight = 128;
    qint64 maxQueuedReplyBytes = 32 * 1024 * 1024;
    // How long a connection with no call pending polls for the next one before sleeping
    // in the event loop (0: never). See RpcConnection::onReadable.
    int busyPollMicros = 50;
};

class RpcConnection : public QObject {
    Q_OBJECT
public:
    // Takes ownership of the connected socket `descriptor`.
    RpcConnection(qintptr descriptor, RpcDispatcher &dispatcher, RpcConnectionLimits limits,
                  QObject *parent = nullptr);
    ~RpcConnection() override;

    // While one lives on the server thread, replies queued meanwhile wait for its end and
    // then leave with one send per connection, instead of each connection scheduling a
    // flush through the event loop (an eventfd write, a poll and a read per call when one
    // call is in flight). Scoped around reading a socket and draining completions.
    class ReplyBatch {
    public:
        ReplyBatch();
        ~ReplyBatch();
        ReplyBatch(const ReplyBatch &) = delete;
        ReplyBatch &operator=(const ReplyBatch &) = delete;

        // The innermost batch alive on this thread, or nullptr.
        static ReplyBatch *current();
        // Runs `work` when the batch ends, before its replies leave: how completions that
        // a provider answered inline reach the server thread without a trip through the
        // event loop (see ThreadMailbox::post).
        void defer(std::function<void()> work);

    private:
        friend class RpcConnection;
        ReplyBatch *outer_;
        std::vector<std::function<void()>> deferred_;
        std::vector<QPointer<RpcConnection>> waiting_;
    };

    // Called by RpcReply: queue one reply record (record mark included in the first
    // chunk). Chunks are shared, not copied.
    void sendRecord(QList<XdrChunk> chunks);
    // Called by RpcReply when a call is answered (or abandoned).
    void callFinished();

    // The server's count of open connections: busy polling (limits.busyPollMicros) only
    // while this one is the only one, so it never holds up another client's calls.
    void setOpenConnectionCounter(const int *counter) { openConnections_ = counter; }

    QString peer() const { return peer_; }
    int callsInFlight() const { return inFlight_; }

signals:
    void closed();

private:
    void onReadable();
    bool readAvailable();
    bool awaitCall(std::chrono::microseconds within);
    void processRecords();
    void flush();
    ssize_t sendFront();
    bool paused() const;
    void updateReading();
    void drop(const char *why);

    int fd_;
    QSocketNotifier *readNotifier_ = nullptr;
    QSocketNotifier *writeNotifier_ = nullptr;
    RpcDispatcher &dispatcher_;
    RpcConnectionLimits limits_;
    RpcRecordReader reader_;
    QString peer_;
    std::deque<XdrChunk> out_;   // reply chunks not yet written
    qsizetype outOffset_ = 0;    // bytes of out_.front() already written
    qint64 queuedBytes_ = 0;
    bool flushScheduled_ = false;
    int inFlight_ = 0;
    const int *openConnections_ = nullptr;
    bool closing_ = false;
};

} // namespace loft::rpc
