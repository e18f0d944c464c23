#include "SftpSessionPool.h"

#include "SftpLog.h"

#include <algorithm>

Q_LOGGING_CATEGORY(lcSftp, "loft.sftp", QtInfoMsg)

namespace loft {

namespace {
bool transient(const SftpConnectError &error)
{
    switch (error.kind) {
    case SftpConnectError::Kind::ConnectionRefused:
    case SftpConnectError::Kind::Unreachable:
    case SftpConnectError::Kind::Protocol:
    case SftpConnectError::Kind::SftpUnavailable: return true;
    default: return false;
    }
}
} // namespace

SftpSessionPool::SftpSessionPool(SftpOptions options)
    : options_(std::move(options))
{
    hostKeys_.acceptNew = options_.acceptNewHostKey;
    hostKeys_.approvedFingerprint = options_.approvedHostKey;
    hostKeys_.saveApproved = options_.saveApprovedHostKey;
    slots_.resize(size_t(std::clamp(options_.sessions, 1, 32)));
    for (Slot &slot : slots_) {
        slot.watch = std::make_shared<SftpWatch>(options_.timeout);
        watchdog_.add(slot.watch);
    }
}

SftpSessionPool::~SftpSessionPool()
{
    janitor_.request_stop();
    if (janitor_.joinable())
        janitor_.join();
    // Closing says goodbye to the server (CLOSE for cached handles, channel close): one
    // common deadline bounds all of it, also when the server stopped answering.
    const auto bound = std::min<std::chrono::milliseconds>(options_.timeout, std::chrono::seconds(5));
    const auto deadline = Clock::now() + bound;
    for (Slot &slot : slots_)
        slot.watch->arm(deadline);
    for (Slot &slot : slots_) {
        slot.session.reset();
        slot.watch->disarm();
    }
}

bool SftpSessionPool::start(SftpConnectError *error)
{
    Slot &slot = slots_.front();
    const auto deadline = Clock::now() + options_.timeout;
    slot.watch->arm(deadline);
    HostKeyVerdict verdict;
    slot.session = SftpSession::connect(options_, hostKeys_, slot.watch, deadline, error, &verdict);
    slot.watch->disarm();
    if (!slot.session) {
        noteConnectError(*error);
        return false;
    }
    hostKey_ = verdict;
    hostKeys_.pinnedFingerprint = verdict.info.fingerprint;
    extensions_ = slot.session->extensions();
    if (verdict.saved)
        qCInfo(lcSftp).noquote() << "added the" << verdict.info.keyType << "host key"
                                 << verdict.info.fingerprint << "of"
                                 << verdict.info.knownHostsName() << "to"
                                 << verdict.info.knownHostsFile;
    if (!verdict.saveWarning.isEmpty())
        qCWarning(lcSftp).noquote() << verdict.saveWarning;
    janitor_ = std::jthread([this](std::stop_token stop) { runJanitor(std::move(stop)); });
    return true;
}

QString SftpSessionPool::lastError() const
{
    std::lock_guard lock(mutex_);
    return lastError_;
}

int SftpSessionPool::connectedSessions() const
{
    std::lock_guard lock(mutex_);
    return int(std::count_if(slots_.begin(), slots_.end(),
                             [](const Slot &s) { return s.session != nullptr; }));
}

void SftpSessionPool::noteConnectError(const SftpConnectError &error)
{
    std::lock_guard lock(mutex_);
    if (error.message != lastError_)
        qCWarning(lcSftp).noquote() << error.message;
    lastError_ = error.message;
}

FsResult<SftpSessionPool::Lease> SftpSessionPool::acquire(Clock::time_point deadline)
{
    size_t index = 0;
    {
        std::unique_lock lock(mutex_);
        auto pick = [this, &index] {
            // A connected session first; an empty slot only when none is free.
            for (int pass = 0; pass < 2; ++pass) {
                for (size_t i = 0; i < slots_.size(); ++i) {
                    if (!slots_[i].busy && (pass == 1 || slots_[i].session)) {
                        index = i;
                        return true;
                    }
                }
            }
            return false;
        };
        if (!freed_.wait_until(lock, deadline, pick))
            return FsError::TimedOut;
        slots_[index].busy = true;
    }
    // From here on this thread alone uses the slot.
    Lease lease(this, index);
    Slot &slot = slots_[index];
    slot.watch->arm(deadline);
    if (slot.session && !slot.session->stillUsable()) {
        qCInfo(lcSftp).noquote() << "connection to" << options_.displayTarget()
                                 << "was lost while idle; reconnecting";
        slot.session->abort();
        slot.session.reset();
    }
    if (!slot.session) {
        // A connection can fail in passing (a server restarting, a connection reset during
        // the handshake right after a drop): try a couple of times, briefly.
        for (int attempt = 0;; ++attempt) {
            SftpConnectError error;
            slot.session = SftpSession::connect(options_, hostKeys_, slot.watch, deadline, &error);
            if (slot.session)
                break;
            const auto pause = std::chrono::milliseconds(50 << attempt);
            if (slot.watch->fired() || !transient(error) || attempt == 2
                || Clock::now() + pause >= deadline) {
                noteConnectError(error);
                return slot.watch->fired() ? FsError::TimedOut : error.fsError();
            }
            std::this_thread::sleep_for(pause);
        }
        std::lock_guard lock(mutex_);
        lastError_.clear();
    }
    SftpHandleCache &handles = slot.session->handles();
    handles.sync(invalidations_);
    handles.expire(Clock::now());
    if (slot.session->broken()) // closing an expired handle found the connection gone
        return slot.watch->fired() ? FsError::TimedOut : FsError::Unavailable;
    return lease;
}

SftpSessionPool::Lease::~Lease()
{
    if (pool_)
        pool_->release(slot_);
}

SftpSession &SftpSessionPool::Lease::session() const
{
    return *pool_->slots_[slot_].session;
}

void SftpSessionPool::release(size_t index)
{
    Slot &slot = slots_[index];
    slot.watch->disarm();
    if (slot.session && slot.session->broken())
        slot.session.reset(); // aborts first: nothing waits for a dead server
    {
        std::lock_guard lock(mutex_);
        slot.busy = false;
    }
    freed_.notify_one();
}

void SftpSessionPool::runJanitor(std::stop_token stop)
{
    const auto period = std::clamp<std::chrono::milliseconds>(options_.openFileIdle / 2,
                                                              std::chrono::milliseconds(100),
                                                              std::chrono::seconds(5));
    std::mutex sleepMutex;
    std::condition_variable_any sleeper;
    while (!stop.stop_requested()) {
        {
            std::unique_lock lock(sleepMutex);
            sleeper.wait_for(lock, stop, period, [] { return false; });
        }
        if (stop.stop_requested())
            break;
        for (size_t i = 0; i < slots_.size(); ++i) {
            {
                std::lock_guard lock(mutex_);
                Slot &slot = slots_[i];
                if (slot.busy || !slot.session || slot.session->handles().isEmpty())
                    continue;
                slot.busy = true;
            }
            Lease lease(this, i);
            Slot &slot = slots_[i];
            slot.watch->arm(Clock::now() + options_.timeout);
            if (slot.session->stillUsable()) {
                slot.session->handles().sync(invalidations_);
                slot.session->handles().expire(Clock::now());
            } else {
                slot.session->abort();
            }
        }
    }
}

} // namespace loft
