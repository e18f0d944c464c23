// The open SFTP file handles of one session, keyed by path, so that a stream of READ and
// WRITE calls on a file does not pay an OPEN and a CLOSE round trip per call.
//
// Only the thread holding the session touches it (closing a handle is a request to the
// server). Entries are dropped when the provider changes a name (invalidate, and the
// shared SftpInvalidationLog for the other sessions), when idle for `idle`, and at the
// latest `maxAge` after they were opened, which bounds how long a file replaced on the
// server behind Loft's back can still be served from its old handle.
#pragma once

#include "LibsshPtr.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>

#include <chrono>
#include <unordered_map>

namespace loft {

class SftpInvalidationLog;

class SftpHandleCache {
public:
    using Clock = std::chrono::steady_clock;
    enum class Access { Read, Write };

    SftpHandleCache(int capacity, std::chrono::milliseconds idle,
                    std::chrono::milliseconds maxAge = std::chrono::seconds(60));

    // The cached handle for path allowing `access`, or null.
    sftp_file find(const QByteArray &path, Access access);
    // Caches `file` (opened for reading and/or writing), replacing any older entry and
    // evicting the least recently used one when full (capacity is at least 1: the handle
    // a call is using lives here). Returns the handle, which stays owned by the cache.
    sftp_file insert(const QByteArray &path, libssh::SftpFilePtr file, bool readable,
                     bool writable);
    // Closes the handle of `path` and of everything beneath it ("" means all).
    void invalidate(QByteArrayView path);
    // Replays names changed by other sessions.
    void sync(const SftpInvalidationLog &log);
    // Closes handles idle or old enough; returns how many are left.
    int expire(Clock::time_point now);
    bool isEmpty() const { return entries_.empty(); }

private:
    struct Entry {
        libssh::SftpFilePtr file;
        bool readable = false;
        bool writable = false;
        Clock::time_point opened;
        Clock::time_point lastUse;
    };
    const int capacity_;
    const std::chrono::milliseconds idle_;
    const std::chrono::milliseconds maxAge_;
    struct Hash {
        size_t operator()(const QByteArray &key) const noexcept { return qHash(key); }
    };
    std::unordered_map<QByteArray, Entry, Hash> entries_;
    uint64_t logPosition_ = 0;
};

} // namespace loft
