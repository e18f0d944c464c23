#include "SftpWatchdog.h"

#include <sys/socket.h>

namespace loft {

void SftpWatch::attach(int fd)
{
    std::lock_guard lock(mutex_);
    fd_ = fd;
    fired_ = false;
}

void SftpWatch::detach()
{
    // Only the socket goes: a lease that replaces a dead session keeps its deadline for
    // connecting the next one.
    std::lock_guard lock(mutex_);
    fd_ = -1;
}

void SftpWatch::arm(Clock::time_point deadline)
{
    std::lock_guard lock(mutex_);
    armed_ = true;
    deadline_ = deadline;
}

void SftpWatch::progress()
{
    const auto deadline = Clock::now() + timeout_;
    std::lock_guard lock(mutex_);
    if (deadline > deadline_)
        deadline_ = deadline;
}

void SftpWatch::disarm()
{
    std::lock_guard lock(mutex_);
    armed_ = false;
}

bool SftpWatch::fired() const
{
    std::lock_guard lock(mutex_);
    return fired_;
}

void SftpWatch::check(Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    if (armed_ && !fired_ && fd_ >= 0 && now >= deadline_) {
        // Wakes the blocked poll() in libssh; every later read or write on the socket
        // fails. The descriptor itself stays open until its owner closes it.
        ::shutdown(fd_, SHUT_RDWR);
        fired_ = true;
    }
}

SftpWatchdog::SftpWatchdog()
    : thread_([this](std::stop_token stop) { run(std::move(stop)); })
{
}

SftpWatchdog::~SftpWatchdog()
{
    thread_.request_stop();
    if (thread_.joinable())
        thread_.join();
}

void SftpWatchdog::add(std::shared_ptr<SftpWatch> watch)
{
    std::lock_guard lock(mutex_);
    watches_.push_back(std::move(watch));
}

void SftpWatchdog::run(std::stop_token stop)
{
    // A tenth of a second of slack on a timeout of seconds is plenty.
    constexpr auto kPeriod = std::chrono::milliseconds(100);
    std::unique_lock lock(mutex_);
    while (!stop.stop_requested()) {
        wake_.wait_for(lock, stop, kPeriod, [] { return false; });
        const auto now = SftpWatch::Clock::now();
        for (const auto &watch : watches_)
            watch->check(now);
    }
}

} // namespace loft
