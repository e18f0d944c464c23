// The data cache's on-disk store (BlockStore): blocks, CRCs, LRU under the limit,
// validators, renames, and an index that survives restarts and torn tails.
#include "BlockStore.h"
#include "DiskUsage.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace loft::cache;

namespace {
constexpr uint32_t B = BlockStore::kBlockSize;

QByteArray block(char fill, uint32_t size = B)
{
    return QByteArray(qsizetype(size), fill);
}

// What a slice's fd holds in its range now.
QByteArray sliceBytes(const loft::FsFileSlice &slice)
{
    QByteArray back(qsizetype(slice.length), '\0');
    const ssize_t n = ::pread(slice.fd, back.data(), slice.length, off_t(slice.offset));
    return n == ssize_t(slice.length) ? back : QByteArray("<short pread>");
}

// A copy of the cache folder as it is on disk now: what a restart after a crash would find.
void copyTree(const QString &from, const QString &to)
{
    QDirIterator it(from, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString source = it.next();
        const QString target = to + source.mid(from.size());
        QDir().mkpath(QFileInfo(target).path());
        QFile::copy(source, target);
    }
}

// A pipe holding `bytes`, as DirectGetLane hands a piece over.
struct FilledPipe {
    int fds[2] = {-1, -1};
    explicit FilledPipe(const QByteArray &bytes)
    {
        if (::pipe(fds) != 0 || ::fcntl(fds[1], F_SETPIPE_SZ, int(B)) < int(B)
            || ::write(fds[1], bytes.constData(), size_t(bytes.size())) != bytes.size())
            qFatal("cannot fill a pipe");
    }
    ~FilledPipe()
    {
        ::close(fds[0]);
        ::close(fds[1]);
    }
};

// What the store's data files take on disk.
uint64_t allocated(const QString &dir)
{
    return loft::test::allocatedBytes(dir + QStringLiteral("/blocks"));
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

    // slice(): a range of a verified block as a run of its data file, clipped to the block.
    void slicesGiveTheBlocksBytes()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 16 * B, nullptr));
        QVERIFY(!s.slice("a", "v", 0, 0, B, true));
        QByteArray data = block('x');
        data[B - 1] = 'y';
        QVERIFY(s.store("a", "v", 2, data));
        QVERIFY(s.store("a", "v", 3, block('z', 1000))); // a short last block
        auto whole = s.slice("a", "v", 2, 0, B, false);
        QVERIFY(whole);
        QCOMPARE(whole->offset, uint64_t(2) * B);
        QCOMPARE(whole->length, B);
        QCOMPARE(sliceBytes(*whole), data);
        auto part = s.slice("a", "v", 2, B - 3, 100, false);
        QVERIFY(part);
        QCOMPARE(part->offset, uint64_t(3) * B - 3);
        QCOMPARE(sliceBytes(*part), QByteArray("xxy"));
        auto tail = s.slice("a", "v", 3, 990, B, false);
        QCOMPARE(tail->length, 10u);
        QCOMPARE(sliceBytes(*tail), block('z', 10));
        QCOMPARE(s.pinnedBlocks(), size_t(2));
        QVERIFY(!s.slice("a", "v", 1, 0, B, true)); // a hole
        QVERIFY(!s.slice("a", "other", 2, 0, B, true)); // another version
        whole.reset();
        part.reset();
        tail.reset();
        QCOMPARE(s.pinnedBlocks(), size_t(0));
    }

    // After a restart a block is trusted only once its CRC was checked: slice(check) does
    // that first; a corrupt block is no slice.
    void slicesOfUncheckedBlocksAreCheckedFirst()
    {
        QTemporaryDir dir;
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 8 * B, nullptr));
            QVERIFY(s.store("good", "v", 0, block('g')));
            QVERIFY(s.store("bad", "v", 0, block('b')));
        }
        QDirIterator it(dir.filePath(QStringLiteral("blocks")), QDir::Files);
        int spoiled = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            QVERIFY(f.open(QIODevice::ReadWrite));
            if (f.read(1) != "b")
                continue;
            f.seek(100);
            f.write("X");
            ++spoiled;
        }
        QCOMPARE(spoiled, 1);
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QVERIFY(!s.slice("good", "v", 0, 0, B, false)); // not checked yet
        auto good = s.slice("good", "v", 0, 0, B, true);
        QVERIFY(good);
        QCOMPARE(sliceBytes(*good), block('g'));
        QVERIFY(s.slice("good", "v", 0, 0, 1, false)); // checked now
        QVERIFY(!s.slice("bad", "v", 0, 0, B, true));
        QVERIFY(!s.has("bad", "v", 0));
    }

    // A pinned block's bytes never change under its slice: eviction takes it out of the
    // index at once (the limit holds for what is indexed) but punches the hole only when
    // the slice is released, and no store may write into its slot meanwhile.
    void pinnedBlocksSurviveEvictionUntilReleased()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 4 * B, nullptr));
        QVERIFY(s.store("p", "v", 0, block('p')));
        QVERIFY(s.store("p", "v", 1, block('q')));
        auto held = s.slice("p", "v", 0, 0, B, false);
        QVERIFY(held);
        QVERIFY(s.read("p", "v", 1, 0, 1)); // block 1 the most recent: block 0 goes first
        for (uint32_t b = 0; b < 3; ++b)
            QVERIFY(s.store("other", "v", b, block(char('a' + b))));
        QVERIFY(!s.has("p", "v", 0));
        QVERIFY(s.has("p", "v", 1)); // so the data file stays, with block 0's slot in it
        QCOMPARE(s.stats().usedBytes, uint64_t(4 * B));
        QCOMPARE(sliceBytes(*held), block('p'));
        // Over the limit on disk by the pinned block, no more.
        QVERIFY2(allocated(dir.path()) >= 5 * uint64_t(B)
                     && allocated(dir.path()) <= 5 * uint64_t(B) + 65536,
                 qPrintable(QString::number(allocated(dir.path()))));
        // Its slot takes no other bytes while the slice is out (with room to spare, so
        // that no eviction drops the file and the store would go to a new one).
        s.setLimit(8 * B);
        QVERIFY(!s.store("p", "v", 0, block('N')));
        s.trim();
        QCOMPARE(sliceBytes(*held), block('p'));
        held.reset(); // released: the hole is punched now
        QCOMPARE(s.pinnedBlocks(), size_t(0));
        QVERIFY2(allocated(dir.path()) <= 4 * uint64_t(B) + 65536,
                 qPrintable(QString::number(allocated(dir.path()))));
        QVERIFY(s.store("p", "v", 0, block('N')));
        QCOMPARE(*s.read("p", "v", 0), block('N'));
    }

    // A block stored again with other bytes (same version: the remote changed under an
    // unchanged validator) is not written in place under a slice.
    void pinnedBlocksAreNotReplacedInPlace()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QVERIFY(s.store("f", "v", 0, block('o')));
        QVERIFY(s.store("f", "v", 1, block('1')));
        auto held = s.slice("f", "v", 0, 0, B, false);
        QVERIFY(held);
        QVERIFY(!s.store("f", "v", 0, block('n')));
        QCOMPARE(sliceBytes(*held), block('o'));
        QVERIFY(!s.has("f", "v", 0)); // the old bytes are not served any more either
        QVERIFY(!s.slice("f", "v", 0, 0, B, true));
        held.reset();
        QVERIFY(s.store("f", "v", 0, block('n')));
        auto fresh = s.slice("f", "v", 0, 0, B, false);
        QCOMPARE(sliceBytes(*fresh), block('n'));
        // A file's only block replaced: the file is dropped (unlinked), the new bytes go
        // to a new data file, the slice keeps the old ones.
        QVERIFY(s.store("g", "v", 0, block('o')));
        auto only = s.slice("g", "v", 0, 0, B, false);
        QVERIFY(s.store("g", "v", 0, block('n')));
        QCOMPARE(sliceBytes(*only), block('o'));
        QCOMPARE(sliceBytes(*s.slice("g", "v", 0, 0, B, false)), block('n'));
    }

    // Dropping a file (invalidate, another version, remove, clear) unlinks its data file;
    // a slice keeps reading the bytes it was given, and no new slice serves them.
    void slicesOfDroppedFilesKeepTheirBytes()
    {
        QTemporaryDir dir;
        auto s = std::make_unique<BlockStore>();
        QVERIFY(s->open(dir.path(), 8 * B, nullptr));
        QVERIFY(s->store("a", "v", 0, block('a')));
        QVERIFY(s->store("b", "v", 0, block('b')));
        QVERIFY(s->store("c", "v", 0, block('c')));
        auto a = s->slice("a", "v", 0, 0, B, false);
        auto b = s->slice("b", "v", 0, 0, B, false);
        auto c = s->slice("c", "v", 0, 0, B, false);
        QVERIFY(a && b && c);
        QVERIFY(s->invalidate("a"));
        QVERIFY(!s->slice("a", "v", 0, 0, B, true)); // stale at once
        s->dropStale();
        QVERIFY(!s->read("b", "v2", 0)); // another version: dropped
        QVERIFY(!s->slice("b", "v", 0, 0, B, true));
        QVERIFY(s->store("b", "v2", 0, block('B')));
        QCOMPARE(sliceBytes(*s->slice("b", "v2", 0, 0, B, false)), block('B'));
        s->remove("c");
        QCOMPARE(sliceBytes(*a), block('a'));
        QCOMPARE(sliceBytes(*b), block('b'));
        QCOMPARE(sliceBytes(*c), block('c'));
        a.reset();
        b.reset();
        c.reset();
        // A slice may outlive its store, with the punch of its evicted block pending.
        QVERIFY(s->store("d", "v", 0, block('d')));
        QVERIFY(s->store("d", "v", 1, block('e')));
        auto d = s->slice("d", "v", 0, 0, B, false);
        QVERIFY(s->read("d", "v", 1, 0, 1)); // block 1 the most recent: block 0 goes
        s->setLimit(B);
        s->trim();
        QVERIFY(!s->has("d", "v", 0));
        s.reset();
        QCOMPARE(sliceBytes(*d), block('d'));
        QVERIFY(allocated(dir.path()) >= 2 * uint64_t(B));
        d.reset();
        QVERIFY2(allocated(dir.path()) <= uint64_t(B) + 65536,
                 qPrintable(QString::number(allocated(dir.path()))));
    }

    // Generations: data fetched before an invalidate() of its path (or a folder above it)
    // is refused, and what was cached stops serving at once, before any disk work.
    // Streamed stores: reserve, append in pieces (starting over once), commit. The block
    // comes back as a pinned slice, and its CRC is right: a restarted store, which checks
    // every block on first use, serves it.
    void streamedStoreCommitsAndSurvivesRestart()
    {
        QTemporaryDir dir;
        QByteArray data = block('s');
        data[7] = 't';
        data[B - 1] = 'u';
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 4 * B, nullptr));
            auto r = s.reserve("f", "v", 2, B, s.generation());
            QVERIFY(r);
            QVERIFY(!s.has("f", "v", 2)); // not served before it is committed
            QVERIFY(!s.reserve("f", "v", 2, B, s.generation())); // being stored already
            QCOMPARE(s.stats().usedBytes, uint64_t(B)); // counted against the limit at once
            QVERIFY(BlockStore::append(*r, "garbage", 7));
            BlockStore::rewind(*r); // the transfer started over
            QVERIFY(!s.commit(*r)); // nothing complete yet: refused, still reserved
            for (qsizetype at = 0; at < data.size(); at += 100'000)
                QVERIFY(BlockStore::append(*r, data.constData() + at,
                                           uint32_t(std::min<qsizetype>(100'000, data.size() - at))));
            QVERIFY(!BlockStore::append(*r, "x", 1)); // never past the block's length
            auto whole = s.commit(*r);
            QVERIFY(whole);
            QCOMPARE(whole->length, B);
            QCOMPARE(sliceBytes(*whole), data);
            QCOMPARE(s.pinnedBlocks(), size_t(1));
            QVERIFY(s.has("f", "v", 2));
            whole.reset();
            QCOMPARE(s.pinnedBlocks(), size_t(0));
            QCOMPARE(*s.read("f", "v", 2), data);
        }
        BlockStore s;
        QVERIFY(s.open(dir.path(), 4 * B, nullptr));
        QCOMPARE(*s.read("f", "v", 2), data); // read() checks the CRC after a restart
        QCOMPARE(s.verifyAll().bad, uint64_t(0));
    }

    // Bytes spliced in from a pipe: served at once after the commit, but indexed only when
    // the checksummer has read them back and computed their CRC. A crash before that finds
    // no such block (fetched again; the room it took on disk is given back), never one
    // with unchecked bytes; close() finishes the checksummer's work, so a clean restart
    // keeps every block.
    void pipedBlocksAreIndexedWhenChecksummed()
    {
        QTemporaryDir dir, crashedEarly, crashedLate;
        QByteArray data = block('p');
        data[3] = 'q';
        data[B - 2] = 'r';
        {
            BlockStore s;
            QVERIFY(s.open(dir.path(), 8 * B, nullptr));
            s.setChecksumQuiet(std::chrono::hours(1)); // held back until the test says
            QVERIFY(s.store("f", "v", 0, block('i'))); // its CRC known: indexed at once
            auto r = s.reserve("f", "v", 1, B, s.generation());
            QVERIFY(r);
            {
                FilledPipe first(data.left(B / 2)), second(data.mid(B / 2));
                QVERIFY(BlockStore::appendFromPipe(*r, first.fds[0], B / 2));
                QVERIFY(!BlockStore::appendFromPipe(*r, second.fds[0], B)); // past the block
                QVERIFY(BlockStore::appendFromPipe(*r, second.fds[0], B / 2));
            }
            auto whole = s.commit(*r);
            QVERIFY(whole);
            QCOMPARE(sliceBytes(*whole), data);
            whole.reset();
            QCOMPARE(s.read("f", "v", 1).value_or("<miss>"), data); // served before its CRC is known
            QCOMPARE(s.uncheckedBlocks(), size_t(1));
            QCOMPARE(s.verifyAll().bad, uint64_t(0)); // nothing to check it against yet
            copyTree(dir.path(), crashedEarly.path());

            // One evicted before its turn: skipped, never indexed.
            auto gone = s.reserve("g", "v", 0, B, s.generation());
            QVERIFY(gone);
            {
                FilledPipe bytes(block('g'));
                QVERIFY(BlockStore::appendFromPipe(*gone, bytes.fds[0], B));
            }
            QVERIFY(s.commit(*gone));
            s.remove("g");
            QCOMPARE(s.uncheckedBlocks(), size_t(2));
            s.setChecksumQuiet(std::chrono::milliseconds(0));
            QVERIFY(s.awaitChecksums(std::chrono::seconds(10)));
            QCOMPARE(s.uncheckedBlocks(), size_t(0));
            copyTree(dir.path(), crashedLate.path());

            // One left to close().
            s.setChecksumQuiet(std::chrono::hours(1));
            auto last = s.reserve("h", "v", 0, 1000, s.generation());
            QVERIFY(last);
            {
                FilledPipe bytes(block('h', 1000));
                QVERIFY(BlockStore::appendFromPipe(*last, bytes.fds[0], 1000));
            }
            QVERIFY(s.commit(*last));
            QCOMPARE(s.uncheckedBlocks(), size_t(1));
        }
        BlockStore early;
        QVERIFY(early.open(crashedEarly.path(), 8 * B, nullptr));
        QVERIFY(!early.has("f", "v", 1));
        QCOMPARE(early.read("f", "v", 0).value_or("<miss>"), block('i'));
        QCOMPARE(early.stats().usedBytes, uint64_t(B));
        QVERIFY2(allocated(crashedEarly.path()) <= uint64_t(B) + 65536,
                 qPrintable(QString::number(allocated(crashedEarly.path()))));
        BlockStore late;
        QVERIFY(late.open(crashedLate.path(), 8 * B, nullptr));
        QCOMPARE(late.read("f", "v", 1).value_or("<miss>"), data); // read() checks the CRC after a restart
        QVERIFY(!late.has("g", "v", 0));
        BlockStore clean;
        QVERIFY(clean.open(dir.path(), 8 * B, nullptr));
        QCOMPARE(clean.read("f", "v", 1).value_or("<miss>"), data);
        QCOMPARE(clean.read("h", "v", 0).value_or("<miss>"), block('h', 1000));
        QCOMPARE(clean.verifyAll().bad, uint64_t(0));
        QCOMPARE(clean.verifyAll().blocks, uint64_t(3));
    }

    // A file invalidated while its block streamed in: the commit is refused, the bytes can
    // still be read back for the readers waiting, and abandon() gives the room back.
    void streamedStoreRefusedAfterInvalidate()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 4 * B, nullptr));
        auto r = s.reserve("f", "v", 0, 1000, s.generation());
        QVERIFY(r);
        QVERIFY(BlockStore::append(*r, block('a', 1000).constData(), 1000));
        s.invalidate("f");
        QVERIFY(!s.commit(*r));
        QCOMPARE(BlockStore::readBack(*r), block('a', 1000));
        s.abandon(*r);
        QVERIFY(!s.has("f", "v", 0));
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
        // Fetched before the change: not even reserved.
        const uint64_t before = s.generation();
        s.invalidate("f");
        QVERIFY(!s.reserve("f", "v", 0, 1000, before));
        // A present block is not reserved again; a reservation beyond the limit is refused.
        QVERIFY(s.store("g", "v", 0, block('g')));
        QVERIFY(!s.reserve("g", "v", 0, B, s.generation()));
        s.setLimit(B);
        auto h = s.reserve("h", "v", 0, B, s.generation()); // evicts as store() would
        QVERIFY(h);
        QVERIFY(!s.has("g", "v", 0));
        QCOMPARE(s.stats().usedBytes, uint64_t(B));
        s.abandon(*h);
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
        s.setLimit(0);
        QVERIFY(!s.reserve("h", "v", 1, 1, s.generation()));
    }

    // A reservation given up leaves nothing on disk: neither the bytes written nor the
    // extent reserve() allocated (or data files would grow past the limit uncounted).
    void abandonedReservationsFreeTheirSpace()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 8 * B, nullptr));
        QVERIFY(s.store("k", "v", 0, block('k')));
        for (uint32_t b = 1; b < 5; ++b) {
            auto r = s.reserve("k", "v", b, B, s.generation());
            QVERIFY(r);
            QVERIFY(BlockStore::append(*r, block('x', B / 2).constData(), B / 2));
            s.abandon(*r);
        }
        QCOMPARE(s.stats().usedBytes, uint64_t(B));
        QVERIFY2(allocated(dir.path()) <= uint64_t(B) + 65536,
                 qPrintable(QString::number(allocated(dir.path()))));
        QCOMPARE(*s.read("k", "v", 0), block('k'));
    }

    // The limit is restored after a commit even when that evicts the new block itself:
    // the slice commit() answers keeps its bytes until released.
    void streamedBlockEvictedAtOnceKeepsItsSlice()
    {
        QTemporaryDir dir;
        BlockStore s;
        QVERIFY(s.open(dir.path(), 2 * B, nullptr));
        auto r = s.reserve("f", "v", 0, B, s.generation());
        QVERIFY(r);
        QVERIFY(BlockStore::append(*r, block('e').constData(), B));
        s.setPinnedBytes(2 * B); // staged files took the whole limit meanwhile
        auto whole = s.commit(*r);
        QVERIFY(whole);
        QVERIFY(!s.has("f", "v", 0));
        QCOMPARE(sliceBytes(*whole), block('e'));
        whole.reset();
        QCOMPARE(s.pinnedBlocks(), size_t(0));
        QCOMPARE(s.stats().usedBytes, uint64_t(0));
    }

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
