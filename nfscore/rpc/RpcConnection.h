// One client TCP connection: reads records, hands calls to the dispatcher, writes
// replies as they complete (in any order; the XID pairs them). Limits the calls in
// flight and the reply bytes queued, and stops reading from the socket past them so
// TCP flow control slows a greedy client instead of growing memory.
#pragma once

#include "rpc/RpcCall.h"
#include "rpc/RpcRecordReader.h"

#include <QObject>
#include <QTcpSocket>

namespace loft::rpc {

class RpcDispatcher;

struct RpcConnectionLimits {
    qsizetype maxRecordSize = 4 * 1024 * 1024;      // a 1 MiB WRITE plus headroom
    int maxCallsInFlight = 128;
    qint64 maxQueuedReplyBytes = 32 * 1024 * 1024;
};

class RpcConnection : public QObject {
    Q_OBJECT
public:
    RpcConnection(QTcpSocket *socket, RpcDispatcher &dispatcher, RpcConnectionLimits limits,
                  QObject *parent = nullptr);
    ~RpcConnection() override;

    // Called by RpcReply: queue one record-marked reply on the socket.
    void sendRecord(QByteArray record);
    // Called by RpcReply when a call is answered (or abandoned).
    void callFinished();

    QString peer() const { return peer_; }
    int callsInFlight() const { return inFlight_; }

signals:
    void closed();

private:
    void onReadyRead();
    void processRecords();
    bool paused() const;
    void drop(const char *why);

    QTcpSocket *socket_;
    RpcDispatcher &dispatcher_;
    RpcConnectionLimits limits_;
    RpcRecordReader reader_;
    QString peer_;
    int inFlight_ = 0;
    bool closing_ = false;
};

} // namespace loft::rpc
