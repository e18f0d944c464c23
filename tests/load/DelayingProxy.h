// A TCP proxy on loopback that makes a backend slow on demand: bytes from the client
// go through at once, bytes from the backend wait `delayMs` per chunk. Threads with
// blocking sockets (two per connection), so it keeps its own pace whatever the test's
// thread does. For fault tests where a real server cannot be told to be slow.
#pragma once

#include <QtGlobal>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace loft::test {

class DelayingProxy {
public:
    DelayingProxy() = default;
    ~DelayingProxy();
    DelayingProxy(const DelayingProxy &) = delete;
    DelayingProxy &operator=(const DelayingProxy &) = delete;

    // Listens on a free loopback port and forwards to 127.0.0.1:backendPort.
    bool start(quint16 backendPort);
    quint16 port() const { return port_; }
    void setDelayMs(int ms) { delayMs_ = ms; }
    // Connections accepted so far.
    int connections() const { return accepted_; }

private:
    void acceptLoop();
    void pump(int from, int to, bool delayed);

    quint16 backendPort_ = 0;
    quint16 port_ = 0;
    int listenFd_ = -1;
    std::atomic<int> delayMs_{0};
    std::atomic<int> accepted_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<int> fds_;
    std::vector<std::thread> threads_;
    std::thread acceptThread_;
};

} // namespace loft::test
