// MeteredFileSystem (the GUI's throughput counter around a mount's provider): reads and
// writes are counted, and a READ to be sent passes on as one, so the mount keeps the
// inner provider's slices (sendfile) instead of copying every byte through memory.
#include "AwaitDone.h"
#include "LocalFileSystem.h"
#include "mount/MeteredFileSystem.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace loft;
using loft::test::awaitDone;

class TestMeteredFileSystem : public QObject {
    Q_OBJECT

private slots:
    void countsAndPassesSlicesOn()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("big.bin")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray data(1 << 20, 'm');
        QVERIFY(file.write(data) == data.size());
        file.close();
        MeteredFileSystem fs(std::make_shared<LocalFileSystem>(dir.path(), false));

        auto r = awaitDone<FsReadResult>([&](auto d) { fs.read("big.bin", 0, 1000, d); });
        QVERIFY(r && r->data == data.left(1000));
        QCOMPARE(fs.bytesRead(), quint64(1000));

        r = awaitDone<FsReadResult>([&](auto d) { fs.readToSend("big.bin", 0, 1 << 20, d); });
        QVERIFY(r);
#ifdef __linux__
        QVERIFY(r->slice); // the local provider's slice, not a copy
        QCOMPARE(r->slice->length, uint32_t(1 << 20));
        QVERIFY(r->data.isEmpty());
#else
        QCOMPARE(r->data, data);
#endif
        QCOMPARE(fs.bytesRead(), quint64(1000 + (1 << 20)));

        auto w = awaitDone<FsWriteResult>(
            [&](auto d) { fs.write("big.bin", 0, "abc", FsStability::FileSync, d); });
        QVERIFY(w);
        QCOMPARE(fs.bytesWritten(), quint64(3));
    }
};

QTEST_GUILESS_MAIN(TestMeteredFileSystem)
#include "tst_metered_filesystem.moc"
