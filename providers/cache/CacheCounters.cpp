#include "CacheCounters.h"

namespace loft {

CacheStats CacheCounters::snapshot() const
{
    CacheStats s;
    s.cachedBytes = cachedBytes_;
    s.cachedFiles = cachedFiles_;
    s.limitBytes = limitBytes_;
    s.stagedBytes = stagedBytes_;
    s.pendingUploads = pendingUploads_;
    s.pendingUploadBytes = pendingUploadBytes_;
    s.uploadsInProgress = uploadsInProgress_;
    s.uploadsDone = uploadsDone_;
    s.uploadFailures = uploadFailures_;
    s.conflicts = conflicts_;
    s.bytesIn = bytesIn_;
    s.streamedBytes = streamedBytes_;
    s.bytesOut = bytesOut_;
    s.hitBytes = hitBytes_;
    s.missBytes = missBytes_;
    s.metadataHits = metadataHits_;
    s.metadataMisses = metadataMisses_;
    std::lock_guard lock(errorMutex_);
    s.lastUploadError = lastUploadError_;
    s.uploads = uploads_;
    return s;
}

int CacheCounters::subscribe(Listener listener)
{
    std::lock_guard lock(listenersMutex_);
    const int id = nextId_++;
    listeners_.emplace(id, std::move(listener));
    return id;
}

void CacheCounters::unsubscribe(int id)
{
    std::lock_guard lock(listenersMutex_);
    listeners_.erase(id);
}

void CacheCounters::notifyIfChanged()
{
    const CacheStats now = snapshot();
    std::lock_guard lock(listenersMutex_);
    if (now == lastNotified_)
        return;
    lastNotified_ = now;
    for (auto &[id, listener] : listeners_)
        listener(now);
}

void CacheCounters::addUploadFailure(const QString &why)
{
    ++uploadFailures_;
    std::lock_guard lock(errorMutex_);
    lastUploadError_ = why;
}

void CacheCounters::setUploads(QList<UploadStatus> uploads)
{
    std::lock_guard lock(errorMutex_);
    uploads_ = std::move(uploads);
}

void CacheCounters::clearUploadError()
{
    std::lock_guard lock(errorMutex_);
    lastUploadError_.clear();
}

} // namespace loft
