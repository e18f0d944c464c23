#include "SftpFailureProbe.h"

#include "SftpSession.h"

namespace loft::sftpprobe {

namespace {

QByteArray parentOf(const QByteArray &path)
{
    const qsizetype slash = path.lastIndexOf('/');
    if (slash <= 0)
        return QByteArray("/");
    return path.left(slash);
}

bool refinable(SftpSession &s, FsError e)
{
    return !s.broken() && (e == FsError::Io || e == FsError::NotFound);
}

std::optional<FsType> typeOf(SftpSession &s, const QByteArray &path)
{
    auto a = s.lstat(path);
    if (!a)
        return std::nullopt;
    return fsAttrFromSftp(*a).type;
}

// A read-only or full filesystem explains most other failures of a change.
FsError space(SftpSession &s, const QByteArray &path, FsError original)
{
    if (original != FsError::Io || s.broken() || !s.extensions().statvfs)
        return original;
    auto v = s.statvfs(path);
    if (!v)
        v = s.statvfs(parentOf(path));
    if (!v)
        return original;
    if (v->readOnly)
        return FsError::ReadOnly;
    if (v->stat.availBytes == 0 || (v->stat.totalFiles > 0 && v->stat.availFiles == 0))
        return FsError::NoSpace;
    return original;
}

} // namespace

FsError creating(SftpSession &s, const QByteArray &path, FsError original)
{
    if (!refinable(s, original))
        return original;
    if (typeOf(s, path))
        return FsError::Exists;
    if (s.broken())
        return original;
    if (original == FsError::NotFound) {
        const auto parent = typeOf(s, parentOf(path));
        return parent && *parent != FsType::Directory ? FsError::NotDirectory : FsError::NotFound;
    }
    return space(s, path, original);
}

FsError removingFile(SftpSession &s, const QByteArray &path, FsError original)
{
    if (!refinable(s, original))
        return original;
    const auto type = typeOf(s, path);
    if (!type)
        return s.broken() ? original : FsError::NotFound;
    if (*type == FsType::Directory)
        return FsError::IsDirectory;
    return space(s, path, original);
}

FsError removingDirectory(SftpSession &s, const QByteArray &path, FsError original)
{
    if (!refinable(s, original))
        return original;
    const auto type = typeOf(s, path);
    if (!type)
        return s.broken() ? original : FsError::NotFound;
    if (*type != FsType::Directory)
        return FsError::NotDirectory;
    if (original == FsError::NotFound)
        return original;
    const FsError e = space(s, path, original);
    return e == FsError::Io ? FsError::NotEmpty : e;
}

FsError renaming(SftpSession &s, const QByteArray &from, const QByteArray &to, FsError original)
{
    if (!refinable(s, original))
        return original;
    const auto source = typeOf(s, from);
    if (!source)
        return s.broken() ? original : FsError::NotFound;
    const auto target = typeOf(s, to);
    if (s.broken())
        return original;
    if (target) {
        const bool sourceDir = *source == FsType::Directory;
        const bool targetDir = *target == FsType::Directory;
        if (sourceDir && !targetDir)
            return FsError::NotDirectory;
        if (!sourceDir && targetDir)
            return FsError::IsDirectory;
        if (sourceDir && targetDir && original == FsError::Io) {
            const FsError e = space(s, to, original);
            return e == FsError::Io ? FsError::NotEmpty : e;
        }
    } else if (original == FsError::NotFound) {
        const auto parent = typeOf(s, parentOf(to));
        return parent && *parent != FsType::Directory ? FsError::NotDirectory : FsError::NotFound;
    }
    return space(s, to, original);
}

FsError listing(SftpSession &s, const QByteArray &path, FsError original)
{
    if (!refinable(s, original))
        return original;
    const auto type = typeOf(s, path);
    if (type && *type != FsType::Directory)
        return FsError::NotDirectory;
    return original;
}

FsError changing(SftpSession &s, const QByteArray &path, FsError original)
{
    if (!refinable(s, original))
        return original;
    const auto type = typeOf(s, path);
    if (type && *type == FsType::Directory)
        return FsError::IsDirectory;
    return space(s, path, original);
}

} // namespace loft::sftpprobe
