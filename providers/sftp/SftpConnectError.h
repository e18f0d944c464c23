// Why an SFTP connection could not be made, in a form both a person and the GUI can use.
#pragma once

#include "FileSystem.h"
#include "HostKeyVerifier.h"

#include <QString>

#include <optional>

namespace loft {

struct SftpConnectError {
    enum class Kind {
        None,
        InvalidOptions,       // e.g. an unreadable identity file
        HostNotFound,         // name resolution failed
        ConnectionRefused,    // nothing listens on the port
        Unreachable,          // network/host unreachable, connection reset
        TimedOut,             // no answer within SftpOptions::timeout
        Protocol,             // the SSH handshake failed (no common algorithm, not SSH, ...)
        HostKeyUnknown,       // see HostKeyVerifier.h: ask the user, then retry
        HostKeyChanged,       // hard error: never connect
        AuthenticationFailed, // every method tried was refused
        SftpUnavailable,      // logged in, but the server offers no SFTP subsystem
        RootNotFound,         // the served folder does not exist
        RootNotDirectory,     // the served path is not a folder
        RootUnreadable,       // the served folder cannot be listed
    };
    Kind kind = Kind::None;
    QString message;                    // complete, user-facing sentence(s)
    std::optional<HostKeyInfo> hostKey; // for HostKeyUnknown / HostKeyChanged

    explicit operator bool() const { return kind != Kind::None; }

    // What a filesystem call reports when this happens while reconnecting.
    FsError fsError() const
    {
        switch (kind) {
        case Kind::TimedOut: return FsError::TimedOut;
        case Kind::RootNotFound: return FsError::NotFound;
        case Kind::RootNotDirectory: return FsError::NotDirectory;
        case Kind::RootUnreadable: return FsError::AccessDenied;
        default: return FsError::Unavailable;
        }
    }
};

} // namespace loft
