// The server: one TCP port on loopback carrying portmapper, MOUNT and NFSv3.
// A QObject that lives on its own thread (see NfsServerThread); its QTcpServer and
// every connection are created there, and provider completions are queued back to it.
#pragma once

#include "nfs/NfsExport.h"
#include "rpc/RpcConnection.h"
#include "rpc/RpcDispatcher.h"
#include "server/RpcTcpServer.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <memory>

namespace loft {

class PortmapProgram;
class MountProgram;
class NfsProgram;

struct NfsServerConfig {
    QHostAddress address = QHostAddress::LocalHost; // never a wildcard address
    quint16 port = 0;                               // 0: any free port
    rpc::RpcConnectionLimits limits;
    int maxConnections = 256;       // more are closed at once, with a (rate-limited) log line
    QSet<uint32_t> allowedUids;     // AUTH_SYS uids answered besides root; empty: any
};

class NfsServer : public QObject {
    Q_OBJECT
public:
    NfsServer(NfsServerConfig config, NfsExportConfig exportConfig);
    ~NfsServer() override;

    quint16 port() const { return port_; }
    int connectionCount() const { return connections_; }

public slots:
    // Both run on the server thread.
    void start();
    void stop();

signals:
    void listening(quint16 port);
    void failed(const QString &error);

private:
    void onNewConnection(qintptr descriptor);
    void noteRefusal(int *counter);
    void logRefusals();

    NfsServerConfig config_;
    NfsExportConfig exportConfig_;
    std::unique_ptr<NfsExport> export_;
    rpc::RpcDispatcher dispatcher_;
    std::unique_ptr<PortmapProgram> portmap_;
    std::unique_ptr<MountProgram> mount_;
    std::unique_ptr<NfsProgram> nfs_;
    RpcTcpServer *tcp_ = nullptr;
    quint16 port_ = 0;
    int connections_ = 0;
    // Connections refused since the last log line about them (over --max-connections,
    // or the process out of descriptors).
    int refusedSinceLog_ = 0;
    int refusedNoFdSinceLog_ = 0;
    bool refusalLogScheduled_ = false;
};

// Runs an NfsServer on a dedicated QThread.
class NfsServerThread {
public:
    NfsServerThread();
    ~NfsServerThread();

    // Blocks until the server listens (true) or failed to (false, with `error`).
    bool start(NfsServerConfig config, NfsExportConfig exportConfig, QString *error);
    // Closes the port and the connections and ends the thread. Blocks.
    void stop();
    quint16 port() const { return port_; }

private:
    std::unique_ptr<QThread> thread_;
    NfsServer *server_ = nullptr;
    quint16 port_ = 0;
};

} // namespace loft
