// Bounds every blocking libssh call. libssh 0.10 can wait forever on a server that stops
// answering (its SFTP packet reader retries a timed-out channel read indefinitely), so
// each session's socket is watched from outside: a call that sees no progress before its
// deadline gets its socket shut down, which makes libssh fail at once, and the session
// is then discarded.
//
// One SftpWatch per session slot. The thread holding the slot attaches the socket,
// arms a deadline, reports progress (which pushes the deadline out) and disarms; only
// the watchdog thread shuts sockets down, and only while the watch is attached, under
// the watch's lock: the holder detaches before it closes the descriptor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace loft {

class SftpWatch {
public:
    using Clock = std::chrono::steady_clock;

    explicit SftpWatch(std::chrono::milliseconds timeout) : timeout_(timeout) {}

    void attach(int fd);
    void detach();
    // Starts a call that must see progress before `deadline`.
    void arm(Clock::time_point deadline);
    // Something arrived: the call may go on for another timeout.
    void progress();
    void disarm();
    // The watchdog shut the socket down because the deadline passed.
    bool fired() const;
    std::chrono::milliseconds timeout() const { return timeout_; }

private:
    friend class SftpWatchdog;
    void check(Clock::time_point now);

    const std::chrono::milliseconds timeout_;
    mutable std::mutex mutex_;
    int fd_ = -1;
    bool armed_ = false;
    bool fired_ = false;
    Clock::time_point deadline_;
};

class SftpWatchdog {
public:
    SftpWatchdog();
    ~SftpWatchdog();
    SftpWatchdog(const SftpWatchdog &) = delete;
    SftpWatchdog &operator=(const SftpWatchdog &) = delete;

    void add(std::shared_ptr<SftpWatch> watch);

private:
    void run(std::stop_token stop);

    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<std::shared_ptr<SftpWatch>> watches_;
    std::jthread thread_; // last: started after everything it uses
};

} // namespace loft
