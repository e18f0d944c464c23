// `loft serve [options] SOURCE`: serve one source over NFSv3 on loopback until
// SIGINT/SIGTERM. The first line on stdout is exactly nfs://127.0.0.1:PORT/EXPORT.
#pragma once

#include <QStringList>

namespace loft {

int runServeCommand(const QStringList &arguments);

} // namespace loft
