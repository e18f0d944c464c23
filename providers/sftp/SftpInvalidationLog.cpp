#include "SftpInvalidationLog.h"

namespace loft {

void SftpInvalidationLog::add(QByteArrayView path)
{
    std::lock_guard lock(mutex_);
    entries_.emplace_back(path.toByteArray());
    while (entries_.size() > capacity_) {
        entries_.pop_front();
        ++first_;
    }
}

uint64_t SftpInvalidationLog::end() const
{
    std::lock_guard lock(mutex_);
    return first_ + entries_.size();
}

} // namespace loft
