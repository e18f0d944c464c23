// A small pool of SFTP sessions for one source. A call leases one session for its whole
// duration (a session is used by one thread at a time), and the pool keeps them healthy:
//
// - sessions connect lazily, up to options.sessions; the first one at start(), on the
//   caller's thread, so that host key and login problems surface at once;
// - every later session must show the host key the first one verified (pinned);
// - a leased session that went dead while idle (server restarted, connection dropped) is
//   replaced before the caller sees it; one that fails during a call is discarded by the
//   caller's lease (SftpSession::broken);
// - a watchdog bounds every call (SftpWatchdog.h), and a janitor closes cached file
//   handles that went idle on idle sessions.
#pragma once

#include "FileSystem.h"
#include "HostKeyVerifier.h"
#include "SftpConnectError.h"
#include "SftpInvalidationLog.h"
#include "SftpOptions.h"
#include "SftpSession.h"
#include "SftpWatchdog.h"

#include <QString>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace loft {

class SftpSessionPool {
public:
    using Clock = std::chrono::steady_clock;

    explicit SftpSessionPool(SftpOptions options);
    // Closes every session (politely, each bounded by the timeout). No lease may be out.
    ~SftpSessionPool();
    SftpSessionPool(const SftpSessionPool &) = delete;
    SftpSessionPool &operator=(const SftpSessionPool &) = delete;

    // Connects the first session on the calling thread.
    bool start(SftpConnectError *error);

    const SftpOptions &options() const { return options_; }
    // What the server offers (from the first session).
    const SftpSession::Extensions &extensions() const { return extensions_; }
    // The host key start() trusted, and whether it was added to known_hosts.
    const HostKeyVerdict &hostKey() const { return hostKey_; }
    SftpInvalidationLog &invalidations() { return invalidations_; }
    // Why the last connection attempt failed; empty after a success.
    QString lastError() const;
    int connectedSessions() const;

    class Lease {
    public:
        Lease(Lease &&other) noexcept : pool_(std::exchange(other.pool_, nullptr)), slot_(other.slot_) {}
        Lease &operator=(Lease &&) = delete;
        ~Lease();
        SftpSession &session() const;

    private:
        friend class SftpSessionPool;
        Lease(SftpSessionPool *pool, size_t slot) : pool_(pool), slot_(slot) {}
        SftpSessionPool *pool_;
        size_t slot_;
    };

    // A connected session in step with the others, its watch armed until `deadline`
    // (progress pushes it out). Waits for a free session until then. Errors: TimedOut,
    // Unavailable (cannot connect), as SftpConnectError::fsError() says.
    FsResult<Lease> acquire(Clock::time_point deadline);

private:
    struct Slot {
        std::unique_ptr<SftpSession> session;
        std::shared_ptr<SftpWatch> watch;
        bool busy = false;
    };
    void release(size_t slot);
    void noteConnectError(const SftpConnectError &error);
    void runJanitor(std::stop_token stop);

    const SftpOptions options_;
    HostKeyPolicy hostKeys_;
    SftpWatchdog watchdog_;
    SftpInvalidationLog invalidations_;
    SftpSession::Extensions extensions_;
    HostKeyVerdict hostKey_;

    mutable std::mutex mutex_;
    std::condition_variable_any freed_;
    std::vector<Slot> slots_;
    QString lastError_;
    std::jthread janitor_; // last: started after everything it uses
};

} // namespace loft
