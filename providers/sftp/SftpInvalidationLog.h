// The names that changed meaning (removed, renamed over, renamed away), shared by all
// sessions of a source so that each can drop its own cached open handles for them.
//
// A handle belongs to one session and only the thread holding that session may close it,
// so invalidation is a log rather than a call: the provider appends a path after the
// change took effect and before it answers; every session replays what it has not seen
// yet when it is next leased, before it serves anything. A session that fell more than
// the log's capacity behind drops all of its handles.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <deque>
#include <mutex>

namespace loft {

class SftpInvalidationLog {
public:
    explicit SftpInvalidationLog(size_t capacity = 4096) : capacity_(capacity) {}

    // `path` and everything beneath it changed meaning.
    void add(QByteArrayView path);
    // The position just past the newest entry.
    uint64_t end() const;

    // Calls f(path) for each entry from `position` on, then sets `position` to end().
    // When entries were trimmed before the reader saw them, calls f("") once: everything.
    template <class F>
    void replay(uint64_t &position, F &&f) const
    {
        std::lock_guard lock(mutex_);
        const uint64_t end = first_ + entries_.size();
        if (position >= end)
            return;
        if (position < first_) {
            f(QByteArrayView());
        } else {
            for (uint64_t i = position; i < end; ++i)
                f(QByteArrayView(entries_[size_t(i - first_)]));
        }
        position = end;
    }

private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<QByteArray> entries_;
    uint64_t first_ = 0; // position of entries_.front()
};

} // namespace loft
