// Carries provider completions back to the server thread. Providers call back from
// their own threads; this queues the continuation to the server's QObject, and once
// closed (server shutting down) drops it instead of touching a dead object.
#pragma once

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <memory>

namespace loft {

class ThreadMailbox {
public:
    explicit ThreadMailbox(QObject *target) : target_(target) {}

    template <class F>
    void post(F &&f)
    {
        QMutexLocker lock(&mutex_);
        if (target_)
            QMetaObject::invokeMethod(target_, std::forward<F>(f), Qt::QueuedConnection);
    }
    void close()
    {
        QMutexLocker lock(&mutex_);
        target_ = nullptr;
    }

private:
    QMutex mutex_;
    QObject *target_;
};

} // namespace loft
