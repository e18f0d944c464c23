// TCP record marking (RFC 5531 §11): splits a byte stream into RPC records made of
// one or more fragments, each preceded by a 4-byte header (last-fragment bit + length).
// Records larger than the configured cap are refused before their bytes arrive.
#pragma once

#include <QByteArray>

namespace loft::rpc {

class RpcRecordReader {
public:
    enum class Status { NeedMore, Record, TooLarge };

    explicit RpcRecordReader(qsizetype maxRecordSize) : maxRecord_(maxRecordSize) {}

    // Bytes read from the socket, in order.
    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &bytes) { feed(bytes.constData(), bytes.size()); }

    // Moves the next complete record into `record` when one is available. After
    // TooLarge the stream is unusable and the connection must be dropped.
    Status next(QByteArray &record);

    // Bytes received but not yet returned as part of a record.
    qsizetype buffered() const { return buffer_.size() - pos_ + partial_.size(); }

    // Writes a record-marked single-fragment header for a payload of `size` bytes.
    static void writeMark(char *out, uint32_t size);

private:
    QByteArray buffer_;  // raw stream bytes not consumed yet, from pos_
    qsizetype pos_ = 0;
    QByteArray partial_; // fragments of the record being assembled
    qsizetype maxRecord_;
    bool broken_ = false;
};

} // namespace loft::rpc
