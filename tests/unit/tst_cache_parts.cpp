// The cache layer's smaller parts: journal file, upload queue, metadata cache, read-ahead
// policy, conflict names, size parsing, CRC-32C, shared slices.
#include "CacheConfig.h"
#include "ConflictNamer.h"
#include "Crc32c.h"
#include "JournalFile.h"
#include "LinkGroups.h"
#include "MetadataCache.h"
#include "ReadAhead.h"
#include "SharedSlice.h"
#include "UploadQueue.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace loft;
using namespace loft::cache;
using namespace std::chrono_literals;

class TestCacheParts : public QObject {
    Q_OBJECT

private slots:
    void linkGroupsFollowLinksRenamesAndRemovals()
    {
        LinkGroups g;
        QVERIFY(g.othersOf("a").isEmpty());
        g.linked("a", "d/b");
        g.linked("d/b", "c");
        auto sorted = [](QList<QByteArray> l) { std::sort(l.begin(), l.end()); return l; };
        QCOMPARE(sorted(g.othersOf("a")), (QList<QByteArray>{"c", "d/b"}));
        g.moved("d", "e"); // a folder rename carries its names along
        QCOMPARE(sorted(g.othersOf("c")), (QList<QByteArray>{"a", "e/b"}));
        QVERIFY(g.othersOf("d/b").isEmpty());
        QCOMPARE(sorted(g.forget("a")), (QList<QByteArray>{"c", "e/b"}));
        QCOMPARE(g.othersOf("c"), QList<QByteArray>{"e/b"});
        QCOMPARE(g.forget("e"), QList<QByteArray>{"c"}); // rmdir of e: one name left
        QVERIFY(g.othersOf("c").isEmpty());
        g.linked("x", "y");
        g.linked("z", "y"); // y is now a name of z's file, no longer of x's
        QVERIFY(g.othersOf("x").isEmpty());
        QCOMPARE(g.othersOf("y"), QList<QByteArray>{"z"});
    }

    void crc32cKnownValues()
    {
        QCOMPARE(crc32c("123456789", 9), 0xe3069283u); // the standard check value
        QCOMPARE(crc32c("", 0), 0u);
        const QByteArray big(100000, 'q');
        const uint32_t whole = crc32c(big.constData(), size_t(big.size()));
        const uint32_t split = crc32c(big.constData() + 777, size_t(big.size() - 777),
                                      crc32c(big.constData(), 777));
        QCOMPARE(split, whole);
        // Long enough for the three-stream path (and a tail after it); the value is from an
        // independent bit-by-bit implementation.
        QByteArray pattern(100003, Qt::Uninitialized);
        for (int i = 0; i < pattern.size(); ++i)
            pattern[i] = char((i * 7 + i / 251) & 0xff);
        QCOMPARE(crc32c(pattern.constData(), size_t(pattern.size())), 0xa6512d09u);
        for (int cut : {1, 4095, 4096, 12288, 50001}) {
            const uint32_t first = crc32c(pattern.constData(), size_t(cut));
            QCOMPARE(crc32c(pattern.constData() + cut, size_t(pattern.size() - cut), first),
                     0xa6512d09u);
        }
    }

    void sharedSlicesShareUntilWritten()
    {
        QByteArray whole(4 << 20, Qt::Uninitialized);
        for (int i = 0; i < whole.size(); ++i)
            whole[i] = char(i % 253);
        const QByteArray expected = whole.mid(1 << 20, 1 << 20);
        QByteArray slice = sharedSlice(whole, 1 << 20, 1 << 20);
        QCOMPARE(slice, expected);
        QCOMPARE(slice.constData(), whole.constData() + (1 << 20)); // no copy
        QCOMPARE(sharedSlice(whole, 0, whole.size()).constData(), whole.constData());
        // Past the end: cut to what there is, or nothing.
        QCOMPARE(sharedSlice(whole, whole.size() - 10, 100).size(), 10);
        QVERIFY(sharedSlice(whole, whole.size(), 1).isEmpty());
        QVERIFY(sharedSlice(whole, 5, 0).isEmpty());
        // Writing to a slice copies it; the original and the other slices keep their bytes.
        QByteArray other = sharedSlice(whole, 2 << 20, 16);
        slice[0] = 'X';
        QCOMPARE(slice[0], 'X');
        QCOMPARE(whole.at(1 << 20), expected.at(0));
        QCOMPARE(slice.mid(1), expected.mid(1));
        // A slice outlives the array it was cut from, and may grow like any QByteArray.
        whole = QByteArray();
        QCOMPARE(uchar(other.at(0)), uchar((2 << 20) % 253));
        other.append("tail");
        QCOMPARE(other.size(), 20);
        QVERIFY(other.endsWith("tail"));
        QCOMPARE(uchar(other.at(15)), uchar(((2 << 20) + 15) % 253));
        // Raw data is copied, never shared.
        static const char raw[] = "0123456789";
        const QByteArray rawArray = QByteArray::fromRawData(raw, 10);
        QCOMPARE(sharedSlice(rawArray, 2, 3), QByteArray("234"));
    }

    void journalReplaysAndCutsTornTail()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("j"));
        {
            JournalFile j;
            QVERIFY(j.open(path, [](const QByteArray &) {}, nullptr));
            QVERIFY(j.append("one"));
            QVERIFY(j.append(QByteArray(70000, 'x')));
            QVERIFY(j.sync());
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("\x00\x00\x00\x05\x01\x02", 6); // torn frame
        f.close();
        QList<QByteArray> seen;
        JournalFile j;
        QVERIFY(j.open(path, [&](const QByteArray &r) { seen.append(r); }, nullptr));
        QCOMPARE(seen.size(), 2);
        QCOMPARE(seen[0], QByteArray("one"));
        QVERIFY(j.append("two"));
        j.close();
        seen.clear();
        QVERIFY(j.open(path, [&](const QByteArray &r) { seen.append(r); }, nullptr));
        QCOMPARE(seen.size(), 3);
        QCOMPARE(seen[2], QByteArray("two"));
        QVERIFY(j.rewrite({"only"}));
        j.close();
        seen.clear();
        QVERIFY(j.open(path, [&](const QByteArray &r) { seen.append(r); }, nullptr));
        QCOMPARE(seen, QList<QByteArray>{"only"});
    }

    void uploadQueueReplaysWithoutClose()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("uploads.journal"));
        const QString crashCopy = dir.filePath(QStringLiteral("copy.journal"));
        {
            UploadQueue q;
            QVERIFY(q.open(path, nullptr));
            QueuedUpload a;
            a.id = q.newId();
            a.path = "docs/a.txt";
            a.baseVersion = "\"etag-1\"";
            a.attr.size = 5;
            a.attr.mtime = {1700000000, 5};
            a.attr.identity = 42;
            q.add(a);
            QueuedUpload b = a;
            b.id = q.newId();
            b.path = "b.txt";
            q.add(b);
            a.attr.size = 500;
            q.setAttr(a.id, a.attr);
            q.rename(a.id, "docs/renamed.txt");
            q.rebase(a.id, "\"etag-2\"");
            q.remove(b.id);
            QVERIFY(q.sync());
            // What a kill -9 leaves: the journal as appended, never compacted.
            QVERIFY(QFile::copy(path, crashCopy));
        }
        for (const QString &p : {crashCopy, path}) {
            UploadQueue q;
            QVERIFY(q.open(p, nullptr));
            const QList<QueuedUpload> e = q.entries();
            QCOMPARE(e.size(), 1);
            QCOMPARE(e[0].path, QByteArray("docs/renamed.txt"));
            QCOMPARE(e[0].baseVersion, QByteArray("\"etag-2\""));
            QCOMPARE(e[0].attr.size, uint64_t(500));
            QCOMPARE(e[0].attr.identity, uint64_t(42));
            QCOMPARE(e[0].attr.mtime.nsec, 5u);
            QVERIFY(q.newId() > e[0].id + 1); // ids are never reused
        }
    }

    void metadataCacheTtlAndInvalidation()
    {
        MetadataCache m(200ms);
        FsDone<FsAttr> noop = [](FsResult<FsAttr>) {};
        QVERIFY(!m.attr("a"));
        QVERIFY(!m.joinAttr("a", noop)); // first asker fetches
        int joined = 0;
        FsDone<FsAttr> waiter = [&](FsResult<FsAttr> r) { joined += r.ok() ? 1 : 0; };
        QVERIFY(m.joinAttr("a", waiter)); // second one waits for it
        FsAttr attr;
        attr.size = 7;
        m.finishAttr("a", attr);
        QCOMPARE(joined, 1);
        QCOMPARE(m.attr("a")->value().size, uint64_t(7));
        // A fetch that an invalidation overtook answers but is not kept.
        QVERIFY(!m.joinAttr("d/b", noop));
        m.invalidate("d/b");
        m.finishAttr("d/b", attr);
        QVERIFY(!m.attr("d/b"));
        // Listings answer lookups of present and absent names.
        FsDone<QList<FsDirEntry>> noList = [](FsResult<QList<FsDirEntry>>) {};
        QVERIFY(!m.joinListing("d", noList));
        m.finishListing("d", QList<FsDirEntry>{FsDirEntry{"x", attr}});
        QCOMPARE(m.attr("d/x")->value().size, uint64_t(7));
        QCOMPARE(m.attr("d/nope")->error(), FsError::NotFound);
        m.invalidate("d/x");
        QVERIFY(!m.listing("d"));
        QVERIFY(!m.attr("d/nope"));
        // Trees.
        m.putAttr("t/u/v", attr);
        m.invalidateTree("t");
        QVERIFY(!m.attr("t/u/v"));
        // Expiry.
        m.putAttr("e", attr);
        QVERIFY(m.attr("e"));
        QTest::qWait(250);
        QVERIFY(!m.attr("e"));
    }

    void readAheadTellsSequentialFromRandom()
    {
        ReadAhead ra(8);
        QVERIFY(ra.onRead("f", 0, 0, 100).empty());
        auto a = ra.onRead("f", 1, 1, 100);
        QCOMPARE(a, (std::vector<uint32_t>{2, 3}));
        a = ra.onRead("f", 2, 2, 100);
        QCOMPARE(a.size(), size_t(4));
        QCOMPARE(a.front(), 3u);
        a = ra.onRead("f", 3, 3, 100);
        QCOMPARE(a.size(), size_t(8));
        a = ra.onRead("f", 5, 5, 100); // out of order but close: still sequential
        QCOMPARE(a.size(), size_t(8));
        QCOMPARE(a.back(), 13u);
        QVERIFY(ra.onRead("f", 60, 60, 100).empty()); // a jump: random
        QVERIFY(ra.onRead("f", 20, 20, 100).empty());
        QVERIFY(ra.onRead("g", 50, 50, 100).empty());
        // Never past the end of the file.
        ReadAhead edge(8);
        edge.onRead("h", 0, 0, 3);
        QCOMPARE(edge.onRead("h", 1, 1, 3), (std::vector<uint32_t>{2}));
    }

    void conflictNames()
    {
        const QDateTime t(QDate(2026, 11, 26), QTime(4, 46, 22));
        QCOMPARE(conflictName("report.docx", t), QByteArray("report (conflict 2026-11-26 044622).docx"));
        QCOMPARE(conflictName("Makefile", t), QByteArray("Makefile (conflict 2026-11-26 044622)"));
        QCOMPARE(conflictName(".bashrc", t), QByteArray(".bashrc (conflict 2026-11-26 044622)"));
        QCOMPARE(conflictName("a.tar.gz", t), QByteArray("a.tar (conflict 2026-11-26 044622).gz"));
        QCOMPARE(conflictName("x.txt", t, 3), QByteArray("x (conflict 2026-11-26 044622 3).txt"));
        const QByteArray longName = QByteArray(300, 'a') + ".txt";
        const QByteArray shortened = conflictName(longName, t, 1, 255);
        QCOMPARE(shortened.size(), 255);
        QVERIFY(shortened.endsWith(" (conflict 2026-11-26 044622).txt"));
        // Never cut inside a UTF-8 sequence.
        const QByteArray umlauts = QString(QString(150, QChar(0x00fc))).toUtf8() + ".md";
        const QByteArray cut = conflictName(umlauts, t, 1, 255);
        QVERIFY(cut.size() <= 255);
        QVERIFY(QString::fromUtf8(cut).toUtf8() == cut);
    }

    void byteSizes()
    {
        QCOMPARE(parseByteSize(QStringLiteral("10G")), std::optional<uint64_t>(10ull << 30));
        QCOMPARE(parseByteSize(QStringLiteral("500M")), std::optional<uint64_t>(500ull << 20));
        QCOMPARE(parseByteSize(QStringLiteral("64k")), std::optional<uint64_t>(64ull << 10));
        QCOMPARE(parseByteSize(QStringLiteral("1.5G")), std::optional<uint64_t>(3ull << 29));
        QCOMPARE(parseByteSize(QStringLiteral("2GiB")), std::optional<uint64_t>(2ull << 30));
        QCOMPARE(parseByteSize(QStringLiteral("12345")), std::optional<uint64_t>(12345));
        QVERIFY(!parseByteSize(QStringLiteral("")));
        QVERIFY(!parseByteSize(QStringLiteral("lots")));
        QVERIFY(!parseByteSize(QStringLiteral("-1G")));
        QVERIFY(cacheDirForSource(QStringLiteral("/c"), QStringLiteral("webdav://a/b"))
                != cacheDirForSource(QStringLiteral("/c"), QStringLiteral("webdav://a/c")));
    }
};

QTEST_GUILESS_MAIN(TestCacheParts)
#include "tst_cache_parts.moc"
