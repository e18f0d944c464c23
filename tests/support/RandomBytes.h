// Reproducible random content for tests: the same (size, seed) always gives the same bytes.
#pragma once

#include <QByteArray>
#include <QRandomGenerator>

namespace loft::test {

inline QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    for (qsizetype i = size / 4 * 4; i < size; ++i)
        bytes[i] = char(gen.generate());
    return bytes;
}

} // namespace loft::test
