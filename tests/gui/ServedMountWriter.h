// Writes files into a mount the app serves, through its NFS server, with libnfs (an
// independent NFSv3 client): the path a file manager's writes take, minus the kernel.
#pragma once

#include <QByteArray>
#include <QString>

namespace loft::test {

// `dataDir` and `mountId` locate the mount's export secret (SourceState); `port` is the
// port it is served on. `path` is relative to the mount ("dir/name"); missing folders are
// created. The data is written in 1 MiB WRITEs and committed. Returns an error, or empty.
QString writeThroughServedMount(const QString &dataDir, const QString &mountId, quint16 port,
                                const QByteArray &path, const QByteArray &data);

} // namespace loft::test
