// The served folder as the tests see it on disk: small helpers to make and inspect it
// without going through the server.
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>
#include <sys/stat.h>

namespace loft::test {

// Writes `content` to path (creating parent folders). False on any error.
bool writeFile(const QString &path, const QByteArray &content);
// The whole file, or nothing when it cannot be read.
std::optional<QByteArray> readFile(const QString &path);
// lstat(2) of path, or nothing when it does not exist.
std::optional<struct stat> lstatPath(const QString &path);
// Whether anything (even a dangling symlink) exists at path.
bool existsOnDisk(const QString &path);

// A description of every object under `root` (names, types, permission bits, sizes,
// link counts, owners, mtimes and ctimes to the nanosecond, symlink targets and a hash
// of every regular file's bytes), sorted, one line per object. Two equal fingerprints
// mean the folder was not changed in any way a client could see.
QByteArray folderFingerprint(const QString &root);

} // namespace loft::test
