// One thread that runs short callbacks at given times: upload delays, retry backoff and
// the counters' notification tick. Callbacks must not block; they start asynchronous work.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace loft::cache {

class TaskScheduler {
public:
    using Clock = std::chrono::steady_clock;

    TaskScheduler();
    ~TaskScheduler(); // stop()
    TaskScheduler(const TaskScheduler &) = delete;
    TaskScheduler &operator=(const TaskScheduler &) = delete;

    // Runs `task` on the scheduler thread after `delay`. Returns an id for cancel().
    uint64_t schedule(std::chrono::milliseconds delay, std::function<void()> task);
    // True when the task was still waiting (it will not run).
    bool cancel(uint64_t id);
    // Drops every waiting task and joins the thread; a running task finishes first.
    // Must not be called from a task.
    void stop();

private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<Clock::time_point, uint64_t> byTime_;
    struct Entry {
        Clock::time_point due;
        std::function<void()> task;
    };
    std::unordered_map<uint64_t, Entry> tasks_;
    uint64_t nextId_ = 1;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace loft::cache
