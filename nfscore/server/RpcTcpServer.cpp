#include "server/RpcTcpServer.h"

#include <QSocketNotifier>
#include <QTimer>

#include <cerrno>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace loft {

namespace {
constexpr int kBacklog = 1024;      // the kernel caps it at net.core.somaxconn
constexpr int kAcceptsPerWakeup = 64; // then let the connections' own events run
constexpr int kRetryMs = 100;

int reserveDescriptor()
{
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}
} // namespace

RpcTcpServer::RpcTcpServer(QObject *parent) : QTcpServer(parent)
{
    spare_ = reserveDescriptor();
}

RpcTcpServer::~RpcTcpServer()
{
    delete notifier_;
    if (spare_ >= 0)
        ::close(spare_);
}

bool RpcTcpServer::start(const QHostAddress &address, quint16 port)
{
    setListenBacklogSize(kBacklog);
    if (!listen(address, port))
        return false;
    pauseAccepting(); // QTcpServer's own accept loop stays off; ours runs below
    notifier_ = new QSocketNotifier(socketDescriptor(), QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, &RpcTcpServer::acceptPending);
    retry_ = new QTimer(this);
    retry_->setSingleShot(true);
    connect(retry_, &QTimer::timeout, this, [this] {
        if (!notifier_)
            return; // stopped meanwhile
        notifier_->setEnabled(true);
        acceptPending();
    });
    return true;
}

void RpcTcpServer::stop()
{
    delete notifier_;
    notifier_ = nullptr;
    if (retry_)
        retry_->stop();
    close();
}

void RpcTcpServer::acceptPending()
{
    const int listenFd = int(socketDescriptor());
    for (int i = 0; i < kAcceptsPerWakeup; ++i) {
        const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
            emit accepted(fd);
            continue;
        }
        switch (errno) {
        case EINTR:
        case ECONNABORTED: // the client gave up before we got to it
        case EPROTO:
            continue;
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
            return;
        case EMFILE:
        case ENFILE:
            refuseOne();
            if (spare_ >= 0)
                continue; // refused one cleanly; the next may find a free descriptor
            break;
        default:
            break;
        }
        // Out of descriptors with none in reserve, or out of memory: wait a little rather
        // than spin on a socket that stays readable.
        notifier_->setEnabled(false);
        retry_->start(kRetryMs);
        return;
    }
}

void RpcTcpServer::refuseOne()
{
    if (spare_ < 0)
        spare_ = reserveDescriptor();
    if (spare_ < 0)
        return;
    ::close(spare_);
    const int fd = ::accept4(int(socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        emit refusedForLackOfDescriptors();
    }
    spare_ = reserveDescriptor();
}

} // namespace loft
