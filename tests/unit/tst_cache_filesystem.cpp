// The cache layer (CachingFileSystem) around a test remote (CacheTestRemote: the local
// provider posing as a whole-file remote store), checked against the folder on disk.
#include "CacheTestRemote.h"
#include "CachingFileSystem.h"
#include "DiskUsage.h"
#include "RandomBytes.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <future>
#include <signal.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace loft;
using namespace loft::test;
using namespace std::chrono_literals;

namespace loft {
char *toString(FsError e)
{
    return qstrdup(fsErrorName(e));
}
} // namespace loft

namespace {

template <class T, class Start>
FsResult<T> await(Start &&start)
{
    auto promise = std::make_shared<std::promise<FsResult<T>>>();
    auto future = promise->get_future();
    auto calls = std::make_shared<std::atomic<int>>(0);
    start(FsDone<T>([promise, calls](FsResult<T> r) {
        if (calls->fetch_add(1) != 0)
            qFatal("done called twice");
        promise->set_value(std::move(r));
    }));
    if (future.wait_for(60s) != std::future_status::ready)
        qFatal("a cache call never called done");
    return future.get();
}

struct Sync {
    FileSystem *fs;
    FsResult<FsAttr> getattr(const QByteArray &p)
    {
        return await<FsAttr>([&](auto d) { fs->getattr(p, std::move(d)); });
    }
    FsResult<FsAttr> lookup(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsAttr>([&](auto d) { fs->lookup(dir, name, std::move(d)); });
    }
    FsResult<FsReadResult> read(const QByteArray &p, uint64_t off, uint32_t n)
    {
        return await<FsReadResult>([&](auto d) { fs->read(p, off, n, std::move(d)); });
    }
    FsResult<FsReadResult> readToSend(const QByteArray &p, uint64_t off, uint32_t n)
    {
        return await<FsReadResult>([&](auto d) { fs->readToSend(p, off, n, std::move(d)); });
    }
    FsResult<FsWriteResult> write(const QByteArray &p, uint64_t off, const QByteArray &data,
                                  FsStability s = FsStability::Unstable)
    {
        return await<FsWriteResult>([&](auto d) { fs->write(p, off, data, s, std::move(d)); });
    }
    FsResult<FsAttr> commit(const QByteArray &p)
    {
        return await<FsAttr>([&](auto d) { fs->commit(p, std::move(d)); });
    }
    FsResult<FsAttr> setattr(const QByteArray &p, const FsSetAttr &c)
    {
        return await<FsAttr>([&](auto d) { fs->setattr(p, c, std::move(d)); });
    }
    FsResult<FsCreated> create(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsCreated>([&](auto d) {
            fs->create(dir, name, FsCreateMode::Guarded, {}, {}, std::move(d));
        });
    }
    FsResult<FsCreated> mkdir(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsCreated>([&](auto d) { fs->mkdir(dir, name, {}, std::move(d)); });
    }
    FsResult<FsDirChange> remove(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsDirChange>([&](auto d) { fs->remove(dir, name, std::move(d)); });
    }
    FsResult<FsRenamed> rename(const QByteArray &fd, const QByteArray &fn, const QByteArray &td,
                               const QByteArray &tn)
    {
        return await<FsRenamed>([&](auto d) { fs->rename(fd, fn, td, tn, std::move(d)); });
    }
    FsResult<FsLinked> link(const QByteArray &p, const QByteArray &toDir, const QByteArray &toName)
    {
        return await<FsLinked>([&](auto d) { fs->link(p, toDir, toName, std::move(d)); });
    }
    FsResult<QList<FsDirEntry>> readdir(const QByteArray &dir)
    {
        return await<QList<FsDirEntry>>([&](auto d) { fs->readdir(dir, std::move(d)); });
    }
    // Reads the whole file in `chunk`-sized READs, as an NFS client would.
    QByteArray readAll(const QByteArray &p, uint32_t chunk = 1u << 20)
    {
        QByteArray all;
        for (uint64_t off = 0;; off += chunk) {
            auto r = read(p, off, chunk);
            if (!r)
                qFatal("read failed: %s", fsErrorName(r.error()));
            all.append(r->data);
            if (r->eof || r->data.isEmpty())
                break;
        }
        return all;
    }
    // Creates `name` and writes `data` through the cache, then COMMITs.
    void writeFile(const QByteArray &dir, const QByteArray &name, const QByteArray &data)
    {
        auto c = create(dir, name);
        QVERIFY2(c.ok() || c.error() == FsError::Exists, c.ok() ? "" : fsErrorName(c.error()));
        const QByteArray path = fsJoin(dir, name);
        for (qsizetype off = 0; off < data.size(); off += 1 << 20) {
            auto w = write(path, uint64_t(off), data.mid(off, 1 << 20));
            QVERIFY2(w.ok(), w.ok() ? "" : fsErrorName(w.error()));
        }
        QVERIFY(commit(path).ok());
    }
};

// The bytes a READ reply carries: its data, or what its slice's fd holds in the range now.
QByteArray replyBytes(const FsReadResult &r)
{
    if (!r.slice)
        return r.data;
    if (!r.data.isEmpty())
        return "<slice and data>";
    QByteArray back(qsizetype(r.slice->length), '\0');
    const ssize_t n = ::pread(r.slice->fd, back.data(), r.slice->length, off_t(r.slice->offset));
    return n == ssize_t(r.slice->length) ? back : QByteArray("<short pread>");
}

// readToSend of a 1 MiB block once its store has landed (cachedBytes already counts blocks
// still being written; until stored they come as bytes): the first answer with a slice, or
// the last one after 10 s.
FsResult<FsReadResult> sliceOnceStored(Sync &s, const QByteArray &p, uint64_t off)
{
    QElapsedTimer timer;
    timer.start();
    for (;;) {
        auto r = s.readToSend(p, off, 1u << 20);
        if (!r || r->slice || timer.elapsed() > 10000)
            return r;
        QTest::qWait(10);
    }
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return "<missing>";
    return f.readAll();
}

void putFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(data), data.size());
}

// Bytes of disk the folder's files actually use (sparse blocks count only when present).
constexpr uint64_t MiB = 1u << 20;

// The child half of crashKeepsCommittedWrites: writes and commits through a cache, then
// dies by SIGKILL with everything still running.
int crashChild(const QString &remoteDir, const QString &cacheDir)
{
    auto remote = std::make_shared<CacheTestRemote>(remoteDir);
    CacheConfig config;
    config.directory = cacheDir;
    config.uploadDelay = 3600s;
    QString error;
    auto fs = CachingFileSystem::open(remote, config, &error);
    if (!fs)
        return 2;
    Sync s{fs.get()};
    const QByteArray data = randomBytes(3 * MiB + 123, 77);
    s.writeFile("", "killed.bin", data);
    s.write("", 0, "x"); // keep the threads busy
    ::kill(::getpid(), SIGKILL);
    return 3;
}

// The child half of ownUploadThatLandedIsNotAConflict: an upload of a changed file lands
// on the remote, but Loft dies before hearing so, after the file changed again.
int landedUploadChild(const QString &remoteDir, const QString &cacheDir)
{
    auto remote = std::make_shared<CacheTestRemote>(remoteDir);
    remote->dropUploadReplies = true;
    CacheConfig config;
    config.directory = cacheDir;
    config.uploadDelay = 50ms;
    QString error;
    auto fs = CachingFileSystem::open(remote, config, &error);
    if (!fs)
        return 2;
    Sync s{fs.get()};
    const QByteArray change = randomBytes(MiB + 500, 81);
    if (!s.write("doc.bin", 0, change).ok() || !s.commit("doc.bin").ok())
        return 4;
    QByteArray uploaded = randomBytes(2 * MiB, 80); // the remote's file before (the parent's)
    uploaded.replace(0, change.size(), change);
    const QString onRemote = remoteDir + QStringLiteral("/doc.bin");
    QElapsedTimer waited;
    waited.start();
    while (fileBytes(onRemote) != uploaded) {
        if (waited.elapsed() > 10000)
            return 5;
        QThread::msleep(10);
    }
    if (!s.write("doc.bin", 100, "CHANGED AFTER THE UPLOAD").ok() || !s.commit("doc.bin").ok())
        return 6;
    ::kill(::getpid(), SIGKILL);
    return 3;
}

} // namespace

class TestCacheFileSystem : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> remoteTmp_;
    std::unique_ptr<QTemporaryDir> cacheTmp_;
    struct DirRef {
        std::unique_ptr<QTemporaryDir> *dir;
        QString path() const { return (*dir)->path(); }
        QString filePath(const QString &name) const { return (*dir)->filePath(name); }
    };
    DirRef remoteDir_{&remoteTmp_};
    DirRef cacheDir_{&cacheTmp_};
    std::shared_ptr<CacheTestRemote> remote_;

    std::shared_ptr<CachingFileSystem> open(CacheConfig config = {})
    {
        if (config.directory.isEmpty())
            config.directory = cacheDir_.path();
        QString error;
        auto fs = CachingFileSystem::open(remote_, config, &error);
        if (!fs)
            qWarning().noquote() << error;
        return fs;
    }
    QString remotePath(const char *name) const { return remoteDir_.filePath(QString::fromUtf8(name)); }

private slots:
    void init()
    {
        remoteTmp_ = std::make_unique<QTemporaryDir>();
        cacheTmp_ = std::make_unique<QTemporaryDir>();
        QVERIFY(remoteTmp_->isValid() && cacheTmp_->isValid());
        remote_ = std::make_shared<CacheTestRemote>(remoteDir_.path());
    }
    void cleanup() { remote_.reset(); }

    void wrapsOnlyRemoteProviders()
    {
        auto local = std::make_shared<LocalFileSystem>(remoteDir_.path(), false);
        CacheConfig config;
        config.directory = cacheDir_.path();
        QString error;
        auto same = CachingFileSystem::wrapIfRemote(local, config, &error);
        QCOMPARE(same.get(), local.get());
        auto wrapped = CachingFileSystem::wrapIfRemote(remote_, config, &error);
        QVERIFY(dynamic_cast<CachingFileSystem *>(wrapped.get()));
        QVERIFY(wrapped->capabilities().randomWrites); // staging takes writes anywhere
        QVERIFY(wrapped->capabilities().remote);
        // One Loft per cache folder.
        auto second = CachingFileSystem::open(remote_, config, &error);
        QVERIFY(!second);
        QVERIFY(error.contains(QLatin1String("in use")));
    }

    void warmReReadServedFromCache()
    {
        const QByteArray data = randomBytes(5 * MiB + 4321, 1);
        putFile(remotePath("big.bin"), data);
        auto fs = open();
        Sync s{fs.get()};
        QCOMPARE(s.readAll("big.bin"), data);
        QVERIFY(remote_->calls.read > 0);
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        remote_->calls.reset();
        QCOMPARE(s.readAll("big.bin"), data);
        QCOMPARE(remote_->calls.read.load(), 0);
        // Unaligned and small reads too.
        auto r = s.read("big.bin", 3 * MiB - 10, 100);
        QVERIFY(r.ok());
        QCOMPARE(r->data, data.mid(3 * MiB - 10, 100));
        QCOMPARE(remote_->calls.read.load(), 0);
        const CacheStats st = fs->stats();
        QVERIFY(st.hitBytes >= uint64_t(data.size()));
        QVERIFY(st.hitRatio() > 0.45);
        QCOMPARE(st.bytesIn, uint64_t(data.size()));
    }

    void cacheSurvivesRestart()
    {
        const QByteArray data = randomBytes(3 * MiB, 2);
        putFile(remotePath("keep.bin"), data);
        {
            auto fs = open();
            Sync s{fs.get()};
            QCOMPARE(s.readAll("keep.bin"), data);
            QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        }
        remote_->calls.reset();
        auto fs = open();
        QCOMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        Sync s{fs.get()};
        QCOMPARE(s.readAll("keep.bin"), data);
        QCOMPARE(remote_->calls.read.load(), 0);
    }

    void changedRemoteIsNotServedFromCache()
    {
        CacheConfig config;
        config.metadataTtl = 100ms;
        const QByteArray v1 = randomBytes(2 * MiB, 3);
        putFile(remotePath("f.bin"), v1);
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readAll("f.bin"), v1);
        const QByteArray v2 = randomBytes(2 * MiB, 4); // same size, new content and version
        QTest::qWait(20);
        putFile(remotePath("f.bin"), v2);
        QTest::qWait(150); // past the TTL: the new version is seen
        QCOMPARE(s.readAll("f.bin"), v2);
        remote_->calls.reset();
        QCOMPARE(s.readAll("f.bin"), v2);
        QCOMPARE(remote_->calls.read.load(), 0);
    }

    void corruptBlockIsRefetched()
    {
        const QByteArray data = randomBytes(2 * MiB, 5);
        putFile(remotePath("c.bin"), data);
        {
            auto fs = open();
            Sync s{fs.get()};
            QCOMPARE(s.readAll("c.bin"), data);
            QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        }
        // Flip bytes in every cached block file, as a crash or a bad disk might.
        QDirIterator it(cacheDir_.path() + QStringLiteral("/blocks"), QDir::Files);
        int corrupted = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadWrite));
            f.seek(1000);
            f.write("CORRUPT");
            ++corrupted;
        }
        QVERIFY(corrupted > 0);
        remote_->calls.reset();
        auto fs = open();
        Sync s{fs.get()};
        QCOMPARE(s.readAll("c.bin"), data);
        QVERIFY(remote_->calls.read > 0); // block 0 refetched
    }

    void sizeLimitHeldWhileReadingThreeTimesIt()
    {
        CacheConfig config;
        config.maxBytes = 8 * MiB;
        const QByteArray a = randomBytes(12 * MiB, 6);
        const QByteArray b = randomBytes(12 * MiB + 77, 7);
        putFile(remotePath("a.bin"), a);
        putFile(remotePath("b.bin"), b);
        auto fs = open(config);
        Sync s{fs.get()};
        uint64_t peak = 0;
        for (const auto &[name, data] : {std::pair{"a.bin", a}, std::pair{"b.bin", b}}) {
            QByteArray all;
            for (uint64_t off = 0; off < uint64_t(data.size()); off += MiB) {
                auto r = s.read(name, off, uint32_t(MiB));
                QVERIFY(r.ok());
                all.append(r->data);
                peak = std::max(peak, fs->stats().cachedBytes);
            }
            QCOMPARE(all, data);
        }
        QTest::qWait(200); // let the last stores land
        const CacheStats st = fs->stats();
        QVERIFY2(st.cachedBytes <= config.maxBytes, qPrintable(QString::number(st.cachedBytes)));
        QVERIFY(peak <= config.maxBytes);
        QVERIFY(st.cachedBytes >= config.maxBytes - MiB); // and it is used
        const uint64_t onDisk = allocatedBytes(cacheDir_.path() + QStringLiteral("/blocks"));
        QVERIFY2(onDisk <= config.maxBytes + MiB, qPrintable(QString::number(onDisk)));
        // The most recent blocks stayed: re-reading the tail of b costs nothing.
        remote_->calls.reset();
        auto r = s.read("b.bin", 12 * MiB - MiB, uint32_t(MiB));
        QVERIFY(r.ok());
        QCOMPARE(remote_->calls.read.load(), 0);
    }

    void stagedFilesAreNeverEvicted()
    {
        CacheConfig config;
        config.maxBytes = 6 * MiB;
        config.uploadDelay = 3600s;
        const QByteArray big = randomBytes(16 * MiB, 8);
        putFile(remotePath("big.bin"), big);
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray staged = randomBytes(4 * MiB + 5, 9);
        s.writeFile("", "staged.bin", staged);
        // The accounting is exact at every moment (blocks still being stored count, and
        // staged bytes are pinned in the order they change), so no waiting is needed.
        QCOMPARE(s.readAll("big.bin"), big);
        CacheStats st = fs->stats();
        QCOMPARE(st.stagedBytes, uint64_t(staged.size()));
        QCOMPARE(st.pendingUploads, uint64_t(1));
        QVERIFY(st.cachedBytes + st.stagedBytes <= config.maxBytes);
        QCOMPARE(s.readAll("staged.bin"), staged);
        // More staged than the limit: the data cache gives way entirely, staged data stays.
        const QByteArray huge = randomBytes(7 * MiB, 10);
        s.writeFile("", "huge.bin", huge);
        QCOMPARE(s.readAll("big.bin"), big);
        st = fs->stats();
        QCOMPARE(st.cachedBytes, uint64_t(0));
        QCOMPARE(s.readAll("staged.bin"), staged);
        QCOMPARE(s.readAll("huge.bin"), huge);
        QCOMPARE(remote_->calls.upload.load(), 0);
    }

    void writeBackUploadsAfterIdleDelay()
    {
        CacheConfig config;
        config.uploadDelay = 300ms;
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray data = randomBytes(3 * MiB + 17, 11);
        s.writeFile("", "new.bin", data);
        // The client sees the staged file at once.
        auto a = s.getattr("new.bin");
        QVERIFY(a.ok());
        QCOMPARE(a->size, uint64_t(data.size()));
        QCOMPARE(s.readAll("new.bin"), data);
        bool listed = false;
        const auto listing = s.readdir("");
        QVERIFY(listing.ok());
        for (const auto &e : *listing)
            listed = listed || (e.name == "new.bin" && e.attr.size == uint64_t(data.size()));
        QVERIFY(listed);
        QCOMPARE(remote_->calls.upload.load(), 0);
        QVERIFY(fileBytes(remotePath("new.bin")).isEmpty()); // CREATE reached the remote
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("new.bin")), data);
        QCOMPARE(remote_->calls.upload.load(), 1);
        QCOMPARE(remote_->calls.write.load(), 0);
        const CacheStats st = fs->stats();
        QCOMPARE(st.pendingUploads, uint64_t(0));
        QCOMPARE(st.bytesOut, uint64_t(data.size()));
        QCOMPARE(st.uploadsDone, uint64_t(1));
        a = s.getattr("new.bin");
        QCOMPARE(a->size, uint64_t(data.size()));
    }

    void partialOverwriteOfExistingRemoteFile()
    {
        CacheConfig config;
        config.uploadDelay = 100ms;
        QByteArray data = randomBytes(3 * MiB + 1000, 12);
        putFile(remotePath("doc.bin"), data);
        auto fs = open(config);
        Sync s{fs.get()};
        QVERIFY(s.write("doc.bin", MiB + 10, "hello").ok());
        QVERIFY(s.write("doc.bin", data.size() + 5, "tail").ok()); // extends, with a hole
        QVERIFY(s.commit("doc.bin").ok());
        data.replace(MiB + 10, 5, "hello");
        data.append(QByteArray(5, '\0'));
        data.append("tail");
        QCOMPARE(s.readAll("doc.bin"), data);
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("doc.bin")), data);
        // Truncation through SETATTR stages and uploads too.
        FsSetAttr t;
        t.size = 10;
        auto r = s.setattr("doc.bin", t);
        QVERIFY(r.ok());
        QCOMPARE(r->size, uint64_t(10));
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("doc.bin")), data.left(10));
    }

    void committedWritesSurviveDestruction()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        const QByteArray data = randomBytes(2 * MiB + 99, 13);
        {
            auto fs = open(config);
            Sync s{fs.get()};
            s.writeFile("", "later.bin", data);
        } // gone without uploading
        QCOMPARE(remote_->calls.upload.load(), 0);
        QVERIFY(fileBytes(remotePath("later.bin")).isEmpty());
        config.uploadDelay = 50ms;
        auto fs = open(config);
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));
        Sync s{fs.get()};
        QCOMPARE(s.getattr("later.bin")->size, uint64_t(data.size())); // still staged
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("later.bin")), data);
    }

    void crashKeepsCommittedWrites()
    {
        // A real kill -9: a child process writes, commits and is killed mid-flight.
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LOFT_CACHE_CRASH_CHILD"),
                   remoteDir_.path() + QLatin1Char('\n') + cacheDir_.path());
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QVERIFY(fileBytes(remotePath("killed.bin")).isEmpty());
        CacheConfig config;
        config.uploadDelay = 50ms;
        auto fs = open(config);
        QVERIFY(fs);
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("killed.bin")), randomBytes(3 * MiB + 123, 77));
    }

    // Loft dies after its upload landed but before it recorded that, and the file changed
    // again meanwhile: the next run sees the remote's version moved, but recognises the
    // bytes there as its own earlier upload (the journaled size and CRC of what that
    // upload sent): the newer version goes up under the name, no conflict copy.
    void ownUploadThatLandedIsNotAConflict()
    {
        const QByteArray base = randomBytes(2 * MiB, 80);
        putFile(remotePath("doc.bin"), base);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LOFT_CACHE_LANDED_UPLOAD_CHILD"),
                   remoteDir_.path() + QLatin1Char('\n') + cacheDir_.path());
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        QByteArray first = base;
        first.replace(0, MiB + 500, randomBytes(MiB + 500, 81));
        QCOMPARE(fileBytes(remotePath("doc.bin")), first); // the unrecorded upload landed
        CacheConfig config;
        config.uploadDelay = 50ms;
        auto fs = open(config);
        QVERIFY(fs);
        QVERIFY(fs->waitForUploads(10s));
        QByteArray second = first;
        second.replace(100, 24, "CHANGED AFTER THE UPLOAD");
        QCOMPARE(fileBytes(remotePath("doc.bin")), second);
        QCOMPARE(QDir(remoteDir_.path()).entryList({QStringLiteral("doc (conflict *)*")}, QDir::Files),
                 QStringList());
        QCOMPARE(fs->stats().conflicts, uint64_t(0));
    }

    void unreachableRemoteIsRetriedWithBackoff()
    {
        CacheConfig config;
        config.uploadDelay = 50ms;
        config.retryMin = 50ms;
        config.retryMax = 200ms;
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray data = randomBytes(MiB + 3, 14);
        s.writeFile("", "retry.bin", data);
        remote_->unavailable = true;
        QTest::qWait(900);
        const int attempts = remote_->calls.upload;
        // 50 ms delay, then retries after 50, 100, 200, 200, ... ms: a handful, not hundreds.
        QVERIFY2(attempts >= 3 && attempts <= 8, qPrintable(QString::number(attempts)));
        CacheStats st = fs->stats();
        QVERIFY(st.uploadFailures >= 3);
        QVERIFY(!st.lastUploadError.isEmpty());
        QCOMPARE(st.pendingUploads, uint64_t(1));
        QVERIFY(fileBytes(remotePath("retry.bin")).isEmpty());
        remote_->unavailable = false;
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("retry.bin")), data);
        st = fs->stats();
        QVERIFY(st.lastUploadError.isEmpty());
    }

    void conflictKeepsBothVersions()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        const QByteArray base = randomBytes(MiB, 15);
        putFile(remotePath("report.txt"), base);
        auto fs = open(config);
        Sync s{fs.get()};
        QVERIFY(s.write("report.txt", 0, "OURS").ok());
        QVERIFY(s.commit("report.txt").ok());
        // Someone else changes the file on the server meanwhile.
        QTest::qWait(20);
        const QByteArray theirs = randomBytes(MiB / 2, 16);
        putFile(remotePath("report.txt"), theirs);
        fs->uploadNow();
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("report.txt")), theirs); // nothing overwritten
        QStringList copies = QDir(remoteDir_.path())
                                 .entryList({QStringLiteral("report (conflict *).txt")}, QDir::Files);
        QCOMPARE(copies.size(), 1);
        QVERIFY(QRegularExpression(QStringLiteral(
                    R"(^report \(conflict \d{4}-\d\d-\d\d \d{6}\)\.txt$)"))
                    .match(copies.first())
                    .hasMatch());
        QByteArray ours = base;
        ours.replace(0, 4, "OURS");
        QCOMPARE(fileBytes(remoteDir_.filePath(copies.first())), ours);
        QCOMPARE(fs->stats().conflicts, uint64_t(1));
        // The client now sees the server's version under the original name.
        QCOMPARE(s.readAll("report.txt"), theirs);
    }

    void renameOfPendingFileMovesTheUpload()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray data = randomBytes(MiB + 5, 17);
        s.writeFile("", "draft.tmp", data);
        QVERIFY(s.rename("", "draft.tmp", "", "final.doc").ok());
        QCOMPARE(s.getattr("final.doc")->size, uint64_t(data.size()));
        QCOMPARE(s.getattr("draft.tmp").error(), FsError::NotFound);
        QCOMPARE(s.readAll("final.doc"), data);
        // And a folder holding a pending file.
        QVERIFY(s.mkdir("", "dir").ok());
        const QByteArray inner = randomBytes(1000, 18);
        s.writeFile("dir", "inside.txt", inner);
        QVERIFY(s.rename("", "dir", "", "moved").ok());
        QCOMPARE(s.readAll("moved/inside.txt"), inner);
        // The queue survives a restart with the new names.
        fs.reset();
        config.uploadDelay = 50ms;
        fs = open(config);
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("final.doc")), data);
        QVERIFY(!QFile::exists(remotePath("draft.tmp")));
        QCOMPARE(fileBytes(remotePath("moved/inside.txt")), inner);
        QVERIFY(!QFile::exists(remotePath("dir")));
    }

    void renameOverPendingFileDropsItsUpload()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        s.writeFile("", "target.txt", "old pending");
        s.writeFile("", "source.txt", "new content");
        QVERIFY(s.rename("", "source.txt", "", "target.txt").ok());
        QCOMPARE(s.readAll("target.txt"), QByteArray("new content"));
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));
        fs->uploadNow();
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("target.txt")), QByteArray("new content"));
        QCOMPARE(remote_->calls.upload.load(), 1);
    }

    void deleteOfPendingFileCancelsItsUpload()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        s.writeFile("", "gone.txt", randomBytes(5000, 19));
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));
        QVERIFY(s.remove("", "gone.txt").ok());
        QCOMPARE(fs->stats().pendingUploads, uint64_t(0));
        QCOMPARE(s.getattr("gone.txt").error(), FsError::NotFound);
        fs.reset();
        config.uploadDelay = 10ms;
        fs = open(config);
        QCOMPARE(fs->stats().pendingUploads, uint64_t(0));
        QTest::qWait(100);
        QCOMPARE(remote_->calls.upload.load(), 0);
        QVERIFY(!QFile::exists(remotePath("gone.txt")));
        QVERIFY(QDir(cacheDir_.path() + QStringLiteral("/staging")).isEmpty());
    }

    void renameWaitsForUploadInFlight()
    {
        CacheConfig config;
        config.uploadDelay = 10ms;
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray data = randomBytes(MiB, 20);
        s.writeFile("", "moving.bin", data);
        remote_->latencyMs = 300; // the upload is on the wire when the rename comes
        QTest::qWait(100);
        QVERIFY(s.rename("", "moving.bin", "", "moved.bin").ok());
        remote_->latencyMs = 0;
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("moved.bin")), data);
        QVERIFY(!QFile::exists(remotePath("moving.bin")));
    }

    void metadataTtlCollapsesStorms()
    {
        CacheConfig config;
        config.metadataTtl = 1000ms;
        putFile(remotePath("s.txt"), "stat me");
        auto fs = open(config);
        Sync s{fs.get()};
        for (int i = 0; i < 50; ++i)
            QVERIFY(s.getattr("s.txt").ok());
        QCOMPARE(remote_->calls.getattr + remote_->calls.lookup, 1);
        // Concurrent askers share one call too.
        remote_->calls.reset();
        remote_->latencyMs = 100;
        std::vector<std::future<FsResult<FsAttr>>> many;
        for (int i = 0; i < 20; ++i)
            many.push_back(std::async(std::launch::async, [&] { return s.lookup("", "other"); }));
        for (auto &f : many)
            QCOMPARE(f.get().error(), FsError::NotFound);
        QCOMPARE(remote_->calls.lookup.load(), 1);
        remote_->latencyMs = 0;
        // Listings answer lookups of their entries (and of names they lack).
        remote_->calls.reset();
        QVERIFY(s.readdir("").ok());
        QVERIFY(s.lookup("", "s.txt").ok());
        QCOMPARE(s.lookup("", "._s.txt").error(), FsError::NotFound);
        QVERIFY(s.readdir("").ok());
        QCOMPARE(remote_->calls.readdir.load(), 1);
        QCOMPARE(remote_->calls.lookup + remote_->calls.getattr, 0);
        // After the TTL the remote is asked again.
        QTest::qWait(1100);
        QVERIFY(s.getattr("s.txt").ok());
        QCOMPARE(remote_->calls.lookup + remote_->calls.getattr, 1);
        QVERIFY(fs->stats().metadataHits > 50);
    }

    void ownChangesInvalidate()
    {
        CacheConfig config;
        config.metadataTtl = 3600s;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readdir("")->size(), 0);
        QCOMPARE(s.lookup("", "n.txt").error(), FsError::NotFound);
        QVERIFY(s.create("", "n.txt").ok());
        QCOMPARE(s.readdir("")->size(), 1);
        QVERIFY(s.lookup("", "n.txt").ok());
        QVERIFY(s.write("n.txt", 0, "12345").ok());
        QCOMPARE(s.getattr("n.txt")->size, uint64_t(5));
        QCOMPARE(s.readdir("")->first().attr.size, uint64_t(5));
        QVERIFY(s.mkdir("", "d").ok());
        QCOMPARE(s.readdir("")->size(), 2);
        QVERIFY(s.rename("", "n.txt", "d", "m.txt").ok());
        QCOMPARE(s.readdir("")->size(), 1);
        QCOMPARE(s.readdir("d")->size(), 1);
        QCOMPARE(s.lookup("", "n.txt").error(), FsError::NotFound);
        QCOMPARE(s.getattr("d/m.txt")->size, uint64_t(5));
        QVERIFY(s.remove("d", "m.txt").ok());
        QCOMPARE(s.readdir("d")->size(), 0);
        QCOMPARE(s.getattr("d/m.txt").error(), FsError::NotFound);
    }

    void concurrentReadsOfOneBlockShareOneFetch()
    {
        const QByteArray data = randomBytes(MiB, 21);
        putFile(remotePath("hot.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 0;
        auto fs = open(config);
        Sync s{fs.get()};
        QVERIFY(s.getattr("hot.bin").ok());
        remote_->calls.reset();
        remote_->latencyMs = 100;
        std::vector<std::future<FsResult<FsReadResult>>> readers;
        for (int i = 0; i < 16; ++i)
            readers.push_back(std::async(std::launch::async, [&, i] {
                return s.read("hot.bin", uint64_t(i) * 4096, 4096);
            }));
        for (int i = 0; i < 16; ++i) {
            auto r = readers[size_t(i)].get();
            QVERIFY(r.ok());
            QCOMPARE(r->data, data.mid(i * 4096, 4096));
        }
        QCOMPARE(remote_->calls.read.load(), 1);
    }

    void sequentialReadersGetReadAhead()
    {
        const QByteArray data = randomBytes(32 * MiB, 22);
        putFile(remotePath("movie.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 8;
        auto fs = open(config);
        Sync s{fs.get()};
        QVERIFY(s.getattr("movie.bin").ok());
        remote_->calls.reset();
        remote_->latencyMs = 20; // a remote with some latency: read-ahead hides it
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(s.readAll("movie.bin"), data);
        const qint64 elapsed = timer.elapsed();
        remote_->latencyMs = 0;
        const CacheStats st = fs->stats();
        // Blocks were fetched before the reader asked for them. How many depends on the
        // scheduler (a busy machine lets the reader catch up), so only "some" is asserted;
        // the parallelism below is what read-ahead guarantees.
        QVERIFY2(st.hitBytes > 0,
                 qPrintable(QStringLiteral("hit %1 of %2").arg(st.hitBytes).arg(data.size())));
        // The blocks ahead were fetched in parallel, in runs of several blocks per remote
        // read (32 blocks: at most half as many reads).
        QVERIFY2(remote_->calls.maxReadsInFlight >= 2,
                 qPrintable(QString::number(remote_->calls.maxReadsInFlight)));
        QVERIFY2(remote_->calls.read.load() <= 16, qPrintable(QString::number(remote_->calls.read.load())));
        qInfo("sequential 32 MiB over a 20 ms remote: %lld ms (32 round trips one by one: "
              "640 ms), hit ratio %.2f, up to %d remote reads in flight",
              elapsed, st.hitRatio(), remote_->calls.maxReadsInFlight.load());
    }

    // Blocks the read-ahead fetched stay in memory after they are stored, until the reader
    // takes them: proven by spoiling them on disk (a block stored in this session is read
    // back without a CRC check, so a read from disk would return the spoiled bytes).
    void blocksFetchedAheadAreServedFromMemory()
    {
        const QByteArray data = randomBytes(4 * MiB, 25);
        putFile(remotePath("ahead.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 4;
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.read("ahead.bin", 0, MiB)->data, data.left(MiB));
        QCOMPARE(s.read("ahead.bin", MiB, MiB)->data, data.mid(MiB, MiB));
        // The second sequential read opened the window: blocks 2 and 3 come ahead.
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        int spoiled = 0;
        QDirIterator it(cacheDir_.path() + QStringLiteral("/blocks"), QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.size() < qint64(4 * MiB))
                continue;
            QVERIFY(f.open(QIODevice::ReadWrite));
            for (qint64 block : {2, 3}) {
                f.seek(block * qint64(MiB) + 1000);
                f.write("SPOILED");
            }
            ++spoiled;
        }
        QCOMPARE(spoiled, 1);
        remote_->calls.reset();
        QCOMPARE(s.read("ahead.bin", 2 * MiB, MiB)->data, data.mid(2 * MiB, MiB));
        QCOMPARE(s.read("ahead.bin", 3 * MiB, MiB)->data, data.mid(3 * MiB, MiB));
        QCOMPARE(remote_->calls.read.load(), 0);
    }

    // A block kept in memory belongs to one version of the file: after the remote changed,
    // the reader gets the new bytes.
    void blocksKeptInMemoryFollowRemoteChanges()
    {
        const QByteArray v1 = randomBytes(4 * MiB, 26);
        putFile(remotePath("kept.bin"), v1);
        CacheConfig config;
        config.readAheadBlocks = 4;
        config.metadataTtl = 100ms;
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.read("kept.bin", 0, MiB)->data, v1.left(MiB));
        QCOMPARE(s.read("kept.bin", MiB, MiB)->data, v1.mid(MiB, MiB));
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(v1.size()));
        const QByteArray v2 = randomBytes(4 * MiB, 27); // same size, new content and version
        QTest::qWait(20);
        putFile(remotePath("kept.bin"), v2);
        QTest::qWait(150); // past the TTL: the new version is seen
        QCOMPARE(s.read("kept.bin", 2 * MiB, MiB)->data, v2.mid(2 * MiB, MiB));
        QCOMPARE(s.read("kept.bin", 3 * MiB, MiB)->data, v2.mid(3 * MiB, MiB));
    }

    void randomReadersFetchOnlyWhatTheyNeed()
    {
        const QByteArray data = randomBytes(64 * MiB, 23);
        putFile(remotePath("db.bin"), data);
        auto fs = open();
        Sync s{fs.get()};
        QVERIFY(s.getattr("db.bin").ok());
        remote_->calls.reset();
        const int blocks[] = {40, 3, 57, 20, 9, 33, 61, 14};
        for (int b : blocks) {
            auto r = s.read("db.bin", uint64_t(b) * MiB + 100, 4096);
            QVERIFY(r.ok());
            QCOMPARE(r->data, data.mid(b * qsizetype(MiB) + 100, 4096));
        }
        QTest::qWait(50);
        QCOMPARE(remote_->calls.read.load(), 8);
        QCOMPARE(remote_->calls.maxReadsInFlight.load(), 1);
        QCOMPARE(remote_->calls.readBytes.load(), uint64_t(8 * MiB));
    }

    void countersNotifySubscribers()
    {
        const QByteArray data = randomBytes(2 * MiB, 24);
        putFile(remotePath("n.bin"), data);
        auto fs = open();
        std::mutex m;
        std::vector<CacheStats> seen;
        const int id = fs->counters().subscribe([&](const CacheStats &st) {
            std::lock_guard lock(m);
            seen.push_back(st);
        });
        Sync s{fs.get()};
        QCOMPARE(s.readAll("n.bin"), data);
        QTRY_VERIFY([&] {
            std::lock_guard lock(m);
            return !seen.empty() && seen.back().bytesIn == uint64_t(data.size())
                && seen.back().cachedBytes == uint64_t(data.size());
        }());
        fs->counters().unsubscribe(id);
        const CacheStats last = fs->stats();
        QCOMPARE(last.limitBytes, CacheConfig().maxBytes);
        QCOMPARE(last.cachedFiles, uint64_t(1));
    }

    // Not a pass/fail test: prints what the cache costs on this machine.
    void figures()
    {
        constexpr qsizetype size = 128 * qsizetype(MiB);
        const QByteArray data = randomBytes(size, 26);
        putFile(remotePath("fig.bin"), data);
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        QElapsedTimer t;
        t.start();
        QCOMPARE(s.readAll("fig.bin").size(), size);
        const double cold = double(size) / MiB / (double(t.nsecsElapsed()) / 1e9);
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(size));
        t.restart();
        QCOMPARE(s.readAll("fig.bin").size(), size);
        const double warm = double(size) / MiB / (double(t.nsecsElapsed()) / 1e9);
        // 16 READs in flight, as the Linux client sends them.
        t.restart();
        std::atomic<qsizetype> got{0};
        {
            std::vector<std::thread> readers;
            for (int r = 0; r < 16; ++r)
                readers.emplace_back([&, r] {
                    for (qsizetype off = r * qsizetype(MiB); off < size; off += 16 * qsizetype(MiB))
                        got += s.read("fig.bin", uint64_t(off), uint32_t(MiB))->data.size();
                });
            for (auto &th : readers)
                th.join();
        }
        QCOMPARE(got.load(), size);
        const double warm16 = double(size) / MiB / (double(t.nsecsElapsed()) / 1e9);
        constexpr int kStats = 200000;
        t.restart();
        for (int i = 0; i < kStats; ++i)
            fs->getattr("fig.bin", [](FsResult<FsAttr>) {});
        const double statsPerSec = kStats / (double(t.nsecsElapsed()) / 1e9);
        QVERIFY(s.create("", "w.bin").ok());
        t.restart();
        for (qsizetype off = 0; off < size; off += qsizetype(MiB))
            QVERIFY(s.write("w.bin", uint64_t(off), data.mid(off, qsizetype(MiB))).ok());
        QVERIFY(s.commit("w.bin").ok());
        const double write = double(size) / MiB / (double(t.nsecsElapsed()) / 1e9);
        qInfo("128 MiB, 1 MiB READs: cold %.0f MiB/s (remote = local disk), warm %.0f MiB/s, "
              "warm with 16 in flight %.0f MiB/s; getattr from the metadata cache %.0f/s; "
              "staged WRITE + COMMIT %.0f MiB/s",
              cold, warm, warm16, statsPerSec, write);
    }

    void cachedFilesStayReadableOffline()
    {
        CacheConfig config;
        config.metadataTtl = 100ms;
        const QByteArray data = randomBytes(3 * MiB, 27);
        putFile(remotePath("away.bin"), data);
        putFile(remotePath("never-read.bin"), "x");
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readdir("")->size(), 2);
        QCOMPARE(s.readAll("away.bin"), data);
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        remote_->unavailable = true;
        QTest::qWait(150); // past the TTL
        QCOMPARE(s.readAll("away.bin"), data);
        QCOMPARE(s.readdir("")->size(), 2);
        QCOMPARE(s.read("never-read.bin", 0, 10).error(), FsError::Unavailable);
        remote_->unavailable = false;
    }

    void randomWriteStoreWritesThroughByDefault()
    {
        remote_->randomWrites = true; // SFTP-like
        const QByteArray data = randomBytes(2 * MiB, 28);
        putFile(remotePath("s.bin"), data);
        auto fs = open();
        QVERIFY(!fs->writeBackEnabled());
        QVERIFY(fs->dataCacheEnabled());
        Sync s{fs.get()};
        QCOMPARE(s.readAll("s.bin"), data);
        // Blocks are stored after the reader has its bytes; let that finish, so the write
        // below meets cached blocks. (A fetch still in flight at the WRITE is the case of
        // fetchCompletingAfterWriteThroughKeepsNoOldBytes.)
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        QVERIFY(s.write("s.bin", 5, "direct").ok());
        QCOMPARE(remote_->calls.write.load(), 1);
        QCOMPARE(remote_->calls.upload.load(), 0);
        QByteArray expected = data;
        expected.replace(5, 6, "direct");
        QCOMPARE(fileBytes(remotePath("s.bin")), expected);
        QCOMPARE(s.readAll("s.bin"), expected); // our write invalidated the cached copy
        // Metadata caching is always on.
        remote_->calls.reset();
        for (int i = 0; i < 10; ++i)
            QVERIFY(s.getattr("s.bin").ok());
        QVERIFY(remote_->calls.getattr + remote_->calls.lookup <= 1);
    }

    // A hard-linked file changed through one name shows the change on every name at once,
    // not after the metadata TTL: attributes and blocks are cached per path (SFTP-like
    // remote, write-through, versions that an in-place write of the same size keeps).
    void hardLinkChangeShowsOnEveryName()
    {
        remote_->randomWrites = true;
        remote_->coarseVersions = true;
        putFile(remotePath("hl1"), "linked data\n");
        auto fs = open();
        QVERIFY(!fs->writeBackEnabled());
        Sync s{fs.get()};
        QVERIFY(s.link("hl1", "", "hl2").ok());
        QVERIFY(s.link("hl1", "", "hl3").ok());
        QCOMPARE(s.readAll("hl1"), QByteArray("linked data\n")); // cached now
        QCOMPARE(s.readAll("hl3"), QByteArray("linked data\n"));

        QVERIFY(s.write("hl2", 0, "LINKED").ok()); // same size: the version stays
        QCOMPARE(s.readAll("hl1"), QByteArray("LINKED data\n"));
        QCOMPARE(s.readAll("hl3"), QByteArray("LINKED data\n"));
        QVERIFY(s.write("hl2", 12, "via hl2\n").ok()); // an append: the size of all three
        QCOMPARE(s.getattr("hl1")->size, uint64_t(20));
        QCOMPARE(s.lookup("", "hl3")->size, uint64_t(20));

        // Renamed names stay in the group; removed ones leave it.
        QVERIFY(s.rename("", "hl3", "", "hl3-moved").ok());
        QVERIFY(s.remove("", "hl1").ok());
        QCOMPARE(s.readAll("hl3-moved"), QByteArray("LINKED data\nvia hl2\n"));
        FsSetAttr shrink;
        shrink.size = 6;
        QVERIFY(s.setattr("hl2", shrink).ok());
        QCOMPARE(s.readAll("hl3-moved"), QByteArray("LINKED"));
        QCOMPARE(s.getattr("hl3-moved")->size, uint64_t(6));
    }

    // The race of a block fetch that read the old bytes and completes after a write-through
    // WRITE to the same block, on a remote whose version the WRITE does not change (SFTP
    // within one second): neither the fetch's in-memory result nor the block it stores
    // may serve the old bytes afterwards. The gate orders it deterministically.
    void fetchCompletingAfterWriteThroughKeepsNoOldBytes()
    {
        remote_->randomWrites = true;
        remote_->coarseVersions = true;
        const QByteArray data = randomBytes(2 * MiB, 41);
        putFile(remotePath("race.bin"), data);
        auto fs = open();
        QVERIFY(!fs->writeBackEnabled());
        Sync s{fs.get()};
        const QByteArray version = remote_->versionOf("race.bin");
        QVERIFY(s.getattr("race.bin").ok());

        remote_->holdReadReplies = true;
        auto racing = std::make_shared<std::promise<FsResult<FsReadResult>>>();
        auto racingDone = racing->get_future();
        fs->read("race.bin", 0, 4096, [racing](FsResult<FsReadResult> r) {
            racing->set_value(std::move(r));
        });
        // The remote has read block 0 (old bytes); its answer waits at the gate.
        QTRY_VERIFY(remote_->heldReadReplies() >= 1);
        QVERIFY(s.write("race.bin", 5, "direct").ok());
        QByteArray expected = data;
        expected.replace(5, 6, "direct");
        QCOMPARE(fileBytes(remotePath("race.bin")), expected);
        QCOMPARE(remote_->versionOf("race.bin"), version); // the remote cannot tell
        remote_->releaseReadReplies();
        QCOMPARE(racingDone.wait_for(30s), std::future_status::ready);
        QVERIFY(racingDone.get().ok()); // old or new bytes: it was concurrent with the WRITE

        // Every read that starts after the WRITE was answered sees the new bytes: the
        // fetch that was in flight is neither joined nor stored.
        QCOMPARE(s.read("race.bin", 0, 4096)->data, expected.left(4096));
        QCOMPARE(s.readAll("race.bin"), expected);
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        remote_->calls.reset();
        QCOMPARE(s.readAll("race.bin"), expected); // and what is cached now is right
        QCOMPARE(remote_->calls.read.load(), 0);

        // A truncate through the cache is a change too: the cached blocks stop serving.
        FsSetAttr shrink;
        shrink.size = 3;
        QVERIFY(s.setattr("race.bin", shrink).ok());
        QCOMPARE(s.readAll("race.bin"), expected.left(3));
    }

#ifdef __linux__
    // readToSend (the NFS READ path): a read within one cached block answers with a slice
    // of the block's data file (sent with sendfile), with read()'s eof, attributes and
    // counters; everything else comes as bytes.
    void readToSendSlicesCachedBlocks()
    {
        const QByteArray data = randomBytes(5 * MiB + 4321, 51);
        putFile(remotePath("big.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 0;
        auto fs = open(config);
        Sync s{fs.get()};
        // Cold, without read-ahead: each block comes from the remote, as bytes.
        for (uint64_t off = 0; off < uint64_t(data.size()); off += MiB) {
            auto r = s.readToSend("big.bin", off, uint32_t(MiB));
            QVERIFY(r.ok());
            QVERIFY(!r->slice);
            QCOMPARE(r->data, data.mid(qsizetype(off), qsizetype(MiB)));
        }
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        QVERIFY(sliceOnceStored(s, "big.bin", 5 * MiB)->slice); // the last block stored
        const CacheStats cold = fs->stats();
        remote_->calls.reset();
        // Warm: slices, bytes right, the last one clipped to the file.
        for (uint64_t off = 0; off < uint64_t(data.size()); off += MiB) {
            auto r = s.readToSend("big.bin", off, uint32_t(MiB));
            QVERIFY(r.ok());
            QVERIFY2(r->slice.has_value(), qPrintable(QString::number(off)));
            QCOMPARE(replyBytes(*r), data.mid(qsizetype(off), qsizetype(MiB)));
            QCOMPARE(r->eof, off + MiB >= uint64_t(data.size()));
            QCOMPARE(r->attr.size, uint64_t(data.size()));
        }
        QCOMPARE(remote_->calls.read.load(), 0);
        const CacheStats warm = fs->stats();
        QCOMPARE(warm.hitBytes - cold.hitBytes, uint64_t(data.size()));
        QCOMPARE(warm.missBytes, cold.missBytes);
        // Within a block, unaligned.
        auto inner = s.readToSend("big.bin", 3 * MiB + 100, 200000);
        QVERIFY(inner->slice);
        QCOMPARE(replyBytes(*inner), data.mid(3 * MiB + 100, 200000));
        QVERIFY(!inner->eof);
        // Across two blocks, and small: bytes.
        auto across = s.readToSend("big.bin", MiB - 10, uint32_t(MiB));
        QVERIFY(!across->slice);
        QCOMPARE(across->data, data.mid(MiB - 10, MiB));
        auto small = s.readToSend("big.bin", 2 * MiB, 4096);
        QVERIFY(!small->slice);
        QCOMPARE(small->data, data.mid(2 * MiB, 4096));
        // Past the end.
        auto past = s.readToSend("big.bin", uint64_t(data.size()) + 5, uint32_t(MiB));
        QVERIFY(past->eof);
        QCOMPARE(replyBytes(*past), QByteArray());
        QCOMPARE(remote_->calls.read.load(), 0);
    }

    // A cold sequential read: the read-ahead fetched and stored the blocks ahead and keeps
    // them in memory for the reader; a readToSend reader gets slices of the stored copies.
    void coldReadToSendGetsSlicesOfBlocksFetchedAhead()
    {
        const QByteArray data = randomBytes(4 * MiB, 52);
        putFile(remotePath("ahead.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 4;
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(replyBytes(*s.readToSend("ahead.bin", 0, MiB)), data.left(MiB));
        QCOMPARE(replyBytes(*s.readToSend("ahead.bin", MiB, MiB)), data.mid(MiB, MiB));
        // The second sequential read opened the window: blocks 2 and 3 come ahead.
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        // cachedBytes counts blocks still being written. Stores land one at a time in the
        // order they were queued: once a block of another file fetched now is stored,
        // blocks 2 and 3 are too.
        putFile(remotePath("marker.bin"), "marker");
        QVERIFY(sliceOnceStored(s, "marker.bin", 0)->slice);
        remote_->calls.reset();
        const CacheStats before = fs->stats();
        for (uint64_t off : {2 * MiB, 3 * MiB}) {
            auto r = s.readToSend("ahead.bin", off, uint32_t(MiB));
            QVERIFY(r.ok());
            QVERIFY2(r->slice.has_value(), "a stored block kept in memory came as bytes");
            QCOMPARE(replyBytes(*r), data.mid(qsizetype(off), qsizetype(MiB)));
        }
        QCOMPARE(remote_->calls.read.load(), 0);
        QCOMPARE(fs->stats().hitBytes - before.hitBytes, 2 * MiB);
        // The memory copies went with that first read: a plain read now reads the disk
        // (spoiled here, and trusted as written in this run: so it shows).
        int spoiled = 0;
        QDirIterator it(cacheDir_.path() + QStringLiteral("/blocks"), QDir::Files);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.size() < qint64(4 * MiB))
                continue; // marker.bin's
            QVERIFY(f.open(QIODevice::ReadWrite));
            f.seek(qint64(2 * MiB) + 1000);
            f.write("SPOILED");
            ++spoiled;
        }
        QCOMPARE(spoiled, 1);
        QVERIFY(s.read("ahead.bin", 2 * MiB, MiB)->data.contains("SPOILED"));
    }

    // After a restart a block is sliced only once its CRC was checked: a good one comes
    // as a slice, a corrupt one is refetched and comes as the remote's bytes.
    void readToSendAfterRestartChecksBlocksFirst()
    {
        const QByteArray data = randomBytes(2 * MiB, 58);
        putFile(remotePath("r.bin"), data);
        CacheConfig config;
        config.readAheadBlocks = 0;
        {
            auto fs = open(config);
            Sync s{fs.get()};
            QCOMPARE(s.readAll("r.bin"), data);
            QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        }
        QDirIterator it(cacheDir_.path() + QStringLiteral("/blocks"), QDir::Files);
        QVERIFY(it.hasNext());
        QFile f(it.next());
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(qint64(MiB) + 1000); // block 1 only
        f.write("CORRUPT");
        f.close();
        auto fs = open(config);
        Sync s{fs.get()};
        remote_->calls.reset();
        auto good = s.readToSend("r.bin", 0, uint32_t(MiB));
        QVERIFY(good.ok() && good->slice);
        QCOMPARE(replyBytes(*good), data.left(MiB));
        QCOMPARE(remote_->calls.read.load(), 0);
        auto bad = s.readToSend("r.bin", MiB, uint32_t(MiB));
        QVERIFY(bad.ok());
        QVERIFY(!bad->slice);
        QCOMPARE(bad->data, data.mid(MiB, MiB));
        QCOMPARE(remote_->calls.read.load(), 1);
    }

    // Staged files (being written) and files without a data cache are read as bytes.
    void readToSendOfStagedFilesGivesBytes()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Sync s{fs.get()};
        const QByteArray staged = randomBytes(2 * MiB, 53);
        s.writeFile("", "staged.bin", staged);
        auto r = s.readToSend("staged.bin", 0, uint32_t(MiB));
        QVERIFY(r.ok());
        QVERIFY(!r->slice);
        QCOMPARE(r->data, staged.left(MiB));
        QVERIFY(!r->eof);
    }

    // A held slice (a reply being sent) pins its block: reading other files through a
    // tiny cache does not change its bytes; once released, the limit holds on disk again.
    void heldSliceSurvivesEvictionPressure()
    {
        CacheConfig config;
        config.maxBytes = 4 * MiB;
        config.readAheadBlocks = 0;
        const QByteArray a = randomBytes(2 * MiB, 54);
        const QByteArray b = randomBytes(12 * MiB, 55);
        putFile(remotePath("a.bin"), a);
        putFile(remotePath("b.bin"), b);
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readAll("a.bin"), a);
        auto held = sliceOnceStored(s, "a.bin", MiB);
        QVERIFY(held.ok() && held->slice);
        // b.bin pushes everything else out; a.bin's block 0, read in between, stays, so
        // a.bin's data file stays too (with block 1's slot in it, evicted under the slice).
        for (uint64_t off = 0; off < uint64_t(b.size()); off += MiB) {
            QCOMPARE(s.read("b.bin", off, uint32_t(MiB))->data, b.mid(qsizetype(off), qsizetype(MiB)));
            QCOMPARE(s.read("a.bin", 0, uint32_t(MiB))->data, a.left(MiB));
        }
        QTRY_VERIFY(fs->stats().cachedBytes >= 3 * MiB);
        QVERIFY(fs->stats().cachedBytes <= config.maxBytes);
        QCOMPARE(replyBytes(*held), a.mid(MiB, MiB));
        const QString blocks = cacheDir_.path() + QStringLiteral("/blocks");
        // Over the limit on disk by the pinned block at most.
        QVERIFY2(allocatedBytes(blocks) <= config.maxBytes + MiB + 65536,
                 qPrintable(QString::number(allocatedBytes(blocks))));
        // a.bin's block 1 was evicted under the slice: another read fetches it again (and
        // may not store it in the slot the slice still reads).
        remote_->calls.reset();
        QCOMPARE(replyBytes(*s.readToSend("a.bin", MiB, uint32_t(MiB))), a.mid(MiB, MiB));
        QCOMPARE(remote_->calls.read.load(), 1);
        QTest::qWait(100); // its store, refused or not, lands
        QCOMPARE(replyBytes(*held), a.mid(MiB, MiB));
        held = FsError::Io; // released (the reply was sent)
        QTRY_VERIFY2(allocatedBytes(blocks) <= config.maxBytes + 65536,
                     qPrintable(QString::number(allocatedBytes(blocks))));
    }

    // After the remote changed, or a write through the cache, no slice of the old bytes
    // is handed out; a slice handed out before keeps its bytes.
    void noSliceOfOldVersions()
    {
        CacheConfig config;
        config.metadataTtl = 100ms;
        config.readAheadBlocks = 0;
        const QByteArray v1 = randomBytes(2 * MiB, 56);
        putFile(remotePath("v.bin"), v1);
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readAll("v.bin"), v1);
        QVERIFY(sliceOnceStored(s, "v.bin", MiB)->slice); // stored in order: block 0 too
        auto old = s.readToSend("v.bin", 0, uint32_t(MiB));
        QVERIFY(old->slice);
        const QByteArray v2 = randomBytes(2 * MiB, 57); // same size, new content and version
        QTest::qWait(20);
        putFile(remotePath("v.bin"), v2);
        QTest::qWait(150); // past the TTL: the new version is seen
        auto fresh = s.readToSend("v.bin", 0, uint32_t(MiB));
        QCOMPARE(replyBytes(*fresh), v2.left(MiB));
        QCOMPARE(replyBytes(*s.readToSend("v.bin", MiB, uint32_t(MiB))), v2.mid(MiB, MiB));
        QCOMPARE(replyBytes(*old), v1.left(MiB));
        // A write through the cache (staged here): READs see it at once.
        auto again = sliceOnceStored(s, "v.bin", MiB);
        QVERIFY(again->slice);
        QVERIFY(s.write("v.bin", MiB + 10, "written").ok());
        QByteArray expected = v2;
        expected.replace(MiB + 10, 7, "written");
        QCOMPARE(replyBytes(*s.readToSend("v.bin", MiB, uint32_t(MiB))), expected.mid(MiB, MiB));
        QCOMPARE(replyBytes(*again), v2.mid(MiB, MiB)); // answered before the write
    }
#endif

    void randomWriteStoreWithoutUploadGetsWrites()
    {
        remote_->randomWrites = true;
        remote_->hasUpload = false;
        putFile(remotePath("t.bin"), randomBytes(3 * MiB, 29));
        CacheConfig config;
        config.writeBack = true;
        config.dataCache = false;
        config.uploadDelay = 50ms;
        auto fs = open(config);
        QVERIFY(fs->writeBackEnabled());
        QVERIFY(!fs->dataCacheEnabled());
        Sync s{fs.get()};
        const QByteArray data = randomBytes(MiB + 10, 30);
        FsSetAttr t;
        t.size = 0;
        QVERIFY(s.setattr("t.bin", t).ok());
        QVERIFY(s.write("t.bin", 0, data).ok());
        QVERIFY(s.commit("t.bin").ok());
        QCOMPARE(remote_->calls.write.load(), 0);
        QVERIFY(fs->waitForUploads(10s));
        QCOMPARE(fileBytes(remotePath("t.bin")), data); // written, then truncated to size
        QVERIFY(remote_->calls.write > 0);
        // Without a data cache every read goes to the remote.
        remote_->calls.reset();
        QCOMPARE(s.readAll("t.bin"), data);
        QCOMPARE(s.readAll("t.bin"), data);
        QVERIFY(remote_->calls.read >= 2);
    }

    void clearCacheKeepsStagedFiles()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        const QByteArray data = randomBytes(2 * MiB, 25);
        putFile(remotePath("r.bin"), data);
        auto fs = open(config);
        Sync s{fs.get()};
        QCOMPARE(s.readAll("r.bin"), data);
        s.writeFile("", "w.bin", "pending");
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        fs->clearCache();
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(0));
        QCOMPARE(s.readAll("w.bin"), QByteArray("pending"));
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));
    }
};

int main(int argc, char **argv)
{
    const QByteArray landed = qgetenv("LOFT_CACHE_LANDED_UPLOAD_CHILD");
    if (!landed.isEmpty()) {
        QCoreApplication app(argc, argv);
        const QList<QByteArray> dirs = landed.split('\n');
        return landedUploadChild(QString::fromLocal8Bit(dirs.value(0)),
                                 QString::fromLocal8Bit(dirs.value(1)));
    }
    const QByteArray child = qgetenv("LOFT_CACHE_CRASH_CHILD");
    if (!child.isEmpty()) {
        QCoreApplication app(argc, argv);
        const QList<QByteArray> dirs = child.split('\n');
        return crashChild(QString::fromLocal8Bit(dirs.value(0)), QString::fromLocal8Bit(dirs.value(1)));
    }
    QCoreApplication app(argc, argv);
    TestCacheFileSystem test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_cache_filesystem.moc"
