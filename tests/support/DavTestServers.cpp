#include "DavTestServers.h"

#include "ApacheDavServer.h"
#include "RcloneDavServer.h"

namespace loft::test {

std::unique_ptr<DavTestServer> makeDavTestServer(const QString &name)
{
    if (name == QLatin1String("rclone"))
        return std::make_unique<RcloneDavServer>();
    return std::make_unique<ApacheDavServer>();
}

} // namespace loft::test
