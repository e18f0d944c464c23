#include "RcloneDavServer.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>

namespace loft::test {

RcloneDavServer::RcloneDavServer(const Options &options)
    : DavTestServer(QStringLiteral("rclone"), options.user, options.password),
      dirCacheTime_(options.dirCacheTime)
{
    root_ = options.root.isEmpty() ? dir_->path() + QStringLiteral("/root") : options.root;
    QDir().mkpath(root_);
}

bool RcloneDavServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("rclone")).isEmpty();
}

QUrl RcloneDavServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/dav/").arg(port_));
}

QString RcloneDavServer::logFile() const
{
    return dir_->path() + QStringLiteral("/rclone.log");
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
    QFile f(logFile());
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QStringList lines;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QRegularExpressionMatch m = request.match(QString::fromUtf8(line));
        if (m.hasMatch())
            lines << m.captured(2) + QLatin1Char(' ') + m.captured(1);
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
    return launch(QStandardPaths::findExecutable(QStringLiteral("rclone")),
                  {QStringLiteral("serve"), QStringLiteral("webdav"), root_,
                   QStringLiteral("--addr"), QStringLiteral("127.0.0.1:%1").arg(port_),
                   QStringLiteral("--baseurl"), QStringLiteral("/dav"),
                   QStringLiteral("--user"), user_, QStringLiteral("--pass"), password_,
                   QStringLiteral("--dir-cache-time"), dirCacheTime_,
                   QStringLiteral("--poll-interval"), QStringLiteral("0"),
                   QStringLiteral("--log-level"), QStringLiteral("INFO"),
                   QStringLiteral("--log-file"), logFile()},
                  env);
}

} // namespace loft::test
