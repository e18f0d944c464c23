// Host key verification against OpenSSH known_hosts files, with an explicit
// trust-on-first-use decision left to the caller.
//
// How a caller decides about an unknown host (the GUI's flow):
//   1. SftpFileSystem::open() fails with SftpConnectError::Kind::HostKeyUnknown and
//      error.hostKey filled in (host, port, key type, SHA256 fingerprint).
//   2. The GUI shows the fingerprint and asks "Trust this server?".
//   3. On yes it opens again with SftpOptions::approvedHostKey = hostKey.fingerprint
//      (and saveApprovedHostKey = true to remember it in known_hosts). Only that exact
//      key is accepted: a different key met on the second attempt is refused again.
// The command line instead sets SftpOptions::acceptNewHostKey (--accept-new-host-key),
// which accepts and records whatever key an unknown host shows.
// A host whose key differs from the recorded one (Changed, OtherType) is always refused.
#pragma once

#include <QString>

#include <cstdint>

struct ssh_session_struct;

namespace loft {

enum class HostKeyStatus {
    Known,     // matches known_hosts (or the key pinned earlier in this run)
    Unknown,   // no key recorded for this host (or no known_hosts file yet)
    Changed,   // a different key of the same type is recorded: possible attack
    OtherType, // only keys of other types are recorded: treated like Changed
};

struct HostKeyInfo {
    QString host;
    uint16_t port = 22;
    QString keyType;     // "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", ...
    QString fingerprint; // "SHA256:<base64>", as `ssh-keygen -lf` prints it
    HostKeyStatus status = HostKeyStatus::Unknown;
    QString knownHostsFile;
    // The host as known_hosts spells it: "host" on port 22, else "[host]:port".
    QString knownHostsName() const;
};

struct HostKeyPolicy {
    QString knownHostsFile; // resolved path (the session was given the same one)
    bool acceptNew = false;
    QString approvedFingerprint;
    bool saveApproved = true;
    // After the first connection of a run every later one must show this very key.
    QString pinnedFingerprint;
};

struct HostKeyVerdict {
    bool trusted = false;
    HostKeyInfo info;
    QString message;      // why not trusted (user-facing), empty when trusted
    QString saveWarning;  // trusted, but writing known_hosts failed
    bool saved = false;   // the key was added to known_hosts
};

class HostKeyVerifier {
public:
    explicit HostKeyVerifier(HostKeyPolicy policy) : policy_(std::move(policy)) {}

    // Checks the key a connected session's server presented during key exchange.
    HostKeyVerdict verify(ssh_session_struct *session, const QString &host, uint16_t port) const;

private:
    HostKeyPolicy policy_;
};

} // namespace loft
