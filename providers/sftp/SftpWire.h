// SFTP version 3 packets on the wire (draft-ietf-secsh-filexfer-02), for the requests
// Loft sends itself because libssh 0.10 has no API for them: pipelined WRITEs and the
// OpenSSH extensions posix-rename, hardlink, lsetstat and fsync.
//
//   uint32 length   (of everything after it)
//   byte   type
//   uint32 request id
//   ...    request-specific fields; strings are uint32 length + bytes
#pragma once

#include "SftpAttr.h"

#include <QByteArray>
#include <QByteArrayView>
#include <cstdint>

namespace loft {

namespace sftpwire {
constexpr uint8_t kFstat = 8;
constexpr uint8_t kWrite = 6;
constexpr uint8_t kExtended = 200;
constexpr uint8_t kStatus = 101;
constexpr uint8_t kAttrs = 105;
constexpr uint8_t kExtendedReply = 201;
// The largest reply Loft reads itself (STATUS and ATTRS are small).
constexpr uint32_t kMaxReplyBytes = 64 * 1024;
} // namespace sftpwire

class SftpPacketBuilder {
public:
    SftpPacketBuilder(uint8_t type, uint32_t id, qsizetype reserve = 64);
    SftpPacketBuilder &u8(uint8_t v);
    SftpPacketBuilder &u32(uint32_t v);
    SftpPacketBuilder &u64(uint64_t v);
    SftpPacketBuilder &string(QByteArrayView bytes);
    // ATTRS with the fields `a.flags` names (size, uid/gid, permissions, times).
    SftpPacketBuilder &attrs(const SftpAttrs &a);
    // The packet with its length filled in.
    QByteArray finish();

private:
    QByteArray bytes_;
};

// Reads the fields of one packet body (after the length word). Every getter returns
// false once the data runs out; nothing reads past the end.
class SftpPacketReader {
public:
    explicit SftpPacketReader(QByteArrayView body) : data_(body) {}
    bool u8(uint8_t &v);
    bool u32(uint32_t &v);
    bool u64(uint64_t &v);
    bool string(QByteArray &v);
    bool skipString();
    bool attrs(SftpAttrs &a);

private:
    QByteArrayView data_;
    qsizetype pos_ = 0;
};

} // namespace loft
