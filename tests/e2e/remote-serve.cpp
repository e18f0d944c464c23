// loft_e2e_remote_serve: the e2e driver's SERVER_CMD for the remote kinds. It starts a
// real remote store that keeps its files in DIR (Apache mod_dav for webdav, `rclone serve
// webdav` for rclone, OpenSSH sshd for sftp; tests/support), then `loft serve` on it, and
// passes loft's URL line on:
//
//   loft_e2e_remote_serve --kind webdav|rclone|sftp --dir DIR --run RUN -- LOFT serve [OPTION...]
//
// The store's port is kept in RUN, so a restarted server (the restart battery) serves
// the same source URL (same cache folder, same handles). On SIGTERM/SIGINT it first waits
// (bounded) for loft's upload queue to drain — the staged copies under RUN/cache — so
// the driver's host-side checks see on DIR what the guest wrote; then it stops loft and
// the store. The children run in process groups of their own (the driver signals ours);
// a SIGKILL of this process takes loft down (parent-death signal) and the store (the
// test-support servers stop when their parent goes).
#include "ApacheDavServer.h"
#include "RcloneDavServer.h"
#include "SshdServer.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QFile>
#include <QProcess>
#include <QThread>

#include <csignal>
#include <cstdio>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

using loft::test::ApacheDavServer;
using loft::test::DavTestServer;
using loft::test::RcloneDavServer;

namespace {

volatile std::sig_atomic_t stopRequested = 0;
void onStopSignal(int) { stopRequested = 1; }

int fail(const QString &message)
{
    std::fprintf(stderr, "loft_e2e_remote_serve: %s\n", qPrintable(message));
    return 1;
}

// Staged copies still waiting for upload (the cache layer removes each once uploaded).
int pendingUploads(const QString &cacheDir)
{
    int n = 0;
    QDirIterator it(cacheDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        if (it.next().contains(QLatin1String("/staging/")))
            ++n;
    return n;
}

quint16 rememberedPort(const QString &file)
{
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? quint16(f.readAll().trimmed().toUInt()) : 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QString kind, dir, run;
    QStringList loft;
    const QStringList args = app.arguments().mid(1);
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--")) {
            loft = args.mid(i + 1);
            break;
        }
        if (i + 1 >= args.size())
            return fail(QStringLiteral("%1 needs a value").arg(a));
        const QString v = args[++i];
        if (a == QLatin1String("--kind")) kind = v;
        else if (a == QLatin1String("--dir")) dir = v;
        else if (a == QLatin1String("--run")) run = v;
        else return fail(QStringLiteral("unknown option %1").arg(a));
    }
    const bool webdav = kind == QLatin1String("webdav") || kind == QLatin1String("rclone");
    if ((!webdav && kind != QLatin1String("sftp")) || dir.isEmpty() || run.isEmpty()
        || loft.isEmpty())
        return fail(QStringLiteral(
            "usage: --kind webdav|rclone|sftp --dir DIR --run RUN -- LOFT serve [OPTION...]"));

    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);

    const QString portFile = run + QStringLiteral("/remote-port");
    const QString cacheDir = run + QStringLiteral("/cache");
    QString source;
    QStringList extra;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    std::unique_ptr<DavTestServer> dav; // Apache or rclone
    std::unique_ptr<SshdServer> sshd;
    quint16 storePort = rememberedPort(portFile);
    if (kind == QLatin1String("webdav")) {
        // Apache serves as www-data: it must be able to walk down to DIR (the driver's run
        // dir is private). Only the search bit is added, on the folders above DIR.
        for (QDir up(QFileInfo(dir).absolutePath()); !up.isRoot(); up.cdUp()) {
            struct stat st;
            const QByteArray native = QFile::encodeName(up.absolutePath());
            if (::stat(native.constData(), &st) == 0 && !(st.st_mode & S_IXOTH))
                ::chmod(native.constData(), (st.st_mode & 07777) | S_IXOTH);
        }
        ApacheDavServer::Options o;
        o.root = dir;
        dav = std::make_unique<ApacheDavServer>(o);
    } else if (kind == QLatin1String("rclone")) {
        if (!RcloneDavServer::available())
            return fail(QStringLiteral("rclone is not installed (scripts/install-deps.sh installs it)"));
        RcloneDavServer::Options o;
        o.root = dir;
        o.dirCacheTime = QStringLiteral("5m"); // rclone's default: the guest writes through it
        dav = std::make_unique<RcloneDavServer>(o);
    }
    if (dav) {
        dav->setPort(storePort);
        if (!dav->start())
            return fail(QStringLiteral("%1 did not start: %2\n%3")
                            .arg(dav->name(), dav->errorString(), QString::fromLocal8Bit(dav->log())));
        storePort = dav->port();
        source = QStringLiteral("webdav://%1@127.0.0.1:%2/dav").arg(dav->user()).arg(storePort);
        env.insert(QStringLiteral("LOFT_PASSWORD"), dav->password());
        // Short, so that uploads follow the guest closely; the host checks wait for them.
        extra << QStringLiteral("--upload-delay") << QStringLiteral("0.5");
    } else {
        QString why;
        if (!SshdServer::available(&why))
            return fail(why);
        sshd = std::make_unique<SshdServer>();
        sshd->setPort(storePort);
        if (!sshd->start(&why))
            return fail(QStringLiteral("sshd did not start: %1").arg(why));
        storePort = sshd->port();
        QString user = qEnvironmentVariable("USER");
        if (user.isEmpty())
            user = QStringLiteral("root");
        source = QStringLiteral("sftp://%1@127.0.0.1:%2%3").arg(user).arg(storePort).arg(dir);
        // A new sshd process has a new host key: the known_hosts of this start names it.
        const QString knownHosts = run + QStringLiteral("/known_hosts");
        QFile kh(knownHosts);
        if (!kh.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return fail(QStringLiteral("cannot write %1").arg(knownHosts));
        kh.write(sshd->knownHostsLine() + '\n');
        kh.close();
        extra << QStringLiteral("--identity") << sshd->clientKey() << QStringLiteral("--known-hosts")
              << knownHosts;
        env.remove(QStringLiteral("SSH_AUTH_SOCK"));
    }
    {
        QFile f(portFile);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            f.write(QByteArray::number(storePort) + '\n');
    }

    QProcess server;
    server.setProcessEnvironment(env);
    server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // Dies with us; its own process group, so the driver's SIGTERM to our group reaches
    // only us, and we drain the uploads before passing it on.
    server.setChildProcessModifier([] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        ::setpgid(0, 0);
    });
    const QStringList serveArgs = loft.mid(1) + QStringList{QStringLiteral("--cache-dir"), cacheDir}
        + extra + QStringList{source};
    server.start(loft.first(), serveArgs);
    if (!server.waitForStarted(30000))
        return fail(QStringLiteral("cannot start %1").arg(loft.first()));

    // Pass loft's stdout on (its first line is the URL the driver waits for).
    while (!stopRequested && server.state() == QProcess::Running) {
        server.waitForReadyRead(100);
        const QByteArray out = server.readAllStandardOutput();
        if (!out.isEmpty()) {
            std::fwrite(out.constData(), 1, size_t(out.size()), stdout);
            std::fflush(stdout);
        }
    }
    if (server.state() == QProcess::Running) {
        QDeadlineTimer drain(120'000);
        int pending = pendingUploads(cacheDir);
        while (pending > 0 && !drain.hasExpired()) {
            QThread::msleep(50);
            pending = pendingUploads(cacheDir);
        }
        if (pending > 0)
            std::fprintf(stderr, "loft_e2e_remote_serve: %d upload(s) still pending after 120 s\n",
                         pending);
        ::kill(pid_t(server.processId()), SIGTERM);
        if (!server.waitForFinished(30000)) {
            server.kill();
            server.waitForFinished(5000);
        }
    }
    if (dav)
        dav->stop();
    if (sshd)
        sshd->stop();
    return server.exitStatus() == QProcess::NormalExit ? server.exitCode() : 1;
}
