// A real WebDAV server started for a test on a loopback port: the common face of
// ApacheDavServer and RcloneDavServer, so a data-driven test can run over both.
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

namespace loft::test {

class DavTestServer {
public:
    virtual ~DavTestServer();

    DavTestServer(const DavTestServer &) = delete;
    DavTestServer &operator=(const DavTestServer &) = delete;

    // Starts the server (the same port again after a stop) and waits, bounded, until it
    // accepts connections.
    virtual bool start() = 0;
    // Stops it (SIGTERM through the wrapper shell, which also does it should the test
    // process die) and waits for the exit.
    void stop();
    bool running() const;

    QString name() const { return name_; }
    QString errorString() const { return error_; }
    quint16 port() const { return port_; }
    // The port for the next start() (0: a free one); e.g. the port of a previous process.
    void setPort(quint16 port) { port_ = port; }
    QString user() const { return user_; }
    QString password() const { return password_; }
    // The WebDAV folder's URL (ends in "/dav/"), without user info.
    virtual QUrl url() const = 0;
    // The folder on disk behind url().
    QString root() const { return root_; }
    // The server's own log (stderr and log files), for failure messages.
    virtual QByteArray log() const;
    // "METHOD PATH STATUS" (Apache) or "METHOD PATH" (rclone, which logs no status; a
    // refused password is "? PATH 401") per request answered, oldest first.
    virtual QStringList accessLog() const = 0;

    // Disk helpers: create below root() with an owner the server can write as.
    bool makeDir(const QString &relative) const;
    bool writeFile(const QString &relative, const QByteArray &data) const;
    QByteArray readFile(const QString &relative) const;
    bool exists(const QString &relative) const;
    // Entries of a folder on disk, without server bookkeeping (".DAV").
    QStringList list(const QString &relative) const;

    // A TCP port nobody listens on right now.
    static quint16 freePort();

protected:
    DavTestServer(QString name, QString user, QString password);
    bool launch(const QString &program, const QStringList &arguments,
                const QProcessEnvironment &env);
    // Owner for files the test creates below root() (www-data for Apache run as root).
    virtual void chownForServer(const QString &path) const;
    // A new self-signed certificate for 127.0.0.1 (PEM) and its key; error_ says why not.
    bool makeSelfSignedCertificate(const QString &certFile, const QString &keyFile);

    QString name_;
    QString user_, password_;
    QString error_;
    quint16 port_ = 0;
    std::unique_ptr<QTemporaryDir> dir_;
    QString root_;
    std::unique_ptr<QProcess> process_;
    QByteArray processLog_;
};

} // namespace loft::test
