// A deliberately low-level RPC client for the bad-input tests: hand-built records on a
// plain QTcpSocket (blocking waits, each bounded), so a test can send exactly the bytes it
// wants — truncated records, absurd fragment headers, wrong versions, names with NUL.
#pragma once

#include <QByteArray>
#include <QTcpSocket>

#include <cstdint>
#include <optional>

namespace loft::test {

// Big-endian XDR building blocks.
class XdrOut {
public:
    XdrOut &u32(uint32_t v);
    XdrOut &u64(uint64_t v);
    XdrOut &opaque(const QByteArray &bytes); // variable length: length word, bytes, padding
    XdrOut &fixed(const QByteArray &bytes);  // fixed length: bytes, padding
    const QByteArray &bytes() const { return b_; }

private:
    QByteArray b_;
};

class XdrIn {
public:
    explicit XdrIn(QByteArray bytes) : b_(std::move(bytes)) {}
    uint32_t u32();
    uint64_t u64();
    QByteArray opaque();
    bool ok() const { return ok_; }
    qsizetype remaining() const { return b_.size() - pos_; }

private:
    QByteArray b_;
    qsizetype pos_ = 0;
    bool ok_ = true;
};

struct RawReply {
    uint32_t xid = 0;
    uint32_t replyStat = 0;  // 0 MSG_ACCEPTED, 1 MSG_DENIED
    uint32_t acceptStat = 0; // when accepted
    uint32_t rejectStat = 0; // when denied: 0 RPC_MISMATCH, 1 AUTH_ERROR
    uint32_t low = 0, high = 0; // PROG_MISMATCH / RPC_MISMATCH ranges
    QByteArray body;         // the result after SUCCESS
};

class RawRpcSocket {
public:
    static constexpr int kTimeoutMs = 10'000;

    bool connectTo(quint16 port);
    QTcpSocket &socket() { return socket_; }

    // Exactly these bytes, flushed.
    bool sendBytes(const QByteArray &bytes);
    // One record as one last fragment.
    bool sendRecord(const QByteArray &payload);
    // A call message (header + args) with AUTH_SYS credentials (root unless `uid` says).
    static QByteArray callMessage(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                  const QByteArray &args, uint32_t rpcvers = 2,
                                  uint32_t uid = 0);
    // The AUTH_SYS uid (and gid) that call() claims from now on.
    void setUid(uint32_t uid) { uid_ = uid; }
    // Sends a call and reads its reply; nothing when no reply came within the timeout
    // or it could not be parsed.
    std::optional<RawReply> call(uint32_t prog, uint32_t vers, uint32_t proc,
                                 const QByteArray &args, uint32_t rpcvers = 2);
    std::optional<QByteArray> readRecord(int timeoutMs = kTimeoutMs);
    // True when the peer closes the connection within the timeout.
    bool waitForPeerClose(int timeoutMs = kTimeoutMs);

    static std::optional<RawReply> parseReply(const QByteArray &record);

private:
    QTcpSocket socket_;
    QByteArray buffer_;
    uint32_t nextXid_ = 0x10000;
    uint32_t uid_ = 0;
};

// NFSv3 argument bodies for raw calls.
QByteArray diropArgs(const QByteArray &dirFh, const QByteArray &name);
QByteArray createUncheckedArgs(const QByteArray &dirFh, const QByteArray &name);
QByteArray mkdirArgs(const QByteArray &dirFh, const QByteArray &name);

} // namespace loft::test
