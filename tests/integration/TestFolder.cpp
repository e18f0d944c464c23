#include "TestFolder.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QStringList>

#include <unistd.h>

namespace loft::test {

bool writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

std::optional<QByteArray> readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    return f.readAll();
}

std::optional<struct stat> lstatPath(const QString &path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) < 0)
        return std::nullopt;
    return st;
}

bool existsOnDisk(const QString &path)
{
    return lstatPath(path).has_value();
}

QByteArray folderFingerprint(const QString &root)
{
    QStringList lines;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const auto st = lstatPath(path);
        if (!st)
            continue;
        QString line = QStringLiteral("%1 type=%2 mode=%3 size=%4 nlink=%5 uid=%6 gid=%7 "
                                      "mtime=%8.%9 ctime=%10.%11")
                           .arg(QDir(root).relativeFilePath(path))
                           .arg(st->st_mode & S_IFMT, 0, 8)
                           .arg(st->st_mode & 07777, 0, 8)
                           .arg(qlonglong(st->st_size))
                           .arg(qulonglong(st->st_nlink))
                           .arg(st->st_uid)
                           .arg(st->st_gid)
                           .arg(qlonglong(st->st_mtim.tv_sec))
                           .arg(qlonglong(st->st_mtim.tv_nsec))
                           .arg(qlonglong(st->st_ctim.tv_sec))
                           .arg(qlonglong(st->st_ctim.tv_nsec));
        if (S_ISLNK(st->st_mode)) {
            char target[4096];
            const ssize_t n = ::readlink(QFile::encodeName(path).constData(), target, sizeof target);
            line += QStringLiteral(" -> %1").arg(QString::fromLocal8Bit(target, n < 0 ? 0 : n));
        } else if (S_ISREG(st->st_mode)) {
            const auto content = readFile(path);
            line += QStringLiteral(" sha256=%1").arg(QString::fromLatin1(
                content ? QCryptographicHash::hash(*content, QCryptographicHash::Sha256).toHex()
                        : QByteArray("unreadable")));
        }
        lines.append(line);
    }
    lines.sort();
    return lines.join(QLatin1Char('\n')).toUtf8();
}

} // namespace loft::test
