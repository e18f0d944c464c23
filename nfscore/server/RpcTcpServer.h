// The listening socket. QTcpServer binds and listens; accepting is done here, because
// QTcpServer retries accept(2) in a busy loop while the process is out of descriptors
// (EMFILE). Here a connection that cannot be given a descriptor is refused cleanly (a
// reserved descriptor is spent to accept and close it), so the client sees a close
// instead of hanging in the backlog, and accepting goes on once descriptors free up.
#pragma once

#include <QTcpServer>

class QSocketNotifier;
class QTimer;

namespace loft {

class RpcTcpServer : public QTcpServer {
    Q_OBJECT
public:
    explicit RpcTcpServer(QObject *parent = nullptr);
    ~RpcTcpServer() override;

    // Binds and listens with a backlog for bursts of connections; false with
    // errorString() when it cannot.
    bool start(const QHostAddress &address, quint16 port);
    // Stops accepting and closes the socket (use this, not close(): the notifier goes
    // first, so the event loop never polls a closed descriptor).
    void stop();

signals:
    void accepted(qintptr descriptor);
    // A connection was closed unserved because the process is out of descriptors.
    void refusedForLackOfDescriptors();

private:
    void acceptPending();
    void refuseOne();

    QSocketNotifier *notifier_ = nullptr;
    QTimer *retry_ = nullptr;
    int spare_ = -1; // reserved descriptor, spent to refuse one connection at a time
};

} // namespace loft
