#include "UiText.h"

#include <QLocale>

namespace loft::ui {

QString UiText::bytes(qint64 bytes)
{
    if (bytes < 1000)
        return tr("%n byte(s)", nullptr, int(bytes));
    // One decimal, except where it says nothing: "5 GB", "12.7 GB".
    const QLocale locale;
    QString text = locale.formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
    const QString zero = locale.decimalPoint() + locale.zeroDigit() + QLatin1Char(' ');
    text.replace(zero, QStringLiteral(" "));
    return text;
}

QString UiText::rate(double bytesPerSecond)
{
    return tr("%1/s").arg(bytes(qint64(bytesPerSecond)));
}

QString UiText::state(MountState state)
{
    switch (state) {
    case MountState::Unmounted: return tr("Not mounted");
    case MountState::Starting: return tr("Connecting…");
    case MountState::Mounting: return tr("Mounting…");
    case MountState::Mounted: return tr("Mounted");
    case MountState::Unmounting: return tr("Unmounting…");
    case MountState::Error: return tr("Error");
    }
    return {};
}

QString UiText::stateAction(MountState state)
{
    return state == MountState::Mounted ? tr("Unmount") : tr("Mount");
}

QString UiText::throughput(const MountSnapshot &s)
{
    if (s.state != MountState::Mounted)
        return QStringLiteral("—");
    if (s.bytesInPerSecond < 1 && s.bytesOutPerSecond < 1)
        return tr("Idle");
    QStringList parts;
    if (s.bytesInPerSecond >= 1)
        parts << tr("↑ %1").arg(rate(s.bytesInPerSecond));
    if (s.bytesOutPerSecond >= 1)
        parts << tr("↓ %1").arg(rate(s.bytesOutPerSecond));
    return parts.join(QStringLiteral("   "));
}

QString UiText::cacheUsage(qint64 used, qint64 limit)
{
    if (limit <= 0)
        return tr("No cache");
    return tr("%1 of %2").arg(bytes(used), bytes(limit));
}

QString UiText::providerName(ProviderKind kind)
{
    switch (kind) {
    case ProviderKind::LocalFolder: return tr("Local folder");
    case ProviderKind::WebDav: return tr("WebDAV");
    case ProviderKind::Sftp: return tr("SFTP");
    }
    return {};
}

} // namespace loft::ui
