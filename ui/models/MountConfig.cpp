#include "models/MountConfig.h"

namespace loft {

QString providerKindKey(ProviderKind kind)
{
    switch (kind) {
    case ProviderKind::LocalFolder: return QStringLiteral("local");
    case ProviderKind::WebDav: return QStringLiteral("webdav");
    case ProviderKind::Sftp: return QStringLiteral("sftp");
    }
    return QStringLiteral("local");
}

ProviderKind providerKindFromKey(const QString &key)
{
    if (key == QLatin1String("webdav"))
        return ProviderKind::WebDav;
    if (key == QLatin1String("sftp"))
        return ProviderKind::Sftp;
    return ProviderKind::LocalFolder;
}

} // namespace loft
