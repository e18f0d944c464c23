// Decides whether a quick metadata query (getattr, lookup, readlink) of the local provider
// runs right on the caller's thread instead of hopping to the provider's pool.
//
// Answered from the kernel's caches, such a query takes a microsecond or two, while a hop
// to the pool and back costs two thread wake-ups -- most of a GETATTR's latency when
// profiled. So quick queries run inline, until one of them turns out slow (a folder on a
// sleeping disk or a network filesystem): then every query goes to the pool for a while,
// and the caller's thread (the NFS server's event loop) is never held up for long twice.
// "Slow" means longer than the limit *and* the thread slept meanwhile (a voluntary context
// switch: waiting for the disk or a lock); a call that only lost the CPU to other busy
// processes is not the storage's fault and does not close the gate. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include <sys/resource.h>

namespace loft {

class QuickCallGate {
public:
    using Clock = std::chrono::steady_clock;

    // `enabled` false: never inline. A call longer than `slowLimit` closes the gate for
    // `backoff`.
    QuickCallGate(bool enabled, std::chrono::microseconds slowLimit,
                  std::chrono::milliseconds backoff)
        : enabled_(enabled), slowLimit_(slowLimit), backoff_(backoff) {}

    bool isOpen() const
    {
        return enabled_ && Clock::now().time_since_epoch().count() >= closedUntil_.load(std::memory_order_relaxed);
    }

    // Runs `call` inline and records how long it took.
    template <class F>
    auto run(F &&call)
    {
        const long sleptBefore = sleeps();
        const auto start = Clock::now();
        auto result = call();
        const auto end = Clock::now();
        if (end - start > slowLimit_ && sleeps() != sleptBefore)
            closedUntil_.store((end + backoff_).time_since_epoch().count(), std::memory_order_relaxed);
        return result;
    }

private:
    // Voluntary context switches of this thread so far (-1 where unknown: then every call
    // over the limit counts as slow).
    static long sleeps()
    {
#ifdef RUSAGE_THREAD
        struct rusage u;
        if (::getrusage(RUSAGE_THREAD, &u) == 0)
            return u.ru_nvcsw;
#endif
        thread_local long tick = 0;
        return ++tick; // differs on every call: no way to tell, so trust the clock alone
    }

    const bool enabled_;
    const std::chrono::microseconds slowLimit_;
    const std::chrono::milliseconds backoff_;
    std::atomic<Clock::rep> closedUntil_{0};
};

} // namespace loft
