// File handles: encode/verify round trip, forgery and cross-export rejection, and the
// persistent node table (ids survive a reload, follow renames, are never reused).
#include "handles/FileHandleCodec.h"
#include "handles/NodeTable.h"

#include <QTemporaryDir>
#include <QTest>

using loft::FileHandleCodec;
using loft::NodeTable;

class TestFileHandles : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        FileHandleCodec codec(QByteArray(32, 'k'), "export-a");
        for (uint64_t id : {uint64_t(1), uint64_t(2), uint64_t(0xffffffffffULL), UINT64_MAX}) {
            const QByteArray h = codec.encode(id);
            QCOMPARE(h.size(), FileHandleCodec::kSize);
            QVERIFY(h.size() <= 64); // NFS3_FHSIZE
            QCOMPARE(codec.decode(h), std::optional<uint64_t>(id));
        }
    }

    void everyFlippedBitIsRejected()
    {
        FileHandleCodec codec(QByteArray(32, 'k'), "export-a");
        const QByteArray h = codec.encode(42);
        for (int byte = 0; byte < h.size(); ++byte) {
            for (int bit = 0; bit < 8; ++bit) {
                QByteArray forged = h;
                forged[byte] = char(forged[byte] ^ (1 << bit));
                QVERIFY2(!codec.decode(forged), qPrintable(QString("byte %1 bit %2").arg(byte).arg(bit)));
            }
        }
    }

    void forgedIdWithoutKeyIsRejected()
    {
        FileHandleCodec codec(QByteArray(32, 'k'), "export-a");
        QByteArray guess = codec.encode(42);
        guess[8] = char(43); // claim another file id, keep the old MAC
        QVERIFY(!codec.decode(guess));
    }

    void otherExportOrKeyIsRejected()
    {
        FileHandleCodec a(QByteArray(32, 'k'), "export-a");
        FileHandleCodec b(QByteArray(32, 'k'), "export-b");
        FileHandleCodec c(QByteArray(32, 'x'), "export-a");
        const QByteArray h = a.encode(7);
        QVERIFY(!b.decode(h));
        QVERIFY(!c.decode(h));
    }

    void wrongLengthIsRejected()
    {
        FileHandleCodec codec(QByteArray(32, 'k'), "e");
        const QByteArray h = codec.encode(5);
        QVERIFY(!codec.decode(h.left(24)));
        QVERIFY(!codec.decode(h + 'x'));
        QVERIFY(!codec.decode(QByteArray()));
    }

    void nodeTableBindsAndResolvesPaths()
    {
        NodeTable t;
        QString error;
        QVERIFY(t.open(QString(), &error));
        const uint64_t dir = t.bind(NodeTable::kRootId, "dir", 10);
        const uint64_t file = t.bind(dir, "file.txt", 11);
        QVERIFY(dir != file);
        QCOMPARE(t.path(NodeTable::kRootId), std::optional<QByteArray>(QByteArray()));
        QCOMPARE(t.path(file), std::optional<QByteArray>("dir/file.txt"));
        QCOMPARE(t.bind(dir, "file.txt", 11), file); // same object, same id
        QCOMPARE(t.child(dir, "file.txt"), std::optional<uint64_t>(file));
    }

    void replacedObjectGetsANewId()
    {
        NodeTable t;
        QString error;
        QVERIFY(t.open(QString(), &error));
        const uint64_t a = t.bind(NodeTable::kRootId, "a", 100);
        const uint64_t b = t.bind(NodeTable::kRootId, "a", 200); // another inode now
        QVERIFY(a != b);
        QVERIFY(!t.path(a));
    }

    void renameKeepsIdAndRetiresTarget()
    {
        NodeTable t;
        QString error;
        QVERIFY(t.open(QString(), &error));
        const uint64_t dir = t.bind(NodeTable::kRootId, "d", 1);
        const uint64_t sub = t.bind(dir, "sub", 2);
        const uint64_t leaf = t.bind(sub, "leaf", 3);
        const uint64_t victim = t.bind(NodeTable::kRootId, "e", 4);
        t.move(dir, NodeTable::kRootId, "e");
        QCOMPARE(t.path(leaf), std::optional<QByteArray>("e/sub/leaf"));
        QVERIFY(!t.path(victim));
    }

    void journalSurvivesReloadAndNeverReusesIds()
    {
        QTemporaryDir tmp;
        const QString journal = tmp.filePath("nodes.journal");
        uint64_t kept, moved, retired, maxId;
        {
            NodeTable t;
            QString error;
            QVERIFY2(t.open(journal, &error), qPrintable(error));
            kept = t.bind(NodeTable::kRootId, "kept", 1);
            moved = t.bind(NodeTable::kRootId, "old-name", 2);
            retired = t.bind(NodeTable::kRootId, "gone", 3);
            t.move(moved, kept, "new-name");
            t.retire(retired);
            maxId = t.nextId() - 1;
        }
        NodeTable t;
        QString error;
        QVERIFY2(t.open(journal, &error), qPrintable(error));
        QCOMPARE(t.path(kept), std::optional<QByteArray>("kept"));
        QCOMPARE(t.path(moved), std::optional<QByteArray>("kept/new-name"));
        QVERIFY(!t.path(retired));
        const uint64_t fresh = t.bind(NodeTable::kRootId, "gone", 3);
        QVERIFY(fresh > maxId); // the retired id is not handed out again
    }

    void tornJournalTailIsIgnored()
    {
        QTemporaryDir tmp;
        const QString journal = tmp.filePath("nodes.journal");
        uint64_t id;
        {
            NodeTable t;
            QString error;
            QVERIFY(t.open(journal, &error));
            id = t.bind(NodeTable::kRootId, "survivor", 9);
            t.bind(NodeTable::kRootId, "torn", 10);
        }
        QFile f(journal);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() - 3); // a crash in the middle of the last record
        f.close();
        NodeTable t;
        QString error;
        QVERIFY(t.open(journal, &error));
        QCOMPARE(t.path(id), std::optional<QByteArray>("survivor"));
    }
};

QTEST_APPLESS_MAIN(TestFileHandles)
#include "tst_file_handles.moc"
