// The embedded default source: a small folder of sample files, so Loft can be tried
// with no account and no configuration (`loft serve --demo`).
#pragma once

#include <QString>

namespace loft {

// Creates (once) and returns the demo folder under the data directory (default: the
// platform's application data location), or an empty string with `error` set.
QString ensureDemoFolder(const QString &dataDir, QString *error);

} // namespace loft
