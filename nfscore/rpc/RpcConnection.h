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
#include <deque>

class QSocketNotifier;

namespace loft::rpc {

class RpcDispatcher;

struct RpcConnectionLimits {
    qsizetype maxRecordSize = 4 * 1024 * 1024; // a 1 MiB WRITE plus headroom
    int maxCallsInFlight = 128;
    qint64 maxQueuedReplyBytes = 32 * 1024 * 1024;
};

class RpcConnection : public QObject {
    Q_OBJECT
public:
    // Takes ownership of the connected socket `descriptor`.
    RpcConnection(qintptr descriptor, RpcDispatcher &dispatcher, RpcConnectionLimits limits,
                  QObject *parent = nullptr);
    ~RpcConnection() override;

    // Called by RpcReply: queue one reply record (record mark included in the first
    // chunk). Chunks are shared, not copied.
    void sendRecord(QList<QByteArray> chunks);
    // Called by RpcReply when a call is answered (or abandoned).
    void callFinished();

    QString peer() const { return peer_; }
    int callsInFlight() const { return inFlight_; }

signals:
    void closed();

private:
    void onReadable();
    void processRecords();
    void flush();
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
    std::deque<QByteArray> out_; // reply chunks not yet written
    qsizetype outOffset_ = 0;    // bytes of out_.front() already written
    qint64 queuedBytes_ = 0;
    bool flushScheduled_ = false;
    int inFlight_ = 0;
    bool closing_ = false;
};

} // namespace loft::rpc
