#include "TaskScheduler.h"

namespace loft::cache {

TaskScheduler::TaskScheduler() : thread_([this] { run(); }) {}

TaskScheduler::~TaskScheduler()
{
    stop();
}

uint64_t TaskScheduler::schedule(std::chrono::milliseconds delay, std::function<void()> task)
{
    std::lock_guard lock(mutex_);
    if (stopping_)
        return 0;
    const uint64_t id = nextId_++;
    const auto due = Clock::now() + std::max(delay, std::chrono::milliseconds(0));
    tasks_.emplace(id, Entry{due, std::move(task)});
    byTime_.emplace(due, id);
    wake_.notify_one();
    return id;
}

bool TaskScheduler::cancel(uint64_t id)
{
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(id);
    if (it == tasks_.end())
        return false;
    auto range = byTime_.equal_range(it->second.due);
    for (auto t = range.first; t != range.second; ++t) {
        if (t->second == id) {
            byTime_.erase(t);
            break;
        }
    }
    tasks_.erase(it);
    return true;
}

void TaskScheduler::stop()
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable())
            return;
        stopping_ = true;
        byTime_.clear();
        tasks_.clear();
        wake_.notify_one();
    }
    if (thread_.joinable())
        thread_.join();
}

void TaskScheduler::run()
{
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (byTime_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const auto first = byTime_.begin();
        const Clock::time_point due = first->first; // a copy: stop() may free the node
        if (due > Clock::now()) {
            wake_.wait_until(lock, due);
            continue;
        }
        const uint64_t id = first->second;
        byTime_.erase(first);
        auto it = tasks_.find(id);
        if (it == tasks_.end())
            continue;
        std::function<void()> task = std::move(it->second.task);
        tasks_.erase(it);
        lock.unlock();
        task();
        lock.lock();
    }
}

} // namespace loft::cache
