#include "StagingArea.h"

#include <QDir>
#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loft::cache {

namespace {

FsError errnoError(int err)
{
    switch (err) {
    case ENOENT: return FsError::NotFound;
    case ENOSPC: return FsError::NoSpace;
    case EDQUOT: return FsError::QuotaExceeded;
    case EFBIG: return FsError::FileTooBig;
    case EACCES: return FsError::AccessDenied;
    case EROFS: return FsError::ReadOnly;
    default: return FsError::Io;
    }
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd()
    {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }
    bool ok() const { return fd_ >= 0; }

private:
    int fd_;
};

} // namespace

bool StagingArea::open(const QString &dir, QString *error)
{
    dir_ = dir + QStringLiteral("/staging");
    if (!QDir().mkpath(dir_)) {
        if (error)
            *error = QStringLiteral("cannot create the staging folder %1").arg(dir_);
        return false;
    }
    return true;
}

QString StagingArea::filePath(uint64_t id) const
{
    return dir_ + QLatin1Char('/')
        + QString::fromLatin1(QByteArray::number(qulonglong(id), 16).rightJustified(16, '0'));
}

FsResult<FsVoid> StagingArea::create(uint64_t id)
{
    Fd fd(::open(QFile::encodeName(filePath(id)).constData(),
                 O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.ok())
        return errnoError(errno);
    return FsVoid{};
}

FsResult<uint32_t> StagingArea::write(uint64_t id, uint64_t offset, const QByteArray &data)
{
    Fd fd(::open(QFile::encodeName(filePath(id)).constData(), O_WRONLY | O_CLOEXEC));
    if (!fd.ok())
        return errnoError(errno);
    size_t total = 0;
    while (total < size_t(data.size())) {
        const ssize_t n = ::pwrite(fd.get(), data.constData() + total, size_t(data.size()) - total,
                                   off_t(offset + total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errnoError(errno);
        }
        total += size_t(n);
    }
    return uint32_t(total);
}

FsResult<QByteArray> StagingArea::read(uint64_t id, uint64_t offset, uint32_t count)
{
    Fd fd(::open(QFile::encodeName(filePath(id)).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd.ok())
        return errnoError(errno);
    QByteArray data(qsizetype(count), Qt::Uninitialized);
    size_t total = 0;
    while (total < count) {
        const ssize_t n = ::pread(fd.get(), data.data() + total, count - total,
                                  off_t(offset + total));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errnoError(errno);
        }
        if (n == 0)
            break;
        total += size_t(n);
    }
    data.truncate(qsizetype(total));
    return data;
}

FsResult<FsVoid> StagingArea::truncate(uint64_t id, uint64_t size)
{
    if (::truncate(QFile::encodeName(filePath(id)).constData(), off_t(size)) < 0)
        return errnoError(errno);
    return FsVoid{};
}

FsResult<FsVoid> StagingArea::sync(uint64_t id)
{
    Fd fd(::open(QFile::encodeName(filePath(id)).constData(), O_RDONLY | O_CLOEXEC));
    if (!fd.ok())
        return errnoError(errno);
    int r;
    do {
        r = ::fsync(fd.get());
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return errnoError(errno);
    return FsVoid{};
}

std::optional<uint64_t> StagingArea::size(uint64_t id) const
{
    struct stat st;
    if (::stat(QFile::encodeName(filePath(id)).constData(), &st) < 0)
        return std::nullopt;
    return uint64_t(st.st_size);
}

void StagingArea::remove(uint64_t id)
{
    ::unlink(QFile::encodeName(filePath(id)).constData());
}

QList<uint64_t> StagingArea::existing() const
{
    QList<uint64_t> ids;
    const QStringList names = QDir(dir_).entryList(QDir::Files | QDir::Hidden | QDir::System);
    for (const QString &name : names) {
        bool ok = false;
        const uint64_t id = name.toULongLong(&ok, 16);
        if (ok)
            ids.append(id);
        else
            QFile::remove(dir_ + QLatin1Char('/') + name);
    }
    return ids;
}

} // namespace loft::cache
