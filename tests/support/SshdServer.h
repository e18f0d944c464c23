// A real OpenSSH sshd for tests: started by the test on a loopback port with a
// generated host key and client key (`/usr/sbin/sshd -D -e -f CONF -p PORT`,
// internal-sftp, no PAM), stopped with the object. Also: pausing it (SIGSTOP), killing
// the per-connection processes, restarting it with a new host key, extra client keys,
// and (as root) a throwaway user with a password.
#pragma once

#include <QByteArray>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <sys/types.h>

class SshdServer {
public:
    SshdServer();
    ~SshdServer();
    SshdServer(const SshdServer &) = delete;
    SshdServer &operator=(const SshdServer &) = delete;

    // Whether sshd and ssh-keygen are installed; `why` says what is missing.
    static bool available(QString *why);

    // Generates the keys (first time only) and starts sshd on a free port (the same port
    // again after stop()). Waits until it listens.
    bool start(QString *error);
    // SIGTERM to sshd and every process of its connections; waits for them.
    void stop();
    bool running() const;

    // SIGSTOP / SIGCONT to sshd and every connection process.
    void pause();
    void resume();
    // SIGKILL to the processes serving connections (sshd itself keeps listening).
    // Returns how many processes were killed.
    int killConnections();
    QList<pid_t> connectionPids() const;

    // Replaces the host key (takes effect at the next start()).
    bool replaceHostKey(QString *error);

    quint16 port() const { return port_; }
    // The port for the next start() (0: a free one); e.g. the port of a previous process.
    void setPort(quint16 port) { port_ = port; }
    QString host() const { return QStringLiteral("127.0.0.1"); }
    // A folder the tests serve, created empty.
    QString dataDir() const;
    // The authorized client key (no passphrase).
    QString clientKey() const;
    // "[127.0.0.1]:PORT ssh-ed25519 AAAA..." for a known_hosts file.
    QByteArray knownHostsLine() const;
    // "SHA256:..." of the current host key, as ssh-keygen -l prints it.
    QString hostKeyFingerprint() const;
    // A new ed25519 key pair in the temp dir; authorized for login when `authorize`.
    QString makeClientKey(const QString &name, const QByteArray &passphrase, bool authorize,
                          QString *error);
    // As root only: a new local user with this password, allowed to log in. Removed by
    // the destructor. Returns the user name, or empty with `error` set.
    QString addPasswordUser(const QByteArray &password, QString *error);

    QString log() const { return log_; }
    QString tempPath() const { return dir_.path(); }

private:
    bool generateKeys(QString *error);
    bool writeConfig(QString *error);
    QList<pid_t> descendants(pid_t root) const;
    void signalAll(int signal, bool includeMaster);

    QTemporaryDir dir_;
    std::unique_ptr<QProcess> sshd_;
    quint16 port_ = 0;
    bool keysMade_ = false;
    QString log_;
    QStringList users_;
};
