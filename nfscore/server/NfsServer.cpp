#include "server/NfsServer.h"

#include "mount/MountProgram.h"
#include "nfs/NfsProgram.h"
#include "portmap/PortmapProgram.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QThread>
#include <QTimer>

#include <csignal>
#include <pthread.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "loft.server", QtInfoMsg)

namespace loft {

NfsServer::NfsServer(NfsServerConfig config, NfsExportConfig exportConfig)
    : config_(std::move(config)), exportConfig_(std::move(exportConfig))
{
}

NfsServer::~NfsServer() = default;

void NfsServer::start()
{
    // splice(2) and sendfile(2) have no MSG_NOSIGNAL: a READ sent to a client that has
    // gone would raise SIGPIPE and end the process. Blocked on this (the server's) thread,
    // it stays pending.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    QString error;
    export_ = std::make_unique<NfsExport>(exportConfig_, this);
    if (!export_->open(&error)) {
        emit failed(error);
        return;
    }
    tcp_ = new RpcTcpServer(this);
    if (!tcp_->start(config_.address, config_.port)) {
        emit failed(QStringLiteral("cannot listen on %1:%2: %3")
                        .arg(config_.address.toString())
                        .arg(config_.port)
                        .arg(tcp_->errorString()));
        return;
    }
    port_ = tcp_->serverPort();
    portmap_ = std::make_unique<PortmapProgram>(port_);
    mount_ = std::make_unique<MountProgram>(*export_);
    nfs_ = std::make_unique<NfsProgram>(*export_);
    dispatcher_.addProgram(portmap_.get());
    dispatcher_.addProgram(mount_.get());
    dispatcher_.addProgram(nfs_.get());
    dispatcher_.setAccessPolicy({config_.allowedUids, {portmap_->number()}});
    connect(tcp_, &RpcTcpServer::accepted, this, &NfsServer::onNewConnection);
    connect(tcp_, &RpcTcpServer::refusedForLackOfDescriptors, this,
            [this] { noteRefusal(&refusedNoFdSinceLog_); });
    qCInfo(lcServer).noquote() << "serving on" << config_.address.toString() + ':'
                                   + QString::number(port_);
    emit listening(port_);
}

void NfsServer::onNewConnection(qintptr descriptor)
{
    if (connections_ >= config_.maxConnections) {
        ::close(int(descriptor));
        noteRefusal(&refusedSinceLog_);
        return;
    }
    ++connections_;
    auto *connection = new rpc::RpcConnection(descriptor, dispatcher_, config_.limits, this);
    connection->setOpenConnectionCounter(&connections_);
    connect(connection, &rpc::RpcConnection::closed, this, [this] { --connections_; });
}

void NfsServer::noteRefusal(int *counter)
{
    ++*counter;
    // One line per second at most: a flood of connections must not flood the log.
    if (refusalLogScheduled_)
        return;
    refusalLogScheduled_ = true;
    logRefusals();
    QTimer::singleShot(1000, this, [this] {
        refusalLogScheduled_ = false;
        if (refusedSinceLog_ + refusedNoFdSinceLog_ > 0)
            logRefusals();
    });
}

void NfsServer::logRefusals()
{
    if (refusedSinceLog_ > 0)
        qCWarning(lcServer).noquote()
            << QStringLiteral("refused %1 connection(s): already %2 open (--max-connections %3)")
                   .arg(refusedSinceLog_).arg(connections_).arg(config_.maxConnections);
    if (refusedNoFdSinceLog_ > 0)
        qCWarning(lcServer).noquote()
            << QStringLiteral("refused %1 connection(s): out of file descriptors with %2 open "
                              "(raise the open-files limit, ulimit -n, or lower --max-connections)")
                   .arg(refusedNoFdSinceLog_).arg(connections_);
    refusedSinceLog_ = 0;
    refusedNoFdSinceLog_ = 0;
}

void NfsServer::stop()
{
    if (tcp_)
        tcp_->stop();
    // Connections are children of this object and go with it; pending provider
    // completions find their connection gone and drop the reply.
    const auto children = findChildren<rpc::RpcConnection *>(Qt::FindDirectChildrenOnly);
    for (auto *c : children)
        delete c;
    if (export_)
        export_->close();
}

NfsServerThread::NfsServerThread() = default;

NfsServerThread::~NfsServerThread()
{
    stop();
}

bool NfsServerThread::start(NfsServerConfig config, NfsExportConfig exportConfig,
                            QString *error)
{
    thread_ = std::make_unique<QThread>();
    thread_->setObjectName(QStringLiteral("nfs-server"));
    server_ = new NfsServer(std::move(config), std::move(exportConfig));
    server_->moveToThread(thread_.get());
    QObject::connect(thread_.get(), &QThread::finished, server_, &QObject::deleteLater);
    thread_->start();

    bool ok = false;
    QEventLoop wait; // runs only in the caller's thread while the server starts
    QObject::connect(server_, &NfsServer::listening, &wait, [&](quint16 port) {
        ok = true;
        port_ = port;
        wait.quit();
    });
    QObject::connect(server_, &NfsServer::failed, &wait, [&](const QString &e) {
        *error = e;
        wait.quit();
    });
    QMetaObject::invokeMethod(server_, &NfsServer::start, Qt::QueuedConnection);
    wait.exec();
    if (!ok)
        stop();
    return ok;
}

void NfsServerThread::stop()
{
    if (!thread_)
        return;
    QMetaObject::invokeMethod(server_, &NfsServer::stop, Qt::BlockingQueuedConnection);
    thread_->quit();
    thread_->wait();
    thread_.reset();
    server_ = nullptr;
}

} // namespace loft
