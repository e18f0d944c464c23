// Turns a SOURCE argument (a path, file:///path, webdav://[user@]host[:port]/path,
// webdavs://... or sftp://[user@]host[:port]/path, with the password in LOFT_PASSWORD)
// into a provider, with one clear
// error line when it cannot. A WebDAV source is checked (its root fetched) before it is
// returned, so a wrong address, password or certificate is reported at once.
#pragma once

#include "FileSystem.h"

#include <QString>
#include <memory>
#include <optional>

namespace loft {

struct SourceSpec {
    QString canonical; // stable identity of the source, e.g. "file:///home/me/Docs" or
                       // "webdav://me@host:8080/dav" (never a password)
    bool readOnly = false;
    // Remote sources (capabilities().remote) come back wrapped in the cache layer
    // (providers/cache). Unset values take the cache's defaults.
    QString cacheDir;                     // base folder; each source gets a subfolder
    std::optional<uint64_t> cacheBytes;   // limit of cached + staged bytes
    std::optional<int> uploadDelayMs;     // idle time before a written file is uploaded
    // How long a remote request may go without progress before it fails as TimedOut
    // (NFS3ERR_JUKEBOX: the client retries later). Unset: the provider's default.
    std::optional<int> remoteTimeoutMs;
    // sftp:// sources (the password or key passphrase comes from LOFT_PASSWORD).
    QString identityFile;        // private key file; empty: ssh-agent and ~/.ssh/id_*
    QString knownHostsFile;      // empty: ~/.ssh/known_hosts
    bool acceptNewHostKey = false; // trust an unknown host's key and record it
};

std::shared_ptr<FileSystem> openSource(const QString &argument, SourceSpec *spec, QString *error);

} // namespace loft
