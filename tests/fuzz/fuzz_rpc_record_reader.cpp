// libFuzzer target: RPC record marking (RpcRecordReader, RFC 5531 §11).
//
// Input: byte 0 picks the record size cap (16 B .. 32 KiB), byte 1 how the stream is cut
// into reads (1 .. 64 bytes, or all at once); the rest is the TCP byte stream. The reader
// must give exactly the records (and the TooLarge verdict) that a plain reference
// parser of the whole stream gives, however the stream is cut, and never hold more
// than one capped record plus the unread bytes.
#include "rpc/RpcRecordReader.h"

#include <QList>
#include <cstdio>
#include <cstdlib>

using loft::rpc::RpcRecordReader;

namespace {

[[noreturn]] void propertyFailed(const char *what)
{
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
}

struct Parsed {
    QList<QByteArray> records;
    bool tooLarge = false;
};

// The reference: walk the complete stream fragment by fragment.
Parsed referenceParse(const QByteArray &stream, qsizetype cap)
{
    Parsed out;
    QByteArray partial;
    qsizetype pos = 0;
    while (stream.size() - pos >= 4) {
        const auto *u = reinterpret_cast<const unsigned char *>(stream.constData() + pos);
        const uint32_t mark = (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16)
            | (uint32_t(u[2]) << 8) | u[3];
        const qsizetype length = mark & 0x7fffffffu;
        if (partial.size() + length > cap) {
            out.tooLarge = true;
            return out;
        }
        if (stream.size() - pos - 4 < length)
            return out; // the fragment's bytes have not all arrived
        partial.append(stream.constData() + pos + 4, length);
        pos += 4 + length;
        if (mark & 0x80000000u) {
            out.records.append(partial);
            partial.clear();
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const qsizetype cap = qsizetype(16) << (data[0] % 12);
    const size_t chunk = data[1] % 65; // 0: the whole stream in one read
    const QByteArray stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    const Parsed want = referenceParse(stream, cap);

    RpcRecordReader reader(cap);
    Parsed got;
    qsizetype fed = 0;
    qsizetype returned = 0; // payload bytes returned in records, plus their marks
    while (fed < stream.size() && !got.tooLarge) {
        const qsizetype n = chunk == 0 ? stream.size() : std::min<qsizetype>(qsizetype(chunk), stream.size() - fed);
        reader.feed(stream.constData() + fed, n);
        fed += n;
        for (;;) {
            QByteArray record;
            const RpcRecordReader::Status s = reader.next(record);
            if (s == RpcRecordReader::Status::NeedMore)
                break;
            if (s == RpcRecordReader::Status::TooLarge) {
                got.tooLarge = true;
                break;
            }
            if (record.size() > cap)
                propertyFailed("a record larger than the cap was returned");
            returned += record.size();
            got.records.append(record);
        }
        if (!got.tooLarge && reader.buffered() > fed - returned)
            propertyFailed("buffered() counts more bytes than were fed and not returned");
    }
    if (got.tooLarge != want.tooLarge)
        propertyFailed("TooLarge verdict differs from the reference parser");
    if (got.records != want.records)
        propertyFailed("records differ from the reference parser");
    if (got.tooLarge) {
        // A broken stream stays broken and holds nothing.
        QByteArray record;
        reader.feed("\x80\0\0\0", 4);
        if (reader.next(record) != RpcRecordReader::Status::TooLarge)
            propertyFailed("the reader recovered after TooLarge");
        if (reader.buffered() != 0)
            propertyFailed("the reader holds bytes after TooLarge");
    }
    return 0;
}
