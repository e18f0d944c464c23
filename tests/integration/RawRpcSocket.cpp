#include "RawRpcSocket.h"

#include <QDeadlineTimer>
#include <QHostAddress>

namespace loft::test {

XdrOut &XdrOut::u32(uint32_t v)
{
    const char w[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    b_.append(w, 4);
    return *this;
}

XdrOut &XdrOut::u64(uint64_t v)
{
    u32(uint32_t(v >> 32));
    return u32(uint32_t(v));
}

XdrOut &XdrOut::opaque(const QByteArray &bytes)
{
    u32(uint32_t(bytes.size()));
    return fixed(bytes);
}

XdrOut &XdrOut::fixed(const QByteArray &bytes)
{
    b_.append(bytes);
    b_.append(QByteArray((4 - bytes.size() % 4) % 4, '\0'));
    return *this;
}

uint32_t XdrIn::u32()
{
    if (!ok_ || remaining() < 4) {
        ok_ = false;
        return 0;
    }
    const auto *p = reinterpret_cast<const uint8_t *>(b_.constData() + pos_);
    pos_ += 4;
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

uint64_t XdrIn::u64()
{
    const uint64_t hi = u32();
    return hi << 32 | u32();
}

QByteArray XdrIn::opaque()
{
    const uint32_t n = u32();
    const qsizetype padded = (qsizetype(n) + 3) & ~qsizetype(3);
    if (!ok_ || remaining() < padded) {
        ok_ = false;
        return {};
    }
    QByteArray out = b_.mid(pos_, n);
    pos_ += padded;
    return out;
}

bool RawRpcSocket::connectTo(quint16 port)
{
    socket_.connectToHost(QHostAddress::LocalHost, port);
    return socket_.waitForConnected(kTimeoutMs);
}

bool RawRpcSocket::sendBytes(const QByteArray &bytes)
{
    if (socket_.write(bytes) != bytes.size())
        return false;
    QDeadlineTimer deadline(kTimeoutMs);
    while (socket_.bytesToWrite() > 0) {
        if (deadline.hasExpired() || !socket_.waitForBytesWritten(100))
            if (deadline.hasExpired() || socket_.state() != QAbstractSocket::ConnectedState)
                return false;
    }
    return true;
}

bool RawRpcSocket::sendRecord(const QByteArray &payload)
{
    XdrOut mark;
    mark.u32(0x80000000u | uint32_t(payload.size()));
    return sendBytes(mark.bytes() + payload);
}

QByteArray RawRpcSocket::callMessage(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                                     const QByteArray &args, uint32_t rpcvers, uint32_t uid)
{
    XdrOut cred; // AUTH_SYS: stamp, machine name, uid, gid (= uid), no groups
    cred.u32(0).opaque("loft-test").u32(uid).u32(uid).u32(0);
    XdrOut out;
    out.u32(xid).u32(0 /* CALL */).u32(rpcvers).u32(prog).u32(vers).u32(proc);
    out.u32(1 /* AUTH_SYS */).opaque(cred.bytes());
    out.u32(0 /* AUTH_NONE */).u32(0);
    return out.bytes() + args;
}

std::optional<RawReply> RawRpcSocket::call(uint32_t prog, uint32_t vers, uint32_t proc,
                                           const QByteArray &args, uint32_t rpcvers)
{
    const uint32_t xid = nextXid_++;
    if (!sendRecord(callMessage(xid, prog, vers, proc, args, rpcvers, uid_)))
        return std::nullopt;
    QDeadlineTimer deadline(kTimeoutMs);
    while (!deadline.hasExpired()) {
        auto record = readRecord(int(std::max<qint64>(1, deadline.remainingTime())));
        if (!record)
            return std::nullopt;
        auto reply = parseReply(*record);
        if (reply && reply->xid == xid)
            return reply;
    }
    return std::nullopt;
}

std::optional<QByteArray> RawRpcSocket::readRecord(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QByteArray record;
    for (;;) {
        // Parse complete fragments already buffered.
        while (buffer_.size() >= 4) {
            XdrIn in(buffer_.left(4));
            const uint32_t mark = in.u32();
            const qsizetype length = mark & 0x7fffffffu;
            if (buffer_.size() < 4 + length)
                break;
            record += buffer_.mid(4, length);
            buffer_.remove(0, 4 + length);
            if (mark & 0x80000000u)
                return record;
        }
        if (deadline.hasExpired())
            return std::nullopt;
        if (socket_.bytesAvailable() == 0
            && !socket_.waitForReadyRead(int(std::max<qint64>(1, std::min<qint64>(
                   100, deadline.remainingTime()))))) {
            if (socket_.state() != QAbstractSocket::ConnectedState && socket_.bytesAvailable() == 0)
                return std::nullopt;
        }
        buffer_ += socket_.readAll();
    }
}

bool RawRpcSocket::waitForPeerClose(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (socket_.state() == QAbstractSocket::ConnectedState) {
        if (deadline.hasExpired())
            return false;
        socket_.waitForReadyRead(100);
        socket_.readAll();
    }
    return true;
}

std::optional<RawReply> RawRpcSocket::parseReply(const QByteArray &record)
{
    XdrIn in(record);
    RawReply r;
    r.xid = in.u32();
    if (in.u32() != 1 /* REPLY */)
        return std::nullopt;
    r.replyStat = in.u32();
    if (r.replyStat == 0) {
        in.u32();    // verifier flavor
        in.opaque(); // verifier body
        r.acceptStat = in.u32();
        if (r.acceptStat == 2 /* PROG_MISMATCH */) {
            r.low = in.u32();
            r.high = in.u32();
        }
        if (!in.ok())
            return std::nullopt;
        r.body = record.right(in.remaining());
    } else {
        r.rejectStat = in.u32();
        if (r.rejectStat == 0 /* RPC_MISMATCH */) {
            r.low = in.u32();
            r.high = in.u32();
        } else {
            r.low = in.u32(); // auth_stat
        }
        if (!in.ok())
            return std::nullopt;
    }
    return r;
}

QByteArray diropArgs(const QByteArray &dirFh, const QByteArray &name)
{
    XdrOut out;
    out.opaque(dirFh).opaque(name);
    return out.bytes();
}

namespace {
// sattr3 with nothing set: mode, uid, gid, size not set; atime, mtime DONT_CHANGE.
QByteArray emptySattr()
{
    XdrOut out;
    for (int i = 0; i < 6; ++i)
        out.u32(0);
    return out.bytes();
}
} // namespace

QByteArray createUncheckedArgs(const QByteArray &dirFh, const QByteArray &name)
{
    XdrOut how;
    how.u32(0 /* UNCHECKED */);
    return diropArgs(dirFh, name) + how.bytes() + emptySattr();
}

QByteArray mkdirArgs(const QByteArray &dirFh, const QByteArray &name)
{
    return diropArgs(dirFh, name) + emptySattr();
}

} // namespace loft::test
