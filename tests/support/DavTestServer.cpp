#include "DavTestServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTcpServer>
#include <QTcpSocket>

#include <unistd.h>

namespace loft::test {

DavTestServer::DavTestServer(QString name, QString user, QString password)
    : name_(std::move(name)), user_(std::move(user)), password_(std::move(password))
{
    dir_ = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/loft-dav-XXXXXX"));
    // Servers that drop privileges must be able to walk into it.
    QFile::setPermissions(dir_->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                           | QFile::ReadGroup | QFile::ExeGroup
                                           | QFile::ReadOther | QFile::ExeOther);
}

DavTestServer::~DavTestServer()
{
    stop();
}

quint16 DavTestServer::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool DavTestServer::launch(const QString &program, const QStringList &arguments,
                           const QProcessEnvironment &env)
{
    stop();
    if (port_ == 0)
        port_ = freePort();
    process_ = std::make_unique<QProcess>();
    process_->setProcessChannelMode(QProcess::MergedChannels);
    process_->setProcessEnvironment(env);
    // A small shell stands between: it stops the server when its stdin closes, which
    // happens on stop() and also when this test process dies however it dies, so no
    // server outlives its test (Apache drops privileges, so a parent-death signal
    // would not survive). Its own process group: a signal to the test's group (an e2e
    // driver stopping its server command) must not stop the store behind the test's back.
    process_->setChildProcessModifier([] { ::setpgid(0, 0); });
    process_->start(QStringLiteral("/bin/sh"),
                    QStringList{QStringLiteral("-c"),
                                QStringLiteral("\"$0\" \"$@\" <&- & pid=$!; "
                                               "while read -r _; do :; done; "
                                               "kill $pid 2>/dev/null; wait $pid"),
                                program}
                        + arguments);
    if (!process_->waitForStarted(10000)) {
        error_ = QStringLiteral("%1 did not start: %2").arg(program, process_->errorString());
        return false;
    }
    const QDeadlineTimer deadline(15000);
    while (!deadline.hasExpired()) {
        if (process_->state() != QProcess::Running) {
            processLog_ += process_->readAll();
            error_ = QStringLiteral("%1 exited at start (code %2): %3")
                         .arg(name_)
                         .arg(process_->exitCode())
                         .arg(QString::fromLocal8Bit(log()));
            return false;
        }
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, port_);
        if (probe.waitForConnected(200))
            return true;
        process_->waitForFinished(50); // also lets QProcess notice an early exit
    }
    processLog_ += process_->readAll();
    error_ = QStringLiteral("%1 did not open port %2: %3")
                 .arg(name_)
                 .arg(port_)
                 .arg(QString::fromLocal8Bit(log()));
    return false;
}

void DavTestServer::stop()
{
    if (!process_)
        return;
    if (process_->state() != QProcess::NotRunning) {
        process_->closeWriteChannel(); // the wrapper stops the server and waits for it
        if (!process_->waitForFinished(15000)) {
            process_->kill();
            process_->waitForFinished(5000);
        }
    }
    processLog_ += process_->readAll();
    process_.reset();
}

bool DavTestServer::running() const
{
    return process_ && process_->state() == QProcess::Running;
}

QByteArray DavTestServer::log() const
{
    QByteArray out = processLog_;
    if (process_)
        out += process_->peek(1 << 20);
    return out;
}

void DavTestServer::chownForServer(const QString &) const {}

bool DavTestServer::makeSelfSignedCertificate(const QString &certFile, const QString &keyFile)
{
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                   QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                   QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                   QStringLiteral("-keyout"), keyFile, QStringLiteral("-out"), certFile});
    if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
        error_ = QStringLiteral("openssl req failed: %1").arg(QString::fromLocal8Bit(openssl.readAll()));
        return false;
    }
    return true;
}

bool DavTestServer::makeDir(const QString &relative) const
{
    const QString path = root_ + QLatin1Char('/') + relative;
    if (!QDir().mkpath(path))
        return false;
    chownForServer(path);
    return true;
}

bool DavTestServer::writeFile(const QString &relative, const QByteArray &data) const
{
    const QString path = root_ + QLatin1Char('/') + relative;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size())
        return false;
    f.close();
    chownForServer(path);
    return true;
}

QByteArray DavTestServer::readFile(const QString &relative) const
{
    QFile f(root_ + QLatin1Char('/') + relative);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

bool DavTestServer::exists(const QString &relative) const
{
    return QFileInfo::exists(root_ + QLatin1Char('/') + relative);
}

QStringList DavTestServer::list(const QString &relative) const
{
    QStringList names = QDir(root_ + QLatin1Char('/') + relative)
                            .entryList(QDir::AllEntries | QDir::Hidden | QDir::System
                                           | QDir::NoDotAndDotDot,
                                       QDir::Name);
    names.removeAll(QStringLiteral(".DAV"));
    return names;
}

} // namespace loft::test
