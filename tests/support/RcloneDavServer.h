// `rclone serve webdav` (golang.org/x/net/webdav underneath) on a loopback port, serving
// root() as http(s)://127.0.0.1:PORT/dav/ with Basic authentication.
#pragma once

#include "DavTestServer.h"

namespace loft::test {

class RcloneDavServer final : public DavTestServer {
public:
    struct Options {
        QString user = QStringLiteral("alice");
        QString password = QStringLiteral("wonder land");
        // The folder to serve; empty: a new one in the server's temporary folder.
        QString root;
        // How long rclone trusts a folder listing it read from disk. The default 0s shows
        // files a test writes on disk at once, but each PROPFIND then looks every entry up
        // by listing the folder again (n² work: 5.7 s for 1,000 entries). When everything
        // is written through rclone itself, its own default (5m) is what a user runs.
        QString dirCacheTime = QStringLiteral("0s");
        bool tls = false; // https with a freshly made self-signed certificate
    };

    explicit RcloneDavServer(const Options &options);
    RcloneDavServer() : RcloneDavServer(Options{}) {}

    static bool available();

    bool start() override;
    QUrl url() const override;
    QByteArray log() const override;
    // The PEM certificate of the TLS variant.
    QString certificateFile() const;
    // From rclone's INFO lines "PATH: METHOD from ADDRESS" (logged once answered); a
    // refused password is "? PATH 401" (rclone does not log its method).
    QStringList accessLog() const override;

private:
    QString logFile() const;

    QString dirCacheTime_;
    bool tls_;
};

} // namespace loft::test
