// Names a failure that SFTP version 3 cannot name. OpenSSH's server turns every errno
// except ENOENT, EACCES/EPERM, EINVAL/ENAMETOOLONG and ENOSYS into SSH_FX_FAILURE (Io),
// and sends ENOTDIR as SSH_FX_NO_SUCH_FILE (NotFound). After such a failure these
// functions look at the objects involved (LSTAT, and statvfs@openssh.com when offered)
// to give the error the operation most likely met. Other errors pass through unchanged,
// and so does everything when the session broke meanwhile.
//
// Paths are absolute paths on the server.
#pragma once

#include "FileSystem.h"

#include <QByteArray>

namespace loft {

class SftpSession;

namespace sftpprobe {

// mkdir, create, symlink, link: Exists, NotDirectory (a parent is a file), ReadOnly, NoSpace.
FsError creating(SftpSession &s, const QByteArray &path, FsError original);
// unlink: IsDirectory, ReadOnly.
FsError removingFile(SftpSession &s, const QByteArray &path, FsError original);
// rmdir: NotDirectory, NotEmpty, ReadOnly.
FsError removingDirectory(SftpSession &s, const QByteArray &path, FsError original);
// rename: NotFound, NotDirectory, IsDirectory, NotEmpty, ReadOnly, NoSpace.
FsError renaming(SftpSession &s, const QByteArray &from, const QByteArray &to, FsError original);
// opendir: NotDirectory.
FsError listing(SftpSession &s, const QByteArray &path, FsError original);
// write, setstat, open for writing: IsDirectory, ReadOnly, NoSpace.
FsError changing(SftpSession &s, const QByteArray &path, FsError original);

} // namespace sftpprobe
} // namespace loft
