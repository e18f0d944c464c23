#include "JournalFile.h"

#include "Crc32c.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loft::cache {

namespace {

constexpr uint32_t kMaxRecord = 16u << 20; // far above any record the cache writes

void putU32(char *out, uint32_t v)
{
    out[0] = char(v >> 24);
    out[1] = char(v >> 16);
    out[2] = char(v >> 8);
    out[3] = char(v);
}

uint32_t getU32(const char *in)
{
    return uint32_t(uint8_t(in[0])) << 24 | uint32_t(uint8_t(in[1])) << 16
        | uint32_t(uint8_t(in[2])) << 8 | uint32_t(uint8_t(in[3]));
}

QByteArray frame(const QByteArray &payload)
{
    QByteArray out(8 + payload.size(), Qt::Uninitialized);
    putU32(out.data(), uint32_t(payload.size()));
    putU32(out.data() + 4, crc32c(payload.constData(), size_t(payload.size())));
    std::memcpy(out.data() + 8, payload.constData(), size_t(payload.size()));
    return out;
}

int syncFd(int fd)
{
    int r;
    do {
#ifdef __APPLE__
        r = ::fsync(fd);
#else
        r = ::fdatasync(fd);
#endif
    } while (r < 0 && errno == EINTR);
    return r;
}

QString errnoText(const QString &what, const QString &path)
{
    return QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

bool writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        size -= size_t(n);
    }
    return true;
}

void syncParentFolder(const QString &path)
{
    const QByteArray dir = QFile::encodeName(QFileInfo(path).absolutePath());
    const int fd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

JournalFile::~JournalFile()
{
    close();
}

bool JournalFile::open(const QString &path, const std::function<void(const QByteArray &)> &replay,
                       QString *error)
{
    close();
    path_ = path;
    appended_ = 0;
    const QByteArray native = QFile::encodeName(path);
    fd_ = ::open(native.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        if (error)
            *error = errnoText(QStringLiteral("cannot open"), path);
        return false;
    }
    QByteArray content;
    {
        char buffer[1 << 16];
        for (;;) {
            const ssize_t n = ::read(fd_, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                if (error)
                    *error = errnoText(QStringLiteral("cannot read"), path);
                close();
                return false;
            }
            if (n == 0)
                break;
            content.append(buffer, n);
        }
    }
    qsizetype pos = 0;
    while (pos + 8 <= content.size()) {
        const uint32_t length = getU32(content.constData() + pos);
        const uint32_t crc = getU32(content.constData() + pos + 4);
        if (length > kMaxRecord || pos + 8 + qsizetype(length) > content.size())
            break;
        const char *payload = content.constData() + pos + 8;
        if (crc32c(payload, length) != crc)
            break;
        replay(QByteArray(payload, qsizetype(length)));
        pos += 8 + qsizetype(length);
    }
    if (pos != content.size()) {
        // A torn tail from a crash: cut it so that new records follow intact ones.
        if (::ftruncate(fd_, off_t(pos)) < 0) {
            if (error)
                *error = errnoText(QStringLiteral("cannot repair"), path);
            close();
            return false;
        }
    }
    if (::lseek(fd_, 0, SEEK_END) < 0) {
        if (error)
            *error = errnoText(QStringLiteral("cannot seek"), path);
        close();
        return false;
    }
    return true;
}

void JournalFile::close()
{
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

bool JournalFile::append(const QByteArray &payload)
{
    if (fd_ < 0)
        return false;
    const QByteArray f = frame(payload);
    if (!writeAll(fd_, f.constData(), size_t(f.size())))
        return false;
    ++appended_;
    return true;
}

bool JournalFile::sync()
{
    return fd_ >= 0 && syncFd(fd_) == 0;
}

bool JournalFile::rewrite(const QList<QByteArray> &payloads, bool durable)
{
    if (fd_ < 0)
        return false;
    const QString tmpPath = path_ + QStringLiteral(".new");
    const QByteArray native = QFile::encodeName(tmpPath);
    const int tmp = ::open(native.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tmp < 0)
        return false;
    QByteArray chunk;
    bool ok = true;
    for (const QByteArray &p : payloads) {
        chunk.append(frame(p));
        if (chunk.size() >= (1 << 20)) {
            ok = ok && writeAll(tmp, chunk.constData(), size_t(chunk.size()));
            chunk.clear();
        }
    }
    ok = ok && writeAll(tmp, chunk.constData(), size_t(chunk.size()));
    ok = ok && (!durable || ::fsync(tmp) == 0);
    ::close(tmp);
    if (!ok || ::rename(native.constData(), QFile::encodeName(path_).constData()) < 0) {
        ::unlink(native.constData());
        return false;
    }
    if (durable)
        syncParentFolder(path_);
    ::close(fd_);
    fd_ = ::open(QFile::encodeName(path_).constData(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0)
        return false;
    ::lseek(fd_, 0, SEEK_END);
    appended_ = 0;
    return true;
}

} // namespace loft::cache
