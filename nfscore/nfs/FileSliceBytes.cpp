#include "nfs/FileSliceBytes.h"

#include <algorithm>
#include <cerrno>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif
#include <fcntl.h>
#include <unistd.h>

namespace loft::nfs3 {

namespace {
#ifdef MSG_NOSIGNAL
constexpr int kNoSignal = MSG_NOSIGNAL;
#else
constexpr int kNoSignal = 0; // SO_NOSIGPIPE is set on the socket
#endif
} // namespace

FileSliceBytes::~FileSliceBytes()
{
    closePipe();
}

void FileSliceBytes::closePipe() const
{
    if (pipe_[0] < 0)
        return;
    ::close(pipe_[0]);
    ::close(pipe_[1]);
    pipe_[0] = pipe_[1] = -1;
}

ssize_t FileSliceBytes::spliceTo(int fd, uint32_t from) const
{
#ifdef __linux__
    if (pipe_[0] < 0) {
        if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
            errno = EINVAL;
            return -1;
        }
        // Refused past the user's pipe allowance: the default 64 KiB still works.
        ::fcntl(pipe_[1], F_SETPIPE_SZ, 1 << 20);
    }
    if (inPipe_ == 0) {
        loff_t offset = loff_t(slice_.offset + from);
        const ssize_t got = ::splice(slice_.fd, &offset, pipe_[1], nullptr,
                                     slice_.length - from, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (got <= 0)
            return got; // 0: the file ended early (see sendTo)
        inPipe_ = uint32_t(got);
    }
    // SIGPIPE is blocked on the server thread.
    const ssize_t n = ::splice(pipe_[0], nullptr, fd, nullptr, inPipe_,
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
        inPipe_ -= uint32_t(n);
        if (inPipe_ == 0 && from + uint32_t(n) == slice_.length)
            closePipe(); // all sent: no fds held while the reply waits to be dropped
    }
    return n;
#else
    (void)fd;
    (void)from;
    errno = EINVAL;
    return -1;
#endif
}

ssize_t FileSliceBytes::sendTo(int fd, uint32_t from) const
{
    const size_t left = slice_.length - from;
    ssize_t n = 0;
#ifdef __linux__
    if (!noPipe_) {
        n = spliceTo(fd, from);
        if (n < 0 && errno == EINVAL && inPipe_ == 0) {
            noPipe_ = true; // a file system without splice: sendfile does the same work
            closePipe();
        }
    }
    if (noPipe_) {
        off_t offset = off_t(slice_.offset + from);
        n = ::sendfile(fd, slice_.fd, &offset, left); // SIGPIPE is blocked on the server thread
    }
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
