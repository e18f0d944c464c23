// A part of a QByteArray that shares its bytes instead of copying them: the blocks of a
// multi-block remote read and the READ replies cut from one block point into the buffer
// the network filled, which lives until the last slice is gone. Every byte of a cold read
// was copied twice more before (split into blocks, gathered into the reply) on a path
// where copies, and the page faults of their fresh buffers, were most of the CPU time.
//
// Like QByteArray::fromRawData, the slice is not '\0'-terminated; writing to it detaches
// (copies) as for any shared QByteArray.
#pragma once

#include <QByteArray>

#include <algorithm>

namespace loft::cache {

inline QByteArray sharedSlice(const QByteArray &whole, qsizetype from, qsizetype length)
{
    if (from < 0 || length <= 0 || from >= whole.size())
        return QByteArray();
    length = std::min(length, whole.size() - from);
    if (from == 0 && length == whole.size())
        return whole;
    QByteArray slice = whole; // one more reference on the same block
    QByteArray::DataPointer &d = slice.data_ptr();
    if (!d.d_ptr()) // raw data (fromRawData) has no block to share: copy
        return QByteArray(whole.constData() + from, length);
    d.setBegin(d.data() + from);
    d.size = length;
    return slice;
}

} // namespace loft::cache
