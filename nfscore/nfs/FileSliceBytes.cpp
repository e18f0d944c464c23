#include "nfs/FileSliceBytes.h"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <unistd.h>

namespace loft::nfs3 {

namespace {
#ifdef MSG_NOSIGNAL
constexpr int kNoSignal = MSG_NOSIGNAL;
#else
constexpr int kNoSignal = 0; // SO_NOSIGPIPE is set on the socket
#endif
} // namespace

ssize_t FileSliceBytes::sendTo(int fd, uint32_t from) const
{
    const size_t left = slice_.length - from;
    ssize_t n = 0;
#ifdef __linux__
    off_t offset = off_t(slice_.offset + from);
    n = ::sendfile(fd, slice_.fd, &offset, left); // SIGPIPE is blocked on the server thread
#else
    // Only Linux builds make slices (LocalFileSystem::readToSend); a plain copy elsewhere.
    char buffer[65536];
    n = ::pread(slice_.fd, buffer, std::min(left, sizeof buffer), off_t(slice_.offset + from));
    if (n > 0)
        n = ::send(fd, buffer, size_t(n), kNoSignal);
#endif
    if (n != 0)
        return n;
    // The file got shorter after the reply promised these bytes (a truncate racing the
    // READ): the record's length is on the wire already, so zeros keep it whole.
    static const char zeros[16384] = {};
    return ::send(fd, zeros, std::min(left, sizeof zeros), kNoSignal);
}

} // namespace loft::nfs3
