// The export fuzz_rpc_dispatch serves, fixed so that make_fuzz_seeds can write seed
// calls carrying genuine file handles (the handle MAC depends on the key and export id).
#pragma once

#include <QByteArray>

namespace loft::fuzz {

inline const QByteArray kExportPath = QByteArrayLiteral("/fuzz-export");
inline const QByteArray kExportId = QByteArrayLiteral("fuzz-export-id");
inline const QByteArray kHandleKey = QByteArray(32, 'k');

// The served folder (created read-only by the fuzz target): "a.txt" (12 bytes),
// "sub/" holding "b.bin" (4 KiB) and "deeper/", and "link" -> "a.txt".
inline constexpr const char *kFileA = "a.txt";
inline constexpr const char *kSubdir = "sub";

} // namespace loft::fuzz
