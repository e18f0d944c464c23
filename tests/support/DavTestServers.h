// A test WebDAV server by name: "apache" (ApacheDavServer, the default) or "rclone"
// (RcloneDavServer), with default options, not started.
#pragma once

#include "DavTestServer.h"

#include <memory>

namespace loft::test {

std::unique_ptr<DavTestServer> makeDavTestServer(const QString &name);

} // namespace loft::test
