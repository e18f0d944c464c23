// Bytes a folder's files really take on disk (allocated blocks, so holes and punched
// ranges do not count): what a cache's size limit is about.
#pragma once

#include <QDirIterator>
#include <QFile>
#include <QString>

#include <cstdint>
#include <sys/stat.h>

namespace loft::test {

inline uint64_t allocatedBytes(const QString &dir)
{
    uint64_t total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        struct stat st;
        if (::stat(QFile::encodeName(it.next()).constData(), &st) == 0)
            total += uint64_t(st.st_blocks) * 512;
    }
    return total;
}

} // namespace loft::test
