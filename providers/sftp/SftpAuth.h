// Logging in on a connected SSH session whose host key was verified: ssh-agent, then key
// files, then the password (as "password" and as a keyboard-interactive answer).
#pragma once

#include "SftpOptions.h"

#include <QString>

struct ssh_session_struct;

namespace loft {

struct SftpAuthOutcome {
    enum class Result { Success, Refused, TimedOut, ConnectionLost };
    Result result = Result::Refused;
    QString message; // user-facing, when not Success; never contains a secret
};

SftpAuthOutcome sftpAuthenticate(ssh_session_struct *session, const SftpOptions &options);

} // namespace loft
