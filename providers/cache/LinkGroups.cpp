#include "LinkGroups.h"

#include "CachePaths.h"

namespace loft::cache {

void LinkGroups::linked(const QByteArray &existing, const QByteArray &added)
{
    if (existing == added)
        return;
    std::lock_guard lock(mutex_);
    dropLocked(added, nullptr); // a name belongs to one file
    quint64 group = groupOf_.value(existing);
    if (!group) {
        group = nextGroup_++;
        groupOf_.insert(existing, group);
        members_[group].append(existing);
    }
    groupOf_.insert(added, group);
    members_[group].append(added);
}

QList<QByteArray> LinkGroups::othersOf(const QByteArray &path) const
{
    std::lock_guard lock(mutex_);
    if (groupOf_.isEmpty())
        return {};
    const quint64 group = groupOf_.value(path);
    if (!group)
        return {};
    QList<QByteArray> others = members_.value(group);
    others.removeAll(path);
    return others;
}

QList<QByteArray> LinkGroups::forget(const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    QList<QByteArray> remaining;
    if (groupOf_.isEmpty())
        return remaining;
    QList<QByteArray> gone;
    for (auto it = groupOf_.cbegin(); it != groupOf_.cend(); ++it) {
        if (isWithinPath(it.key(), path))
            gone.append(it.key());
    }
    for (const QByteArray &p : gone)
        dropLocked(p, &remaining);
    remaining.removeIf([&](const QByteArray &p) { return isWithinPath(p, path); });
    return remaining;
}

void LinkGroups::moved(const QByteArray &from, const QByteArray &to)
{
    std::lock_guard lock(mutex_);
    if (groupOf_.isEmpty())
        return;
    QList<QByteArray> movedPaths;
    for (auto it = groupOf_.cbegin(); it != groupOf_.cend(); ++it) {
        if (isWithinPath(it.key(), from))
            movedPaths.append(it.key());
    }
    for (const QByteArray &old : movedPaths) {
        const quint64 group = groupOf_.take(old);
        const QByteArray now = reroot(old, from, to);
        groupOf_.insert(now, group);
        QList<QByteArray> &names = members_[group];
        names.replace(names.indexOf(old), now);
    }
}

void LinkGroups::clear()
{
    std::lock_guard lock(mutex_);
    groupOf_.clear();
    members_.clear();
}

void LinkGroups::dropLocked(const QByteArray &path, QList<QByteArray> *remaining)
{
    const quint64 group = groupOf_.take(path);
    if (!group)
        return;
    QList<QByteArray> &names = members_[group];
    names.removeAll(path);
    if (remaining) {
        for (const QByteArray &n : std::as_const(names)) {
            if (!remaining->contains(n))
                remaining->append(n);
        }
    }
    if (names.size() < 2) { // one name left: an ordinary file again
        for (const QByteArray &n : std::as_const(names))
            groupOf_.remove(n);
        members_.remove(group);
    }
}

} // namespace loft::cache
