#include "rpc/RpcCall.h"
#include "rpc/RpcConnection.h"
#include "rpc/RpcRecordReader.h"

namespace loft::rpc {

RpcReply &RpcReply::operator=(RpcReply &&other) noexcept
{
    if (this != &other) {
        connection_ = std::move(other.connection_);
        xid_ = other.xid_;
        pending_ = other.pending_;
        other.pending_ = false;
    }
    return *this;
}

RpcReply::~RpcReply()
{
    if (pending_)
        error(AcceptStat::SystemErr);
}

QByteArray RpcReply::beginAccepted(AcceptStat stat) const
{
    QByteArray out;
    out.reserve(128);
    out.resize(4); // record mark, filled in by finish()
    XdrWriter w(out);
    writeAcceptedHeader(w, xid_, stat);
    w.flush();
    return out;
}

void RpcReply::error(AcceptStat stat)
{
    finish(beginAccepted(stat));
}

void RpcReply::progMismatch(VersionRange supported)
{
    QByteArray out = beginAccepted(AcceptStat::ProgMismatch);
    XdrWriter w(out);
    w(supported);
    w.flush();
    finish(std::move(out));
}

void RpcReply::rpcMismatch()
{
    QByteArray out(4, '\0');
    XdrWriter w(out);
    writeDeniedHeader(w, xid_, RejectStat::RpcMismatch);
    w(VersionRange{kRpcVersion, kRpcVersion});
    w.flush();
    finish(std::move(out));
}

void RpcReply::authError(AuthStat stat)
{
    QByteArray out(4, '\0');
    XdrWriter w(out);
    writeDeniedHeader(w, xid_, RejectStat::AuthError);
    w(stat);
    w.flush();
    finish(std::move(out));
}

void RpcReply::finish(QList<XdrChunk> chunks)
{
    if (!pending_)
        return;
    pending_ = false;
    RpcConnection *connection = connection_.data();
    if (!connection)
        return; // the client went away; nothing to answer
    qsizetype size = 0;
    for (const XdrChunk &c : chunks)
        size += c.size();
    RpcRecordReader::writeMark(chunks.first().bytes.data(), uint32_t(size - 4));
    connection->sendRecord(std::move(chunks));
    connection->callFinished();
}

} // namespace loft::rpc
