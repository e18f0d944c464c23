#include "LoftServerProcess.h"

#include <QFile>

#include <QDeadlineTimer>
#include <QRegularExpression>

#include <csignal>
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace loft::test {

namespace {
constexpr int kStartTimeoutMs = 15'000;
constexpr int kStopTimeoutMs = 15'000;
} // namespace

QString loftBinary()
{
    return QStringLiteral(LOFT_BINARY);
}

LoftServerProcess::LoftServerProcess() = default;

LoftServerProcess::~LoftServerProcess()
{
    kill();
}

bool LoftServerProcess::running() const
{
    return process_ && process_->state() != QProcess::NotRunning;
}

qint64 LoftServerProcess::pid() const
{
    return process_ ? process_->processId() : 0;
}

qint64 LoftServerProcess::residentKiB() const
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

QByteArray LoftServerProcess::serverLog()
{
    QFile file(logPath_);
    if (!logPath_.isEmpty() && file.open(QIODevice::ReadOnly))
        log_ = file.readAll();
    return log_;
}

QString LoftServerProcess::libnfsUrl() const
{
    return QStringLiteral("nfs://127.0.0.1%1?nfsport=%2&mountport=%2")
        .arg(QString::fromLatin1(exportPath_))
        .arg(port_);
}

bool LoftServerProcess::start(const QString &sourceDir, const LoftServeOptions &options)
{
    kill();
    error_.clear();
    log_.clear();
    sourceDir_ = sourceDir;
    if (options.stateDir.isEmpty()) {
        if (!ownedState_) {
            ownedState_ = std::make_unique<QTemporaryDir>();
            if (!ownedState_->isValid()) {
                error_ = QStringLiteral("cannot create a temporary state directory");
                return false;
            }
        }
        stateDir_ = ownedState_->path();
    } else {
        stateDir_ = options.stateDir;
    }

    QStringList args{QStringLiteral("serve"), QStringLiteral("--state-dir"), stateDir_};
    if (options.readOnly)
        args << QStringLiteral("--read-only");
    if (options.port != 0)
        args << QStringLiteral("--port") << QString::number(options.port);
    args << options.extraArgs << sourceDir;

    process_ = std::make_unique<QProcess>();
    if (!options.extraEnv.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const QString &pair : options.extraEnv) {
            const qsizetype eq = pair.indexOf(QLatin1Char('='));
            env.insert(pair.left(eq), eq < 0 ? QString() : pair.mid(eq + 1));
        }
        process_->setProcessEnvironment(env);
    }
#ifdef Q_OS_LINUX
    // Should the test itself die (crash, CTest timeout), the server goes with it.
    process_->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    if (options.wrapper.isEmpty()) {
        process_->setProgram(loftBinary());
        process_->setArguments(args);
    } else {
        process_->setProgram(options.wrapper.first());
        process_->setArguments(options.wrapper.mid(1) + QStringList{loftBinary()} + args);
    }
    logDir_ = std::make_unique<QTemporaryDir>();
    logPath_ = logDir_->filePath(QStringLiteral("serve.log"));
    process_->setStandardErrorFile(logPath_);
    process_->start();
    if (!process_->waitForStarted(kStartTimeoutMs)) {
        error_ = QStringLiteral("cannot start %1: %2").arg(process_->program(),
                                                           process_->errorString());
        return false;
    }

    // The first stdout line is the URL; wait for it, but never longer than the deadline.
    QDeadlineTimer deadline(kStartTimeoutMs);
    QByteArray out;
    while (!out.contains('\n')) {
        if (deadline.hasExpired() || process_->state() == QProcess::NotRunning) {
            serverLog();
            error_ = QStringLiteral("loft serve printed no URL (exit code %1): %2")
                         .arg(process_->exitCode())
                         .arg(QString::fromLocal8Bit(log_));
            kill();
            return false;
        }
        process_->waitForReadyRead(int(std::max<qint64>(1, std::min<qint64>(
                                       200, deadline.remainingTime()))));
        out += process_->readAllStandardOutput();
    }
    const QString line = QString::fromUtf8(out.left(out.indexOf('\n')));
    static const QRegularExpression re(
        QStringLiteral("^nfs://127\\.0\\.0\\.1:(\\d+)(/[A-Za-z0-9]+)$"));
    const auto m = re.match(line);
    if (!m.hasMatch()) {
        error_ = QStringLiteral("unexpected first line from loft serve: \"%1\"").arg(line);
        kill();
        return false;
    }
    url_ = line;
    port_ = quint16(m.captured(1).toUInt());
    exportPath_ = m.captured(2).toLatin1();
    return true;
}

bool LoftServerProcess::stop(int signal)
{
    if (!process_)
        return true;
    if (process_->state() == QProcess::NotRunning) {
        error_ = QStringLiteral("loft serve had already exited (code %1)")
                     .arg(process_->exitCode());
        serverLog();
        process_.reset();
        return false;
    }
    ::kill(pid_t(process_->processId()), signal);
    if (!process_->waitForFinished(kStopTimeoutMs)) {
        error_ = QStringLiteral("loft serve did not exit within %1 ms of signal %2")
                     .arg(kStopTimeoutMs)
                     .arg(signal);
        kill();
        // What it was doing: a stuck request or upload usually says so in its log.
        const QByteArray log = serverLog();
        if (!log.isEmpty())
            error_ += QStringLiteral("; the end of its log:\n") + QString::fromLocal8Bit(log.right(3000));
        return false;
    }
    serverLog();
    const bool ok = process_->exitStatus() == QProcess::NormalExit && process_->exitCode() == 0;
    if (!ok)
        error_ = QStringLiteral("loft serve exited with status %1, code %2: %3")
                     .arg(int(process_->exitStatus()))
                     .arg(process_->exitCode())
                     .arg(QString::fromLocal8Bit(log_));
    process_.reset();
    return ok;
}

void LoftServerProcess::kill()
{
    if (!process_)
        return;
    if (process_->state() != QProcess::NotRunning) {
        process_->kill();
        process_->waitForFinished(kStopTimeoutMs);
    }
    serverLog();
    process_.reset();
}

} // namespace loft::test
