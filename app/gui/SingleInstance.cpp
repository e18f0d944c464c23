#include "gui/SingleInstance.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace loft {

namespace {
constexpr qint64 kMaxLine = 1 << 20;

QByteArray encode(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}
} // namespace

SingleInstance::SingleInstance(const QString &name, QObject *parent)
    : QObject(parent), name_(name.isEmpty() ? defaultName() : name)
{
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::defaultName()
{
    const QString forced = qEnvironmentVariable("LOFT_INSTANCE_SOCKET");
    if (!forced.isEmpty())
        return forced;
#ifdef Q_OS_WIN
    return QStringLiteral("loft-") + qEnvironmentVariable("USERNAME");
#else
    // The runtime directory is the user's own (0700); the socket is 0700 as well.
    QString dir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (dir.isEmpty() || !QFileInfo(dir).isWritable())
        dir = QDir::tempPath();
    return dir + QStringLiteral("/loft-%1.sock").arg(::getuid());
#endif
}

bool SingleInstance::listen(QString *error)
{
    QJsonObject answer;
    QString ignored;
    if (send(name_, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}}, &answer, &ignored, 2000)) {
        *error = QCoreApplication::translate("SingleInstance", "Loft is already running.");
        return false;
    }
    QLocalServer::removeServer(name_); // a socket file left by a crash
    server_ = new QLocalServer(this);
    server_->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server_->listen(name_)) {
        *error = QCoreApplication::translate("SingleInstance", "Cannot listen on %1: %2")
                     .arg(name_, server_->errorString());
        return false;
    }
    connect(server_, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = server_->nextPendingConnection()) {
            connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QLocalSocket::readyRead, socket, [this, socket] {
                if (!socket->canReadLine()) {
                    if (socket->bytesAvailable() > kMaxLine)
                        socket->abort();
                    return;
                }
                const QJsonObject request = QJsonDocument::fromJson(socket->readLine(kMaxLine)).object();
                QPointer<QLocalSocket> guard(socket);
                Reply reply = [guard](const QJsonObject &answer) {
                    if (guard) {
                        guard->write(encode(answer));
                        guard->flush();
                    }
                };
                if (request.value(QStringLiteral("cmd")).toString() == QLatin1String("ping"))
                    reply({{QStringLiteral("ok"), true}});
                else if (handler_)
                    handler_(request, reply);
                else
                    reply({{QStringLiteral("ok"), false}, {QStringLiteral("message"), QStringLiteral("not ready")}});
            });
        }
    });
    return true;
}

bool SingleInstance::send(const QString &name, const QJsonObject &request, QJsonObject *answer,
                          QString *error, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(name);
    if (!socket.waitForConnected(std::min(timeoutMs, 3000))) {
        *error = socket.errorString();
        return false;
    }
    socket.write(encode(request));
    if (!socket.waitForBytesWritten(3000)) {
        *error = socket.errorString();
        return false;
    }
    QByteArray line;
    while (!line.endsWith('\n')) {
        if (!socket.waitForReadyRead(timeoutMs)) {
            *error = socket.errorString();
            return false;
        }
        line += socket.readAll();
        if (line.size() > kMaxLine)
            return false;
    }
    *answer = QJsonDocument::fromJson(line).object();
    return true;
}

} // namespace loft
