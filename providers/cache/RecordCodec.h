// Big-endian field writer/reader for the cache's journal records (block index, upload
// queue). A reader that runs past the end turns `ok` false and returns zeros, so a torn or
// short record is noticed once, at the end, instead of at every field.
#pragma once

#include "FileSystem.h"

#include <QByteArray>
#include <QByteArrayView>
#include <cstdint>

namespace loft::cache {

class RecordWriter {
public:
    explicit RecordWriter(char tag) { out_.append(tag); }
    RecordWriter &u8(uint8_t v)
    {
        out_.append(char(v));
        return *this;
    }
    RecordWriter &u32(uint32_t v)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
            out_.append(char(v >> shift));
        return *this;
    }
    RecordWriter &u64(uint64_t v)
    {
        for (int shift = 56; shift >= 0; shift -= 8)
            out_.append(char(v >> shift));
        return *this;
    }
    RecordWriter &bytes(QByteArrayView v) // u32 length, then the bytes
    {
        u32(uint32_t(v.size()));
        out_.append(v.data(), v.size());
        return *this;
    }
    RecordWriter &time(const FsTime &t) { return u64(uint64_t(t.sec)).u32(t.nsec); }
    RecordWriter &attr(const FsAttr &a)
    {
        u8(uint8_t(a.type)).u32(a.mode).u32(a.nlink).u32(a.uid).u32(a.gid);
        u64(a.size).u64(a.used).u64(a.rdev).u64(a.identity);
        time(a.atime).time(a.mtime).time(a.ctime);
        return bytes(a.version);
    }
    const QByteArray &data() const { return out_; }

private:
    QByteArray out_;
};

class RecordReader {
public:
    explicit RecordReader(QByteArrayView data) : data_(data) {}
    bool ok() const { return ok_; }
    bool atEnd() const { return pos_ >= data_.size(); }
    char tag() { return char(u8()); }
    uint8_t u8()
    {
        if (!need(1))
            return 0;
        return uint8_t(data_[pos_++]);
    }
    uint32_t u32()
    {
        if (!need(4))
            return 0;
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v = (v << 8) | uint8_t(data_[pos_++]);
        return v;
    }
    uint64_t u64()
    {
        if (!need(8))
            return 0;
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | uint8_t(data_[pos_++]);
        return v;
    }
    QByteArray bytes()
    {
        const uint32_t n = u32();
        if (!need(qsizetype(n)))
            return {};
        QByteArray v(data_.data() + pos_, qsizetype(n));
        pos_ += qsizetype(n);
        return v;
    }
    FsTime time()
    {
        FsTime t;
        t.sec = int64_t(u64());
        t.nsec = u32();
        return t;
    }
    FsAttr attr()
    {
        FsAttr a;
        const uint8_t type = u8();
        a.type = type <= uint8_t(FsType::Fifo) ? FsType(type) : FsType::File;
        a.mode = u32();
        a.nlink = u32();
        a.uid = u32();
        a.gid = u32();
        a.size = u64();
        a.used = u64();
        a.rdev = u64();
        a.identity = u64();
        a.atime = time();
        a.mtime = time();
        a.ctime = time();
        a.version = bytes();
        return a;
    }

private:
    bool need(qsizetype n)
    {
        ok_ = ok_ && n >= 0 && pos_ + n <= data_.size();
        return ok_;
    }
    QByteArrayView data_;
    qsizetype pos_ = 0;
    bool ok_ = true;
};

} // namespace loft::cache
