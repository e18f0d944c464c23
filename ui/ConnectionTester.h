// How the Add/Edit dialog asks the app to try a connection. The app implements it (it
// knows providers and the keychain); the dialog only shows the answer. Asynchronous:
// `done` is called once, on the GUI thread.
#pragma once

#include "models/MountConfig.h"

#include <functional>

namespace loft::ui {

struct ConnectionTestResult {
    enum class Outcome {
        Success,
        Failure,
        UnknownHostKey, // SFTP: first connection, the user must decide about the key
        ChangedHostKey, // SFTP: the key differs from the trusted one (possible attack)
    };
    Outcome outcome = Outcome::Failure;
    QString message;       // plain words, shown as is
    QString host;          // for host key decisions: "host:port"
    QString keyType;       // "ssh-ed25519"
    QString fingerprint;   // "SHA256:..."
};

class ConnectionTester {
public:
    virtual ~ConnectionTester() = default;
    // `secret` is the password or key passphrase as typed; empty means "use the stored one".
    virtual void testConnection(const MountConfig &config, const QString &secret,
                                std::function<void(const ConnectionTestResult &)> done) = 0;
    // The user trusts the host key shown in `result` (trust on first use).
    virtual void trustHostKey(const ConnectionTestResult &result) = 0;
};

} // namespace loft::ui
