// TCP record marking (RFC 5531 §11): splits a byte stream into RPC records made of
// one or more fragments, each preceded by a 4-byte header (last-fragment bit + length).
// Records larger than the configured cap are refused before their bytes arrive.
//
// Small records are cut out of a read buffer. A large fragment (a WRITE's data) still
// incomplete in the buffer is read straight into the record instead: directSpace() says
// where the next socket read should go, so its bytes are copied once, by the kernel.
#pragma once

#include <QByteArray>
#include <utility>

namespace loft::rpc {

class RpcRecordReader {
public:
    enum class Status { NeedMore, Record, TooLarge };

    // Fragments at least this large are read straight into the record.
    static constexpr qsizetype kDirectFragment = 64 * 1024;

    explicit RpcRecordReader(qsizetype maxRecordSize) : maxRecord_(maxRecordSize) {}

    // Bytes read from the socket, in order.
    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &bytes) { feed(bytes.constData(), bytes.size()); }

    // While a large fragment is being filled: where the next bytes of the stream go, and
    // how many belong there; {nullptr, 0} otherwise (then use feed()).
    std::pair<char *, qsizetype> directSpace();
    // `n` bytes were written at directSpace().
    void directFilled(qsizetype n);

    // Moves the next complete record into `record` when one is available. After
    // TooLarge the stream is unusable and the connection must be dropped.
    Status next(QByteArray &record);

    // Bytes received but not yet returned as part of a record.
    qsizetype buffered() const { return buffer_.size() - pos_ + filled_; }

    // Writes a record-marked single-fragment header for a payload of `size` bytes.
    static void writeMark(char *out, uint32_t size);

private:
    QByteArray buffer_;   // raw stream bytes not consumed yet, from pos_
    qsizetype pos_ = 0;
    QByteArray partial_;  // the record being assembled; its first filled_ bytes are valid
    qsizetype filled_ = 0;
    bool directLast_ = false; // the fragment being filled directly ends the record
    qsizetype maxRecord_;
    bool broken_ = false;
};

} // namespace loft::rpc
