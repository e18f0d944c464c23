// RAII owners for every libssh object the SFTP provider holds: one unique_ptr type per
// libssh type, each with its matching free function, so that no error path can leak or
// double-free. libssh's handle types are pointer typedefs; the owners hold the pointee.
//
// sftp_close / sftp_closedir talk to the server (they send CLOSE and wait for the reply):
// destroy those owners only on the thread that holds the session, and before the
// sftp_session they belong to.
#pragma once

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include <memory>

namespace loft::libssh {

struct SessionFree {
    // SftpSession passes a socket with SSH_OPTIONS_FD: ssh_disconnect() forgets it
    // without closing it (ssh_free() alone would close it); its owner closes it after.
    void operator()(ssh_session s) const noexcept
    {
        ssh_disconnect(s);
        ssh_free(s);
    }
};
struct SftpSessionFree {
    void operator()(sftp_session s) const noexcept { sftp_free(s); }
};
struct SftpFileClose {
    void operator()(sftp_file f) const noexcept { sftp_close(f); }
};
struct SftpDirClose {
    void operator()(sftp_dir d) const noexcept { sftp_closedir(d); }
};
struct SftpAttributesFree {
    void operator()(sftp_attributes a) const noexcept { sftp_attributes_free(a); }
};
struct SftpStatvfsFree {
    void operator()(sftp_statvfs_t s) const noexcept { sftp_statvfs_free(s); }
};
struct KeyFree {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
struct CharFree {
    void operator()(char *s) const noexcept { ssh_string_free_char(s); }
};
struct HashFree {
    void operator()(unsigned char *h) const noexcept { ssh_clean_pubkey_hash(&h); }
};

using SessionPtr = std::unique_ptr<ssh_session_struct, SessionFree>;
using SftpSessionPtr = std::unique_ptr<sftp_session_struct, SftpSessionFree>;
using SftpFilePtr = std::unique_ptr<sftp_file_struct, SftpFileClose>;
using SftpDirPtr = std::unique_ptr<sftp_dir_struct, SftpDirClose>;
using SftpAttributesPtr = std::unique_ptr<sftp_attributes_struct, SftpAttributesFree>;
using SftpStatvfsPtr = std::unique_ptr<sftp_statvfs_struct, SftpStatvfsFree>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyFree>;
using CharPtr = std::unique_ptr<char, CharFree>;
using HashPtr = std::unique_ptr<unsigned char, HashFree>;

} // namespace loft::libssh
