// The `loft serve` options that set the server's protection limits (connections, calls in
// flight, record size, reply memory, busy polling, allowed AUTH_SYS uids), parsed into NfsServerConfig.
#pragma once

#include "server/NfsServer.h"

#include <QCommandLineOption>
#include <QList>

class QCommandLineParser;

namespace loft {

class ServerLimitOptions {
public:
    ServerLimitOptions();
    QList<QCommandLineOption> options() const;
    // Applies the options given on the command line to `config`; false with a message
    // naming the option when a value is out of range.
    bool apply(const QCommandLineParser &parser, NfsServerConfig *config, QString *error) const;

private:
    QCommandLineOption maxConnections_;
    QCommandLineOption maxCalls_;
    QCommandLineOption maxRecord_;
    QCommandLineOption maxReplyMemory_;
    QCommandLineOption busyPoll_;
    QCommandLineOption allowUid_;
};

} // namespace loft
