#include "CacheTestRemote.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <sys/stat.h>

namespace loft::test {

void addVersion(FsAttr &a, bool coarse)
{
    if (a.type != FsType::File && a.type != FsType::Directory)
        return;
    if (coarse) {
        a.version = "c" + QByteArray::number(qulonglong(a.size)) + "-"
            + QByteArray::number(qulonglong(a.identity));
        return;
    }
    a.version = "v" + QByteArray::number(qlonglong(a.mtime.sec)) + "."
        + QByteArray::number(a.mtime.nsec) + "-" + QByteArray::number(qulonglong(a.size)) + "-"
        + QByteArray::number(qulonglong(a.identity));
}

namespace {
template <class T>
void versioned(T &, bool) {}
void versioned(FsAttr &a, bool c) { addVersion(a, c); }
void versioned(FsReadResult &r, bool c) { addVersion(r.attr, c); }
void versioned(FsWriteResult &r, bool c)
{
    addVersion(r.before, c);
    addVersion(r.after, c);
}
void versioned(FsCreated &x, bool c) { addVersion(x.attr, c); }
void versioned(FsLinked &l, bool c) { addVersion(l.attr, c); }
void versioned(QList<FsDirEntry> &l, bool c)
{
    for (auto &e : l)
        addVersion(e.attr, c);
}
template <class T>
FsDone<T> withVersion(FsDone<T> done, bool coarse)
{
    return [done = std::move(done), coarse](FsResult<T> r) {
        if (r)
            versioned(*r, coarse);
        done(std::move(r));
    };
}
} // namespace

void CacheTestRemote::Calls::reset()
{
    getattr = lookup = read = readdir = write = upload = create = remove = rename = setattr =
        other = 0;
    readBytes = 0;
    readsInFlight = 0;
    maxReadsInFlight = 0;
}

CacheTestRemote::CacheTestRemote(const QString &root)
    : root_(root)
    , local_(std::make_unique<LocalFileSystem>(root, false))
{
    pool_.setMaxThreadCount(16);
}

CacheTestRemote::~CacheTestRemote()
{
    releaseReadReplies();
    pool_.waitForDone();
}

QByteArray CacheTestRemote::versionOf(const QByteArray &path) const
{
    struct stat st;
    if (::stat(QFile::encodeName(root_ + QLatin1Char('/') + QString::fromUtf8(path)).constData(),
               &st) < 0)
        return {};
    FsAttr a;
    a.type = S_ISDIR(st.st_mode) ? FsType::Directory : FsType::File;
    a.size = uint64_t(st.st_size);
    a.identity = uint64_t(st.st_ino);
    a.mtime = FsTime{int64_t(st.st_mtim.tv_sec), uint32_t(st.st_mtim.tv_nsec)};
    addVersion(a, coarseVersions.load());
    return a.version;
}

template <class T, class Go>
void CacheTestRemote::call(FsDone<T> done, Go go)
{
    pool_.start([this, done = std::move(done), go = std::move(go)]() mutable {
        if (const int ms = latencyMs.load(); ms > 0)
            QThread::msleep(ulong(ms));
        if (unavailable)
            return done(FsError::Unavailable);
        go(withVersion(std::move(done), coarseVersions.load()));
    });
}

FsCapabilities CacheTestRemote::capabilities() const
{
    FsCapabilities c = local_->capabilities();
    c.remote = true;
    c.randomWrites = randomWrites.load();
    return c;
}

void CacheTestRemote::getattr(const QByteArray &path, FsDone<FsAttr> done)
{
    ++calls.getattr;
    call(std::move(done), [this, path](FsDone<FsAttr> d) { local_->getattr(path, std::move(d)); });
}

void CacheTestRemote::setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done)
{
    ++calls.setattr;
    call(std::move(done),
         [this, path, changes](FsDone<FsAttr> d) { local_->setattr(path, changes, std::move(d)); });
}

void CacheTestRemote::lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done)
{
    ++calls.lookup;
    call(std::move(done),
         [this, dir, name](FsDone<FsAttr> d) { local_->lookup(dir, name, std::move(d)); });
}

void CacheTestRemote::read(const QByteArray &path, uint64_t offset, uint32_t count,
                           FsDone<FsReadResult> done)
{
    ++calls.read;
    const int now = ++calls.readsInFlight;
    for (int seen = calls.maxReadsInFlight; now > seen
         && !calls.maxReadsInFlight.compare_exchange_weak(seen, now);) {
    }
    done = [this, done = std::move(done)](FsResult<FsReadResult> r) {
        --calls.readsInFlight;
        done(std::move(r));
    };
    call(std::move(done), [this, path, offset, count](FsDone<FsReadResult> d) {
        local_->read(path, offset, count, [this, d = std::move(d)](FsResult<FsReadResult> r) {
            if (r)
                calls.readBytes += uint64_t(r->data.size());
            {
                // Read now, answered later: the bytes of this moment reach the caller
                // after whatever the test does meanwhile.
                QMutexLocker lock(&heldMutex_);
                if (holdReadReplies) {
                    held_.push_back([d = std::move(d), r = std::move(r)]() mutable {
                        d(std::move(r));
                    });
                    return;
                }
            }
            d(std::move(r));
        });
    });
}

int CacheTestRemote::heldReadReplies() const
{
    QMutexLocker lock(&heldMutex_);
    return int(held_.size());
}

void CacheTestRemote::releaseReadReplies()
{
    std::vector<std::function<void()>> replies;
    {
        QMutexLocker lock(&heldMutex_);
        holdReadReplies = false;
        replies.swap(held_);
    }
    for (auto &reply : replies)
        reply();
}

void CacheTestRemote::write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                            FsStability stability, FsDone<FsWriteResult> done)
{
    ++calls.write; // a whole-file store: the cache must never call this
    call(std::move(done), [this, path, offset, data, stability](FsDone<FsWriteResult> d) {
        local_->write(path, offset, data, stability, std::move(d));
    });
}

void CacheTestRemote::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    ++calls.other;
    call(std::move(done), [this, path](FsDone<FsAttr> d) { local_->commit(path, std::move(d)); });
}

void CacheTestRemote::create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                             const FsSetAttr &initial, const QByteArray &verifier,
                             FsDone<FsCreated> done)
{
    ++calls.create;
    call(std::move(done), [this, dir, name, mode, initial, verifier](FsDone<FsCreated> d) {
        local_->create(dir, name, mode, initial, verifier, std::move(d));
    });
}

void CacheTestRemote::mkdir(const QByteArray &dir, const QByteArray &name,
                            const FsSetAttr &initial, FsDone<FsCreated> done)
{
    ++calls.other;
    call(std::move(done), [this, dir, name, initial](FsDone<FsCreated> d) {
        local_->mkdir(dir, name, initial, std::move(d));
    });
}

void CacheTestRemote::symlink(const QByteArray &dir, const QByteArray &name,
                              const QByteArray &target, const FsSetAttr &initial,
                              FsDone<FsCreated> done)
{
    ++calls.other;
    call(std::move(done), [this, dir, name, target, initial](FsDone<FsCreated> d) {
        local_->symlink(dir, name, target, initial, std::move(d));
    });
}

void CacheTestRemote::mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                            const FsSetAttr &initial, FsDone<FsCreated> done)
{
    ++calls.other;
    call(std::move(done), [this, dir, name, type, initial](FsDone<FsCreated> d) {
        local_->mknod(dir, name, type, initial, std::move(d));
    });
}

void CacheTestRemote::readlink(const QByteArray &path, FsDone<QByteArray> done)
{
    ++calls.other;
    call(std::move(done), [this, path](FsDone<QByteArray> d) { local_->readlink(path, std::move(d)); });
}

void CacheTestRemote::remove(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done)
{
    ++calls.remove;
    call(std::move(done),
         [this, dir, name](FsDone<FsDirChange> d) { local_->remove(dir, name, std::move(d)); });
}

void CacheTestRemote::rmdir(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done)
{
    ++calls.other;
    call(std::move(done),
         [this, dir, name](FsDone<FsDirChange> d) { local_->rmdir(dir, name, std::move(d)); });
}

void CacheTestRemote::rename(const QByteArray &fromDir, const QByteArray &fromName,
                             const QByteArray &toDir, const QByteArray &toName,
                             FsDone<FsRenamed> done)
{
    ++calls.rename;
    call(std::move(done), [this, fromDir, fromName, toDir, toName](FsDone<FsRenamed> d) {
        QMutexLocker lock(&uploadMutex_); // atomic with respect to uploads
        local_->rename(fromDir, fromName, toDir, toName, std::move(d));
    });
}

void CacheTestRemote::link(const QByteArray &path, const QByteArray &toDir,
                           const QByteArray &toName, FsDone<FsLinked> done)
{
    ++calls.other;
    call(std::move(done), [this, path, toDir, toName](FsDone<FsLinked> d) {
        local_->link(path, toDir, toName, std::move(d));
    });
}

void CacheTestRemote::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    ++calls.readdir;
    call(std::move(done),
         [this, dir](FsDone<QList<FsDirEntry>> d) { local_->readdir(dir, std::move(d)); });
}

void CacheTestRemote::fsstat(const QByteArray &path, FsDone<FsStat> done)
{
    ++calls.other;
    call(std::move(done), [this, path](FsDone<FsStat> d) { local_->fsstat(path, std::move(d)); });
}

void CacheTestRemote::upload(const QByteArray &path, const QString &localFile,
                             const QByteArray &ifVersion, FsProgress progress,
                             FsDone<FsAttr> done)
{
    if (!hasUpload)
        return done(FsError::NotSupported);
    ++calls.upload;
    call(std::move(done), [this, path, localFile, ifVersion, progress](FsDone<FsAttr> d) {
        const QString target = root_ + QLatin1Char('/') + QString::fromUtf8(path);
        // The check and the replacement are one step, as with an HTTP If-Match PUT.
        QMutexLocker lock(&uploadMutex_);
        if (!ifVersion.isEmpty() && versionOf(path) != ifVersion)
            return d(FsError::Exists);
        if (!QFileInfo(target).absoluteDir().exists())
            return d(FsError::NotFound);
        const QString temp = target + QStringLiteral(".upload-tmp");
        QFile::remove(temp);
        if (!QFile::copy(localFile, temp))
            return d(FsError::Io);
        if (progress) // one step: the copy is all at once
            progress(uint64_t(QFileInfo(temp).size()), uint64_t(QFileInfo(temp).size()));
        if (::rename(QFile::encodeName(temp).constData(), QFile::encodeName(target).constData()) < 0)
            return d(FsError::Io);
        if (dropUploadReplies)
            return;
        lock.unlock();
        local_->getattr(path, std::move(d));
    });
}

} // namespace loft::test
