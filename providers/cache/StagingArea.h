// Local copies of files being written ("staged"), one file per upload-queue entry under
// <dir>/staging/<id, 16 hex digits>. NFS WRITEs land here; COMMIT fsyncs them; the upload
// reads them; reads of a staged file are served from them. Synchronous file operations:
// call them on the cache's worker pool.
#pragma once

#include "FileSystem.h"

#include <QList>
#include <QString>
#include <cstdint>
#include <optional>

namespace loft::cache {

class StagingArea {
public:
    bool open(const QString &dir, QString *error);

    QString filePath(uint64_t id) const;
    // Creates (or empties) the staged file.
    FsResult<FsVoid> create(uint64_t id);
    FsResult<uint32_t> write(uint64_t id, uint64_t offset, const QByteArray &data);
    FsResult<QByteArray> read(uint64_t id, uint64_t offset, uint32_t count);
    FsResult<FsVoid> truncate(uint64_t id, uint64_t size);
    // fsync: the staged bytes survive a crash of Loft or of the machine.
    FsResult<FsVoid> sync(uint64_t id);
    std::optional<uint64_t> size(uint64_t id) const;
    void remove(uint64_t id);
    // Ids of the staged files on disk (to find orphans after a crash).
    QList<uint64_t> existing() const;

private:
    QString dir_;
};

} // namespace loft::cache
