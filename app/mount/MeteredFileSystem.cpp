#include "mount/MeteredFileSystem.h"

namespace loft {

// Counts what a read answered (bytes, or a slice of a file) before passing it on.
FsDone<FsReadResult> MeteredFileSystem::countingReads(FsDone<FsReadResult> done) const
{
    return [c = counters_, done = std::move(done)](FsResult<FsReadResult> r) {
        if (r.ok())
            c->read.fetch_add(r->slice ? quint64(r->slice->length) : quint64(r->data.size()),
                              std::memory_order_relaxed);
        done(std::move(r));
    };
}

void MeteredFileSystem::read(const QByteArray &path, uint64_t offset, uint32_t count,
                             FsDone<FsReadResult> done)
{
    inner_->read(path, offset, count, countingReads(std::move(done)));
}

void MeteredFileSystem::readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                                   FsDone<FsReadResult> done)
{
    inner_->readToSend(path, offset, count, countingReads(std::move(done)));
}

void MeteredFileSystem::write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                              FsStability stability, FsDone<FsWriteResult> done)
{
    inner_->write(path, offset, data, stability, [c = counters_, done = std::move(done)](FsResult<FsWriteResult> r) {
        if (r.ok())
            c->written.fetch_add(r->count, std::memory_order_relaxed);
        done(std::move(r));
    });
}

} // namespace loft
