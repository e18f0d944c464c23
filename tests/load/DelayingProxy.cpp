#include "DelayingProxy.h"

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace loft::test {

namespace {
sockaddr_in loopback(quint16 port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}
} // namespace

DelayingProxy::~DelayingProxy()
{
    stopping_ = true;
    if (listenFd_ >= 0)
        ::shutdown(listenFd_, SHUT_RDWR);
    {
        std::lock_guard lock(mutex_);
        for (int fd : fds_)
            ::shutdown(fd, SHUT_RDWR); // wakes the pumps
    }
    if (acceptThread_.joinable())
        acceptThread_.join();
    for (auto &t : threads_)
        t.join();
    for (int fd : fds_)
        ::close(fd);
    if (listenFd_ >= 0)
        ::close(listenFd_);
}

bool DelayingProxy::start(quint16 backendPort)
{
    backendPort_ = backendPort;
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listenFd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    if (::bind(listenFd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0
        || ::listen(listenFd_, 128) != 0)
        return false;
    socklen_t len = sizeof a;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr *>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptThread_ = std::thread([this] { acceptLoop(); });
    return true;
}

void DelayingProxy::acceptLoop()
{
    while (!stopping_) {
        const int client = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (stopping_)
                return;
            continue;
        }
        const int backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a = loopback(backendPort_);
        if (::connect(backend, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
            ::close(backend);
            ::close(client);
            continue;
        }
        ++accepted_;
        std::lock_guard lock(mutex_);
        if (stopping_) {
            ::close(backend);
            ::close(client);
            return;
        }
        fds_.push_back(client);
        fds_.push_back(backend);
        threads_.emplace_back([this, client, backend] { pump(client, backend, false); });
        threads_.emplace_back([this, client, backend] { pump(backend, client, true); });
    }
}

void DelayingProxy::pump(int from, int to, bool delayed)
{
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
        if (n <= 0)
            break;
        if (delayed) {
            // Sleep in slices so that a shorter delay set meanwhile (or the end) counts.
            const auto start = std::chrono::steady_clock::now();
            while (!stopping_ && std::chrono::steady_clock::now() - start
                                     < std::chrono::milliseconds(delayMs_.load()))
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ssize_t sent = 0;
        while (sent < n) {
            const ssize_t w = ::send(to, buffer + sent, size_t(n - sent), MSG_NOSIGNAL);
            if (w <= 0)
                break;
            sent += w;
        }
        if (sent < n)
            break;
    }
    ::shutdown(to, SHUT_WR);
    ::shutdown(from, SHUT_RD);
}

} // namespace loft::test
