#include "OpenFileCache.h"

#include <algorithm>
#include <vector>

namespace loft {

OpenFileCache::OpenFileCache(int capacity, std::chrono::milliseconds idleTimeout)
    : capacity_(std::max(capacity, 0))
    , idleTimeout_(std::max(idleTimeout, std::chrono::milliseconds(1)))
    , janitor_([this](std::stop_token stop) { runJanitor(std::move(stop)); })
{
    std::lock_guard lock(mutex_);
    entries_.reserve(capacity_);
}

OpenFileCache::~OpenFileCache()
{
    janitor_.request_stop();
    if (janitor_.joinable())
        janitor_.join();
}

OpenFileCache::Handle OpenFileCache::find(const QByteArray &path, Access access)
{
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    if (it == entries_.end())
        return nullptr;
    const OpenFile &file = *it->file;
    if (access == Access::Read ? !file.readable : !file.writable)
        return nullptr;
    it->lastUse = Clock::now();
    return it->file;
}

uint64_t OpenFileCache::generation() const
{
    std::lock_guard lock(mutex_);
    return generation_;
}

void OpenFileCache::insert(const QByteArray &path, Handle file, uint64_t generationBeforeOpen)
{
    if (capacity_ == 0)
        return;
    Handle evicted; // closed outside the lock: close() can be slow on network filesystems
    {
        std::lock_guard lock(mutex_);
        if (generationBeforeOpen != generation_)
            return;
        const auto now = Clock::now();
        auto it = entries_.find(path);
        if (it != entries_.end()) {
            evicted = std::exchange(it->file, std::move(file));
            it->lastUse = now;
            return;
        }
        if (entries_.size() >= capacity_) {
            auto oldest = entries_.begin();
            for (auto i = entries_.begin(); i != entries_.end(); ++i) {
                if (i->lastUse < oldest->lastUse)
                    oldest = i;
            }
            evicted = std::move(oldest->file);
            entries_.erase(oldest);
        }
        const bool wasEmpty = entries_.isEmpty();
        entries_.insert(path, Entry{std::move(file), now});
        if (wasEmpty)
            wake_.notify_one();
    }
}

void OpenFileCache::drop(const QByteArray &path, const Handle &file)
{
    Handle dropped;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    if (it != entries_.end() && it->file == file) {
        dropped = std::move(it->file);
        entries_.erase(it);
    }
    // `dropped` is the caller's copy too, so its close never happens under the lock.
}

void OpenFileCache::invalidate(QByteArrayView path)
{
    std::vector<Handle> dropped;
    {
        std::lock_guard lock(mutex_);
        ++generation_;
        for (auto it = entries_.begin(); it != entries_.end();) {
            const QByteArray &key = it.key();
            const bool beneath = path.isEmpty()
                || (key.startsWith(path)
                    && (key.size() == path.size() || key.at(path.size()) == '/'));
            if (beneath) {
                dropped.push_back(std::move(it->file));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
    }
}

int OpenFileCache::size() const
{
    std::lock_guard lock(mutex_);
    return int(entries_.size());
}

void OpenFileCache::runJanitor(std::stop_token stop)
{
    const auto period = std::clamp(idleTimeout_ / 4, std::chrono::milliseconds(1),
                                   std::chrono::milliseconds(1000));
    std::vector<Handle> expired;
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        if (entries_.isEmpty())
            wake_.wait(lock, stop, [this] { return !entries_.isEmpty(); });
        else
            wake_.wait_for(lock, stop, period, [] { return false; });
        if (stop.stop_requested())
            break;
        const auto deadline = Clock::now() - idleTimeout_;
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (it->lastUse <= deadline) {
                expired.push_back(std::move(it->file));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
        if (!expired.empty()) {
            lock.unlock();
            expired.clear();
            lock.lock();
        }
    }
}

} // namespace loft
