#include "CacheConfig.h"

#include <QCryptographicHash>
#include <QDir>
#include <QStandardPaths>

#include <cmath>

namespace loft {

std::optional<uint64_t> parseByteSize(const QString &text)
{
    QString t = text.trimmed();
    if (t.isEmpty())
        return std::nullopt;
    if (t.endsWith(QLatin1Char('B'), Qt::CaseInsensitive) && t.size() > 1
        && !t.at(t.size() - 2).isDigit())
        t.chop(1); // "10GB", "500MiB" is handled below
    if (t.endsWith(QLatin1String("i"), Qt::CaseInsensitive))
        t.chop(1);
    double unit = 1;
    const QChar last = t.isEmpty() ? QChar() : t.back().toUpper();
    if (last == QLatin1Char('K'))
        unit = 1024.0;
    else if (last == QLatin1Char('M'))
        unit = 1024.0 * 1024;
    else if (last == QLatin1Char('G'))
        unit = 1024.0 * 1024 * 1024;
    else if (last == QLatin1Char('T'))
        unit = 1024.0 * 1024 * 1024 * 1024;
    if (unit != 1)
        t.chop(1);
    bool ok = false;
    const double value = t.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < 0)
        return std::nullopt;
    const double bytes = value * unit;
    if (bytes >= 18e18)
        return std::nullopt;
    return uint64_t(std::llround(bytes));
}

QString defaultCacheBaseDir()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.cache");
    return base + QStringLiteral("/loft");
}

QString cacheDirForSource(const QString &baseDir, const QString &canonicalSource)
{
    const QByteArray hash =
        QCryptographicHash::hash(canonicalSource.toUtf8(), QCryptographicHash::Sha256).toHex();
    return QDir(baseDir).filePath(QString::fromLatin1(hash.left(24)));
}

} // namespace loft
