// Which paths name the same file, as far as the cache knows: the names joined by our own
// LINK calls. The cache keys attributes and blocks by path, so a change through one name
// must also drop what it holds for the others (size, times, link count, bytes); without
// this, `cat a` after `echo x >> b` (b a hard link of a) showed the old content until the
// metadata TTL ran out. Links made by someone else on the server are seen like any other
// remote change: within the metadata TTL.
// Thread-safe.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <mutex>

namespace loft::cache {

class LinkGroups {
public:
    // `added` is now one more name of the file at `existing`.
    void linked(const QByteArray &existing, const QByteArray &added);
    // The other names of the file at `path` (empty when none are known).
    QList<QByteArray> othersOf(const QByteArray &path) const;
    // `path` and everything beneath it no longer name anything (unlink, rmdir, a rename
    // over it). Returns the names of the affected files that remain (their link count
    // went down).
    QList<QByteArray> forget(const QByteArray &path);
    // `from` and everything beneath it moved to `to` (call forget(to) first).
    void moved(const QByteArray &from, const QByteArray &to);
    void clear();

private:
    void dropLocked(const QByteArray &path, QList<QByteArray> *remaining);

    mutable std::mutex mutex_;
    QHash<QByteArray, quint64> groupOf_;             // path -> group id
    QHash<quint64, QList<QByteArray>> members_;      // group id -> its paths (≥ 2)
    quint64 nextGroup_ = 1;
};

} // namespace loft::cache
