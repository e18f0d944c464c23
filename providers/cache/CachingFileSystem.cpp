#include "CachingFileSystem.h"

#include "BlockFetcher.h"
#include "BlockStore.h"
#include "CachePaths.h"
#include "ConflictNamer.h"
#include "Crc32c.h"
#include "LinkGroups.h"
#include "MetadataCache.h"
#include "ReadAhead.h"
#include "SharedSlice.h"
#include "StagingArea.h"
#include "TaskScheduler.h"
#include "UploadQueue.h"

#include <QDateTime>
#include <QDir>
#include <QLockFile>
#include <QLoggingCategory>
#include <QSet>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

Q_LOGGING_CATEGORY(lcCache, "loft.cache")

namespace loft {

using namespace cache;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr uint32_t kBlock = BlockStore::kBlockSize;
// How often a write or truncate starts over when its staged copy was uploaded and dropped
// under it (each time needs another upload to finish in that short window).
constexpr int kStagedRetries = 3;
constexpr int kFillParallelism = 4;
constexpr int kMaxConflictAttempts = 50;
const milliseconds kCountersTick{250};
// readToSend answers reads larger than this with slices of the block cache's data files.
constexpr uint32_t kSliceMinBytes = 64u << 10;

FsTime nowTime()
{
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    return FsTime{ms / 1000, uint32_t((ms % 1000) * 1000000)};
}

FsTime applyTime(FsSetAttr::TimeHow how, const FsTime &given, const FsTime &current)
{
    switch (how) {
    case FsSetAttr::TimeHow::Keep: return current;
    case FsSetAttr::TimeHow::ServerNow: return nowTime();
    case FsSetAttr::TimeHow::Given: return given;
    }
    return current;
}

// The remote cannot answer right now (as opposed to answering "no").
bool unreachable(FsError e)
{
    return e == FsError::Unavailable || e == FsError::TimedOut;
}

// Why an upload failed, in words a person can act on.
QString uploadFailureReason(FsError e)
{
    switch (e) {
    case FsError::Unavailable: return QStringLiteral("the server cannot be reached; check the network connection");
    case FsError::TimedOut: return QStringLiteral("the server did not answer in time");
    case FsError::AccessDenied:
        return QStringLiteral("the server refused access; check the user name, the password and "
                              "your permissions on the folder");
    case FsError::NotPermitted: return QStringLiteral("the server does not allow you to change this file");
    case FsError::ReadOnly: return QStringLiteral("the server only allows reading");
    case FsError::NoSpace: return QStringLiteral("the server's disk is full");
    case FsError::QuotaExceeded: return QStringLiteral("your storage quota on the server is used up");
    case FsError::FileTooBig: return QStringLiteral("the file is larger than the server accepts");
    case FsError::NotFound: return QStringLiteral("its folder no longer exists on the server");
    case FsError::NotDirectory: return QStringLiteral("a file on the server is in the way of its folder");
    case FsError::IsDirectory: return QStringLiteral("a folder of the same name is on the server");
    case FsError::NameTooLong: return QStringLiteral("the server does not accept a name this long");
    case FsError::InvalidName: return QStringLiteral("the server does not accept this name");
    case FsError::Exists: return QStringLiteral("the file changed on the server meanwhile");
    default:
        return QStringLiteral("the server reported an error (%1)").arg(QString::fromLatin1(fsErrorName(e)));
    }
}

// `detail`: the provider's own sentence for this failure, when it has one.
QString uploadErrorText(const QByteArray &path, FsError e, const QString &detail = {})
{
    const QString name = QString::fromUtf8(path);
    if (!detail.isEmpty())
        return QStringLiteral("Could not upload %1: %2 Loft keeps the file and tries again.")
            .arg(name, detail);
    return QStringLiteral("Could not upload %1: %2. Loft keeps the file and tries again.")
        .arg(name, uploadFailureReason(e));
}

} // namespace

// ---------------------------------------------------------------------------------------
// The shared state behind a CachingFileSystem. Async work holds a shared_ptr to it (timer
// tasks a weak_ptr), so completions arriving after the handle is gone stay safe.

class CachingFileSystem::Core : public std::enable_shared_from_this<Core> {
public:
    Core(std::shared_ptr<FileSystem> inner, const CacheConfig &config);
    ~Core();
    bool open(QString *error);
    void shutdown();

    // Metadata
    void attrOf(const QByteArray &path, FsDone<FsAttr> done);
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done);
    void readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done);
    // Data
    // `toSend` (readToSend): a read within one stored block may be answered with a slice
    // of the block's data file.
    void read(const QByteArray &path, uint64_t offset, uint32_t count, FsDone<FsReadResult> done,
              bool toSend = false);
    // `attempt`: a write or truncate whose staged copy was just uploaded and dropped
    // (between finding it and changing it) starts over, a bounded number of times.
    void write(const QByteArray &path, uint64_t offset, const QByteArray &data,
               FsStability stability, FsDone<FsWriteResult> done, int attempt = 0);
    void commit(const QByteArray &path, FsDone<FsAttr> done);
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done,
                 int attempt = 0);
    // Names
    void create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                const FsSetAttr &initial, const QByteArray &verifier, FsDone<FsCreated> done);
    void remove(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done);
    void rmdir(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done);
    void link(const QByteArray &path, const QByteArray &toDir, const QByteArray &toName,
              FsDone<FsLinked> done);
    void rename(const QByteArray &fromDir, const QByteArray &fromName, const QByteArray &toDir,
                const QByteArray &toName, FsDone<FsRenamed> done);
    // A change made by the inner provider that we only need to forget about.
    // Something at path changed: drops cached metadata and, when its bytes may have
    // changed (`bytesChanged`), cached blocks and fetches in flight.
    void changed(const QByteArray &path, bool tree = false, bool bytesChanged = true);
    // Drops what is cached for another name of a file that changed.
    void forgetOtherName(const QByteArray &path, bool bytesChanged);
    void changedCreated(const QByteArray &path, const FsResult<FsCreated> &r);

    void clearCache();
    void uploadNow();
    bool waitForUploads(milliseconds timeout);
    CacheStats stats();

    std::shared_ptr<FileSystem> inner_;
    CacheConfig config_;
    FsCapabilities caps_;
    bool dataCache_ = false;
    bool writeBack_ = false;
    CacheCounters counters_;

private:
    struct Staged {
        QueuedUpload q;
        bool ready = false; // false while the local copy is being filled from the remote
        std::vector<std::function<void(std::optional<FsError>)>> readyWaiters;
        uint64_t generation = 1;     // bumps at every content change
        uint64_t uploadingGeneration = 0;
        bool uploading = false;
        bool timerArmed = false;
        Clock::time_point lastChange = Clock::now();
        int failures = 0;
        bool conflict = false;       // the remote changed underneath: upload a conflict copy
        QByteArray conflictPath;     // where the conflict copy went (re-uploads follow it)
        bool folderSynced = false;   // the staged file's directory entry is durable
        bool dropped = false;        // removed while still filling: finishStaging cleans up
        std::vector<std::function<void()>> afterUpload;
        // Bytes of the upload in progress on the wire; written by progress callbacks on any
        // thread, read by the snapshot.
        std::shared_ptr<std::atomic<uint64_t>> sent = std::make_shared<std::atomic<uint64_t>>(0);
        QString lastError;    // why the last attempt failed (plain words); empty after a success
        QString attemptDetail; // the provider's sentence for the attempt that just ended
        FsError lastFailure = FsError::Io;
    };

    void runOnPool(std::function<void()> task);
    std::shared_ptr<void> keepAlive() { return shared_from_this(); }
    bool stopping() const { return stopping_.load(); }

    // Staging
    void ensureStaged(const QByteArray &path, std::optional<uint64_t> truncateTo,
                      std::function<void(FsResult<uint64_t>)> done);
    void fillStaged(uint64_t id, const QByteArray &path, const FsAttr &base,
                    uint64_t fillSize, std::optional<uint64_t> truncateTo);
    void finishStaging(uint64_t id, std::optional<FsError> error, FsAttr attr);
    std::optional<uint64_t> readyStagedId(const QByteArray &path, FsAttr *attr = nullptr);
    void dropStagedLocked(uint64_t id);
    void applyStagedSetattr(uint64_t id, const QByteArray &path, const FsSetAttr &changes,
                            FsDone<FsAttr> done, int attempt);
    void overlayStaged(const QByteArray &dir, QList<FsDirEntry> &entries);
    void publishStagedCounters();
    // The per-file list (CacheStats::uploads): built on the counters tick and for stats(),
    // not at every WRITE.
    void publishUploadList();
    // Runs `fn` once no staged file within `root` is being uploaded.
    void whenNotUploading(const QByteArray &root, std::function<void()> fn);

    // Uploads
    void armTimerLocked(Staged &s, milliseconds delay);
    void uploadTimerFired(uint64_t id);
    void startUpload(uint64_t id);
    void uploadFinished(uint64_t id, const QByteArray &target, uint64_t bytes,
                        FsResult<FsAttr> result, bool conflictCopy);
    void uploadConflictCopy(uint64_t id, int attempt);
    // inner_->upload of the staged file, or (for random-write stores without upload())
    // the same through WRITEs, a truncate and a COMMIT.
    void uploadStaged(uint64_t id, const QByteArray &path, const QByteArray &ifVersion,
                      FsDone<FsAttr> done);
    void uploadViaWrites(uint64_t id, const QByteArray &path, const QByteArray &ifVersion,
                         FsProgress progress, FsDone<FsAttr> done);
    // The staged file's size and CRC-32C now (nullopt when it cannot be read).
    std::optional<UploadIntent> stagedIntent(uint64_t id);
    // After a version mismatch, what the remote holds: our bytes (Same: our own earlier
    // upload of this content, whose success a crash or shutdown kept us from recording),
    // the bytes an unconfirmed earlier upload of ours sent (Earlier: the file changed after
    // that upload started), or someone else's (Theirs).
    enum class RemoteCopy { Same, Earlier, Theirs };
    void whoseRemoteCopy(uint64_t id, const QByteArray &path, QList<UploadIntent> sent,
                         std::function<void(RemoteCopy, FsAttr remote)> done);
    // An upload attempt is over (whatever its outcome): the callbacks waiting for it.
    std::vector<std::function<void()>> endAttemptLocked(Staged &s);
    // After Earlier: the remote version becomes our base and the upload runs again.
    void rebaseAndRetry(uint64_t id, const QByteArray &version);
    void countersTick();

    QThread *ownerThread_ = QThread::currentThread(); // where the cache was opened
    std::atomic<bool> stopping_{false};
    std::mutex poolMutex_; // no pool start may slip in after shutdown's waitForDone
    QLockFile *lockFile_ = nullptr;
    QThreadPool pool_;
    TaskScheduler scheduler_;
    MetadataCache meta_;
    cache::LinkGroups links_;
    BlockStore store_;
    StagingArea staging_;
    UploadQueue queue_;
    ReadAhead readAhead_;
    std::unique_ptr<BlockFetcher> fetcher_;

    std::mutex mutex_; // guards everything below
    QHash<uint64_t, Staged> staged_;
    QHash<QByteArray, uint64_t> stagedByPath_;
    uint64_t stagedBytes_ = 0;  // all staged copies (ready ones are pending uploads)
    uint64_t readyCount_ = 0;
    int uploadsInProgress_ = 0;
};

CachingFileSystem::Core::Core(std::shared_ptr<FileSystem> inner, const CacheConfig &config)
    : inner_(std::move(inner))
    , config_(config)
    , meta_(config.metadataTtl)
    , readAhead_(config.readAheadBlocks)
{
    caps_ = inner_->capabilities();
    const bool wholeFileOnly = !caps_.randomWrites;
    dataCache_ = wholeFileOnly || config_.dataCache;
    writeBack_ = !caps_.readOnly && (wholeFileOnly || config_.writeBack);
    if (writeBack_)
        caps_.randomWrites = true; // staged copies take writes at any offset
    pool_.setMaxThreadCount(std::clamp(config_.diskThreads, 1, 64));
    pool_.setExpiryTimeout(-1);
}

CachingFileSystem::Core::~Core()
{
    shutdown();
    delete lockFile_;
    // An upload still on the wire when the cache was closed holds the last reference to
    // us; its completion then runs this on the inner provider's own thread, where the
    // provider must not be destroyed (WebDAV waits for that thread to end). Release it
    // from a pool thread instead (the fetcher's reference goes first).
    if (QThread::currentThread() != ownerThread_) {
        fetcher_.reset();
        QThreadPool::globalInstance()->start([inner = std::move(inner_)]() mutable { inner.reset(); });
    }
}

bool CachingFileSystem::Core::open(QString *error)
{
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (config_.directory.isEmpty())
        return fail(QStringLiteral("no cache folder was given"));
    if (!QDir().mkpath(config_.directory))
        return fail(QStringLiteral("cannot create the cache folder %1; check its permissions "
                                   "or choose another with --cache-dir")
                        .arg(config_.directory));
    lockFile_ = new QLockFile(config_.directory + QStringLiteral("/lock"));
    lockFile_->setStaleLockTime(0);
    if (!lockFile_->tryLock(0))
        return fail(QStringLiteral("the cache folder %1 is in use by another Loft; stop it or "
                                   "choose another folder with --cache-dir")
                        .arg(config_.directory));
    QString why;
    if (dataCache_ && !store_.open(config_.directory, config_.maxBytes, &why))
        return fail(QStringLiteral("cannot open the data cache: %1").arg(why));
    if (writeBack_) {
        if (!staging_.open(config_.directory, &why)
            || !queue_.open(config_.directory + QStringLiteral("/uploads.journal"), &why))
            return fail(QStringLiteral("cannot open the upload queue: %1").arg(why));
    }

    BlockFetcher::Context c;
    c.inner = inner_;
    c.store = dataCache_ ? &store_ : nullptr;
    c.runOnPool = [weak = weak_from_this()](std::function<void()> task) {
        if (auto self = weak.lock())
            self->runOnPool(std::move(task));
        else
            task();
    };
    c.counters = &counters_;
    c.maxPrefetches = config_.maxPrefetches;
    std::weak_ptr<Core> weak = weak_from_this();
    c.keepAlive = [weak]() -> std::shared_ptr<void> { return weak.lock(); };
    c.onRemoteChanged = [weak](const QByteArray &path, const FsAttr &) {
        if (auto self = weak.lock())
            self->meta_.invalidate(path);
    };
    fetcher_ = std::make_unique<BlockFetcher>(std::move(c));

    if (writeBack_) {
        // Resume what a previous run left: every queued file is uploaded again (its last
        // upload may not have finished), after the usual delay so that a client resending
        // uncommitted WRITEs after our restart gets to them first.
        const QList<QueuedUpload> entries = queue_.entries();
        QSet<uint64_t> known;
        std::lock_guard lock(mutex_);
        for (const QueuedUpload &e : entries) {
            const auto size = staging_.size(e.id);
            if (!size) {
                qCWarning(lcCache).noquote()
                    << "staged copy of" << QString::fromUtf8(e.path) << "is missing; dropped";
                queue_.remove(e.id);
                continue;
            }
            Staged s;
            s.q = e;
            s.q.attr.size = *size; // writes after the last COMMIT count too
            s.q.attr.used = *size;
            s.ready = true;
            s.folderSynced = true;
            known.insert(e.id);
            stagedBytes_ += *size;
            ++readyCount_;
            stagedByPath_.insert(e.path, e.id);
            auto &stored = *staged_.insert(e.id, std::move(s));
            armTimerLocked(stored, config_.uploadDelay);
        }
        for (uint64_t id : staging_.existing())
            if (!known.contains(id))
                staging_.remove(id); // a file whose staging never finished
        if (!entries.isEmpty())
            qCInfo(lcCache) << entries.size() << "queued upload(s) resumed";
    }
    publishStagedCounters();
    scheduler_.schedule(kCountersTick, [weak] {
        if (auto self = weak.lock())
            self->countersTick();
    });
    return true;
}

void CachingFileSystem::Core::shutdown()
{
    {
        std::lock_guard lock(poolMutex_);
        if (stopping_.exchange(true))
            return;
    }
    scheduler_.stop();
    pool_.waitForDone();
    store_.close();
    queue_.close();
    if (lockFile_)
        lockFile_->unlock();
}

void CachingFileSystem::Core::runOnPool(std::function<void()> task)
{
    {
        std::lock_guard lock(poolMutex_);
        if (!stopping()) {
            pool_.start(std::move(task));
            return;
        }
    }
    task();
}

void CachingFileSystem::Core::countersTick()
{
    if (stopping())
        return;
    if (dataCache_) {
        const BlockStore::Stats s = store_.stats();
        counters_.setCache(s.usedBytes, s.files, config_.maxBytes);
    } else {
        counters_.setCache(0, 0, config_.maxBytes);
    }
    publishStagedCounters();
    publishUploadList();
    counters_.notifyIfChanged();
    std::weak_ptr<Core> weak = weak_from_this();
    scheduler_.schedule(kCountersTick, [weak] {
        if (auto self = weak.lock())
            self->countersTick();
    });
}

CacheStats CachingFileSystem::Core::stats()
{
    if (dataCache_) {
        const BlockStore::Stats s = store_.stats();
        counters_.setCache(s.usedBytes, s.files, config_.maxBytes);
    } else {
        counters_.setCache(0, 0, config_.maxBytes);
    }
    publishStagedCounters();
    publishUploadList();
    return counters_.snapshot();
}

void CachingFileSystem::Core::publishStagedCounters()
{
    uint64_t files = 0;
    uint64_t total = 0;
    uint64_t inProgress = 0;
    {
        std::lock_guard lock(mutex_);
        files = readyCount_;
        total = stagedBytes_;
        inProgress = uint64_t(uploadsInProgress_);
        // Under the lock: two publishers must not hand the store their totals in the
        // opposite order of reading them (an old, smaller total would stay pinned and
        // let the cache grow past the limit). The store's lock is only ever taken inside.
        if (dataCache_)
            store_.setPinnedBytes(total);
    }
    counters_.setStaged(total, files, total, inProgress);
}

void CachingFileSystem::Core::publishUploadList()
{
    QList<UploadStatus> list;
    {
        std::lock_guard lock(mutex_);
        // The queue in its order (ids grow as files are staged), the first ones listed.
        std::vector<uint64_t> ids;
        ids.reserve(size_t(staged_.size()));
        for (auto it = staged_.cbegin(); it != staged_.cend(); ++it)
            if (it->ready && !it->dropped)
                ids.push_back(it.key());
        const size_t listed = std::min(ids.size(), size_t(CacheCounters::kMaxListedUploads));
        std::partial_sort(ids.begin(), ids.begin() + ptrdiff_t(listed), ids.end());
        list.reserve(qsizetype(listed));
        for (size_t i = 0; i < listed; ++i) {
            const Staged &s = *staged_.constFind(ids[i]);
            UploadStatus u;
            u.path = s.q.path;
            u.totalBytes = s.q.attr.size;
            u.failures = s.failures;
            u.conflictPath = s.conflictPath;
            if (s.uploading) {
                u.state = UploadStatus::State::Uploading;
                u.sentBytes = std::min(s.sent->load(std::memory_order_relaxed), u.totalBytes);
            } else if (s.failures > 0) {
                u.state = UploadStatus::State::Retrying;
                u.lastError = s.lastError;
            }
            u.conflict = s.conflict || !s.conflictPath.isEmpty();
            list.append(std::move(u));
        }
    }
    counters_.setUploads(std::move(list));
}

// ---------------------------------------------------------------------------------------
// Metadata

void CachingFileSystem::Core::attrOf(const QByteArray &path, FsDone<FsAttr> done)
{
    FsAttr attr;
    if (readyStagedId(path, &attr))
        return done(attr);
    if (auto cached = meta_.attr(path)) {
        counters_.addMetadataHit();
        return done(*cached);
    }
    if (meta_.joinAttr(path, done)) {
        counters_.addMetadataHit();
        return;
    }
    counters_.addMetadataMiss();
    auto self = shared_from_this();
    inner_->getattr(path, [self, path, done = std::move(done)](FsResult<FsAttr> r) {
        self->meta_.finishAttr(path, r);
        if (!r && unreachable(r.error())) {
            // Offline: what we knew last keeps cached files readable.
            if (auto known = self->meta_.lastKnownAttr(path))
                return done(*known);
        }
        done(std::move(r));
    });
}

void CachingFileSystem::Core::lookup(const QByteArray &dir, const QByteArray &name,
                                     FsDone<FsAttr> done)
{
    const QByteArray path = fsJoin(dir, name);
    FsAttr attr;
    if (readyStagedId(path, &attr))
        return done(attr);
    if (auto cached = meta_.attr(path)) {
        counters_.addMetadataHit();
        return done(*cached);
    }
    if (meta_.joinAttr(path, done)) {
        counters_.addMetadataHit();
        return;
    }
    counters_.addMetadataMiss();
    auto self = shared_from_this();
    inner_->lookup(dir, name, [self, path, done = std::move(done)](FsResult<FsAttr> r) {
        self->meta_.finishAttr(path, r);
        if (!r && unreachable(r.error())) {
            if (auto known = self->meta_.lastKnownAttr(path))
                return done(*known);
        }
        done(std::move(r));
    });
}

void CachingFileSystem::Core::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    auto self = shared_from_this();
    FsDone<QList<FsDirEntry>> overlaid = [self, dir, done = std::move(done)](
                                             FsResult<QList<FsDirEntry>> r) {
        if (r)
            self->overlayStaged(dir, *r);
        done(std::move(r));
    };
    if (auto cached = meta_.listing(dir)) {
        counters_.addMetadataHit();
        return overlaid(std::move(*cached));
    }
    if (meta_.joinListing(dir, overlaid)) {
        counters_.addMetadataHit();
        return;
    }
    counters_.addMetadataMiss();
    inner_->readdir(dir, [self, dir, overlaid = std::move(overlaid)](
                             FsResult<QList<FsDirEntry>> r) {
        self->meta_.finishListing(dir, r);
        if (!r && unreachable(r.error())) {
            if (auto known = self->meta_.lastKnownListing(dir))
                return overlaid(std::move(*known));
        }
        overlaid(std::move(r));
    });
}

void CachingFileSystem::Core::overlayStaged(const QByteArray &dir, QList<FsDirEntry> &entries)
{
    std::lock_guard lock(mutex_);
    if (staged_.isEmpty())
        return;
    for (const Staged &s : std::as_const(staged_)) {
        if (!s.ready || parentPath(s.q.path) != dir)
            continue;
        const QByteArray name = leafName(s.q.path);
        bool found = false;
        for (FsDirEntry &e : entries) {
            if (e.name == name) {
                e.attr = s.q.attr;
                found = true;
                break;
            }
        }
        if (!found)
            entries.append(FsDirEntry{name, s.q.attr});
    }
}

void CachingFileSystem::Core::changed(const QByteArray &path, bool tree, bool bytesChanged)
{
    if (tree)
        meta_.invalidateTree(path);
    else
        meta_.invalidate(path);
    readAhead_.forget(path);
    // Before the change is answered: no read after it may be served the old bytes, from
    // the block cache or from a fetch that was under way.
    if (bytesChanged && fetcher_)
        fetcher_->invalidate(path, tree);
    // The other names of a hard-linked file show the same change.
    for (const QByteArray &other : links_.othersOf(path))
        forgetOtherName(other, bytesChanged);
}

void CachingFileSystem::Core::forgetOtherName(const QByteArray &path, bool bytesChanged)
{
    meta_.invalidate(path);
    readAhead_.forget(path);
    if (bytesChanged && fetcher_)
        fetcher_->invalidate(path, false);
}

void CachingFileSystem::Core::changedCreated(const QByteArray &path, const FsResult<FsCreated> &r)
{
    changed(path);
    if (r)
        meta_.putAttr(path, r->attr);
    if (dataCache_) {
        auto self = shared_from_this();
        runOnPool([self, path] { self->store_.remove(path); });
    }
}

// ---------------------------------------------------------------------------------------
// Reads

void CachingFileSystem::Core::read(const QByteArray &path, uint64_t offset, uint32_t count,
                                   FsDone<FsReadResult> done, bool toSend)
{
    auto self = shared_from_this();
    FsAttr stagedAttr;
    if (auto id = readyStagedId(path, &stagedAttr)) {
        runOnPool([self, id = *id, offset, count, stagedAttr, done = std::move(done)] {
            const uint64_t size = stagedAttr.size;
            const uint32_t want =
                offset >= size ? 0 : uint32_t(std::min<uint64_t>(count, size - offset));
            auto data = self->staging_.read(id, offset, want);
            if (!data)
                return done(data.error());
            self->counters_.addHit(uint64_t(data->size()));
            FsReadResult result;
            result.eof = offset + uint64_t(data->size()) >= size;
            result.data = std::move(*data);
            result.attr = stagedAttr;
            done(std::move(result));
        });
        return;
    }
    attrOf(path, [self, path, offset, count, toSend,
                  done = std::move(done)](FsResult<FsAttr> a) mutable {
        if (!a)
            return done(a.error());
        if (a->type != FsType::File || !self->dataCache_) {
            self->inner_->read(path, offset, count,
                               [self, done = std::move(done)](FsResult<FsReadResult> r) {
                                   if (r) {
                                       self->counters_.addBytesIn(uint64_t(r->data.size()));
                                       self->counters_.addMiss(uint64_t(r->data.size()));
                                   }
                                   done(std::move(r));
                               });
            return;
        }
        const FsAttr attr = *a;
        if (offset >= attr.size || count == 0) {
            FsReadResult empty;
            empty.eof = offset >= attr.size;
            empty.attr = attr;
            return done(std::move(empty));
        }
        const uint64_t end = std::min<uint64_t>(offset + count, attr.size);
        const uint32_t first = uint32_t(offset / kBlock);
        const uint32_t last = uint32_t((end - 1) / kBlock);
        const uint32_t blockCount = uint32_t((attr.size + kBlock - 1) / kBlock);
        const QByteArray validator = validatorFor(attr);

        struct Gather {
            std::mutex mutex;
            std::vector<QByteArray> parts;
            int remaining = 0;
            std::optional<FsError> error;
            uint64_t localBytes = 0;
            uint64_t remoteBytes = 0;
        };
        auto g = std::make_shared<Gather>();
        g->parts.resize(last - first + 1);
        g->remaining = int(last - first + 1);
        auto reply = std::make_shared<FsDone<FsReadResult>>(std::move(done));
        auto finishBlock = [self, g, path, first, offset, end, attr, reply](
                               uint32_t block, FsResult<QByteArray> data, bool local) {
            {
                std::lock_guard lock(g->mutex);
                if (data)
                    g->parts[block - first] = std::move(*data);
                else if (!g->error)
                    g->error = data.error();
                if (--g->remaining > 0)
                    return;
            }
            if (g->error)
                return (*reply)(*g->error);
            FsReadResult result;
            bool shortBlock = false;
            if (g->parts.size() == 1) {
                // Within one block (every aligned READ of up to a block): the reply shares
                // the block's bytes instead of copying them.
                const QByteArray &part = g->parts.front();
                const uint64_t blockStart = uint64_t(first) * kBlock;
                const uint64_t from = offset - blockStart;
                const uint64_t to = std::min(end - blockStart, uint64_t(part.size()));
                shortBlock = to < end - blockStart; // the remote file is shorter than we believed
                if (to > from)
                    result.data = sharedSlice(part, qsizetype(from), qsizetype(to - from));
            } else {
                result.data.reserve(qsizetype(end - offset));
                for (size_t i = 0; i < g->parts.size() && !shortBlock; ++i) {
                    const uint64_t blockStart = uint64_t(first + i) * kBlock;
                    const QByteArray &part = g->parts[i];
                    const uint64_t from = std::max(offset, blockStart) - blockStart;
                    const uint64_t to = std::min(end, blockStart + kBlock) - blockStart;
                    if (uint64_t(part.size()) < to) {
                        shortBlock = true;
                        if (uint64_t(part.size()) > from)
                            result.data.append(part.constData() + from, qsizetype(part.size() - from));
                        break;
                    }
                    result.data.append(part.constData() + from, qsizetype(to - from));
                }
            }
            (local ? self->counters_.addHit(uint64_t(result.data.size()))
                   : self->counters_.addMiss(uint64_t(result.data.size())));
            result.eof = shortBlock || offset + uint64_t(result.data.size()) >= attr.size;
            result.attr = attr;
            if (shortBlock)
                self->meta_.invalidate(path); // the size is off: refetch the attributes
            (*reply)(std::move(result));
        };
        auto shared = std::make_shared<decltype(finishBlock)>(std::move(finishBlock));
        if (toSend && first == last) {
            // One block (every aligned READ of up to a block): when it is stored, the reply
            // is a slice of its data file, sent with sendfile instead of copied.
            const uint64_t blockStart = uint64_t(first) * kBlock;
            const BlockFetcher::Range range{uint32_t(offset - blockStart),
                                            uint32_t(end - offset)};
            self->fetcher_->getToSend(
                path, validator, attr.size, first, range,
                [self, shared, reply, path, first, offset, range,
                 attr](FsResult<BlockFetcher::Piece> piece, bool local) {
                    if (!piece || !piece->slice)
                        return (*shared)(first, piece ? FsResult<QByteArray>(std::move(piece->bytes))
                                                      : FsResult<QByteArray>(piece.error()),
                                         local);
                    FsReadResult result;
                    result.slice = std::move(piece->slice);
                    const uint32_t length = result.slice->length;
                    // The block is shorter than the size we believed: as read() does.
                    const bool shortBlock = length < range.count;
                    (local ? self->counters_.addHit(length) : self->counters_.addMiss(length));
                    result.eof = shortBlock || offset + length >= attr.size;
                    result.attr = attr;
                    if (shortBlock)
                        self->meta_.invalidate(path);
                    (*reply)(std::move(result));
                });
            self->fetcher_->prefetchAhead(path, validator, attr.size,
                                          self->readAhead_.onRead(path, first, last, blockCount));
            return;
        }
        // `local` of the whole read: every block came without waiting for the remote.
        auto allLocal = std::make_shared<std::atomic<bool>>(true);
        for (uint32_t b = first; b <= last; ++b) {
            self->fetcher_->get(path, validator, attr.size, b,
                                [shared, allLocal, b](FsResult<QByteArray> data, bool local) {
                                    if (!local)
                                        *allLocal = false;
                                    (*shared)(b, std::move(data), allLocal->load());
                                });
        }
        self->fetcher_->prefetchAhead(path, validator, attr.size,
                                      self->readAhead_.onRead(path, first, last, blockCount));
    });
}

// ---------------------------------------------------------------------------------------
// Staging

std::optional<uint64_t> CachingFileSystem::Core::readyStagedId(const QByteArray &path,
                                                               FsAttr *attr)
{
    if (!writeBack_)
        return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = stagedByPath_.constFind(path);
    if (it == stagedByPath_.cend())
        return std::nullopt;
    const Staged &s = staged_[*it];
    if (!s.ready)
        return std::nullopt;
    if (attr)
        *attr = s.q.attr;
    return *it;
}

void CachingFileSystem::Core::ensureStaged(const QByteArray &path,
                                           std::optional<uint64_t> truncateTo,
                                           std::function<void(FsResult<uint64_t>)> done)
{
    uint64_t id = 0;
    {
        std::unique_lock lock(mutex_);
        auto it = stagedByPath_.constFind(path);
        if (it != stagedByPath_.cend()) {
            Staged &s = staged_[*it];
            const uint64_t existing = *it;
            if (s.ready) {
                lock.unlock();
                return done(existing);
            }
            s.readyWaiters.push_back([existing, done](std::optional<FsError> e) {
                if (e)
                    done(*e);
                else
                    done(existing);
            });
            return;
        }
        id = queue_.newId();
        Staged s;
        s.q.id = id;
        s.q.path = path;
        s.readyWaiters.push_back([id, done](std::optional<FsError> e) {
            if (e)
                done(*e);
            else
                done(id);
        });
        staged_.insert(id, std::move(s));
        stagedByPath_.insert(path, id);
    }
    // The version the copy starts from must be the remote's current one: ask, unless our
    // own operation just told us (CREATE, an upload) and the TTL still holds.
    auto self = shared_from_this();
    auto start = [self, id, path, truncateTo](FsResult<FsAttr> a) {
        if (!a)
            return self->finishStaging(id, a.error(), {});
        if (a->type != FsType::File)
            return self->finishStaging(
                id, a->type == FsType::Directory ? FsError::IsDirectory : FsError::InvalidArgument,
                {});
        const uint64_t fillSize = truncateTo ? std::min(*truncateTo, a->size) : a->size;
        self->fillStaged(id, path, *a, fillSize, truncateTo);
    };
    if (auto cached = meta_.attr(path); cached && (cached->ok() || cached->error() != FsError::NotFound))
        return start(*cached);
    inner_->getattr(path, [self, path, start](FsResult<FsAttr> r) {
        self->meta_.finishAttr(path, r);
        start(std::move(r));
    });
}

void CachingFileSystem::Core::fillStaged(uint64_t id, const QByteArray &path, const FsAttr &base,
                                         uint64_t fillSize, std::optional<uint64_t> truncateTo)
{
    auto self = shared_from_this();
    runOnPool([self, id, path, base, fillSize, truncateTo] {
        if (auto r = self->staging_.create(id); !r)
            return self->finishStaging(id, r.error(), {});
        FsAttr attr = base;
        const uint64_t finalSize = truncateTo ? *truncateTo : fillSize;
        auto finalize = [self, id, attr, finalSize, fillSize]() mutable {
            if (finalSize != fillSize) {
                if (auto r = self->staging_.truncate(id, finalSize); !r)
                    return self->finishStaging(id, r.error(), {});
            }
            if (finalSize != attr.size)
                attr.mtime = attr.ctime = nowTime();
            attr.size = finalSize;
            attr.used = finalSize;
            self->finishStaging(id, std::nullopt, attr);
        };
        if (fillSize == 0)
            return finalize();
        // Copy the remote content into the staged file, a few blocks at a time, through
        // the data cache (blocks already cached are not fetched again).
        struct Fill {
            std::mutex mutex;
            uint32_t next = 0;
            uint32_t blocks = 0;
            int running = 0;
            std::optional<FsError> error;
        };
        auto fill = std::make_shared<Fill>();
        fill->blocks = uint32_t((fillSize + kBlock - 1) / kBlock);
        const QByteArray validator = validatorFor(base);
        auto step = std::make_shared<std::function<void()>>();
        *step = [self, id, path, base, fillSize, validator, fill, step, finalize]() mutable {
            uint32_t block = 0;
            {
                std::lock_guard lock(fill->mutex);
                if (fill->error || fill->next >= fill->blocks) {
                    if (fill->running == 0) {
                        auto error = fill->error;
                        fill->running = -1; // finished exactly once
                        *step = nullptr;     // break the self-reference
                        if (error)
                            return self->finishStaging(id, *error, {});
                        return finalize();
                    }
                    return;
                }
                block = fill->next++;
                ++fill->running;
            }
            auto fetched = [self, id, block, fillSize, fill, step](FsResult<QByteArray> data, bool) {
                self->runOnPool([self, id, block, fillSize, fill, step, data = std::move(data)] {
                    std::optional<FsError> error;
                    if (!data) {
                        error = data.error();
                    } else {
                        const uint64_t at = uint64_t(block) * kBlock;
                        QByteArray bytes = *data;
                        if (uint64_t(bytes.size()) > fillSize - at)
                            bytes.truncate(qsizetype(fillSize - at));
                        if (auto w = self->staging_.write(id, at, bytes); !w)
                            error = w.error();
                    }
                    std::function<void()> next;
                    {
                        std::lock_guard lock(fill->mutex);
                        --fill->running;
                        if (error && !fill->error)
                            fill->error = error;
                        next = *step;
                    }
                    if (next)
                        next();
                });
            };
            self->fetcher_->get(path, validator, base.size, block, std::move(fetched));
        };
        for (int i = 0; i < kFillParallelism; ++i) {
            std::function<void()> next;
            {
                std::lock_guard lock(fill->mutex);
                next = *step;
            }
            if (next)
                next();
        }
    });
}

void CachingFileSystem::Core::finishStaging(uint64_t id, std::optional<FsError> error, FsAttr attr)
{
    std::vector<std::function<void(std::optional<FsError>)>> waiters;
    bool orphan = false;
    {
        std::lock_guard lock(mutex_);
        auto it = staged_.find(id);
        if (it == staged_.end()) {
            orphan = true;
        } else if (it->dropped) {
            orphan = true; // removed while it was being filled
            waiters = std::move(it->readyWaiters);
            staged_.erase(it);
        } else {
            waiters = std::move(it->readyWaiters);
            if (error) {
                if (stagedByPath_.value(it->q.path) == id)
                    stagedByPath_.remove(it->q.path);
                staged_.erase(it);
            } else {
                it->ready = true;
                it->q.baseVersion = attr.version;
                it->q.attr = attr;
                it->lastChange = Clock::now();
                stagedBytes_ += attr.size;
                ++readyCount_;
                queue_.add(it->q);
                armTimerLocked(*it, config_.uploadDelay);
            }
        }
    }
    if (orphan || error)
        staging_.remove(id);
    if (orphan && !error)
        error = FsError::Stale;
    for (auto &w : waiters)
        w(error);
    publishStagedCounters();
}

void CachingFileSystem::Core::dropStagedLocked(uint64_t id)
{
    auto it = staged_.find(id);
    if (it == staged_.end())
        return;
    if (stagedByPath_.value(it->q.path) == id)
        stagedByPath_.remove(it->q.path);
    if (!it->ready) {
        it->dropped = true; // finishStaging cleans up and fails its waiters
        return;
    }
    stagedBytes_ -= std::min(stagedBytes_, it->q.attr.size);
    --readyCount_;
    queue_.remove(id);
    staging_.remove(id); // an unlink: cheap enough under the lock
    staged_.erase(it);
}

void CachingFileSystem::Core::whenNotUploading(const QByteArray &root, std::function<void()> fn)
{
    {
        std::lock_guard lock(mutex_);
        for (Staged &s : staged_) {
            if (s.uploading && isWithinPath(s.q.path, root)) {
                auto self = shared_from_this();
                s.afterUpload.push_back(
                    [self, root, fn = std::move(fn)]() mutable { self->whenNotUploading(root, std::move(fn)); });
                return;
            }
        }
    }
    fn();
}

// ---------------------------------------------------------------------------------------
// Writes

void CachingFileSystem::Core::write(const QByteArray &path, uint64_t offset,
                                    const QByteArray &data, FsStability stability,
                                    FsDone<FsWriteResult> done, int attempt)
{
    auto self = shared_from_this();
    if (!writeBack_) {
        inner_->write(path, offset, data, stability,
                      [self, path, done = std::move(done)](FsResult<FsWriteResult> r) {
                          self->changed(path);
                          if (r)
                              self->counters_.addBytesOut(r->count);
                          done(std::move(r));
                      });
        return;
    }
    ensureStaged(path, std::nullopt,
                 [self, path, offset, data, stability, attempt, done = std::move(done)](FsResult<uint64_t> id) mutable {
        if (!id)
            return done(id.error());
        self->runOnPool([self, path, id = *id, offset, data, stability, attempt, done = std::move(done)]() mutable {
            FsWriteResult result;
            {
                std::lock_guard lock(self->mutex_);
                auto it = self->staged_.find(id);
                if (it == self->staged_.end()) {
                    // Uploaded and dropped since ensureStaged found it: stage it anew.
                    if (attempt < kStagedRetries)
                        return self->write(path, offset, data, stability, std::move(done), attempt + 1);
                    return done(FsError::Stale);
                }
                result.before = it->q.attr;
                // Before the bytes change: an upload reading them now is not the last one.
                ++it->generation;
            }
            auto written = self->staging_.write(id, offset, data);
            if (!written)
                return done(written.error());
            bool syncFolder = false;
            {
                std::lock_guard lock(self->mutex_);
                auto it = self->staged_.find(id);
                if (it == self->staged_.end())
                    return done(FsError::Stale);
                Staged &s = *it;
                const uint64_t newSize = std::max(s.q.attr.size, offset + *written);
                self->stagedBytes_ += newSize - s.q.attr.size;
                s.q.attr.size = newSize;
                s.q.attr.used = newSize;
                s.q.attr.mtime = s.q.attr.ctime = nowTime();
                ++s.generation;
                s.lastChange = Clock::now();
                self->armTimerLocked(s, self->config_.uploadDelay);
                result.after = s.q.attr;
                if (stability != FsStability::Unstable) {
                    syncFolder = !s.folderSynced;
                    s.folderSynced = true;
                }
            }
            if (stability != FsStability::Unstable) {
                if (auto r = self->staging_.sync(id); !r)
                    return done(r.error());
                if (syncFolder)
                    syncParentFolder(self->staging_.filePath(id));
                self->queue_.setAttr(id, result.after);
                if (!self->queue_.sync())
                    return done(FsError::Io);
            }
            result.count = *written;
            result.committed = stability;
            self->publishStagedCounters();
            if (self->dataCache_)
                self->store_.trim();
            done(std::move(result));
        });
    });
}

void CachingFileSystem::Core::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    auto self = shared_from_this();
    FsAttr attr;
    const auto id = readyStagedId(path, &attr);
    if (!id) {
        if (writeBack_)
            return attrOf(path, std::move(done)); // nothing of ours to make durable
        inner_->commit(path, [self, path, done = std::move(done)](FsResult<FsAttr> r) {
            self->changed(path, false, false); // the WRITEs already invalidated the bytes
            done(std::move(r));
        });
        return;
    }
    runOnPool([self, id = *id, path, done = std::move(done)]() mutable {
        const auto synced = self->staging_.sync(id);
        FsAttr attr;
        bool syncFolder = false;
        bool gone = false;
        {
            std::lock_guard lock(self->mutex_);
            auto it = self->staged_.find(id);
            gone = it == self->staged_.end();
            if (!gone) {
                attr = it->q.attr;
                syncFolder = !it->folderSynced;
                it->folderSynced = true;
            }
        }
        if (gone) {
            // Uploaded (every change of it: an upload only ends the staging when no write
            // came after it) or removed since the WRITEs: nothing of ours is left to make
            // durable. Answer what the file is now, not STALE.
            return self->attrOf(path, std::move(done));
        }
        if (!synced)
            return done(synced.error());
        if (syncFolder)
            syncParentFolder(self->staging_.filePath(id));
        self->queue_.setAttr(id, attr);
        if (!self->queue_.sync())
            return done(FsError::Io);
        done(attr);
    });
}

void CachingFileSystem::Core::setattr(const QByteArray &path, const FsSetAttr &changes,
                                      FsDone<FsAttr> done, int attempt)
{
    auto self = shared_from_this();
    bool staged = false;
    if (writeBack_) {
        std::lock_guard lock(mutex_);
        staged = stagedByPath_.contains(path);
    }
    if (!staged && !(writeBack_ && changes.size)) {
        inner_->setattr(path, changes, [self, path, done = std::move(done)](FsResult<FsAttr> r) {
            self->changed(path);
            if (r)
                self->meta_.putAttr(path, *r);
            done(std::move(r));
        });
        return;
    }
    // A staged file, or a truncation that makes one: size and times change locally; mode
    // and owner go to the remote.
    ensureStaged(path, changes.size, [self, path, changes, attempt, done = std::move(done)](FsResult<uint64_t> id) mutable {
        if (!id)
            return done(id.error());
        FsSetAttr remote;
        remote.mode = changes.mode;
        remote.uid = changes.uid;
        remote.gid = changes.gid;
        if (remote.empty())
            return self->applyStagedSetattr(*id, path, changes, std::move(done), attempt);
        self->inner_->setattr(path, remote, [self, path, id = *id, changes, attempt, done = std::move(done)](FsResult<FsAttr> r) mutable {
            if (!r)
                return done(r.error());
            {
                std::lock_guard lock(self->mutex_);
                if (auto it = self->staged_.find(id); it != self->staged_.end()) {
                    it->q.attr.mode = r->mode;
                    it->q.attr.uid = r->uid;
                    it->q.attr.gid = r->gid;
                    it->q.baseVersion = r->version.isEmpty() ? it->q.baseVersion : r->version;
                }
            }
            self->applyStagedSetattr(id, path, changes, std::move(done), attempt);
        });
    });
}

void CachingFileSystem::Core::applyStagedSetattr(uint64_t id, const QByteArray &path,
                                                 const FsSetAttr &changes, FsDone<FsAttr> done,
                                                 int attempt)
{
    auto self = shared_from_this();
    runOnPool([self, id, path, changes, attempt, done = std::move(done)]() mutable {
        {
            std::lock_guard lock(self->mutex_);
            auto it = self->staged_.find(id);
            if (it == self->staged_.end()) {
                // Uploaded and dropped since ensureStaged found it: stage it anew.
                if (attempt < kStagedRetries)
                    return self->setattr(path, changes, std::move(done), attempt + 1);
                return done(FsError::Stale);
            }
            ++it->generation; // before the bytes change, as in write()
        }
        if (changes.size) {
            if (auto r = self->staging_.truncate(id, *changes.size); !r)
                return done(r.error());
        }
        FsAttr attr;
        {
            std::lock_guard lock(self->mutex_);
            auto it = self->staged_.find(id);
            if (it == self->staged_.end())
                return done(FsError::Stale);
            Staged &s = *it;
            const FsTime now = nowTime();
            if (changes.size) {
                self->stagedBytes_ = self->stagedBytes_ - std::min(self->stagedBytes_, s.q.attr.size)
                    + *changes.size;
                if (*changes.size != s.q.attr.size)
                    s.q.attr.mtime = now;
                s.q.attr.size = *changes.size;
                s.q.attr.used = *changes.size;
                ++s.generation;
                s.lastChange = Clock::now();
                self->armTimerLocked(s, self->config_.uploadDelay);
            }
            s.q.attr.atime = applyTime(changes.atimeHow, changes.atime, s.q.attr.atime);
            s.q.attr.mtime = applyTime(changes.mtimeHow, changes.mtime, s.q.attr.mtime);
            s.q.attr.ctime = now;
            attr = s.q.attr;
        }
        // SETATTR is synchronous in NFSv3: make it durable before answering.
        if (changes.size) {
            if (auto r = self->staging_.sync(id); !r)
                return done(r.error());
        }
        self->queue_.setAttr(id, attr);
        self->queue_.sync();
        self->publishStagedCounters();
        done(attr);
    });
}

// ---------------------------------------------------------------------------------------
// Names

void CachingFileSystem::Core::create(const QByteArray &dir, const QByteArray &name,
                                     FsCreateMode mode, const FsSetAttr &initial,
                                     const QByteArray &verifier, FsDone<FsCreated> done)
{
    const QByteArray path = fsJoin(dir, name);
    auto self = shared_from_this();
    if (writeBack_) {
        FsAttr attr;
        if (readyStagedId(path, &attr)) {
            // The name is one of our staged files: the remote copy is older than ours.
            if (mode != FsCreateMode::Unchecked)
                return done(FsError::Exists);
            if (!initial.size)
                return done(FsCreated{attr, {}});
            FsSetAttr truncate;
            truncate.size = initial.size;
            setattr(path, truncate, [done = std::move(done)](FsResult<FsAttr> r) {
                if (!r)
                    return done(r.error());
                done(FsCreated{*r, {}});
            });
            return;
        }
    }
    inner_->create(dir, name, mode, initial, verifier,
                   [self, path, done = std::move(done)](FsResult<FsCreated> r) {
                       self->changedCreated(path, r);
                       done(std::move(r));
                   });
}

void CachingFileSystem::Core::remove(const QByteArray &dir, const QByteArray &name,
                                     FsDone<FsDirChange> done)
{
    const QByteArray path = fsJoin(dir, name);
    auto self = shared_from_this();
    whenNotUploading(path, [self, dir, name, path, done = std::move(done)]() mutable {
        self->inner_->remove(dir, name, [self, path, done = std::move(done)](FsResult<FsDirChange> r) {
            bool wasStaged = false;
            if (self->writeBack_ && (r || r.error() == FsError::NotFound)) {
                std::lock_guard lock(self->mutex_);
                if (auto it = self->stagedByPath_.constFind(path); it != self->stagedByPath_.cend()) {
                    wasStaged = true;
                    self->dropStagedLocked(*it); // the queued upload goes with the file
                }
            }
            if (r)
                for (const QByteArray &other : self->links_.forget(path))
                    self->forgetOtherName(other, false); // one link fewer
            self->changed(path);
            if (self->dataCache_)
                self->runOnPool([self, path] { self->store_.remove(path); });
            self->publishStagedCounters();
            if (!r && wasStaged)
                return done(FsDirChange{}); // it only existed here: gone now
            done(std::move(r));
        });
    });
}

void CachingFileSystem::Core::link(const QByteArray &path, const QByteArray &toDir,
                                   const QByteArray &toName, FsDone<FsLinked> done)
{
    auto self = shared_from_this();
    const QByteArray to = fsJoin(toDir, toName);
    inner_->link(path, toDir, toName, [self, path, to, done = std::move(done)](FsResult<FsLinked> r) {
        if (r)
            self->links_.linked(path, to);
        self->changed(path, false, false); // same bytes, one more name (for every name)
        self->changed(to);
        done(std::move(r));
    });
}

void CachingFileSystem::Core::rmdir(const QByteArray &dir, const QByteArray &name,
                                    FsDone<FsDirChange> done)
{
    const QByteArray path = fsJoin(dir, name);
    auto self = shared_from_this();
    inner_->rmdir(dir, name, [self, path, done = std::move(done)](FsResult<FsDirChange> r) {
        if (r)
            for (const QByteArray &other : self->links_.forget(path))
                self->forgetOtherName(other, false);
        self->changed(path, true);
        if (r && self->dataCache_)
            self->runOnPool([self, path] { self->store_.remove(path, true); });
        done(std::move(r));
    });
}

void CachingFileSystem::Core::rename(const QByteArray &fromDir, const QByteArray &fromName,
                                     const QByteArray &toDir, const QByteArray &toName,
                                     FsDone<FsRenamed> done)
{
    const QByteArray from = fsJoin(fromDir, fromName);
    const QByteArray to = fsJoin(toDir, toName);
    auto self = shared_from_this();
    // An upload on the wire names the old path: let it land first, then move everything.
    auto go = [self, fromDir, fromName, toDir, toName, from, to, done = std::move(done)]() mutable {
        self->inner_->rename(fromDir, fromName, toDir, toName,
                             [self, from, to, done = std::move(done)](FsResult<FsRenamed> r) {
            bool localOnly = false;
            if (self->writeBack_ && (r || r.error() == FsError::NotFound)) {
                std::lock_guard lock(self->mutex_);
                // A staged file the remote does not have (yet): the rename is ours alone.
                localOnly = !r && self->stagedByPath_.contains(from);
                if (r || localOnly) {
                    std::vector<uint64_t> replaced;
                    std::vector<uint64_t> moved;
                    for (auto it = self->stagedByPath_.cbegin(); it != self->stagedByPath_.cend(); ++it) {
                        if (isWithinPath(it.key(), from))
                            moved.push_back(*it);
                        else if (isWithinPath(it.key(), to))
                            replaced.push_back(*it);
                    }
                    for (uint64_t id : replaced)
                        self->dropStagedLocked(id); // overwritten by the rename
                    for (uint64_t id : moved) {
                        Staged &s = self->staged_[id];
                        self->stagedByPath_.remove(s.q.path);
                        s.q.path = reroot(s.q.path, from, to);
                        self->stagedByPath_.insert(s.q.path, id);
                        if (localOnly)
                            s.q.baseVersion.clear(); // the new name gets our copy outright
                        if (s.ready) {
                            self->queue_.rename(id, s.q.path);
                            if (localOnly)
                                self->queue_.rebase(id, s.q.baseVersion);
                        }
                    }
                }
            }
            if (r) {
                for (const QByteArray &other : self->links_.forget(to))
                    self->forgetOtherName(other, false); // replaced: one link fewer
                self->links_.moved(from, to);
            }
            self->changed(from, true, false); // the bytes move along with the name
            self->changed(to, true);
            if ((r || localOnly) && self->dataCache_)
                self->runOnPool([self, from, to] { self->store_.rename(from, to); });
            self->publishStagedCounters();
            if (localOnly)
                return done(FsRenamed{});
            done(std::move(r));
        });
    };
    whenNotUploading(from, [self, to, go = std::move(go)]() mutable {
        self->whenNotUploading(to, std::move(go));
    });
}

// ---------------------------------------------------------------------------------------
// Uploads

void CachingFileSystem::Core::armTimerLocked(Staged &s, milliseconds delay)
{
    if (s.timerArmed || stopping())
        return;
    s.timerArmed = true;
    std::weak_ptr<Core> weak = weak_from_this();
    const uint64_t id = s.q.id;
    scheduler_.schedule(delay, [weak, id] {
        if (auto self = weak.lock())
            self->uploadTimerFired(id);
    });
}

void CachingFileSystem::Core::uploadTimerFired(uint64_t id)
{
    {
        std::lock_guard lock(mutex_);
        auto it = staged_.find(id);
        if (it == staged_.end())
            return;
        Staged &s = *it;
        s.timerArmed = false;
        if (!s.ready || s.uploading || stopping())
            return; // an upload in progress re-arms when it ends
        const auto idleFor = Clock::now() - s.lastChange;
        if (idleFor < config_.uploadDelay) {
            armTimerLocked(s, std::chrono::duration_cast<milliseconds>(config_.uploadDelay - idleFor)
                                  + milliseconds(1));
            return;
        }
        if (uploadsInProgress_ >= std::max(1, config_.maxParallelUploads)) {
            armTimerLocked(s, milliseconds(100));
            return;
        }
        s.uploading = true;
        s.uploadingGeneration = s.generation;
        ++uploadsInProgress_;
    }
    startUpload(id);
}

void CachingFileSystem::Core::startUpload(uint64_t id)
{
    QByteArray path;
    QByteArray base;
    uint64_t bytes = 0;
    bool newConflict = false;
    bool toConflictCopy = false;
    {
        std::lock_guard lock(mutex_);
        const Staged &s = staged_[id];
        // After a conflict, the local version lives on under its conflict name.
        toConflictCopy = !s.conflictPath.isEmpty();
        newConflict = s.conflict && !toConflictCopy;
        path = toConflictCopy ? s.conflictPath : s.q.path;
        base = toConflictCopy ? QByteArray() : s.q.baseVersion;
        bytes = s.q.attr.size;
    }
    publishStagedCounters();
    if (newConflict)
        return uploadConflictCopy(id, 1);
    auto self = shared_from_this();
    auto send = [self, id, path, base, bytes, toConflictCopy] {
        self->uploadStaged(id, path, base, [self, id, path, bytes, toConflictCopy](FsResult<FsAttr> r) {
            self->uploadFinished(id, path, bytes, std::move(r), toConflictCopy);
        });
    };
    if (base.isEmpty())
        return send(); // nothing to conflict with, nothing to recognise later
    // What this upload sends goes on disk first: should Loft die after the bytes landed
    // but before the success is recorded, the next run knows them for its own.
    runOnPool([self, id, send] {
        if (const auto intent = self->stagedIntent(id)) {
            self->queue_.intend(id, *intent);
            self->queue_.sync();
        }
        send();
    });
}

std::optional<UploadIntent> CachingFileSystem::Core::stagedIntent(uint64_t id)
{
    const auto size = staging_.size(id);
    if (!size)
        return std::nullopt;
    UploadIntent intent;
    intent.size = *size;
    for (uint64_t off = 0; off < *size; off += kBlock) {
        const auto data = staging_.read(id, off, uint32_t(std::min<uint64_t>(kBlock, *size - off)));
        if (!data || data->isEmpty())
            return std::nullopt;
        intent.crc = crc32c(data->constData(), size_t(data->size()), intent.crc);
    }
    return intent;
}

void CachingFileSystem::Core::uploadConflictCopy(uint64_t id, int attempt)
{
    QByteArray original;
    {
        std::lock_guard lock(mutex_);
        auto it = staged_.find(id);
        if (it == staged_.end()) {
            --uploadsInProgress_;
            return;
        }
        original = it->q.path;
    }
    const QByteArray dir = parentPath(original);
    const QByteArray name = conflictName(leafName(original), QDateTime::currentDateTime(),
                                         attempt, int(caps_.maxNameBytes));
    auto self = shared_from_this();
    // Never overwrite: find a free name first.
    inner_->lookup(dir, name, [self, id, attempt, dir, name](FsResult<FsAttr> r) {
        if (r && attempt < kMaxConflictAttempts)
            return self->uploadConflictCopy(id, attempt + 1);
        if (r || r.error() != FsError::NotFound)
            return self->uploadFinished(id, fsJoin(dir, name), 0,
                                        r ? FsResult<FsAttr>(FsError::Exists) : r, true);
        const QByteArray target = fsJoin(dir, name);
        uint64_t bytes = 0;
        {
            std::lock_guard lock(self->mutex_);
            if (auto it = self->staged_.find(id); it != self->staged_.end())
                bytes = it->q.attr.size;
        }
        self->uploadStaged(id, target, QByteArray(), [self, id, target, bytes](FsResult<FsAttr> u) {
            self->uploadFinished(id, target, bytes, std::move(u), true);
        });
    });
}

void CachingFileSystem::Core::uploadFinished(uint64_t id, const QByteArray &target, uint64_t bytes,
                                             FsResult<FsAttr> result, bool conflictCopy)
{
    if (stopping())
        return; // not journaled: the next run uploads again (and sees it landed)
    std::vector<std::function<void()>> after;
    QByteArray original;
    QString failureText;
    bool finished = false;
    bool conflictNow = false;
    {
        std::lock_guard lock(mutex_);
        auto it = staged_.find(id);
        if (it == staged_.end()) {
            --uploadsInProgress_;
            return;
        }
        Staged &s = *it;
        original = s.q.path;
        if (!result && result.error() == FsError::Exists && !conflictCopy && !s.q.baseVersion.isEmpty()) {
            // The remote changed underneath: keep both, ours under a conflict name (unless
            // the remote's bytes are ours already).
            conflictNow = true;
        } else {
            after = endAttemptLocked(s);
            if (result) {
                s.failures = 0;
                s.lastError.clear();
                if (conflictCopy) {
                    s.conflictPath = target;
                    counters_.addConflict();
                }
                if (s.generation == s.uploadingGeneration) {
                    finished = true;
                    --readyCount_;
                    stagedBytes_ -= std::min(stagedBytes_, s.q.attr.size);
                    stagedByPath_.remove(s.q.path);
                    queue_.remove(id);
                    staged_.erase(it);
                } else if (!conflictCopy) {
                    s.q.baseVersion = result->version;
                    queue_.rebase(id, result->version);
                    armTimerLocked(s, config_.uploadDelay);
                } else {
                    armTimerLocked(s, config_.uploadDelay);
                }
            } else {
                // Keep the provider's sentence of an earlier attempt when this one failed
                // the same way (it only said it once).
                if (!s.attemptDetail.isEmpty() || s.failures == 0 || s.lastFailure != result.error())
                    failureText = uploadErrorText(target, result.error(), s.attemptDetail);
                else
                    failureText = s.lastError;
                s.lastError = failureText;
                s.lastFailure = result.error();
                s.attemptDetail.clear();
                ++s.failures;
                const int shift = std::min(s.failures - 1, 20);
                const auto backoff = std::min<milliseconds>(config_.retryMax, config_.retryMin * (int64_t(1) << shift));
                armTimerLocked(s, backoff);
            }
        }
    }
    if (conflictNow) {
        auto self = shared_from_this();
        whoseRemoteCopy(id, original, queue_.unconfirmed(id), [self, id, original, bytes](RemoteCopy copy, FsAttr remote) {
            if (copy == RemoteCopy::Same) // our own earlier upload: nothing conflicts
                return self->uploadFinished(id, original, bytes, remote, false);
            if (copy == RemoteCopy::Earlier) {
                qCInfo(lcCache).noquote() << QString::fromUtf8(original)
                                          << "on the server is our own earlier upload; uploading "
                                             "the newer version over it";
                return self->rebaseAndRetry(id, remote.version);
            }
            {
                std::lock_guard lock(self->mutex_);
                if (auto it = self->staged_.find(id); it != self->staged_.end())
                    it->conflict = true;
            }
            qCInfo(lcCache).noquote() << QString::fromUtf8(original)
                                      << "changed on the server meanwhile; keeping ours as a "
                                         "conflict copy";
            self->uploadConflictCopy(id, 1);
        });
        return;
    }
    if (result) {
        counters_.addBytesOut(bytes);
        counters_.addUploadDone();
        counters_.clearUploadError();
        changed(target);
        if (target != original)
            changed(original);
        else if (finished)
            meta_.putAttr(target, *result);
        if (finished) {
            // The uploaded bytes are what the remote now has: keep them as cached blocks
            // (when they fit comfortably), so reading a file back after saving it is local.
            auto self = shared_from_this();
            const bool adopt = dataCache_ && target == original && bytes > 0
                && bytes <= config_.maxBytes / 4;
            const QByteArray validator = validatorFor(*result);
            runOnPool([self, id, target, bytes, adopt, validator] {
                for (uint64_t off = 0; adopt && off < bytes; off += kBlock) {
                    auto data = self->staging_.read(id, off, uint32_t(std::min<uint64_t>(kBlock, bytes - off)));
                    if (!data || data->isEmpty()
                        || !self->store_.store(target, validator, uint32_t(off / kBlock), *data))
                        break;
                }
                self->staging_.remove(id);
            });
        }
    } else {
        counters_.addUploadFailure(failureText);
        qCWarning(lcCache).noquote() << failureText;
    }
    publishStagedCounters();
    for (auto &fn : after)
        fn();
}

void CachingFileSystem::Core::uploadStaged(uint64_t id, const QByteArray &path,
                                           const QByteArray &ifVersion, FsDone<FsAttr> done)
{
    auto self = shared_from_this();
    std::shared_ptr<std::atomic<uint64_t>> sent;
    {
        std::lock_guard lock(mutex_);
        if (auto it = staged_.find(id); it != staged_.end())
            sent = it->sent;
    }
    if (!sent)
        sent = std::make_shared<std::atomic<uint64_t>>(0);
    sent->store(0);
    FsProgress progress = [sent](uint64_t bytes, uint64_t) { sent->store(bytes, std::memory_order_relaxed); };
    // The provider's own words for a failure of this attempt: what it says after, when
    // that differs from what it said before.
    const QString errorBefore = inner_->lastError();
    auto finish = [self, id, errorBefore, done = std::move(done)](FsResult<FsAttr> r) {
        if (!r) {
            const QString errorAfter = self->inner_->lastError();
            std::lock_guard lock(self->mutex_);
            if (auto it = self->staged_.find(id); it != self->staged_.end())
                it->attemptDetail = errorAfter != errorBefore ? errorAfter : QString();
        }
        done(std::move(r));
    };
    inner_->upload(path, staging_.filePath(id), ifVersion, progress,
                   [self, id, path, ifVersion, progress, finish = std::move(finish)](FsResult<FsAttr> r) mutable {
                       if (!r && r.error() == FsError::NotSupported && self->caps_.randomWrites
                           && self->inner_->capabilities().randomWrites)
                           return self->uploadViaWrites(id, path, ifVersion, std::move(progress),
                                                        std::move(finish));
                       finish(std::move(r));
                   });
}

void CachingFileSystem::Core::uploadViaWrites(uint64_t id, const QByteArray &path,
                                              const QByteArray &ifVersion, FsProgress progress,
                                              FsDone<FsAttr> done)
{
    auto self = shared_from_this();
    struct Job {
        uint64_t id;
        QByteArray path;
        uint64_t size = 0;
        uint64_t offset = 0;
        FsProgress progress;
        FsDone<FsAttr> done;
        std::function<void()> next;
    };
    auto job = std::make_shared<Job>();
    job->id = id;
    job->path = path;
    job->progress = std::move(progress);
    job->done = std::move(done);
    auto finish = [job](FsResult<FsAttr> r) {
        auto done = std::move(job->done);
        job->next = nullptr; // break the cycle
        done(std::move(r));
    };
    // Copies the staged file in 1 MiB WRITEs, then truncates to its size and commits.
    job->next = [self, job, finish] {
        if (job->offset >= job->size) {
            FsSetAttr truncate;
            truncate.size = job->size;
            self->inner_->setattr(job->path, truncate, [self, job, finish](FsResult<FsAttr> t) {
                if (!t)
                    return finish(t.error());
                self->inner_->commit(job->path, finish);
            });
            return;
        }
        self->runOnPool([self, job, finish] {
            const uint32_t n = uint32_t(std::min<uint64_t>(kBlock, job->size - job->offset));
            auto data = self->staging_.read(job->id, job->offset, n);
            if (!data)
                return finish(data.error());
            self->inner_->write(job->path, job->offset, *data, FsStability::Unstable,
                                [job, finish](FsResult<FsWriteResult> w) {
                                    if (!w)
                                        return finish(w.error());
                                    job->offset += w->count ? w->count : 1;
                                    if (job->progress)
                                        job->progress(std::min(job->offset, job->size), job->size);
                                    job->next();
                                });
        });
    };
    auto start = [self, job, finish](FsResult<FsAttr> existing, bool exists) {
        (void)existing;
        job->size = self->staging_.size(job->id).value_or(0);
        if (exists)
            return job->next();
        FsSetAttr none;
        self->inner_->create(parentPath(job->path), leafName(job->path), FsCreateMode::Unchecked,
                             none, {}, [job, finish](FsResult<FsCreated> c) {
                                 if (!c)
                                     return finish(c.error());
                                 job->next();
                             });
    };
    inner_->getattr(path, [ifVersion, start, finish](FsResult<FsAttr> a) {
        const bool exists = a.ok();
        if (!a && a.error() != FsError::NotFound)
            return finish(a.error());
        if (!ifVersion.isEmpty() && (!exists || validatorFor(*a) != ifVersion))
            return finish(FsError::Exists);
        start(a, exists);
    });
}

void CachingFileSystem::Core::whoseRemoteCopy(uint64_t id, const QByteArray &path,
                                              QList<UploadIntent> sent,
                                              std::function<void(RemoteCopy, FsAttr)> done)
{
    constexpr uint64_t kCompareLimit = uint64_t(256) << 20;
    auto self = shared_from_this();
    inner_->getattr(path, [self, id, path, sent, done = std::move(done)](FsResult<FsAttr> a) mutable {
        const auto localSize = self->staging_.size(id);
        if (!a || a->type != FsType::File || !localSize || a->size > kCompareLimit)
            return done(RemoteCopy::Theirs, FsAttr{});
        // Read the remote copy once, block by block: compared with the staged bytes, and
        // summed for an unconfirmed upload of the same size; stop as soon as neither can
        // hold. The staged bytes are compared when the sizes match, and also when the
        // remote is shorter but at least as long as an unconfirmed upload: a file still
        // growing while it was sent (the upload took the size it found when it opened the
        // file, later than the intent was taken) left a prefix of ours.
        struct Cmp {
            FsAttr remote;
            uint64_t offset = 0;
            bool maybeSame = false;    // remote == the staged bytes (or their prefix)
            bool prefix = false;       // ... of which the remote is only a prefix
            bool maybeEarlier = false; // remote == what an unconfirmed upload sent
            uint32_t crc = 0;
            std::function<void(RemoteCopy, FsAttr)> done;
            std::function<void()> next;
        };
        auto cmp = std::make_shared<Cmp>();
        cmp->remote = *a;
        cmp->prefix = a->size < *localSize;
        cmp->maybeSame = a->size == *localSize
            || (cmp->prefix && std::any_of(sent.cbegin(), sent.cend(), [&](const UploadIntent &i) {
                    return i.size <= a->size;
                }));
        cmp->maybeEarlier = std::any_of(sent.cbegin(), sent.cend(), [&](const UploadIntent &i) {
            return i.size == a->size;
        });
        cmp->done = std::move(done);
        auto finish = [cmp, sent] {
            RemoteCopy copy = RemoteCopy::Theirs;
            if (cmp->maybeSame)
                copy = cmp->prefix ? RemoteCopy::Earlier : RemoteCopy::Same;
            else if (cmp->maybeEarlier
                     && std::any_of(sent.cbegin(), sent.cend(), [&](const UploadIntent &i) {
                            return i.size == cmp->remote.size && i.crc == cmp->crc;
                        }))
                copy = RemoteCopy::Earlier;
            auto d = std::move(cmp->done);
            const FsAttr remote = cmp->remote;
            // Breaks the cycle cmp -> next -> cmp. This may destroy the closure running
            // now (finish is called from inside next): nothing captured is used after it.
            cmp->next = nullptr;
            d(copy, remote);
        };
        cmp->next = [self, id, path, cmp, finish] {
            if (cmp->offset >= cmp->remote.size || (!cmp->maybeSame && !cmp->maybeEarlier))
                return finish();
            const uint32_t n = uint32_t(std::min<uint64_t>(kBlock, cmp->remote.size - cmp->offset));
            self->inner_->read(path, cmp->offset, n, [self, id, cmp, finish](FsResult<FsReadResult> r) {
                if (!r || r->data.isEmpty()) {
                    cmp->maybeSame = cmp->maybeEarlier = false;
                    return finish();
                }
                self->counters_.addBytesIn(uint64_t(r->data.size()));
                self->runOnPool([self, id, cmp, finish, remote = std::move(r->data)] {
                    if (cmp->maybeSame) {
                        auto local = self->staging_.read(id, cmp->offset, uint32_t(remote.size()));
                        cmp->maybeSame = local && *local == remote;
                    }
                    if (cmp->maybeEarlier)
                        cmp->crc = crc32c(remote.constData(), size_t(remote.size()), cmp->crc);
                    cmp->offset += uint64_t(remote.size());
                    cmp->next();
                });
            });
        };
        cmp->next();
    });
}

std::vector<std::function<void()>> CachingFileSystem::Core::endAttemptLocked(Staged &s)
{
    s.uploading = false;
    --uploadsInProgress_;
    s.sent->store(0);
    return std::move(s.afterUpload);
}

void CachingFileSystem::Core::rebaseAndRetry(uint64_t id, const QByteArray &version)
{
    std::vector<std::function<void()>> after;
    {
        std::lock_guard lock(mutex_);
        auto it = staged_.find(id);
        if (it == staged_.end()) {
            --uploadsInProgress_;
            return;
        }
        Staged &s = *it;
        after = endAttemptLocked(s);
        s.q.baseVersion = version;
        queue_.rebase(id, version);
        armTimerLocked(s, milliseconds(0));
    }
    publishStagedCounters();
    for (auto &fn : after)
        fn();
}

void CachingFileSystem::Core::uploadNow()
{
    std::vector<uint64_t> due;
    {
        std::lock_guard lock(mutex_);
        for (Staged &s : staged_) {
            if (!s.ready)
                continue;
            s.lastChange = Clock::now() - config_.uploadDelay - milliseconds(1);
            s.failures = 0;
            due.push_back(s.q.id);
        }
    }
    for (uint64_t id : due)
        uploadTimerFired(id);
}

bool CachingFileSystem::Core::waitForUploads(milliseconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (staged_.isEmpty())
                return true;
        }
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(milliseconds(10));
    }
}

void CachingFileSystem::Core::clearCache()
{
    meta_.clear();
    if (dataCache_) {
        auto self = shared_from_this();
        runOnPool([self] { self->store_.clear(); });
    }
}

// ---------------------------------------------------------------------------------------
// The handle

std::shared_ptr<CachingFileSystem> CachingFileSystem::open(std::shared_ptr<FileSystem> inner,
                                                           const CacheConfig &config,
                                                           QString *error)
{
    auto core = std::make_shared<Core>(std::move(inner), config);
    QString why;
    if (!core->open(&why)) {
        core->shutdown();
        if (error)
            *error = why;
        return nullptr;
    }
    return std::shared_ptr<CachingFileSystem>(new CachingFileSystem(std::move(core)));
}

std::shared_ptr<FileSystem> CachingFileSystem::wrapIfRemote(std::shared_ptr<FileSystem> inner,
                                                            const CacheConfig &config,
                                                            QString *error)
{
    if (!inner || !inner->capabilities().remote)
        return inner;
    return open(std::move(inner), config, error);
}

CachingFileSystem::CachingFileSystem(std::shared_ptr<Core> core) : core_(std::move(core)) {}

CachingFileSystem::~CachingFileSystem()
{
    core_->shutdown();
}

CacheCounters &CachingFileSystem::counters() { return core_->counters_; }
CacheStats CachingFileSystem::stats() const { return core_->stats(); }
const CacheConfig &CachingFileSystem::config() const { return core_->config_; }
bool CachingFileSystem::dataCacheEnabled() const { return core_->dataCache_; }
bool CachingFileSystem::writeBackEnabled() const { return core_->writeBack_; }
FileSystem &CachingFileSystem::inner() { return *core_->inner_; }
void CachingFileSystem::clearCache() { core_->clearCache(); }
void CachingFileSystem::uploadNow() { core_->uploadNow(); }
bool CachingFileSystem::waitForUploads(std::chrono::milliseconds timeout)
{
    return core_->waitForUploads(timeout);
}

FsCapabilities CachingFileSystem::capabilities() const { return core_->caps_; }
QString CachingFileSystem::lastError() const { return core_->inner_->lastError(); }

void CachingFileSystem::getattr(const QByteArray &path, FsDone<FsAttr> done)
{
    core_->attrOf(path, std::move(done));
}

void CachingFileSystem::setattr(const QByteArray &path, const FsSetAttr &changes,
                                FsDone<FsAttr> done)
{
    core_->setattr(path, changes, std::move(done));
}

void CachingFileSystem::lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done)
{
    core_->lookup(dir, name, std::move(done));
}

void CachingFileSystem::read(const QByteArray &path, uint64_t offset, uint32_t count,
                             FsDone<FsReadResult> done)
{
    core_->read(path, offset, count, std::move(done));
}

void CachingFileSystem::readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                                   FsDone<FsReadResult> done)
{
#ifdef __linux__
    // Small reads are copied, as the local provider does: their replies leave many to one
    // send, where a slice costs a send (and an open of the data file) of its own.
    core_->read(path, offset, count, std::move(done), count > kSliceMinBytes);
#else
    core_->read(path, offset, count, std::move(done)); // sendfile(2) differs per system
#endif
}

void CachingFileSystem::write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                              FsStability stability, FsDone<FsWriteResult> done)
{
    core_->write(path, offset, data, stability, std::move(done));
}

void CachingFileSystem::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    core_->commit(path, std::move(done));
}

void CachingFileSystem::create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                               const FsSetAttr &initial, const QByteArray &verifier,
                               FsDone<FsCreated> done)
{
    core_->create(dir, name, mode, initial, verifier, std::move(done));
}

void CachingFileSystem::mkdir(const QByteArray &dir, const QByteArray &name,
                              const FsSetAttr &initial, FsDone<FsCreated> done)
{
    auto core = core_;
    const QByteArray path = fsJoin(dir, name);
    core_->inner_->mkdir(dir, name, initial, [core, path, done = std::move(done)](FsResult<FsCreated> r) {
        core->changedCreated(path, r);
        done(std::move(r));
    });
}

void CachingFileSystem::symlink(const QByteArray &dir, const QByteArray &name,
                                const QByteArray &target, const FsSetAttr &initial,
                                FsDone<FsCreated> done)
{
    auto core = core_;
    const QByteArray path = fsJoin(dir, name);
    core_->inner_->symlink(dir, name, target, initial,
                           [core, path, done = std::move(done)](FsResult<FsCreated> r) {
                               core->changedCreated(path, r);
                               done(std::move(r));
                           });
}

void CachingFileSystem::mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                              const FsSetAttr &initial, FsDone<FsCreated> done)
{
    auto core = core_;
    const QByteArray path = fsJoin(dir, name);
    core_->inner_->mknod(dir, name, type, initial,
                         [core, path, done = std::move(done)](FsResult<FsCreated> r) {
                             core->changedCreated(path, r);
                             done(std::move(r));
                         });
}

void CachingFileSystem::readlink(const QByteArray &path, FsDone<QByteArray> done)
{
    core_->inner_->readlink(path, std::move(done));
}

void CachingFileSystem::remove(const QByteArray &dir, const QByteArray &name,
                               FsDone<FsDirChange> done)
{
    core_->remove(dir, name, std::move(done));
}

void CachingFileSystem::rmdir(const QByteArray &dir, const QByteArray &name,
                              FsDone<FsDirChange> done)
{
    core_->rmdir(dir, name, std::move(done));
}

void CachingFileSystem::rename(const QByteArray &fromDir, const QByteArray &fromName,
                               const QByteArray &toDir, const QByteArray &toName,
                               FsDone<FsRenamed> done)
{
    core_->rename(fromDir, fromName, toDir, toName, std::move(done));
}

void CachingFileSystem::link(const QByteArray &path, const QByteArray &toDir,
                             const QByteArray &toName, FsDone<FsLinked> done)
{
    core_->link(path, toDir, toName, std::move(done));
}

void CachingFileSystem::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    core_->readdir(dir, std::move(done));
}

void CachingFileSystem::fsstat(const QByteArray &path, FsDone<FsStat> done)
{
    core_->inner_->fsstat(path, std::move(done));
}

void CachingFileSystem::upload(const QByteArray &path, const QString &localFile,
                               const QByteArray &ifVersion, FsProgress progress,
                               FsDone<FsAttr> done)
{
    auto core = core_;
    core_->inner_->upload(path, localFile, ifVersion, std::move(progress),
                          [core, path, done = std::move(done)](FsResult<FsAttr> r) {
        core->changed(path);
        done(std::move(r));
    });
}

} // namespace loft
