#include "rpc/RpcDispatcher.h"
#include "rpc/RpcConnection.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRpc, "loft.rpc", QtInfoMsg)

namespace loft::rpc {

void RpcDispatcher::dispatch(QByteArray record, RpcConnection *connection)
{
    XdrReader r(record);
    CallHeader h;
    r(h);
    if (!r.ok()) {
        // Not even a readable header: there is no reliable XID to answer.
        qCDebug(lcRpc) << connection->peer() << "dropped an unreadable RPC header";
        connection->callFinished(); // nothing will answer it
        return;
    }
    if (h.type != MsgType::Call) {
        connection->callFinished(); // we never send calls, so a REPLY here is noise
        return;
    }
    RpcReply reply(connection, h.xid);
    if (h.rpcvers != kRpcVersion)
        return reply.rpcMismatch();

    RpcCall call;
    call.xid = h.xid;
    call.prog = h.prog;
    call.vers = h.vers;
    call.proc = h.proc;
    switch (h.cred.flavor) {
    case AuthFlavor::None:
        break;
    case AuthFlavor::Sys: {
        AuthSys sys;
        if (!xdrDecode(h.cred.body.bytes, sys))
            return reply.authError(AuthStat::BadCred);
        call.authSys = std::move(sys);
        break;
    }
    default:
        return reply.authError(AuthStat::TooWeak);
    }

    if (!policy_.allows(call)) {
        qCDebug(lcRpc) << connection->peer() << "refused a call from uid"
                       << (call.authSys ? qint64(call.authSys->uid) : -1);
        return reply.authError(AuthStat::TooWeak);
    }

    RpcProgram *program = programs_.value(h.prog);
    if (!program)
        return reply.error(AcceptStat::ProgUnavail);
    const VersionRange range = program->versions();
    if (h.vers < range.low || h.vers > range.high)
        return reply.progMismatch(range);

    call.argsOffset = record.size() - r.remaining();
    call.record = std::move(record);
    program->call(std::move(call), std::move(reply));
}

} // namespace loft::rpc
