// Everything an SFTP source needs to connect: where, who, how to authenticate, which
// host keys to trust, and the tuning of the session pool.
#pragma once

#include <QByteArray>
#include <QString>
#include <QUrl>

#include <chrono>
#include <cstdint>
#include <optional>

namespace loft {

struct SftpOptions {
    QString host;
    uint16_t port = 22;
    QString user; // empty: the local user's name
    // The served folder on the server: an absolute path ("/srv/data"), or relative to the
    // user's home ("~", "~/Documents"). Resolved (symlinks and all) once at open.
    QByteArray rootPath = "~";
    bool readOnly = false;

    // --- Authentication, tried in this order: ssh-agent, the key file(s), password
    // (also answering a keyboard-interactive password prompt).
    bool useAgent = true;
    QString agentSocket;     // empty: $SSH_AUTH_SOCK
    QString identityFile;    // empty: ~/.ssh/id_ed25519, id_ecdsa, id_rsa when present
    QByteArray keyPassphrase; // for an encrypted key file
    QByteArray password;      // never logged

    // --- Host key verification. The key must be in knownHostsFile (or the global file);
    // a changed key is always a hard error. An unknown host is refused unless
    // acceptNewHostKey is set (then its key is added to knownHostsFile) or its key's
    // fingerprint equals approvedHostKey (a key the user has been shown and accepted).
    QString knownHostsFile;  // empty: ~/.ssh/known_hosts
    QString globalKnownHostsFile = QStringLiteral("/etc/ssh/ssh_known_hosts");
    bool acceptNewHostKey = false;
    QString approvedHostKey;        // "SHA256:..." as HostKeyInfo::fingerprint shows it
    bool saveApprovedHostKey = true; // write an approved key to knownHostsFile

    // --- Behaviour
    // A call that gets no answer from the server for this long fails with TimedOut (or
    // Unavailable when the server cannot be reached at all). Also bounds connecting.
    std::chrono::milliseconds timeout{20000};
    int sessions = 4;              // SSH connections (each with one SFTP channel) in the pool
    uint32_t readChunk = 32768;    // bytes per SFTP READ request
    int readsInFlight = 64;        // READ requests in flight per file read
    uint32_t writeChunk = 32768;   // bytes per SFTP WRITE request
    int writesInFlight = 64;       // WRITE requests in flight per file write
    int openFilesPerSession = 16;  // cached open handles per session
    std::chrono::milliseconds openFileIdle{5000}; // close cached handles idle this long
    // SSH cipher preference (libssh syntax); empty: AES-GCM first (hardware AES makes it
    // the fastest on x86-64 and ARMv8), then the library's defaults.
    QString ciphers;

    // Parses sftp://[user@]host[:port][/path]. A path starting with "/~" is relative to
    // the home folder, no path at all means the home folder. Passwords in the URL are
    // refused (they would show up in process lists): use `password`.
    static std::optional<SftpOptions> fromUrl(const QUrl &url, QString *error);
    // sftp://user@host[:port]/path, stable for one source: the source's identity.
    QString canonicalUrl() const;
    // user@host or user@host:port, for messages.
    QString displayTarget() const;
};

} // namespace loft
