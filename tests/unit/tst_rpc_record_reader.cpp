// Record marking: single and multi-fragment records, arbitrary splits of the byte
// stream, and the size cap that refuses a record before its bytes arrive.
#include "rpc/RpcRecordReader.h"

#include <QTest>

#include <algorithm>
#include <cstring>

using loft::rpc::RpcRecordReader;

namespace {
QByteArray fragment(const QByteArray &payload, bool last)
{
    QByteArray out(4, '\0');
    const uint32_t mark = (last ? 0x80000000u : 0u) | uint32_t(payload.size());
    out[0] = char(mark >> 24);
    out[1] = char(mark >> 16);
    out[2] = char(mark >> 8);
    out[3] = char(mark);
    return out + payload;
}
} // namespace

class TestRpcRecordReader : public QObject {
    Q_OBJECT
private slots:
    // A large fragment is read straight into the record (directSpace), whatever size the
    // socket reads have; records before and after it come out of the buffer as usual.
    void largeFragmentFilledDirectly()
    {
        QByteArray big(300 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 7);
        const QByteArray stream = fragment("before", true) + fragment(big.left(1000), false)
            + fragment(big.mid(1000), true) + fragment("after", true);
        for (const qsizetype chunk : {qsizetype(1), qsizetype(4093), qsizetype(65536), stream.size()}) {
            RpcRecordReader r(1 << 20);
            QList<QByteArray> records;
            qsizetype at = 0;
            int directReads = 0;
            for (int guard = 0; at < stream.size() && guard < 1'000'000; ++guard) {
                auto [space, room] = r.directSpace();
                const qsizetype n = std::min({chunk, stream.size() - at, space ? room : chunk});
                if (space) {
                    std::memcpy(space, stream.constData() + at, size_t(n));
                    r.directFilled(n);
                    ++directReads;
                } else {
                    r.feed(stream.constData() + at, n);
                }
                at += n;
                QByteArray rec;
                while (r.next(rec) == RpcRecordReader::Status::Record)
                    records.append(rec);
            }
            QCOMPARE(records.size(), 3);
            QCOMPARE(records[0], QByteArray("before"));
            QVERIFY(records[1] == big);
            QCOMPARE(records[2], QByteArray("after"));
            QCOMPARE(r.buffered(), 0);
            if (chunk < stream.size())
                QVERIFY(directReads > 0);
        }
    }

    // feed() also works while a large fragment is pending (bytes go to it first).
    void feedDuringLargeFragment()
    {
        const QByteArray big(200 * 1024, 'b');
        const QByteArray stream = fragment(big, true) + fragment("tail", true);
        RpcRecordReader r(1 << 20);
        QByteArray rec;
        r.feed(stream.left(1000));
        QCOMPARE(r.next(rec), RpcRecordReader::Status::NeedMore);
        QVERIFY(r.directSpace().first != nullptr);
        r.feed(stream.mid(1000));
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QVERIFY(rec == big);
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QCOMPARE(rec, QByteArray("tail"));
    }

    void singleFragment()
    {
        RpcRecordReader r(1024);
        r.feed(fragment("hello world!", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QCOMPARE(rec, QByteArray("hello world!"));
        QCOMPARE(r.next(rec), RpcRecordReader::Status::NeedMore);
        QCOMPARE(r.buffered(), 0);
    }

    void multiFragmentMerged()
    {
        RpcRecordReader r(1024);
        r.feed(fragment("abc", false) + fragment("defg", false) + fragment("h", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QCOMPARE(rec, QByteArray("abcdefgh"));
    }

    void twoRecordsInOneRead()
    {
        RpcRecordReader r(1024);
        r.feed(fragment("first", true) + fragment("second", true));
        QByteArray a, b;
        QCOMPARE(r.next(a), RpcRecordReader::Status::Record);
        QCOMPARE(r.next(b), RpcRecordReader::Status::Record);
        QCOMPARE(a, QByteArray("first"));
        QCOMPARE(b, QByteArray("second"));
    }

    void byteByByte()
    {
        const QByteArray stream = fragment("split", false) + fragment(" across reads", true)
            + fragment("next", true);
        RpcRecordReader r(1024);
        QList<QByteArray> records;
        for (char c : stream) {
            r.feed(&c, 1);
            QByteArray rec;
            while (r.next(rec) == RpcRecordReader::Status::Record)
                records << rec;
        }
        QCOMPARE(records, (QList<QByteArray>{"split across reads", "next"}));
    }

    void emptyLastFragment()
    {
        RpcRecordReader r(1024);
        r.feed(fragment("payload", false) + fragment("", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QCOMPARE(rec, QByteArray("payload"));
    }

    void hugeFragmentRefusedBeforeItsBytes()
    {
        RpcRecordReader r(4 * 1024 * 1024);
        // A header claiming 1 GiB, with no payload behind it.
        const char header[4] = {char(0xC0), 0, 0, 0};
        r.feed(header, 4);
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::TooLarge);
        QCOMPARE(r.next(rec), RpcRecordReader::Status::TooLarge); // stays broken
    }

    void fragmentsAddingUpPastTheCap()
    {
        RpcRecordReader r(10);
        r.feed(fragment("123456", false) + fragment("7890X", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::TooLarge);
    }

    // Found by fuzz_rpc_record_reader: after TooLarge the reader dropped its buffer but
    // kept its read position, so buffered() went negative.
    void nothingBufferedAfterTooLarge()
    {
        RpcRecordReader r(10);
        r.feed(fragment("123456", false) + fragment("7890X", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::TooLarge);
        QCOMPARE(r.buffered(), 0);
        r.feed(fragment("more", true));
        QCOMPARE(r.next(rec), RpcRecordReader::Status::TooLarge);
        QCOMPARE(r.buffered(), 0);
    }

    void recordAtTheCapIsAccepted()
    {
        RpcRecordReader r(10);
        r.feed(fragment("1234567890", true));
        QByteArray rec;
        QCOMPARE(r.next(rec), RpcRecordReader::Status::Record);
        QCOMPARE(rec.size(), 10);
    }

    void writeMarkRoundTrip()
    {
        char mark[4];
        RpcRecordReader::writeMark(mark, 0x1234);
        QCOMPARE(uint8_t(mark[0]), uint8_t(0x80));
        QCOMPARE(uint8_t(mark[2]), uint8_t(0x12));
        QCOMPARE(uint8_t(mark[3]), uint8_t(0x34));
    }
};

QTEST_APPLESS_MAIN(TestRpcRecordReader)
#include "tst_rpc_record_reader.moc"
