// Runs `loft serve` as a child process for an integration test: a private state
// directory, the URL parsed from the first stdout line, SIGTERM to stop with a check
// that the server exits 0, and a hard kill when the test ends however it ends.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <csignal>
#include <memory>

namespace loft::test {

struct LoftServeOptions {
    bool readOnly = false;
    quint16 port = 0;        // 0: let the server choose
    QString stateDir;        // empty: a temporary directory owned by the process object
    QStringList wrapper;     // a command the server runs under (e.g. unshare ...), or none
    QStringList extraArgs;   // more `loft serve` options before the source (--max-connections 8, ...)
    QStringList extraEnv;    // NAME=value pairs set in the server's environment (override)
};

class LoftServerProcess {
public:
    LoftServerProcess();
    ~LoftServerProcess(); // kills the server if it still runs

    LoftServerProcess(const LoftServerProcess &) = delete;
    LoftServerProcess &operator=(const LoftServerProcess &) = delete;

    // Starts `loft serve` on `sourceDir` (a folder or a source URL) and waits (bounded)
    // for its URL line.
    bool start(const QString &sourceDir, const LoftServeOptions &options = {});
    // Sends `signal` (SIGTERM by default), then waits (bounded) for the exit; true when it
    // exited normally with code 0.
    bool stop(int signal = SIGTERM);
    // SIGKILL and reap; used by cleanup paths.
    void kill();

    bool running() const;
    qint64 pid() const;
    // The server's resident memory (VmRSS) in KiB, or -1.
    qint64 residentKiB() const;
    QString errorString() const { return error_; }

    // From the URL line nfs://127.0.0.1:PORT/EXPORT.
    QString url() const { return url_; }
    quint16 port() const { return port_; }
    QByteArray exportPath() const { return exportPath_; } // "/<secret>"
    // The same export as libnfs wants it: no portmapper, ports in the query.
    QString libnfsUrl() const;
    QString stateDir() const { return stateDir_; }
    QString sourceDir() const { return sourceDir_; }
    // Everything the server wrote on stderr so far. Its stderr goes to a file, not a pipe:
    // a test busy in blocking calls (libnfs) would otherwise let the pipe fill up and the
    // server block on its next log line (seen with -v: uploads stalled).
    QByteArray serverLog();

private:
    std::unique_ptr<QProcess> process_;
    std::unique_ptr<QTemporaryDir> ownedState_;
    QString stateDir_;
    QString sourceDir_;
    QString url_;
    quint16 port_ = 0;
    QByteArray exportPath_;
    QString error_;
    QByteArray log_;
    std::unique_ptr<QTemporaryDir> logDir_; // holds the stderr file of the last start
    QString logPath_;
};

// The loft executable under test (set by CMake).
QString loftBinary();

} // namespace loft::test
