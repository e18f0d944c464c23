#include "SftpHandleCache.h"

#include "SftpInvalidationLog.h"

#include <algorithm>

namespace loft {

SftpHandleCache::SftpHandleCache(int capacity, std::chrono::milliseconds idle,
                                 std::chrono::milliseconds maxAge)
    : capacity_(std::max(capacity, 1))
    , idle_(std::max(idle, std::chrono::milliseconds(1)))
    , maxAge_(std::max(maxAge, idle_))
{
}

sftp_file SftpHandleCache::find(const QByteArray &path, Access access)
{
    auto it = entries_.find(path);
    if (it == entries_.end() || !(access == Access::Write ? it->second.writable : it->second.readable))
        return nullptr;
    it->second.lastUse = Clock::now();
    return it->second.file.get();
}

sftp_file SftpHandleCache::insert(const QByteArray &path, libssh::SftpFilePtr file,
                                  bool readable, bool writable)
{
    const auto now = Clock::now();
    auto it = entries_.find(path);
    if (it != entries_.end()) {
        Entry &e = it->second;
        e.file = std::move(file); // closes the older handle
        e.readable = readable;
        e.writable = writable;
        e.opened = e.lastUse = now;
        return e.file.get();
    }
    if (entries_.size() >= size_t(capacity_)) {
        auto oldest = entries_.begin();
        for (auto i = entries_.begin(); i != entries_.end(); ++i) {
            if (i->second.lastUse < oldest->second.lastUse)
                oldest = i;
        }
        entries_.erase(oldest);
    }
    Entry &e = entries_[path];
    e.file = std::move(file);
    e.readable = readable;
    e.writable = writable;
    e.opened = e.lastUse = now;
    return e.file.get();
}

void SftpHandleCache::invalidate(QByteArrayView path)
{
    for (auto it = entries_.begin(); it != entries_.end();) {
        const QByteArray &key = it->first;
        const bool beneath = path.isEmpty()
            || (key.startsWith(path) && (key.size() == path.size() || key.at(path.size()) == '/'));
        it = beneath ? entries_.erase(it) : std::next(it);
    }
}

void SftpHandleCache::sync(const SftpInvalidationLog &log)
{
    log.replay(logPosition_, [this](QByteArrayView path) { invalidate(path); });
}

int SftpHandleCache::expire(Clock::time_point now)
{
    for (auto it = entries_.begin(); it != entries_.end();) {
        const bool expired =
            now - it->second.lastUse >= idle_ || now - it->second.opened >= maxAge_;
        it = expired ? entries_.erase(it) : std::next(it);
    }
    return int(entries_.size());
}

} // namespace loft
