#include "cli/ServerLimitOptions.h"

#include "CacheConfig.h"
#include "nfs/NfsTypes.h"

#include <QCommandLineParser>

namespace loft {

namespace {
// A record must hold the largest WRITE the server advertises (FSINFO wtmax) plus its
// RPC and NFS headers, or ordinary clients would be dropped.
constexpr qint64 kMinRecord = qint64(nfs3::kMaxIoSize) + 64 * 1024;
constexpr qint64 kMaxRecord = 64ll << 20;

QString sizeText(qint64 bytes)
{
    return bytes % (1 << 20) == 0 ? QString::number(bytes >> 20) + QLatin1Char('M')
                                  : QString::number(bytes >> 10) + QLatin1Char('K');
}

bool intValue(const QCommandLineParser &p, const QCommandLineOption &o, int low, int high,
              int *out, QString *error)
{
    if (!p.isSet(o))
        return true;
    bool ok = false;
    const int v = p.value(o).toInt(&ok);
    if (!ok || v < low || v > high) {
        *error = QStringLiteral("--%1 needs a number from %2 to %3")
                     .arg(o.names().first()).arg(low).arg(high);
        return false;
    }
    *out = v;
    return true;
}

template <class T>
bool sizeValue(const QCommandLineParser &p, const QCommandLineOption &o, qint64 low, qint64 high,
               T *out, QString *error)
{
    if (!p.isSet(o))
        return true;
    const auto v = parseByteSize(p.value(o));
    if (!v || qint64(*v) < low || qint64(*v) > high) {
        *error = QStringLiteral("--%1 needs a size from %2 to %3, such as %4")
                     .arg(o.names().first(), sizeText(low), sizeText(high), sizeText(high / 2));
        return false;
    }
    *out = T(*v);
    return true;
}
} // namespace

ServerLimitOptions::ServerLimitOptions()
    : maxConnections_(QStringLiteral("max-connections"),
          QStringLiteral("Most client connections open at once; more are closed at once, with "
                         "a log line (default: %1).").arg(NfsServerConfig{}.maxConnections),
          QStringLiteral("N")),
      maxCalls_(QStringLiteral("max-calls-per-connection"),
          QStringLiteral("Most calls one connection may have in flight; past it the server "
                         "stops reading that connection until replies go out (default: %1).")
              .arg(rpc::RpcConnectionLimits{}.maxCallsInFlight),
          QStringLiteral("N")),
      maxRecord_(QStringLiteral("max-record-size"),
          QStringLiteral("Largest RPC record accepted; a client sending a larger one is "
                         "disconnected (default: %1, at least %2).")
              .arg(sizeText(rpc::RpcConnectionLimits{}.maxRecordSize), sizeText(kMinRecord)),
          QStringLiteral("SIZE")),
      maxReplyMemory_(QStringLiteral("max-reply-memory"),
          QStringLiteral("Most reply bytes held for one connection that does not read them; "
                         "past it the server stops reading its calls (default: %1).")
              .arg(sizeText(rpc::RpcConnectionLimits{}.maxQueuedReplyBytes)),
          QStringLiteral("SIZE")),
      busyPoll_(QStringLiteral("busy-poll"),
          QStringLiteral("Microseconds the server waits for a lone client's next call, polling, "
                         "before it sleeps: lower latency per call for some CPU while calls "
                         "stream; 0 turns it off (default: %1).")
              .arg(rpc::RpcConnectionLimits{}.busyPollMicros),
          QStringLiteral("MICROS")),
      allowUid_(QStringLiteral("allow-uid"),
          QStringLiteral("Answer MOUNT and NFS calls only from this AUTH_SYS uid (repeat for "
                         "more; root is always allowed); others get AUTH_TOOWEAK. Default: "
                         "any uid."),
          QStringLiteral("UID"))
{
}

QList<QCommandLineOption> ServerLimitOptions::options() const
{
    return {maxConnections_, maxCalls_, maxRecord_, maxReplyMemory_, busyPoll_, allowUid_};
}

bool ServerLimitOptions::apply(const QCommandLineParser &p, NfsServerConfig *config,
                               QString *error) const
{
    rpc::RpcConnectionLimits &limits = config->limits;
    if (!intValue(p, maxConnections_, 1, 100000, &config->maxConnections, error)
        || !intValue(p, maxCalls_, 1, 65536, &limits.maxCallsInFlight, error)
        || !sizeValue(p, maxRecord_, kMinRecord, kMaxRecord, &limits.maxRecordSize, error)
        || !sizeValue(p, maxReplyMemory_, 64 * 1024, 4ll << 30, &limits.maxQueuedReplyBytes,
                      error)
        || !intValue(p, busyPoll_, 0, 10000, &limits.busyPollMicros, error))
        return false;
    for (const QString &text : p.values(allowUid_)) {
        bool ok = false;
        const uint uid = text.toUInt(&ok);
        if (!ok) {
            *error = QStringLiteral("--allow-uid needs a numeric user id, not \"%1\"").arg(text);
            return false;
        }
        config->allowedUids.insert(uid);
    }
    return true;
}

} // namespace loft
