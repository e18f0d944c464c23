#include "ApacheDavServer.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QThread>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

namespace loft::test {

namespace {

const char kApache[] = "/usr/sbin/apache2";
const char kModules[] = "/usr/lib/apache2/modules";
const char kRealm[] = "loft-test";

bool runAsWwwData()
{
    return ::geteuid() == 0 && ::getpwnam("www-data") != nullptr;
}

void chownTree(const QString &path)
{
    const struct passwd *pw = ::getpwnam("www-data");
    if (!pw)
        return;
    const QByteArray native = QFile::encodeName(path);
    if (::chown(native.constData(), pw->pw_uid, pw->pw_gid) != 0)
        qWarning("chown %s failed", native.constData());
}

bool writeText(const QString &path, const QByteArray &text)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
}

} // namespace

ApacheDavServer::ApacheDavServer(const Options &options)
    : DavTestServer(QStringLiteral("apache"), options.user, options.password), options_(options)
{
    if (options.tls)
        name_ = QStringLiteral("apache-tls");
    confDir_ = dir_->path() + QStringLiteral("/conf");
    root_ = options.root.isEmpty() ? dir_->path() + QStringLiteral("/www/dav") : options.root;
}

bool ApacheDavServer::available()
{
    return QFileInfo(QString::fromLatin1(kApache)).isExecutable()
        && QFileInfo::exists(QString::fromLatin1(kModules) + QStringLiteral("/mod_dav_fs.so"));
}

void ApacheDavServer::chownForServer(const QString &path) const
{
    if (runAsWwwData())
        chownTree(path);
}

QUrl ApacheDavServer::url() const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2/dav/")
                    .arg(options_.tls ? QStringLiteral("https") : QStringLiteral("http"))
                    .arg(port_));
}

QString ApacheDavServer::certificateFile() const
{
    return confDir_ + QStringLiteral("/server.crt");
}

bool ApacheDavServer::writeConfig()
{
    const QString base = dir_->path();
    for (const char *sub : {"conf", "run", "logs", "www", "www/dav", "www/dav/norange"}) {
        if (!QDir().mkpath(base + QLatin1Char('/') + QLatin1String(sub))) {
            error_ = QStringLiteral("cannot create %1").arg(base);
            return false;
        }
    }
    if (runAsWwwData()) {
        for (const char *sub : {"run", "www", "www/dav", "www/dav/norange"})
            chownTree(base + QLatin1Char('/') + QLatin1String(sub));
        if (!options_.root.isEmpty()) {
            QProcess chown; // the whole given tree, as files made before the start are there
            chown.start(QStringLiteral("chown"), {QStringLiteral("-R"),
                                                  QStringLiteral("www-data:www-data"), root_});
            if (!chown.waitForFinished(60000) || chown.exitCode() != 0) {
                error_ = QStringLiteral("chown -R www-data %1 failed").arg(root_);
                return false;
            }
        }
    }

    const QByteArray user = options_.user.toUtf8();
    const QByteArray password = options_.password.toUtf8();
    // {SHA} lines for Basic, MD5(user:realm:password) lines for Digest: the formats
    // htpasswd -s and htdigest write.
    const QByteArray sha = QCryptographicHash::hash(password, QCryptographicHash::Sha1).toBase64();
    const QByteArray ha1 = QCryptographicHash::hash(user + ':' + kRealm + ':' + password,
                                                    QCryptographicHash::Md5)
                               .toHex();
    if (!writeText(confDir_ + QStringLiteral("/htpasswd"), user + ":{SHA}" + sha + '\n')
        || !writeText(confDir_ + QStringLiteral("/htdigest"),
                      user + ':' + kRealm + ':' + ha1 + '\n')) {
        error_ = QStringLiteral("cannot write password files");
        return false;
    }

    if (options_.tls) {
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                       QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                       QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                       QStringLiteral("-keyout"), confDir_ + QStringLiteral("/server.key"),
                       QStringLiteral("-out"), certificateFile()});
        if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
            error_ = QStringLiteral("openssl req failed: %1")
                         .arg(QString::fromLocal8Bit(openssl.readAll()));
            return false;
        }
    }

    const QByteArray b = QFile::encodeName(base);
    const QByteArray m = kModules;
    QByteArray conf;
    conf += "# Generated by loft's ApacheDavServer test helper\n";
    conf += "ServerRoot \"" + b + "\"\n";
    conf += "ServerName 127.0.0.1\n";
    conf += "Listen 127.0.0.1:" + QByteArray::number(port_) + '\n';
    conf += "PidFile \"" + b + "/run/httpd.pid\"\n";
    conf += "DefaultRuntimeDir \"" + b + "/run\"\n";
    conf += "Mutex file:" + b + "/run default\n";
    conf += "ErrorLog \"" + b + "/logs/error.log\"\n";
    conf += "LogLevel warn\n";
    const char *modules[][2] = {
        {"mpm_event_module", "mod_mpm_event.so"},
        {"authn_core_module", "mod_authn_core.so"},
        {"authn_file_module", "mod_authn_file.so"},
        {"authz_core_module", "mod_authz_core.so"},
        {"authz_user_module", "mod_authz_user.so"},
        {"auth_basic_module", "mod_auth_basic.so"},
        {"auth_digest_module", "mod_auth_digest.so"},
        {"headers_module", "mod_headers.so"},
        {"alias_module", "mod_alias.so"},
        {"dav_module", "mod_dav.so"},
        {"dav_fs_module", "mod_dav_fs.so"},
    };
    for (const auto &mod : modules)
        conf += QByteArray("LoadModule ") + mod[0] + ' ' + m + '/' + mod[1] + '\n';
    if (options_.tls) {
        conf += "LoadModule socache_shmcb_module " + m + "/mod_socache_shmcb.so\n";
        conf += "LoadModule ssl_module " + m + "/mod_ssl.so\n";
        conf += "SSLEngine on\n";
        conf += "SSLCertificateFile \"" + QFile::encodeName(certificateFile()) + "\"\n";
        conf += "SSLCertificateKeyFile \"" + QFile::encodeName(confDir_) + "/server.key\"\n";
        conf += "SSLSessionCache none\n";
    }
    if (runAsWwwData())
        conf += "User www-data\nGroup www-data\n";
    conf += "LogFormat \"%m %U %>s\" loft\n";
    conf += "CustomLog \"" + b + "/logs/access.log\" loft\n";
    conf += "KeepAlive On\nMaxKeepAliveRequests 0\nKeepAliveTimeout 15\nTimeout 60\n";
    conf += "DavLockDB \"" + b + "/run/davlock\"\n";
    conf += "DocumentRoot \"" + b + "/www\"\n";
    conf += "<Directory />\n  AllowOverride None\n  Require all denied\n</Directory>\n";
    const QByteArray davDir = QFile::encodeName(root_);
    if (!options_.root.isEmpty())
        conf += "Alias /dav \"" + davDir + "\"\n";
    conf += "<Directory \"" + davDir + "\">\n";
    conf += "  Dav On\n  Options None\n";
    switch (options_.auth) {
    case Auth::None:
        conf += "  Require all granted\n";
        break;
    case Auth::Basic:
        conf += QByteArray("  AuthType Basic\n  AuthName \"") + kRealm + "\"\n";
        conf += "  AuthBasicProvider file\n";
        conf += "  AuthUserFile \"" + QFile::encodeName(confDir_) + "/htpasswd\"\n";
        conf += "  Require valid-user\n";
        break;
    case Auth::Digest:
        conf += QByteArray("  AuthType Digest\n  AuthName \"") + kRealm + "\"\n";
        conf += "  AuthDigestDomain /dav/\n  AuthDigestProvider file\n";
        conf += "  AuthUserFile \"" + QFile::encodeName(confDir_) + "/htdigest\"\n";
        conf += "  Require valid-user\n";
        break;
    }
    conf += "</Directory>\n";
    conf += "<Directory \"" + b + "/www/dav/norange\">\n  RequestHeader unset Range\n</Directory>\n";
    // Old addresses of the same folder, as servers that moved do it.
    conf += "Redirect 301 /moved301 /dav\n";
    conf += "Redirect 308 /moved308 /dav\n";
    if (!writeText(confDir_ + QStringLiteral("/httpd.conf"), conf)) {
        error_ = QStringLiteral("cannot write httpd.conf");
        return false;
    }
    configured_ = true;
    return true;
}

bool ApacheDavServer::start()
{
    if (!available()) {
        error_ = QStringLiteral("Apache httpd with mod_dav_fs is not installed (apt-get install apache2)");
        return false;
    }
    if (port_ == 0)
        port_ = freePort();
    if (!configured_ && !writeConfig())
        return false;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LANG"), QStringLiteral("C"));
    // -X: one process in the foreground, so stopping it is one signal to one pid.
    return launch(QString::fromLatin1(kApache),
                  {QStringLiteral("-X"), QStringLiteral("-f"), confDir_ + QStringLiteral("/httpd.conf")},
                  env);
}

bool ApacheDavServer::setFrozen(bool frozen)
{
    // -X: the whole server is the one process named in the pid file.
    QFile f(dir_->path() + QStringLiteral("/run/httpd.pid"));
    if (!running() || !f.open(QIODevice::ReadOnly))
        return false;
    const pid_t pid = pid_t(f.readAll().trimmed().toLongLong());
    if (pid <= 0 || ::kill(pid, frozen ? SIGSTOP : SIGCONT) != 0)
        return false;
    if (!frozen)
        return true;
    // kill() returns before the signal has stopped a server running on the other core:
    // wait until it has (state T in /proc), so that nothing it sends afterwards counts.
    const QString stat = QStringLiteral("/proc/%1/stat").arg(pid);
    for (int i = 0; i < 400; ++i) {
        QFile s(stat);
        if (!s.open(QIODevice::ReadOnly))
            return false;
        const QByteArray text = s.readAll();
        const qsizetype paren = text.lastIndexOf(')');
        if (paren >= 0 && paren + 2 < text.size() && (text[paren + 2] == 'T' || text[paren + 2] == 't'))
            return true;
        QThread::msleep(5);
    }
    return false;
}

void ApacheDavServer::throttle(int runMs, int periodMs)
{
    throttle_.reset();
    if (runMs <= 0 || periodMs <= runMs) {
        setFrozen(false);
        return;
    }
    throttle_ = std::make_unique<QTimer>();
    throttle_->setSingleShot(true);
    throttle_->setTimerType(Qt::PreciseTimer); // slices of a few ms
    auto frozen = std::make_shared<bool>(false);
    QObject::connect(throttle_.get(), &QTimer::timeout, [this, frozen, runMs, periodMs] {
        *frozen = !*frozen;
        setFrozen(*frozen);
        throttle_->start(*frozen ? periodMs - runMs : runMs);
    });
    throttle_->start(runMs);
}

QStringList ApacheDavServer::accessLog() const
{
    QFile f(dir_->path() + QStringLiteral("/logs/access.log"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

QByteArray ApacheDavServer::log() const
{
    QByteArray out = DavTestServer::log();
    QFile f(dir_->path() + QStringLiteral("/logs/error.log"));
    if (f.open(QIODevice::ReadOnly))
        out += "\n--- error.log ---\n" + f.readAll();
    return out;
}

} // namespace loft::test
