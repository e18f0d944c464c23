// The cache layer over the real WebDAV provider and a real server on a loopback port:
// Apache httpd with mod_dav_fs, or `rclone serve webdav` with LOFT_TEST_SOURCE=rclone
// (CTest runs both). Uploads land byte for byte, warm re-reads send no GET, the size
// limit holds on the streamed read path,
// metadata storms send one PROPFIND, If-Match conflicts keep both versions, queued
// uploads survive a restart of the cache and wait out a server that is down.
#include "AwaitDone.h"
#include "ApacheDavServer.h"
#include "RcloneDavServer.h"
#include "CachingFileSystem.h"
#include "DiskUsage.h"
#include "RandomBytes.h"
#include "WebDavFileSystem.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <future>

#include <unistd.h>

using namespace loft;
using namespace loft::test;
using namespace std::chrono_literals;

namespace {

struct Fs {
    FileSystem &fs;
    FsResult<FsAttr> getattr(const QByteArray &p)
    {
        return awaitDone<FsAttr>([&](auto d) { fs.getattr(p, d); });
    }
    FsResult<FsReadResult> read(const QByteArray &p, uint64_t off, uint32_t n)
    {
        return awaitDone<FsReadResult>([&](auto d) { fs.read(p, off, n, d); });
    }
    // readToSend(), a slice's bytes read out of its file into `data`.
    FsResult<FsReadResult> readToSend(const QByteArray &p, uint64_t off, uint32_t n, bool &sliced)
    {
        auto r = awaitDone<FsReadResult>([&](auto d) { fs.readToSend(p, off, n, d); });
        sliced = r && r->slice;
        if (sliced) {
            r->data = QByteArray(qsizetype(r->slice->length), Qt::Uninitialized);
            if (::pread(r->slice->fd, r->data.data(), r->slice->length, off_t(r->slice->offset))
                != ssize_t(r->slice->length))
                return FsError::Io;
            r->slice.reset();
        }
        return r;
    }
    FsResult<FsWriteResult> write(const QByteArray &p, uint64_t off, const QByteArray &data)
    {
        return awaitDone<FsWriteResult>(
            [&](auto d) { fs.write(p, off, data, FsStability::Unstable, d); });
    }
    FsResult<FsAttr> commit(const QByteArray &p)
    {
        return awaitDone<FsAttr>([&](auto d) { fs.commit(p, d); });
    }
    FsResult<FsCreated> create(const QByteArray &dir, const QByteArray &name)
    {
        return awaitDone<FsCreated>(
            [&](auto d) { fs.create(dir, name, FsCreateMode::Guarded, {}, {}, d); });
    }
    FsResult<FsRenamed> rename(const QByteArray &from, const QByteArray &to)
    {
        return awaitDone<FsRenamed>([&](auto d) { fs.rename({}, from, {}, to, d); });
    }
    QByteArray readAll(const QByteArray &p)
    {
        QByteArray all;
        for (uint64_t off = 0;; off += 1u << 20) {
            auto r = read(p, off, 1u << 20);
            if (!r)
                return "<" + QByteArray(fsErrorName(r.error())) + ">";
            all.append(r->data);
            if (r->eof || r->data.isEmpty())
                return all;
        }
    }
    void writeFile(const QByteArray &name, const QByteArray &data)
    {
        QVERIFY(create({}, name).ok());
        for (qsizetype off = 0; off < data.size(); off += 1 << 20)
            QVERIFY(write(name, uint64_t(off), data.mid(off, 1 << 20)).ok());
        QVERIFY(commit(name).ok());
    }
};

} // namespace

class TestCacheWebDav : public QObject {
    Q_OBJECT

    std::unique_ptr<DavTestServer> dav_;
    std::unique_ptr<QTemporaryDir> cacheDir_;
    QString folder_; // this test's folder below the server's root
    int counter_ = 0;

    std::shared_ptr<FileSystem> provider(bool directGets = true)
    {
        webdav::WebDavOptions o;
        o.directGets = directGets;
        o.url = dav_->url().resolved(QUrl(folder_ + QLatin1Char('/')));
        o.user = dav_->user();
        o.password = dav_->password();
        o.transferTimeout = 5000ms;
        return std::make_shared<webdav::WebDavFileSystem>(o);
    }
    std::shared_ptr<CachingFileSystem> open(CacheConfig config = {}, bool directGets = true)
    {
        config.directory = cacheDir_->path();
        QString error;
        auto fs = CachingFileSystem::open(provider(directGets), config, &error);
        if (!fs)
            qWarning().noquote() << error;
        return fs;
    }
    QString onServer(const char *name) const
    {
        return folder_ + QLatin1Char('/') + QString::fromUtf8(name);
    }
    // The server logs a request once it has sent the answer, which a streamed read may have
    // used before that: before counting what comes next, wait until the log has been still
    // for a moment (at most ~5 s).
    void waitForLogToSettle() const
    {
        qsizetype seen = -1;
        for (int i = 0; i < 50 && seen != dav_->accessLog().size(); ++i) {
            seen = dav_->accessLog().size();
            QTest::qWait(100);
        }
    }
    // Requests of one method the server answered for this test's folder since `from`
    // (authentication challenges, 401, do not count: they are part of one request).
    int requests(const char *method, int from) const
    {
        int n = 0;
        const QStringList log = dav_->accessLog().mid(from);
        for (const QString &line : log)
            if (line.startsWith(QLatin1String(method) + QLatin1Char(' '))
                && line.contains(folder_) && !line.endsWith(QLatin1String(" 401")))
                ++n;
        return n;
    }

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariable("LOFT_TEST_SOURCE") == QLatin1String("rclone")) {
            QVERIFY2(RcloneDavServer::available(),
                     "rclone is not installed (scripts/install-deps.sh installs it)");
            dav_ = std::make_unique<RcloneDavServer>();
        } else {
            QVERIFY2(ApacheDavServer::available(),
                     "Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
            dav_ = std::make_unique<ApacheDavServer>();
        }
        qInfo("server: %s", qPrintable(dav_->name()));
        QVERIFY2(dav_->start(), qPrintable(dav_->errorString()));
    }
    void init()
    {
        folder_ = QStringLiteral("cache%1").arg(++counter_);
        QVERIFY(dav_->makeDir(folder_));
        cacheDir_ = std::make_unique<QTemporaryDir>();
        if (!dav_->running())
            QVERIFY(dav_->start());
    }

    void uploadLandsAndWarmReadSendsNoGet()
    {
        CacheConfig config;
        config.uploadDelay = 100ms;
        auto fs = open(config);
        QVERIFY(fs);
        Fs s{*fs};
        const QByteArray data = randomBytes(5 * (1 << 20) + 333, 1);
        s.writeFile("big.bin", data);
        QVERIFY(fs->waitForUploads(30s));
        QCOMPARE(dav_->readFile(onServer("big.bin")), data);
        // What was uploaded stays cached: reading it back sends no GET.
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        int mark = dav_->accessLog().size();
        QCOMPARE(s.readAll("big.bin"), data);
        QVERIFY2(requests("GET", mark) == 0, qPrintable(dav_->accessLog().mid(mark).join(QLatin1String("; "))));
        // Cold, then warm.
        fs->clearCache();
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(0));
        mark = dav_->accessLog().size();
        QCOMPARE(s.readAll("big.bin"), data);
        QVERIFY(requests("GET", mark) > 0);
        QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
        waitForLogToSettle();
        mark = dav_->accessLog().size();
        QCOMPARE(s.readAll("big.bin"), data);
        QVERIFY2(requests("GET", mark) == 0, qPrintable(dav_->accessLog().mid(mark).join(QLatin1String("; "))));
        qInfo("PUTs for a 5 MiB file written in 1 MiB WRITEs: %d", requests("PUT", 0));
    }

    // Over http the GET bodies stream from Loft's socket straight into the block cache
    // (FileSystem::readInto): readers get the bytes (read) or slices of the cache file
    // (readToSend), and the CRCs recorded on the way are right: after a restart, which
    // checks every block on first use, nothing is fetched again.
    void coldReadStreamsStraightIntoTheCache()
    {
        const QByteArray data = randomBytes(6 * (1 << 20) + 12345, 5);
        QVERIFY(dav_->writeFile(onServer("cold.bin"), data));
        {
            auto fs = open();
            Fs s{*fs};
            int mark = dav_->accessLog().size();
            QByteArray got;
            int slices = 0;
            for (uint64_t off = 0; off < uint64_t(data.size()); off += 1u << 20) {
                bool sliced = false;
                auto r = off < 3u << 20 ? s.read("cold.bin", off, 1u << 20)
                                        : s.readToSend("cold.bin", off, 1u << 20, sliced);
                QVERIFY(r);
                got.append(r->data);
                slices += sliced ? 1 : 0;
            }
            QCOMPARE(got, data);
            QVERIFY(requests("GET", mark) > 0);
            QCOMPARE(fs->stats().streamedBytes, uint64_t(data.size()));
            QCOMPARE(slices, 4); // every readToSend of a streamed block
            QTRY_COMPARE(fs->stats().cachedBytes, uint64_t(data.size()));
            waitForLogToSettle();
            mark = dav_->accessLog().size();
            QCOMPARE(s.readAll("cold.bin"), data);
            QVERIFY2(requests("GET", mark) == 0, qPrintable(dav_->accessLog().mid(mark).join(QLatin1String("; "))));
        }
        auto fs = open();
        Fs s{*fs};
        waitForLogToSettle();
        const int mark = dav_->accessLog().size();
        QCOMPARE(s.readAll("cold.bin"), data);
        QVERIFY2(requests("GET", mark) == 0, qPrintable(dav_->accessLog().mid(mark).join(QLatin1String("; "))));
    }

    // The file changed on the server after the cache learnt its version: the stream is
    // refused at the answer's head (nothing of the new version is stored under the old
    // one) and the ordinary read serves the new bytes.
    void changedFileIsNotStreamedUnderTheOldVersion()
    {
        const QByteArray v1 = randomBytes(2 << 20, 6);
        const QByteArray v2 = randomBytes(2 << 20, 7);
        QVERIFY(dav_->writeFile(onServer("moving.bin"), v1));
        CacheConfig config;
        config.metadataTtl = 60s;
        auto fs = open(config);
        Fs s{*fs};
        QVERIFY(s.getattr("moving.bin").ok());
        QTest::qWait(1100); // Apache's ETag has one-second mtime resolution
        QVERIFY(dav_->writeFile(onServer("moving.bin"), v2));
        auto r = s.read("moving.bin", 0, 1u << 20);
        QVERIFY(r);
        QCOMPARE(r->data, v2.left(1 << 20));
        QCOMPARE(fs->stats().streamedBytes, uint64_t(0));
        QCOMPARE(s.readAll("moving.bin"), v2);
    }

    // Direct GETs off: nothing streams, reads work as before.
    void withoutDirectGetsNothingStreams()
    {
        const QByteArray data = randomBytes(3 * (1 << 20) + 7, 8);
        QVERIFY(dav_->writeFile(onServer("plain.bin"), data));
        auto fs = open({}, false);
        Fs s{*fs};
        QCOMPARE(s.readAll("plain.bin"), data);
        QCOMPARE(fs->stats().streamedBytes, uint64_t(0));
        QVERIFY(fs->stats().bytesIn >= uint64_t(data.size()));
    }

    // The size limit on the real read path (ranged GETs streamed into reserved blocks,
    // read-ahead): reading three times the limit never takes the cache more than one
    // block over it, and ends at or under it; a file written but not uploaded yet is
    // never evicted, and uploads intact afterwards.
    void sizeLimitHeldWhileReadingThreeTimesIt()
    {
        constexpr uint64_t MiB = 1u << 20;
        const QByteArray a = randomBytes(12 * MiB, 21);
        const QByteArray b = randomBytes(12 * MiB + 77, 22);
        QVERIFY(dav_->writeFile(onServer("a.bin"), a));
        QVERIFY(dav_->writeFile(onServer("b.bin"), b));
        CacheConfig config;
        config.maxBytes = 8 * MiB;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        QVERIFY(fs);
        Fs s{*fs};
        const QByteArray staged = randomBytes(2 * MiB + 5, 23);
        s.writeFile("staged.bin", staged);
        uint64_t peak = 0;
        for (const auto &[name, data] : {std::pair{"a.bin", a}, std::pair{"b.bin", b}}) {
            QByteArray all;
            for (uint64_t off = 0; off < uint64_t(data.size()); off += MiB) {
                auto r = s.read(name, off, uint32_t(MiB));
                QVERIFY(r.ok());
                all.append(r->data);
                const CacheStats st = fs->stats();
                peak = std::max(peak, st.cachedBytes + st.stagedBytes);
            }
            QVERIFY(all == data);
        }
        QVERIFY2(peak <= config.maxBytes + MiB, qPrintable(QString::number(peak)));
        QTRY_VERIFY(fs->stats().cachedBytes + fs->stats().stagedBytes <= config.maxBytes);
        const CacheStats st = fs->stats();
        QCOMPARE(st.stagedBytes, uint64_t(staged.size()));
        QVERIFY(st.cachedBytes >= config.maxBytes - staged.size() - MiB); // and it is used
        QVERIFY(st.streamedBytes > 0); // the streamed path was the one measured
        const uint64_t onDisk = allocatedBytes(cacheDir_->path());
        QVERIFY2(onDisk <= config.maxBytes + 2 * MiB, qPrintable(QString::number(onDisk)));
        // The staged file stayed whole and goes up when asked.
        QCOMPARE(s.readAll("staged.bin"), staged);
        QVERIFY(dav_->readFile(onServer("staged.bin")).isEmpty());
        fs->uploadNow();
        QVERIFY(fs->waitForUploads(30s));
        QVERIFY(dav_->readFile(onServer("staged.bin")) == staged);
    }

    void metadataStormSendsOnePropfind()
    {
        QVERIFY(dav_->writeFile(onServer("s.txt"), "hello"));
        CacheConfig config;
        config.metadataTtl = 5000ms;
        auto fs = open(config);
        Fs s{*fs};
        const int mark = dav_->accessLog().size();
        for (int i = 0; i < 100; ++i)
            QCOMPARE(s.getattr("s.txt")->size, uint64_t(5));
        QCOMPARE(requests("PROPFIND", mark), 1);
        if (requests("PROPFIND", mark) != 1)
            qWarning().noquote() << dav_->accessLog().mid(mark).join(QLatin1Char('\n'));
    }

    void ifMatchConflictKeepsBothVersions()
    {
        const QByteArray base = randomBytes(300000, 2);
        QVERIFY(dav_->writeFile(onServer("report.txt"), base));
        CacheConfig config;
        config.uploadDelay = 3600s;
        auto fs = open(config);
        Fs s{*fs};
        QVERIFY(s.write("report.txt", 10, "OURS").ok());
        QVERIFY(s.commit("report.txt").ok());
        QTest::qWait(1100); // Apache's ETag has one-second mtime resolution
        const QByteArray theirs = "changed on the server";
        QVERIFY(dav_->writeFile(onServer("report.txt"), theirs));
        fs->uploadNow();
        QVERIFY(fs->waitForUploads(30s));
        QCOMPARE(dav_->readFile(onServer("report.txt")), theirs);
        const QStringList copies =
            dav_->list(folder_).filter(QRegularExpression(QStringLiteral(
                R"(^report \(conflict \d{4}-\d\d-\d\d \d{6}\)\.txt$)")));
        QCOMPARE(copies.size(), 1);
        QByteArray ours = base;
        ours.replace(10, 4, "OURS");
        QCOMPARE(dav_->readFile(folder_ + QLatin1Char('/') + copies.first()), ours);
        QCOMPARE(fs->stats().conflicts, uint64_t(1));
    }

    void queuedUploadSurvivesRestart()
    {
        const QByteArray data = randomBytes(2 * (1 << 20) + 5, 3);
        CacheConfig config;
        config.uploadDelay = 3600s;
        {
            auto fs = open(config);
            Fs s{*fs};
            s.writeFile("later.bin", data);
            QVERIFY(s.rename("later.bin", "renamed.bin").ok());
        }
        QVERIFY(dav_->readFile(onServer("renamed.bin")).isEmpty());
        config.uploadDelay = 50ms;
        auto fs = open(config);
        QVERIFY(fs->waitForUploads(30s));
        QCOMPARE(dav_->readFile(onServer("renamed.bin")), data);
        QVERIFY(!dav_->exists(onServer("later.bin")));
    }

    void serverDownIsWaitedOut()
    {
        CacheConfig config;
        config.uploadDelay = 50ms;
        config.retryMin = 100ms;
        config.retryMax = 400ms;
        auto fs = open(config);
        Fs s{*fs};
        const QByteArray data = randomBytes(100000, 4);
        s.writeFile("retry.bin", data);
        dav_->stop();
        QTRY_VERIFY_WITH_TIMEOUT(fs->stats().uploadFailures >= 2, 20000);
        QCOMPARE(fs->stats().pendingUploads, uint64_t(1));
        QVERIFY(dav_->start());
        QVERIFY(fs->waitForUploads(30s));
        QCOMPARE(dav_->readFile(onServer("retry.bin")), data);
    }
};

QTEST_GUILESS_MAIN(TestCacheWebDav)
#include "tst_cache_webdav.moc"
