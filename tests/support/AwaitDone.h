// Waits for an asynchronous FileSystem call: `start` is given the FsDone<T> to pass to
// the call. A call that never calls done ends the test (qFatal), never hangs it.
#pragma once

#include "FileSystem.h"

#include <QtGlobal>

#include <chrono>
#include <future>
#include <memory>

namespace loft::test {

template <class T, class Start>
FsResult<T> awaitDone(Start &&start, std::chrono::seconds timeout = std::chrono::seconds(120))
{
    auto promise = std::make_shared<std::promise<FsResult<T>>>();
    auto future = promise->get_future();
    start(FsDone<T>([promise](FsResult<T> r) { promise->set_value(std::move(r)); }));
    if (future.wait_for(timeout) != std::future_status::ready)
        qFatal("a FileSystem call never called done");
    return future.get();
}

} // namespace loft::test
