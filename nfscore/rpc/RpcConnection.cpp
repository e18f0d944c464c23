#include "rpc/RpcConnection.h"
#include "rpc/RpcDispatcher.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRpc)

namespace loft::rpc {

RpcConnection::RpcConnection(QTcpSocket *socket, RpcDispatcher &dispatcher,
                             RpcConnectionLimits limits, QObject *parent)
    : QObject(parent), socket_(socket), dispatcher_(dispatcher), limits_(limits),
      reader_(limits.maxRecordSize)
{
    socket_->setParent(this);
    socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // Let the kernel hold what we are not ready to read, so TCP slows the client.
    socket_->setReadBufferSize(limits_.maxRecordSize);
    peer_ = socket_->peerAddress().toString() + ':' + QString::number(socket_->peerPort());
    connect(socket_, &QTcpSocket::readyRead, this, &RpcConnection::onReadyRead);
    connect(socket_, &QTcpSocket::bytesWritten, this, [this] {
        if (!paused())
            onReadyRead();
    });
    connect(socket_, &QTcpSocket::disconnected, this, [this] { drop("client disconnected"); });
    connect(socket_, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcRpc) << peer_ << "socket error" << socket_->errorString();
        drop("socket error");
    });
    qCDebug(lcRpc) << "connection from" << peer_;
}

RpcConnection::~RpcConnection() = default;

bool RpcConnection::paused() const
{
    return inFlight_ >= limits_.maxCallsInFlight
        || socket_->bytesToWrite() >= limits_.maxQueuedReplyBytes;
}

void RpcConnection::onReadyRead()
{
    if (closing_)
        return;
    processRecords();
    while (!closing_ && !paused() && socket_->bytesAvailable() > 0) {
        const QByteArray chunk = socket_->read(256 * 1024);
        if (chunk.isEmpty())
            break;
        reader_.feed(chunk);
        processRecords();
    }
}

void RpcConnection::processRecords()
{
    QByteArray record;
    while (!closing_ && !paused()) {
        switch (reader_.next(record)) {
        case RpcRecordReader::Status::NeedMore:
            return;
        case RpcRecordReader::Status::TooLarge:
            qCWarning(lcRpc) << peer_ << "sent a record over"
                             << limits_.maxRecordSize << "bytes; closing the connection";
            drop("record too large");
            return;
        case RpcRecordReader::Status::Record:
            ++inFlight_;
            dispatcher_.dispatch(std::move(record), this);
            record = QByteArray();
            break;
        }
    }
}

void RpcConnection::sendRecord(QByteArray record)
{
    if (closing_)
        return;
    socket_->write(record);
}

void RpcConnection::callFinished()
{
    --inFlight_;
    if (!closing_ && inFlight_ == limits_.maxCallsInFlight - 1)
        QMetaObject::invokeMethod(this, &RpcConnection::onReadyRead, Qt::QueuedConnection);
}

void RpcConnection::drop(const char *why)
{
    if (closing_)
        return;
    closing_ = true;
    qCDebug(lcRpc) << peer_ << "closed:" << why;
    socket_->abort();
    emit closed();
    deleteLater();
}

} // namespace loft::rpc
