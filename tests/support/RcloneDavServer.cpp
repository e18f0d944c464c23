#include "RcloneDavServer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QStandardPaths>

namespace loft::test {

RcloneDavServer::RcloneDavServer(const Options &options)
    : DavTestServer(QStringLiteral("rclone"), options.user, options.password),
      dirCacheTime_(options.dirCacheTime), tls_(options.tls)
{
    if (tls_)
        name_ = QStringLiteral("rclone-tls");
    root_ = options.root.isEmpty() ? dir_->path() + QStringLiteral("/root") : options.root;
    QDir().mkpath(root_);
}

bool RcloneDavServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("rclone")).isEmpty();
}

QUrl RcloneDavServer::url() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2/dav/")
                    .arg(tls_ ? QStringLiteral("https") : QStringLiteral("http"))
                    .arg(port_));
}

QString RcloneDavServer::logFile() const
{
    return dir_->path() + QStringLiteral("/rclone.log");
}

QString RcloneDavServer::certificateFile() const
{
    return dir_->path() + QStringLiteral("/server.crt");
}

QByteArray RcloneDavServer::log() const
{
    QByteArray out = DavTestServer::log();
    QFile f(logFile());
    if (f.open(QIODevice::ReadOnly))
        out += "\n--- rclone.log ---\n" + f.readAll();
    return out;
}

QStringList RcloneDavServer::accessLog() const
{
    static const QRegularExpression request(
        QStringLiteral(R"(INFO  : (.*): ([A-Z]+) from \S+$)"));
    // A wrong password (no line for a request without credentials).
    static const QRegularExpression refused(
        QStringLiteral(R"(INFO  : (.*): \S+: Unauthorized request from )"));
    QFile f(logFile());
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QRegularExpressionMatch m = request.match(QString::fromUtf8(line));
        if (m.hasMatch()) {
            lines << m.captured(2) + QLatin1Char(' ') + m.captured(1);
            continue;
        }
        const QRegularExpressionMatch r = refused.match(QString::fromUtf8(line));
        if (r.hasMatch())
            lines << QStringLiteral("? ") + r.captured(1) + QStringLiteral(" 401");
    }
    return lines;
}

bool RcloneDavServer::start()
{
    if (!available()) {
        error_ = QStringLiteral("rclone is not installed (apt-get install rclone)");
        return false;
    }
    if (port_ == 0)
        port_ = freePort();
    const QString config = dir_->path() + QStringLiteral("/rclone.conf");
    QFile(config).open(QIODevice::WriteOnly | QIODevice::Append); // empty, private config
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("RCLONE_CONFIG"), config);
    QStringList tlsArgs;
    if (tls_) {
        const QString key = dir_->path() + QStringLiteral("/server.key");
        if (!QFileInfo::exists(certificateFile()) && !makeSelfSignedCertificate(certificateFile(), key))
            return false;
        tlsArgs = {QStringLiteral("--cert"), certificateFile(), QStringLiteral("--key"), key};
    }
    return launch(QStandardPaths::findExecutable(QStringLiteral("rclone")),
                  QStringList{QStringLiteral("serve"), QStringLiteral("webdav"), root_,
                   QStringLiteral("--addr"), QStringLiteral("127.0.0.1:%1").arg(port_),
                   QStringLiteral("--baseurl"), QStringLiteral("/dav"),
                   QStringLiteral("--user"), user_, QStringLiteral("--pass"), password_,
                   QStringLiteral("--dir-cache-time"), dirCacheTime_,
                   QStringLiteral("--poll-interval"), QStringLiteral("0"),
                   QStringLiteral("--log-level"), QStringLiteral("INFO"),
                   QStringLiteral("--log-file"), logFile()}
                      + tlsArgs,
                  env);
}

} // namespace loft::test
