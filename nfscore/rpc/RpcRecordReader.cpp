#include "rpc/RpcRecordReader.h"

#include "Xdr.h"

#include <algorithm>
#include <cstring>

namespace loft::rpc {

void RpcRecordReader::feed(const char *data, qsizetype size)
{
    if (broken_)
        return;
    if (filled_ < partial_.size()) { // a large fragment is being filled: its bytes first
        const qsizetype n = std::min(size, partial_.size() - filled_);
        std::memcpy(partial_.data() + filled_, data, size_t(n));
        filled_ += n;
        data += n;
        size -= n;
        if (size == 0)
            return;
    }
    // Drop consumed bytes before growing, so the buffer stays near one record in size.
    if (pos_ > 0 && (pos_ == buffer_.size() || pos_ > 64 * 1024)) {
        buffer_.remove(0, pos_);
        pos_ = 0;
    }
    buffer_.append(data, size);
}

std::pair<char *, qsizetype> RpcRecordReader::directSpace()
{
    if (broken_ || filled_ == partial_.size())
        return {nullptr, 0};
    return {partial_.data() + filled_, partial_.size() - filled_};
}

void RpcRecordReader::directFilled(qsizetype n)
{
    filled_ += n;
}

RpcRecordReader::Status RpcRecordReader::next(QByteArray &record)
{
    if (broken_)
        return Status::TooLarge;
    if (filled_ < partial_.size())
        return Status::NeedMore; // a large fragment is still arriving (directSpace)
    if (directLast_) {
        directLast_ = false;
        record = std::move(partial_);
        partial_ = QByteArray();
        filled_ = 0;
        return Status::Record;
    }
    for (;;) {
        const qsizetype avail = buffer_.size() - pos_;
        if (avail < 4)
            return Status::NeedMore;
        const uint32_t mark = XdrReader::load32(buffer_.constData() + pos_);
        const bool last = mark & 0x80000000u;
        const qsizetype length = mark & 0x7fffffffu;
        // Check the claimed size now, before waiting for (or buffering) its bytes.
        if (filled_ + length > maxRecord_) {
            broken_ = true;
            buffer_.clear();
            pos_ = 0;
            partial_.clear();
            filled_ = 0;
            return Status::TooLarge;
        }
        const char *payload = buffer_.constData() + pos_ + 4;
        if (avail < 4 + length) {
            if (length < kDirectFragment)
                return Status::NeedMore;
            // Large and incomplete: make room for the whole fragment in the record, take
            // what is buffered, and let the rest be read straight into it.
            const qsizetype have = avail - 4;
            partial_.resize(filled_ + length);
            std::memcpy(partial_.data() + filled_, payload, size_t(have));
            filled_ += have;
            directLast_ = last;
            pos_ = buffer_.size();
            return Status::NeedMore;
        }
        pos_ += 4 + length;
        if (last && filled_ == 0) {
            record = QByteArray(payload, length);
            return Status::Record;
        }
        partial_.resize(filled_ + length);
        std::memcpy(partial_.data() + filled_, payload, size_t(length));
        filled_ += length;
        if (last) {
            record = std::move(partial_);
            partial_ = QByteArray();
            filled_ = 0;
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
