#include "RcloneDavServer.h"

#include <QDir>
#include <QFile>
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
                   QStringLiteral("--log-level"), QStringLiteral("NOTICE")},
                  env);
}

} // namespace loft::test
