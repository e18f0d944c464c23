// Record marking: single and multi-fragment records, arbitrary splits of the byte
// stream, and the size cap that refuses a record before its bytes arrive.
#include "rpc/RpcRecordReader.h"

#include <QTest>

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
