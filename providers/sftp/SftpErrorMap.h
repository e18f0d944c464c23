// The one translation from SFTP status codes (SSH_FX_*) to the provider's FsError.
//
// SFTP version 3, which OpenSSH speaks, has few codes: OpenSSH's server reports EEXIST,
// ENOTEMPTY, ENOTDIR, EISDIR, ENOSPC, EROFS ... all as SSH_FX_FAILURE. SftpFileSystem
// refines a FAILURE by looking at the objects involved (SftpFailureProbe); this map only
// says what each code means on its own. Codes from later protocol drafts, which some
// servers send even on version 3, map to what they name.
#pragma once

#include "FileSystem.h"

namespace loft {

FsError fsErrorFromSftpStatus(int status);

// A short English name of the code, for log lines ("no such file", "failure").
const char *sftpStatusName(int status);

} // namespace loft
