// What the cache reports to the GUI: a thread-safe snapshot and change notifications.
//
//   CacheStats s = fs.counters().snapshot();          // any thread, any time
//   int id = fs.counters().subscribe([](const CacheStats &s) { ... });
//   fs.counters().unsubscribe(id);
//
// Listeners run on the cache's scheduler thread, at most every `notifyInterval` and only
// when something changed; they must return quickly (a GUI wraps one in a queued signal).
// unsubscribe() returns only once the listener is no longer running.
#pragma once

#include "UploadStatus.h"

#include <QList>
#include <QString>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace loft {

struct CacheStats {
    uint64_t cachedBytes = 0;       // data-cache blocks on disk
    uint64_t cachedFiles = 0;       // files with at least one cached block
    uint64_t limitBytes = 0;        // the configured limit (cached + staged)
    uint64_t stagedBytes = 0;       // local copies of written files (counted in the limit)
    uint64_t pendingUploads = 0;    // files waiting for, or in, upload
    uint64_t pendingUploadBytes = 0;
    uint64_t uploadsInProgress = 0;
    uint64_t uploadsDone = 0;       // since start
    uint64_t uploadFailures = 0;    // failed attempts (each retried with backoff)
    uint64_t conflicts = 0;         // conflict copies made
    uint64_t bytesIn = 0;           // downloaded from the remote
    uint64_t streamedBytes = 0;     // of those, written into the cache as they arrived
    uint64_t bytesOut = 0;          // uploaded to the remote
    uint64_t hitBytes = 0;          // read bytes served locally (cache or staged copy)
    uint64_t missBytes = 0;         // read bytes the reader had to wait for the remote for
    uint64_t metadataHits = 0;      // getattr/lookup/readdir answered from the cache
    uint64_t metadataMisses = 0;
    QString lastUploadError;        // plain words, empty when the last attempt worked
    // The queue file by file, in queue order (at most kMaxListedUploads of them; the
    // totals above count them all): what each waits for and how far its upload got.
    QList<UploadStatus> uploads;
    // Share of read bytes served locally, 0..1 (0 before any read).
    double hitRatio() const
    {
        const uint64_t total = hitBytes + missBytes;
        return total ? double(hitBytes) / double(total) : 0.0;
    }
    friend bool operator==(const CacheStats &, const CacheStats &) = default;
};

class CacheCounters {
public:
    using Listener = std::function<void(const CacheStats &)>;
    // A GUI shows a few hundred rows at most; a queue of 100,000 files is listed in part.
    static constexpr int kMaxListedUploads = 200;

    CacheStats snapshot() const;
    int subscribe(Listener listener);
    void unsubscribe(int id);

    // Called periodically by the cache: notifies listeners when the snapshot changed.
    void notifyIfChanged();

    // Updates, from any thread.
    void addBytesIn(uint64_t n) { bytesIn_ += n; }
    void addStreamedBytes(uint64_t n) { streamedBytes_ += n; }
    void addBytesOut(uint64_t n) { bytesOut_ += n; }
    void addHit(uint64_t n) { hitBytes_ += n; }
    void addMiss(uint64_t n) { missBytes_ += n; }
    void addMetadataHit() { ++metadataHits_; }
    void addMetadataMiss() { ++metadataMisses_; }
    void addUploadDone() { ++uploadsDone_; }
    void addUploadFailure(const QString &why);
    void clearUploadError();
    void addConflict() { ++conflicts_; }
    void setUploads(QList<UploadStatus> uploads);
    void setCache(uint64_t bytes, uint64_t files, uint64_t limit)
    {
        cachedBytes_ = bytes;
        cachedFiles_ = files;
        limitBytes_ = limit;
    }
    void setStaged(uint64_t stagedBytes, uint64_t pendingFiles, uint64_t pendingBytes,
                   uint64_t inProgress)
    {
        stagedBytes_ = stagedBytes;
        pendingUploads_ = pendingFiles;
        pendingUploadBytes_ = pendingBytes;
        uploadsInProgress_ = inProgress;
    }

private:
    std::atomic<uint64_t> cachedBytes_{0}, cachedFiles_{0}, limitBytes_{0}, stagedBytes_{0},
        pendingUploads_{0}, pendingUploadBytes_{0}, uploadsInProgress_{0}, uploadsDone_{0},
        uploadFailures_{0}, conflicts_{0}, bytesIn_{0}, streamedBytes_{0}, bytesOut_{0}, hitBytes_{0},
        missBytes_{0}, metadataHits_{0}, metadataMisses_{0};
    mutable std::mutex errorMutex_; // guards the two below
    QString lastUploadError_;
    QList<UploadStatus> uploads_;

    std::mutex listenersMutex_; // held while listeners run: unsubscribe waits for them
    std::map<int, Listener> listeners_;
    int nextId_ = 1;
    CacheStats lastNotified_;
};

} // namespace loft
