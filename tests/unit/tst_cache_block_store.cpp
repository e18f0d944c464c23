// The data cache's on-disk store (BlockStore): blocks, CRCs, LRU under the limit,
// validators, renames, and an index that survives restarts and torn tails.
#include "BlockStore.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace loft::cache;

namespace {
constexpr uint32_t B = BlockStore::kBlockSize;

QByteArray block(char fill, uint32_t size = B)
{
    return QByteArray(qsizetype(size), fill);
}

uint64_t allocated(const QString &dir)
{
    uint64_t total = 0;
    QDirIterator it(dir + QStringLiteral("/blocks"), QDir::Files);
    while (it.hasNext()) {
        struct stat st;
        if (::stat(QFile::encodeName(it.next()).constData(), &st) == 0)
            total += uint64_t(st.st_blocks) * 512;
    }
    return total;
}
} // namespace

class TestBlockStore : public QObject {
    Q_OBJECT

private slots:
    void storeReadAndSlices()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 16 * B, nullptr));
        QVERIFY(!s.has("a", "v1", 0));
        QVERIFY(!s.read("a", "v1", 0));
        QByteArray data = block('x');
        data[5] = 'y';
        QVERIFY(s.store("a", "v1", 0, data));
        QVERIFY(s.store("a", "v1", 3, block('z', 1000))); // a short last block
        QVERIFY(s.has("a", "v1", 0));
        QCOMPARE(*s.read("a", "v1", 0), data);
        QCOMPARE(*s.read("a", "v1", 0, 4, 3), QByteArray("xyx"));
        QCOMPARE(*s.read("a", "v1", 3, 990, 100), block('z', 10));
        QVERIFY(!s.read("a", "v1", 1)); // a hole
        QCOMPARE(s.stats().usedBytes, uint64_t(B + 1000));
        QCOMPARE(s.stats().blocks, uint64_t(2));
        // Another version of the file: everything cached for it goes.
        QVERIFY(!s.read("a", "v2", 0));
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
        QCOMPARE(s.stats().files, uint64_t(0));
    }

    // Generations: data fetched before an invalidate() of its path (or a folder above it)
    // is refused, and what was cached stops serving at once, before any disk work.
    void invalidateRefusesOlderFetchesAndHidesBlocks()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 16 * B, nullptr));
        QVERIFY(s.store("d/a", "v", 0, block('o')));
        const uint64_t before = s.generation();
        QVERIFY(s.invalidate("d/a"));   // blocks became stale
        QVERIFY(!s.has("d/a", "v", 0)); // same validator, still not served
        QVERIFY(!s.read("d/a", "v", 0));
        QVERIFY(!s.store("d/a", "v", 1, block('o'), before)); // fetched before: refused
        QVERIFY(!s.invalidate("d/a"));  // nothing more to make stale
        s.dropStale();
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
        const uint64_t after = s.generation();
        QVERIFY(s.store("d/a", "v", 0, block('n'), after)); // fetched after: kept
        QCOMPARE(*s.read("d/a", "v", 0), block('n'));
        // Another file's fetches are not affected; a folder's invalidation covers its files.
        QVERIFY(s.store("d/b", "v", 0, block('b'), before));
        const uint64_t beforeTree = s.generation();
        QVERIFY(s.invalidate("d", true));
        QVERIFY(!s.has("d/a", "v", 0) && !s.has("d/b", "v", 0));
        QVERIFY(!s.store("d/c", "v", 0, block('c'), beforeTree));
        QVERIFY(s.store("e", "v", 0, block('e'), beforeTree));
        // Without a generation (data known to be current, e.g. just uploaded) it stores.
        QVERIFY(s.store("d/a", "v", 0, block('u')));
        QCOMPARE(*s.read("d/a", "v", 0), block('u'));
    }

    void leastRecentlyUsedGoesFirstAndLimitHolds()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 4 * B, nullptr));
        for (uint32_t b = 0; b < 4; ++b)
            QVERIFY(s.store("f", "v", b, block(char('a' + b))));
        QVERIFY(s.read("f", "v", 0)); // 0 is now the most recent; 1 the least
        QVERIFY(s.store("g", "v", 0, block('g')));
        QVERIFY(!s.has("f", "v", 1));
        QVERIFY(s.has("f", "v", 0) && s.has("f", "v", 2) && s.has("f", "v", 3));
        QCOMPARE(s.stats().usedBytes, uint64_t(4 * B));
        QVERIFY(allocated(dir.path()) <= 5 * uint64_t(B)); // holes really punched
        // Pinned (staged) bytes shrink the room.
        s.setPinnedBytes(3 * B);
        s.trim();
        QCOMPARE(s.stats().usedBytes, uint64_t(B));
        s.setPinnedBytes(5 * B);
        QVERIFY(!s.store("h", "v", 0, block('h')));
        s.trim();
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
    }

    void survivesRestartWithLruOrder()
    {
        QTemporaryDir dir;
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 3 * B, nullptr));
            QVERIFY(s.store("dir/one", "v", 0, block('1')));
            QVERIFY(s.store("dir/two", "v", 0, block('2')));
            QVERIFY(s.store("three", "v", 0, block('3')));
            QVERIFY(s.read("dir/one", "v", 0)); // "two" is the oldest now
        }
        BlockStore s;
        QVERIFY(s.open(dir.path(), 3 * B, nullptr));
        QCOMPARE(s.stats().usedBytes, uint64_t(3 * B));
        QVERIFY(s.store("four", "v", 0, block('4')));
        QVERIFY(!s.has("dir/two", "v", 0)); // the oldest before the restart went first
        QCOMPARE(*s.read("dir/one", "v", 0, 0, 1), QByteArray("1")); // verified on first use
        QCOMPARE(*s.read("three", "v", 0, 0, 1), QByteArray("3"));
    }

    void tornIndexTailAndOrphansAreRepaired()
    {
        QTemporaryDir dir;
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 8 * B, nullptr));
            QVERIFY(s.store("a", "v", 0, block('a')));
        }
        // A crash mid-append leaves half a record; a data file nobody indexed lingers.
        QFile index(dir.filePath(QStringLiteral("index.journal")));
        QVERIFY(index.open(QIODevice::Append));
        index.write("\x00\x00\x00\x40garbage", 11);
        index.close();
        QFile orphan(dir.filePath(QStringLiteral("blocks/00000000000000ff")));
        QVERIFY(orphan.open(QIODevice::WriteOnly));
        orphan.write("stray");
        orphan.close();
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QCOMPARE(*s.read("a", "v", 0), block('a'));
        QVERIFY(!QFile::exists(orphan.fileName()));
        QVERIFY(s.store("b", "v", 0, block('b')));
    }

    void corruptBlockIsAMiss()
    {
        QTemporaryDir dir;
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 8 * B, nullptr));
            QVERIFY(s.store("a", "v", 1, block('a')));
        }
        QDirIterator it(dir.filePath(QStringLiteral("blocks")), QDir::Files);
        QVERIFY(it.hasNext());
        QFile f(it.next());
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(B + 100);
        f.write("X");
        f.close();
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QVERIFY(!s.read("a", "v", 1, 0, 10));
        QVERIFY(!s.has("a", "v", 1));
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
    }

    void renameAndRemoveTrees()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QVERIFY(s.store("d/x", "v", 0, block('x', 10)));
        QVERIFY(s.store("d/sub/y", "v", 0, block('y', 10)));
        QVERIFY(s.store("dx", "v", 0, block('z', 10)));
        QVERIFY(s.store("e/x", "v", 0, block('o', 10)));
        s.rename("d", "e"); // replaces what e held
        QVERIFY(!s.has("d/x", "v", 0));
        QCOMPARE(*s.read("e/x", "v", 0), block('x', 10));
        QCOMPARE(*s.read("e/sub/y", "v", 0), block('y', 10));
        QVERIFY(s.has("dx", "v", 0)); // a sibling with the same prefix stays
        s.close();
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QCOMPARE(*s.read("e/sub/y", "v", 0), block('y', 10));
        s.remove("e", true);
        QVERIFY(!s.has("e/x", "v", 0) && !s.has("e/sub/y", "v", 0));
        QVERIFY(s.has("dx", "v", 0));
        s.clear();
        QCOMPARE(s.stats().files, uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestBlockStore)
#include "tst_cache_block_store.moc"
