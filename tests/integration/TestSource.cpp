#include "TestSource.h"

#include "ApacheDavServer.h"
#include "RcloneDavServer.h"
#include "SshdServer.h"
#include "TestFolder.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QThread>

#include <cstdio>
#include <cstdlib>

namespace loft::test {

namespace {
constexpr int kSettleMs = 20'000;
// Short enough for the tests, long enough that a file being written is uploaded once.
constexpr auto kUploadDelay = "0.2";
} // namespace

TestSource::TestSource() : kind_(kindFromEnvironment()) {}

TestSource::~TestSource() = default;

TestSource::Kind TestSource::kindFromEnvironment()
{
    const QString value = qEnvironmentVariable("LOFT_TEST_SOURCE");
    if (value.isEmpty() || value == QLatin1String("local"))
        return Kind::Local;
    if (value == QLatin1String("webdav"))
        return Kind::WebDav;
    if (value == QLatin1String("rclone"))
        return Kind::Rclone;
    if (value == QLatin1String("sftp"))
        return Kind::Sftp;
    std::fprintf(stderr, "LOFT_TEST_SOURCE=%s: use local, webdav, rclone or sftp\n",
                 qPrintable(value));
    std::exit(2);
}

QString TestSource::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Local:
        return QStringLiteral("local");
    case Kind::WebDav:
        return QStringLiteral("webdav");
    case Kind::Rclone:
        return QStringLiteral("rclone");
    case Kind::Sftp:
        return QStringLiteral("sftp");
    }
    return {};
}

bool TestSource::has(Feature feature) const
{
    switch (kind_) {
    case Kind::Local:
        return true;
    case Kind::Sftp:
        switch (feature) {
        case Feature::PosixModes:
        case Feature::Owners:
        case Feature::SetTimes:
        case Feature::Symlinks:
        case Feature::HardLinks: // hardlink@openssh.com
        case Feature::DiskStatvfs: // statvfs@openssh.com
            return true;
        case Feature::NanosecondTimes:
        case Feature::SpecialFiles:
        case Feature::ChangeTime:     // SFTP v3 has no ctime
        case Feature::ObjectIdentity: // nor inode numbers
        case Feature::LinkCounts:     // nor link counts
            return false;
        }
        return false;
    case Kind::WebDav:
    case Kind::Rclone:
        return false; // files and folders with sizes and modification times, nothing more
    }
    return false;
}

bool TestSource::start(QString *error)
{
    work_ = std::make_unique<QTemporaryDir>();
    if (!work_->isValid()) {
        *error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    switch (kind_) {
    case Kind::Local:
        localDir_ = std::make_unique<QTemporaryDir>();
        if (!localDir_->isValid()) {
            *error = QStringLiteral("cannot create a temporary folder");
            return false;
        }
        root_ = localDir_->path();
        return true;
    case Kind::WebDav:
    case Kind::Rclone:
        if (kind_ == Kind::WebDav ? !ApacheDavServer::available() : !RcloneDavServer::available()) {
            *error = QStringLiteral("%1 is not installed (scripts/install-deps.sh installs it)")
                         .arg(kind_ == Kind::WebDav ? QStringLiteral("Apache httpd with mod_dav")
                                                    : QStringLiteral("rclone"));
            return false;
        }
        if (kind_ == Kind::WebDav)
            dav_ = std::make_unique<ApacheDavServer>();
        else
            dav_ = std::make_unique<RcloneDavServer>();
        if (!dav_->start()) {
            *error = QStringLiteral("%1 did not start: %2\n%3")
                         .arg(dav_->name(), dav_->errorString(), QString::fromLocal8Bit(dav_->log()));
            return false;
        }
        // A folder of its own below /dav/ (Apache's also holds the server's norange/).
        if (!dav_->makeDir(QStringLiteral("served"))) {
            *error = QStringLiteral("cannot create the served folder below %1").arg(dav_->root());
            return false;
        }
        root_ = dav_->root() + QStringLiteral("/served");
        return true;
    case Kind::Sftp:
        if (!SshdServer::available(error))
            return false;
        sshd_ = std::make_unique<SshdServer>();
        if (!sshd_->start(error))
            return false;
        root_ = sshd_->dataDir();
        return true;
    }
    return false;
}

bool TestSource::startServer(LoftServerProcess &server, LoftServeOptions options,
                             const QString &instance) const
{
    QString source = root_;
    const QString cacheDir = work_->path() + QStringLiteral("/cache") + instance;
    switch (kind_) {
    case Kind::Local:
        break;
    case Kind::WebDav:
    case Kind::Rclone:
        source = QStringLiteral("webdav://%1@127.0.0.1:%2/dav/served")
                     .arg(dav_->user())
                     .arg(dav_->port());
        options.extraArgs << QStringLiteral("--cache-dir") << cacheDir;
        if (!options.extraArgs.contains(QStringLiteral("--upload-delay")))
            options.extraArgs << QStringLiteral("--upload-delay") << QString::fromLatin1(kUploadDelay);
        options.extraEnv << QStringLiteral("LOFT_PASSWORD=") + dav_->password();
        break;
    case Kind::Sftp: {
        QString user = qEnvironmentVariable("USER");
        if (user.isEmpty())
            user = QStringLiteral("root");
        source = QStringLiteral("sftp://%1@127.0.0.1:%2%3").arg(user).arg(sshd_->port()).arg(root_);
        const QString knownHosts = work_->path() + QStringLiteral("/known_hosts");
        QFile kh(knownHosts);
        if (!kh.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        kh.write(sshd_->knownHostsLine() + '\n');
        kh.close();
        options.extraArgs << QStringLiteral("--cache-dir") << cacheDir
                               << QStringLiteral("--identity") << sshd_->clientKey()
                               << QStringLiteral("--known-hosts") << knownHosts;
        // Only the key given: an agent of the developer running the test stays out of it.
        options.extraEnv << QStringLiteral("SSH_AUTH_SOCK=");
        break;
    }
    }
    return server.start(source, options);
}

bool TestSource::writeFile(const QString &relative, const QByteArray &data) const
{
    if (dav_) {
        const qsizetype slash = relative.lastIndexOf(QLatin1Char('/'));
        if (slash > 0 && !makeDir(relative.left(slash)))
            return false;
        return dav_->writeFile(QStringLiteral("served/") + relative, data);
    }
    return loft::test::writeFile(disk(relative), data);
}

bool TestSource::makeDir(const QString &relative) const
{
    if (dav_) {
        // Every level the server's, so that it can write in each.
        QString path = QStringLiteral("served");
        for (const QString &part : relative.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
            path += QLatin1Char('/') + part;
            if (!dav_->makeDir(path))
                return false;
        }
        return true;
    }
    return QDir().mkpath(disk(relative));
}

bool TestSource::settle(const std::function<bool()> &done) const
{
    if (done())
        return true;
    if (kind_ == Kind::Local)
        return false;
    QDeadlineTimer deadline(kSettleMs);
    while (!deadline.hasExpired()) {
        QThread::msleep(20);
        if (done())
            return true;
    }
    return false;
}

QByteArray TestSource::settledRead(const QString &relative, const QByteArray &expected) const
{
    QByteArray last;
    settle([&] {
        last = readFile(disk(relative)).value_or(QByteArray());
        return last == expected;
    });
    return last;
}

bool TestSource::settledExists(const QString &relative, bool expected) const
{
    bool now = false;
    settle([&] {
        now = existsOnDisk(disk(relative));
        return now == expected;
    });
    return now;
}

} // namespace loft::test
