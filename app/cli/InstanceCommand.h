// `loft mount NAME`, `loft unmount NAME`, `loft list`: the same actions as the tray menu,
// sent to the running app over its user-only local socket.
#pragma once

#include <QStringList>

namespace loft {

int runInstanceCommand(const QString &command, const QStringList &arguments);

} // namespace loft
