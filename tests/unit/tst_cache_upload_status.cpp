// The cache layer's per-file upload list (CacheStats::uploads, one UploadStatus per staged
// file): waiting, uploading with the bytes sent so far rising, retrying with the reason in
// plain words, gone once uploaded; capped for very long queues. Around CacheTestRemote
// (the local provider posing as a remote store), in its SFTP-like mode where uploads go
// through the cache's WRITE loop, one MiB per call, so progress moves in steps.
#include "AwaitDone.h"
#include "CacheTestRemote.h"
#include "CachingFileSystem.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <future>

using namespace loft;
using namespace loft::test;
using namespace std::chrono_literals;

namespace {

// Creates `name` at the root and writes `data` through the cache in 1 MiB WRITEs + COMMIT.
bool writeFile(FileSystem &fs, const QByteArray &name, const QByteArray &data)
{
    auto c = awaitDone<FsCreated>([&](auto d) { fs.create({}, name, FsCreateMode::Guarded, {}, {}, std::move(d)); });
    if (!c)
        return false;
    for (qsizetype off = 0; off < data.size(); off += 1 << 20)
        if (!awaitDone<FsWriteResult>([&](auto d) {
                fs.write(name, uint64_t(off), data.mid(off, 1 << 20), FsStability::Unstable, std::move(d));
            }))
            return false;
    return awaitDone<FsAttr>([&](auto d) { fs.commit(name, std::move(d)); }).ok();
}

std::optional<UploadStatus> statusOf(CachingFileSystem &fs, const QByteArray &path)
{
    for (const UploadStatus &u : fs.stats().uploads)
        if (u.path == path)
            return u;
    return std::nullopt;
}

QByteArray bytes(qsizetype n, char seed)
{
    QByteArray b(n, Qt::Uninitialized);
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char((i * 31 + seed) & 0xff);
    return b;
}

} // namespace

class TestCacheUploadStatus : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> remoteDir_, cacheDir_;
    std::shared_ptr<CacheTestRemote> remote_;

    std::shared_ptr<CachingFileSystem> open(CacheConfig config)
    {
        config.directory = cacheDir_->path();
        config.writeBack = true;
        QString error;
        auto fs = CachingFileSystem::open(remote_, config, &error);
        if (!fs)
            qWarning().noquote() << error;
        return fs;
    }

private slots:
    void init()
    {
        remoteDir_ = std::make_unique<QTemporaryDir>();
        cacheDir_ = std::make_unique<QTemporaryDir>();
        remote_ = std::make_shared<CacheTestRemote>(remoteDir_->path());
        remote_->randomWrites = true; // uploads through the cache's WRITE loop (SFTP-like)
        remote_->hasUpload = false;
    }

    void cleanup()
    {
        remote_.reset();
        cacheDir_.reset();
        remoteDir_.reset();
    }

    void waitingThenUploadingWithRisingBytesThenGone()
    {
        CacheConfig config;
        config.uploadDelay = 300ms;
        auto fs = open(config);
        QVERIFY(fs);
        const QByteArray data = bytes(6 << 20, 1);
        remote_->latencyMs = 60; // each 1 MiB WRITE takes a while
        QVERIFY(writeFile(*fs, "big.bin", data));

        std::optional<UploadStatus> first = statusOf(*fs, "big.bin");
        QVERIFY(first);
        QCOMPARE(first->state, UploadStatus::State::Waiting);
        QCOMPARE(first->totalBytes, uint64_t(data.size()));
        QCOMPARE(first->sentBytes, uint64_t(0));
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));

        QList<uint64_t> seen;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 30000) {
            const std::optional<UploadStatus> u = statusOf(*fs, "big.bin");
            if (!u)
                break;
            if (u->state == UploadStatus::State::Uploading && (seen.isEmpty() || seen.last() != u->sentBytes))
                seen << u->sentBytes;
            QTest::qWait(5);
        }
        QVERIFY2(!statusOf(*fs, "big.bin"), "the upload did not finish");
        qInfo() << "bytes sent as seen:" << seen;
        int between = 0;
        for (qsizetype i = 0; i < seen.size(); ++i) {
            QVERIFY(seen[i] <= uint64_t(data.size()));
            if (i > 0)
                QVERIFY2(seen[i] >= seen[i - 1], "progress went back");
            between += seen[i] > 0 && seen[i] < uint64_t(data.size());
        }
        QVERIFY2(between >= 2, "progress was not seen rising part way");
        QVERIFY(fs->stats().uploads.isEmpty());
        QFile f(remoteDir_->filePath(QStringLiteral("big.bin")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), data);
    }

    void retryingSaysWhyInPlainWords()
    {
        CacheConfig config;
        config.uploadDelay = 50ms;
        config.retryMin = 100ms;
        auto fs = open(config);
        QVERIFY(fs);
        QVERIFY(writeFile(*fs, "u.bin", "pending bytes"));
        remote_->unavailable = true;
        QTRY_VERIFY_WITH_TIMEOUT(statusOf(*fs, "u.bin").value_or(UploadStatus{}).state
                                     == UploadStatus::State::Retrying, 10000);
        const UploadStatus u = *statusOf(*fs, "u.bin");
        const QString expected = QStringLiteral(
            "Could not upload u.bin: the server cannot be reached; check the network connection. "
            "Loft keeps the file and tries again.");
        QCOMPARE(u.lastError, expected);
        QVERIFY(u.failures >= 1);
        QCOMPARE(u.sentBytes, uint64_t(0));
        QCOMPARE(fs->stats().lastUploadError, expected);

        remote_->unavailable = false;
        fs->uploadNow();
        QTRY_VERIFY_WITH_TIMEOUT(!statusOf(*fs, "u.bin"), 10000);
        QVERIFY(fs->stats().lastUploadError.isEmpty());
    }

    void longQueuesAreListedInPart()
    {
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        QVERIFY(fs);
        const int files = CacheCounters::kMaxListedUploads + 30;
        for (int i = 0; i < files; ++i)
            QVERIFY(writeFile(*fs, QByteArray("f") + QByteArray::number(i).rightJustified(4, '0'), "x"));
        const CacheStats s = fs->stats();
        QCOMPARE(s.pendingUploads, uint64_t(files));
        QCOMPARE(s.uploads.size(), qsizetype(CacheCounters::kMaxListedUploads));
        // In queue order: the first written first.
        QCOMPARE(s.uploads.first().path, QByteArray("f0000"));
        QCOMPARE(s.uploads.last().path,
                 QByteArray("f") + QByteArray::number(CacheCounters::kMaxListedUploads - 1).rightJustified(4, '0'));
        for (const UploadStatus &u : s.uploads)
            QCOMPARE(u.state, UploadStatus::State::Waiting);
    }
};

QTEST_GUILESS_MAIN(TestCacheUploadStatus)
#include "tst_cache_upload_status.moc"
