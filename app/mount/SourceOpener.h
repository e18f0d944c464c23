// Opens the provider for a configured mount, the same way for "Test connection" and for
// mounting: the SourceFactory argument for its address and user, its own cache folder
// and size limit, and the password or passphrase handed over in memory.
#pragma once

#include "FileSystem.h"
#include "models/MountConfig.h"

#include <QString>
#include <memory>
#include <optional>

namespace loft {

class CachingFileSystem;

struct OpenedSource {
    std::shared_ptr<FileSystem> fs;   // what the server serves (the cache for remote sources)
    CachingFileSystem *cache = nullptr; // the cache layer inside `fs`, when there is one
    QString error;                    // plain words when `fs` is null
};

// `dataDir`: where the per-mount cache folders live (empty: the default data folder).
// Blocks while a remote source connects: call it off the GUI thread.
// `uploadDelayMs`: the cache's idle time before a written file is uploaded (unset: the
// cache's default).
OpenedSource openMountSource(const MountConfig &config, const QString &secret,
                             const QString &dataDir, std::optional<int> uploadDelayMs = {});

// The SourceFactory argument for a mount: a path, or webdav(s)://user@host/path, sftp://...
QString sourceArgument(const MountConfig &config);

// SFTP trust on first use (see providers/sftp/HostKeyVerifier.h). Connects once to see the
// server's host key. With `approvedFingerprint`, exactly that key is trusted and recorded
// in known_hosts, so later connections (mounts) accept it.
struct HostKeyQuestion {
    enum class Kind { None, Unknown, Changed };
    Kind kind = Kind::None;
    QString host;        // "host:port"
    QString keyType;
    QString fingerprint; // "SHA256:..."
    QString message;     // for Changed: the provider's explanation
};
HostKeyQuestion checkSftpHostKey(const MountConfig &config, const QString &secret,
                                 const QString &approvedFingerprint);
// "host:port" of an SFTP mount, as HostKeyQuestion::host spells it.
QString sftpHostKeyId(const MountConfig &config);

} // namespace loft
