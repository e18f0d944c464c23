// Carries provider completions (create it with std::make_shared) back to the server thread. Providers call back from
// their own threads; completions queue here and the server thread drains them in one
// go, so a burst of completions costs one wake-up of the server thread, not one each.
// Once closed (server shutting down) new completions are dropped instead of touching
// a dead object.
#pragma once

#include "rpc/RpcConnection.h"

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QThread>
#include <functional>
#include <memory>
#include <vector>

namespace loft {

class ThreadMailbox : public std::enable_shared_from_this<ThreadMailbox> {
public:
    explicit ThreadMailbox(QObject *target) : target_(target) {}

    void post(std::function<void()> f)
    {
        QMutexLocker lock(&mutex_);
        if (!target_)
            return;
        queue_.push_back(std::move(f));
        if (queue_.size() != 1)
            return; // the first one rang the doorbell; later ones ride along
        // Answered inline on the server thread, inside a batch: drained when the batch
        // ends (no event-loop wake-up). Otherwise the doorbell is a queued call.
        auto *batch = rpc::RpcConnection::ReplyBatch::current();
        if (batch && target_->thread() == QThread::currentThread())
            batch->defer([self = shared_from_this()] { self->drain(); });
        else
            QMetaObject::invokeMethod(target_, [self = shared_from_this()] { self->drain(); },
                                      Qt::QueuedConnection);
    }

    void close()
    {
        std::vector<std::function<void()>> dropped;
        QMutexLocker lock(&mutex_);
        target_ = nullptr;
        dropped.swap(queue_);
        lock.unlock(); // destroy the dropped completions outside the lock
    }

private:
    // Runs on the target's thread.
    void drain()
    {
        std::vector<std::function<void()>> batch;
        {
            QMutexLocker lock(&mutex_);
            batch.swap(queue_);
            queue_.reserve(batch.size());
        }
        rpc::RpcConnection::ReplyBatch replies; // the replies of this batch leave together
        for (auto &f : batch)
            f();
    }

    QMutex mutex_;
    QObject *target_;
    std::vector<std::function<void()>> queue_;
};

} // namespace loft
