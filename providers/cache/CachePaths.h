// Path arithmetic on provider paths ('/'-separated, no leading slash, "" is the root).
#pragma once

#include <QByteArray>

namespace loft::cache {

// "a/b/c" -> "a/b"; "c" -> "" (the root); "" -> "".
inline QByteArray parentPath(const QByteArray &path)
{
    const qsizetype slash = path.lastIndexOf('/');
    return slash < 0 ? QByteArray() : path.left(slash);
}

// "a/b/c" -> "c".
inline QByteArray leafName(const QByteArray &path)
{
    const qsizetype slash = path.lastIndexOf('/');
    return slash < 0 ? path : path.mid(slash + 1);
}

// True when `path` is `root` or lies beneath it ("" is the root of everything).
inline bool isWithinPath(const QByteArray &path, const QByteArray &root)
{
    if (root.isEmpty())
        return true;
    return path == root
        || (path.size() > root.size() && path.startsWith(root) && path[root.size()] == '/');
}

// `path` (within `from`) re-rooted under `to`.
inline QByteArray reroot(const QByteArray &path, const QByteArray &from, const QByteArray &to)
{
    return to + path.mid(from.size());
}

} // namespace loft::cache
