// `rclone serve webdav` (golang.org/x/net/webdav underneath) on a loopback port, serving
// root() as http://127.0.0.1:PORT/dav/ with Basic authentication. Its directory cache is
// turned off so that files the test writes on disk show up at once.
#pragma once

#include "DavTestServer.h"

namespace loft::test {

class RcloneDavServer final : public DavTestServer {
public:
    RcloneDavServer(QString user = QStringLiteral("alice"),
                    QString password = QStringLiteral("wonder land"));

    static bool available();

    bool start() override;
    QUrl url() const override;
};

} // namespace loft::test
