#include "rpc/RpcRecordReader.h"

#include "Xdr.h"

namespace loft::rpc {

void RpcRecordReader::feed(const char *data, qsizetype size)
{
    if (broken_)
        return;
    // Drop consumed bytes before growing, so the buffer stays near one record in size.
    if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > 64 * 1024)) {
        buffer_.remove(0, pos_);
        pos_ = 0;
    }
    buffer_.append(data, size);
}

RpcRecordReader::Status RpcRecordReader::next(QByteArray &record)
{
    if (broken_)
        return Status::TooLarge;
    for (;;) {
        const qsizetype avail = buffer_.size() - pos_;
        if (avail < 4)
            return Status::NeedMore;
        const uint32_t mark = XdrReader::load32(buffer_.constData() + pos_);
        const bool last = mark & 0x80000000u;
        const qsizetype length = mark & 0x7fffffffu;
        // Check the claimed size now, before waiting for (or buffering) its bytes.
        if (partial_.size() + length > maxRecord_) {
            broken_ = true;
            buffer_.clear();
            pos_ = 0;
            partial_.clear();
            return Status::TooLarge;
        }
        if (avail < 4 + length)
            return Status::NeedMore;
        const char *payload = buffer_.constData() + pos_ + 4;
        pos_ += 4 + length;
        if (last && partial_.isEmpty()) {
            record = QByteArray(payload, length);
            return Status::Record;
        }
        partial_.append(payload, length);
        if (last) {
            record = std::move(partial_);
            partial_ = QByteArray();
            return Status::Record;
        }
    }
}

void RpcRecordReader::writeMark(char *out, uint32_t size)
{
    const uint32_t mark = 0x80000000u | size;
    out[0] = char(mark >> 24);
    out[1] = char(mark >> 16);
    out[2] = char(mark >> 8);
    out[3] = char(mark);
}

} // namespace loft::rpc
