#include "ReadAhead.h"

#include <algorithm>

namespace loft::cache {

namespace {
constexpr uint32_t kBehindTolerance = 16; // out-of-order arrivals from parallel READs
}

ReadAhead::ReadAhead(int maxWindowBlocks, int maxFiles)
    : maxWindow_(std::max(0, maxWindowBlocks))
    , maxFiles_(std::max(1, maxFiles))
{
}

std::vector<uint32_t> ReadAhead::onRead(const QByteArray &path, uint32_t first, uint32_t last,
                                        uint32_t blockCount)
{
    std::vector<uint32_t> ahead;
    if (maxWindow_ == 0)
        return ahead;
    std::lock_guard lock(mutex_);
    auto it = files_.find(path);
    if (it == files_.end()) {
        if (files_.size() >= maxFiles_) {
            files_.remove(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(path);
        State s;
        s.furthest = last;
        s.streak = first == 0 ? 1 : 0; // reading from the start looks like the start of a stream
        s.lru = lru_.begin();
        files_.insert(path, s);
        return ahead;
    }
    State &s = *it;
    lru_.splice(lru_.begin(), lru_, s.lru);
    // Parallel READs also skip a little ahead (the one in between is still on its way).
    const uint32_t aheadTolerance = std::max<uint32_t>(2, s.window);
    const bool sequential = uint64_t(first) <= uint64_t(s.furthest) + 1 + aheadTolerance
        && uint64_t(first) + kBehindTolerance >= s.furthest;
    if (!sequential) {
        s.streak = 0;
        s.window = 0;
        s.furthest = last;
        return ahead;
    }
    ++s.streak;
    s.furthest = std::max(s.furthest, last);
    if (s.streak < 2)
        return ahead;
    s.window = s.window == 0 ? 2 : std::min<uint32_t>(s.window * 2, uint32_t(maxWindow_));
    const uint64_t end = std::min<uint64_t>(uint64_t(s.furthest) + 1 + s.window, blockCount);
    for (uint64_t b = uint64_t(s.furthest) + 1; b < end; ++b)
        ahead.push_back(uint32_t(b));
    return ahead;
}

void ReadAhead::forget(const QByteArray &path)
{
    std::lock_guard lock(mutex_);
    auto it = files_.find(path);
    if (it == files_.end())
        return;
    lru_.erase(it->lru);
    files_.erase(it);
}

} // namespace loft::cache
