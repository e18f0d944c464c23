// Apache httpd with mod_dav/mod_dav_fs as a plain process on a loopback port, configured
// from scratch in a temporary folder (no system config is read):
//   http(s)://127.0.0.1:PORT/dav/        the WebDAV folder (root() on disk)
//   .../dav/norange/                     the same, but Range headers are dropped, so GETs
//                                        answer 200 with the whole file
//   .../moved301/..., .../moved308/...   redirect (301, 308) to the same path below /dav/
// with Basic or Digest authentication (or none), and optionally TLS with a freshly made
// self-signed certificate. Run as root it serves as www-data (Apache refuses root).
// Every request is logged to accessLog() as "METHOD PATH STATUS".
#pragma once

#include "DavTestServer.h"

#include <QTimer>

namespace loft::test {

class ApacheDavServer final : public DavTestServer {
public:
    enum class Auth { None, Basic, Digest };
    struct Options {
        Auth auth = Auth::Basic;
        bool tls = false;
        QString user = QStringLiteral("alice");
        QString password = QStringLiteral("wonder land");
        // The folder to serve as /dav/ (made the server's, recursively); empty: a new one
        // in the server's temporary folder (with the norange/ subfolder).
        QString root;
    };

    explicit ApacheDavServer(const Options &options);
    ApacheDavServer() : ApacheDavServer(Options{}) {}
    ~ApacheDavServer() override { throttle(0, 0); } // a frozen server would not stop

    static bool available();

    bool start() override;
    QUrl url() const override;
    QByteArray log() const override;

    QStringList accessLog() const override;
    // The PEM certificate of the TLS variant.
    QString certificateFile() const;
    // Freezes the running server (SIGSTOP) or lets it go on (SIGCONT): requests stall
    // mid-transfer, as with a slow server, without anything failing. False when not running.
    bool setFrozen(bool frozen);
    // A slow server: lets it run only `runMs` of every `periodMs` (frozen the rest), from
    // a timer on the calling thread's event loop. throttle(0, 0) ends it, leaving it running.
    void throttle(int runMs, int periodMs);

protected:
    void chownForServer(const QString &path) const override;

private:
    bool writeConfig();

    Options options_;
    QString confDir_;
    std::unique_ptr<QTimer> throttle_;
    bool configured_ = false;
};

} // namespace loft::test
