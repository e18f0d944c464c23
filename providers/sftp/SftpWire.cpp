#include "SftpWire.h"

#include <libssh/sftp.h>

namespace loft {

SftpPacketBuilder::SftpPacketBuilder(uint8_t type, uint32_t id, qsizetype reserve)
{
    bytes_.reserve(reserve + 9);
    u32(0); // length, patched by finish()
    u8(type);
    u32(id);
}

SftpPacketBuilder &SftpPacketBuilder::u8(uint8_t v)
{
    bytes_.append(char(v));
    return *this;
}

SftpPacketBuilder &SftpPacketBuilder::u32(uint32_t v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    bytes_.append(b, 4);
    return *this;
}

SftpPacketBuilder &SftpPacketBuilder::u64(uint64_t v)
{
    u32(uint32_t(v >> 32));
    return u32(uint32_t(v));
}

SftpPacketBuilder &SftpPacketBuilder::string(QByteArrayView bytes)
{
    u32(uint32_t(bytes.size()));
    bytes_.append(bytes.data(), bytes.size());
    return *this;
}

SftpPacketBuilder &SftpPacketBuilder::attrs(const SftpAttrs &a)
{
    const uint32_t known = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID
        | SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
    const uint32_t flags = a.flags & known;
    u32(flags);
    if (flags & SSH_FILEXFER_ATTR_SIZE)
        u64(a.size);
    if (flags & SSH_FILEXFER_ATTR_UIDGID)
        u32(a.uid).u32(a.gid);
    if (flags & SSH_FILEXFER_ATTR_PERMISSIONS)
        u32(a.permissions);
    if (flags & SSH_FILEXFER_ATTR_ACMODTIME)
        u32(a.atime).u32(a.mtime);
    return *this;
}

QByteArray SftpPacketBuilder::finish()
{
    const uint32_t length = uint32_t(bytes_.size() - 4);
    bytes_[0] = char(length >> 24);
    bytes_[1] = char(length >> 16);
    bytes_[2] = char(length >> 8);
    bytes_[3] = char(length);
    return std::move(bytes_);
}

bool SftpPacketReader::u8(uint8_t &v)
{
    if (data_.size() - pos_ < 1)
        return false;
    v = uint8_t(data_[pos_]);
    pos_ += 1;
    return true;
}

bool SftpPacketReader::u32(uint32_t &v)
{
    if (data_.size() - pos_ < 4)
        return false;
    const auto *p = reinterpret_cast<const unsigned char *>(data_.data() + pos_);
    v = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
    pos_ += 4;
    return true;
}

bool SftpPacketReader::u64(uint64_t &v)
{
    uint32_t hi = 0, lo = 0;
    if (!u32(hi) || !u32(lo))
        return false;
    v = uint64_t(hi) << 32 | lo;
    return true;
}

bool SftpPacketReader::string(QByteArray &v)
{
    uint32_t n = 0;
    if (!u32(n) || uint64_t(data_.size() - pos_) < n)
        return false;
    v = QByteArray(data_.data() + pos_, qsizetype(n));
    pos_ += qsizetype(n);
    return true;
}

bool SftpPacketReader::skipString()
{
    uint32_t n = 0;
    if (!u32(n) || uint64_t(data_.size() - pos_) < n)
        return false;
    pos_ += qsizetype(n);
    return true;
}

bool SftpPacketReader::attrs(SftpAttrs &a)
{
    if (!u32(a.flags))
        return false;
    if ((a.flags & SSH_FILEXFER_ATTR_SIZE) && !u64(a.size))
        return false;
    if ((a.flags & SSH_FILEXFER_ATTR_UIDGID) && !(u32(a.uid) && u32(a.gid)))
        return false;
    if ((a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) && !u32(a.permissions))
        return false;
    if ((a.flags & SSH_FILEXFER_ATTR_ACMODTIME) && !(u32(a.atime) && u32(a.mtime)))
        return false;
    if (a.flags & SSH_FILEXFER_ATTR_EXTENDED) {
        uint32_t count = 0;
        if (!u32(count))
            return false;
        for (uint32_t i = 0; i < count; ++i) {
            if (!skipString() || !skipString())
                return false;
        }
    }
    return true;
}

} // namespace loft
