#include "SshdServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QThread>

#include <csignal>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr const char *kSshd = "/usr/sbin/sshd";

bool run(const QString &program, const QStringList &args, QString *error,
         const QByteArray &input = {}, QByteArray *output = nullptr)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted(10000)) {
        *error = QStringLiteral("cannot run %1: %2").arg(program, p.errorString());
        return false;
    }
    if (!input.isEmpty())
        p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = QStringLiteral("%1 %2 failed: %3")
                     .arg(program, args.join(QLatin1Char(' ')),
                          QString::fromLocal8Bit(p.readAllStandardError()));
        return false;
    }
    if (output)
        *output = p.readAllStandardOutput();
    return true;
}

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

pid_t parentOf(pid_t pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray line = stat.readAll();
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so go from the last ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    return fields.size() > 1 ? pid_t(fields.at(1).toLong()) : -1;
}

} // namespace

SshdServer::SshdServer() = default;

SshdServer::~SshdServer()
{
    stop();
    for (const QString &user : users_) {
        QString ignored;
        run(QStringLiteral("userdel"), {QStringLiteral("-f"), user}, &ignored);
    }
}

bool SshdServer::available(QString *why)
{
    if (!QFileInfo(QString::fromLatin1(kSshd)).isExecutable()) {
        *why = QStringLiteral("%1 is not installed (Debian: openssh-server)").arg(kSshd);
        return false;
    }
    for (const char *tool : {"ssh-keygen"}) {
        bool found = false;
        for (const QString &dir : qEnvironmentVariable("PATH").split(QLatin1Char(':')))
            found = found || QFileInfo(dir + QLatin1Char('/') + QLatin1String(tool)).isExecutable();
        if (!found) {
            *why = QStringLiteral("%1 is not installed (Debian: openssh-client)").arg(tool);
            return false;
        }
    }
    return true;
}

QString SshdServer::dataDir() const
{
    return dir_.path() + QStringLiteral("/data");
}

QString SshdServer::clientKey() const
{
    return dir_.path() + QStringLiteral("/client_ed25519");
}

bool SshdServer::generateKeys(QString *error)
{
    if (keysMade_)
        return true;
    if (!dir_.isValid()) {
        *error = QStringLiteral("cannot create a temporary folder");
        return false;
    }
    // sshd refuses group/world-accessible key files and wants its privsep folder.
    ::chmod(QFile::encodeName(dir_.path()).constData(), 0755);
    QDir().mkpath(dataDir());
    if (::geteuid() == 0)
        QDir().mkpath(QStringLiteral("/run/sshd"));
    QFile::remove(dir_.path() + QStringLiteral("/authorized_keys"));
    if (!run(QStringLiteral("ssh-keygen"),
             {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
              QStringLiteral("-N"), QString(), QStringLiteral("-C"), QStringLiteral("loft-test-host"),
              QStringLiteral("-f"), dir_.path() + QStringLiteral("/host_ed25519")},
             error))
        return false;
    if (makeClientKey(QStringLiteral("client_ed25519"), {}, true, error).isEmpty())
        return false;
    keysMade_ = true;
    return true;
}

QString SshdServer::makeClientKey(const QString &name, const QByteArray &passphrase,
                                  bool authorize, QString *error)
{
    const QString path = dir_.path() + QLatin1Char('/') + name;
    QFile::remove(path);
    QFile::remove(path + QStringLiteral(".pub"));
    if (!run(QStringLiteral("ssh-keygen"),
             {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
              QStringLiteral("-N"), QString::fromUtf8(passphrase), QStringLiteral("-C"), name,
              QStringLiteral("-f"), path},
             error))
        return {};
    if (authorize) {
        QFile pub(path + QStringLiteral(".pub"));
        QFile keys(dir_.path() + QStringLiteral("/authorized_keys"));
        if (!pub.open(QIODevice::ReadOnly) || !keys.open(QIODevice::Append)) {
            *error = QStringLiteral("cannot authorize %1").arg(path);
            return {};
        }
        keys.write(pub.readAll());
        keys.close();
        keys.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner
                            | QFileDevice::ReadGroup | QFileDevice::ReadOther);
    }
    return path;
}

bool SshdServer::replaceHostKey(QString *error)
{
    const QString key = dir_.path() + QStringLiteral("/host_ed25519");
    QFile::remove(key);
    QFile::remove(key + QStringLiteral(".pub"));
    return run(QStringLiteral("ssh-keygen"),
               {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                QStringLiteral("-N"), QString(), QStringLiteral("-C"),
                QStringLiteral("loft-test-host-2"), QStringLiteral("-f"), key},
               error);
}

bool SshdServer::writeConfig(QString *error)
{
    QFile config(dir_.path() + QStringLiteral("/sshd_config"));
    if (!config.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        *error = QStringLiteral("cannot write %1").arg(config.fileName());
        return false;
    }
    const QString d = dir_.path();
    config.write(QStringLiteral("ListenAddress 127.0.0.1\n"
                                "HostKey %1/host_ed25519\n"
                                "AuthorizedKeysFile %1/authorized_keys\n"
                                "Subsystem sftp internal-sftp\n"
                                "UsePAM no\n"
                                "PermitRootLogin yes\n"
                                "PasswordAuthentication yes\n"
                                "KbdInteractiveAuthentication no\n"
                                "StrictModes no\n"
                                "PidFile none\n"
                                "LogLevel VERBOSE\n"
                                "MaxStartups 100\n"
                                "MaxSessions 100\n")
                     .arg(d)
                     .toUtf8());
    return true;
}

bool SshdServer::start(QString *error)
{
    if (running())
        return true;
    if (!generateKeys(error) || !writeConfig(error))
        return false;
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (port_ == 0 || attempt > 0)
            port_ = freePort();
        sshd_ = std::make_unique<QProcess>();
        sshd_->setProcessChannelMode(QProcess::MergedChannels);
        // A test that crashes must not leave sshd behind. Its own process group: a signal
        // to the test's group (an e2e driver stopping its server command) is not for sshd.
        sshd_->setChildProcessModifier([] {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            ::setpgid(0, 0);
        });
        sshd_->start(QString::fromLatin1(kSshd),
                     {QStringLiteral("-D"), QStringLiteral("-e"), QStringLiteral("-f"),
                      dir_.path() + QStringLiteral("/sshd_config"), QStringLiteral("-p"),
                      QString::number(port_)});
        if (!sshd_->waitForStarted(10000)) {
            *error = QStringLiteral("cannot start sshd: %1").arg(sshd_->errorString());
            return false;
        }
        QByteArray out;
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired() && sshd_->state() == QProcess::Running
               && !out.contains("Server listening")) {
            sshd_->waitForReadyRead(200);
            out += sshd_->readAll();
        }
        log_ += QString::fromLocal8Bit(out);
        if (out.contains("Server listening"))
            return true;
        sshd_->kill();
        sshd_->waitForFinished(5000);
        if (!out.contains("Address already in use")) {
            *error = QStringLiteral("sshd did not start: %1").arg(QString::fromLocal8Bit(out));
            return false;
        }
    }
    *error = QStringLiteral("sshd found no free port");
    return false;
}

bool SshdServer::running() const
{
    return sshd_ && sshd_->state() == QProcess::Running;
}

QList<pid_t> SshdServer::descendants(pid_t root) const
{
    QList<pid_t> all;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    QList<QPair<pid_t, pid_t>> parents; // (pid, ppid)
    for (const QString &entry : entries) {
        bool ok = false;
        const pid_t pid = pid_t(entry.toLong(&ok));
        if (ok)
            parents.append({pid, parentOf(pid)});
    }
    QList<pid_t> frontier{root};
    while (!frontier.isEmpty()) {
        const pid_t parent = frontier.takeFirst();
        for (const auto &[pid, ppid] : parents) {
            if (ppid == parent) {
                all.append(pid);
                frontier.append(pid);
            }
        }
    }
    return all;
}

QList<pid_t> SshdServer::connectionPids() const
{
    if (!running())
        return {};
    return descendants(pid_t(sshd_->processId()));
}

void SshdServer::signalAll(int signal, bool includeMaster)
{
    if (!running())
        return;
    const pid_t master = pid_t(sshd_->processId());
    if (includeMaster)
        ::kill(master, signal);
    for (pid_t pid : descendants(master))
        ::kill(pid, signal);
}

void SshdServer::pause()
{
    signalAll(SIGSTOP, true);
}

void SshdServer::resume()
{
    signalAll(SIGCONT, true);
}

int SshdServer::killConnections()
{
    const QList<pid_t> pids = connectionPids();
    for (pid_t pid : pids)
        ::kill(pid, SIGKILL);
    return int(pids.size());
}

void SshdServer::stop()
{
    if (!sshd_)
        return;
    if (running()) {
        const QList<pid_t> children = connectionPids();
        resume(); // a stopped process would not act on SIGTERM
        sshd_->terminate();
        for (pid_t pid : children)
            ::kill(pid, SIGKILL);
        if (!sshd_->waitForFinished(5000)) {
            sshd_->kill();
            sshd_->waitForFinished(5000);
        }
    }
    log_ += QString::fromLocal8Bit(sshd_->readAll());
    sshd_.reset();
}

QByteArray SshdServer::knownHostsLine() const
{
    QFile pub(dir_.path() + QStringLiteral("/host_ed25519.pub"));
    if (!pub.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> parts = pub.readAll().trimmed().split(' ');
    if (parts.size() < 2)
        return {};
    return "[127.0.0.1]:" + QByteArray::number(port_) + ' ' + parts.at(0) + ' ' + parts.at(1) + '\n';
}

QString SshdServer::hostKeyFingerprint() const
{
    QString error;
    QByteArray out;
    if (!run(QStringLiteral("ssh-keygen"),
             {QStringLiteral("-l"), QStringLiteral("-E"), QStringLiteral("sha256"),
              QStringLiteral("-f"), dir_.path() + QStringLiteral("/host_ed25519.pub")},
             &error, {}, &out))
        return {};
    const QList<QByteArray> parts = out.split(' ');
    return parts.size() > 1 ? QString::fromLatin1(parts.at(1)) : QString();
}

QString SshdServer::addPasswordUser(const QByteArray &password, QString *error)
{
    if (::geteuid() != 0) {
        *error = QStringLiteral("creating a user needs root");
        return {};
    }
    // Users left behind by a test that crashed have lost their temporary home: remove them.
    QFile passwd(QStringLiteral("/etc/passwd"));
    if (passwd.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : passwd.readAll().split('\n')) {
            const QList<QByteArray> fields = line.split(':');
            if (fields.size() > 5 && fields.at(0).startsWith("loftsftp")
                && fields.at(5).startsWith("/tmp/") && !QFileInfo::exists(QString::fromLocal8Bit(fields.at(5)))) {
                QString ignored;
                run(QStringLiteral("userdel"), {QStringLiteral("-f"), QString::fromLocal8Bit(fields.at(0))}, &ignored);
            }
        }
    }
    const QString name = QStringLiteral("loftsftp%1").arg(QRandomGenerator::global()->bounded(100000, 999999));
    const QString home = dir_.path() + QLatin1Char('/') + name;
    if (!run(QStringLiteral("useradd"),
             {QStringLiteral("-M"), QStringLiteral("-d"), home, QStringLiteral("-s"),
              QStringLiteral("/bin/sh"), name},
             error))
        return {};
    users_ << name;
    QDir().mkpath(home);
    QByteArray ignored;
    if (!run(QStringLiteral("chown"), {name, home}, error)
        || !run(QStringLiteral("chpasswd"), {}, error, name.toUtf8() + ':' + password + '\n'))
        return {};
    return name;
}
