// A small, thread-safe LRU cache of open file descriptors keyed by path, so a stream of
// READ/WRITE calls on one file does not open and close it per call.
//
// Correctness rules:
// - A path's entry is dropped (invalidate) after the provider removes or renames that path
//   or any directory above it, so a cached descriptor never serves a path that now names
//   another file. Callers invalidate after the change is made.
// - Insertion is refused when any invalidation happened while the caller was opening the
//   file (it passes the generation() it saw before opening), which closes the window
//   between "opened the old file" and "path renamed".
// - Changes made behind the provider's back: callers check st_nlink == 0 on the descriptor
//   (the file was unlinked or replaced) and drop() the entry; other external renames are
//   bounded by the idle timeout.
// Descriptors are shared: an evicted entry is closed when its last user finishes. Entries
// idle longer than the idle timeout are closed by a janitor thread.
#pragma once

#include "UniqueFd.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace loft {

class OpenFileCache {
public:
    struct OpenFile {
        UniqueFd fd;
        bool readable = false;
        bool writable = false;
    };
    using Handle = std::shared_ptr<const OpenFile>;
    enum class Access { Read, Write };

    OpenFileCache(int capacity, std::chrono::milliseconds idleTimeout);
    ~OpenFileCache();
    OpenFileCache(const OpenFileCache &) = delete;
    OpenFileCache &operator=(const OpenFileCache &) = delete;

    // The cached descriptor for path if it allows `access`, else null.
    Handle find(const QByteArray &path, Access access);
    // Read before opening a file that will be passed to insert().
    uint64_t generation() const;
    void insert(const QByteArray &path, Handle file, uint64_t generationBeforeOpen);
    // Drops path's entry if it is still `file` (found stale by the caller).
    void drop(const QByteArray &path, const Handle &file);
    // Drops path and every entry beneath it (empty path: everything).
    void invalidate(QByteArrayView path);

    int size() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Entry {
        Handle file;
        Clock::time_point lastUse;
    };
    void runJanitor(std::stop_token stop);

    const int capacity_;
    const std::chrono::milliseconds idleTimeout_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    QHash<QByteArray, Entry> entries_;
    uint64_t generation_ = 0;
    std::jthread janitor_; // last: started after everything it uses
};

} // namespace loft
