#include "config/MountSettings.h"

#include <QSettings>
#include <QUuid>

namespace loft {

namespace {
const QString kGroup = QStringLiteral("mounts");
}

MountSettings::MountSettings(const QString &file)
    : settings_(file.isEmpty() ? std::make_unique<QSettings>()
                               : std::make_unique<QSettings>(file, QSettings::IniFormat))
{
}

MountSettings::~MountSettings() = default;

QList<MountConfig> MountSettings::mounts() const
{
    QList<MountConfig> out;
    settings_->beginGroup(kGroup);
    const QStringList ids = settings_->childGroups();
    for (const QString &id : ids) {
        settings_->beginGroup(id);
        MountConfig c;
        c.id = id;
        c.name = settings_->value(QStringLiteral("name")).toString();
        c.kind = providerKindFromKey(settings_->value(QStringLiteral("type")).toString());
        c.address = settings_->value(QStringLiteral("address")).toString();
        c.userName = settings_->value(QStringLiteral("user")).toString();
        c.useKeyFile = settings_->value(QStringLiteral("useKeyFile"), false).toBool();
        c.keyFile = settings_->value(QStringLiteral("keyFile")).toString();
        c.mountPoint = settings_->value(QStringLiteral("mountPoint")).toString();
        c.readOnly = settings_->value(QStringLiteral("readOnly"), false).toBool();
        c.cacheLimitBytes = settings_->value(QStringLiteral("cacheLimitBytes"), c.cacheLimitBytes).toLongLong();
        c.autoMount = settings_->value(QStringLiteral("autoMount"), false).toBool();
        settings_->endGroup();
        out << c;
    }
    settings_->endGroup();
    std::sort(out.begin(), out.end(), [](const MountConfig &a, const MountConfig &b) {
        return a.name.localeAwareCompare(b.name) < 0;
    });
    return out;
}

std::optional<MountConfig> MountSettings::find(const QString &id) const
{
    for (const MountConfig &c : mounts())
        if (c.id == id)
            return c;
    return std::nullopt;
}

std::optional<MountConfig> MountSettings::findByName(const QString &name) const
{
    for (const MountConfig &c : mounts())
        if (c.name.compare(name, Qt::CaseInsensitive) == 0)
            return c;
    return std::nullopt;
}

QString MountSettings::save(MountConfig c)
{
    if (c.id.isEmpty())
        c.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    settings_->beginGroup(kGroup);
    settings_->beginGroup(c.id);
    settings_->setValue(QStringLiteral("name"), c.name);
    settings_->setValue(QStringLiteral("type"), providerKindKey(c.kind));
    settings_->setValue(QStringLiteral("address"), c.address);
    settings_->setValue(QStringLiteral("user"), c.userName);
    settings_->setValue(QStringLiteral("useKeyFile"), c.useKeyFile);
    settings_->setValue(QStringLiteral("keyFile"), c.keyFile);
    settings_->setValue(QStringLiteral("mountPoint"), c.mountPoint);
    settings_->setValue(QStringLiteral("readOnly"), c.readOnly);
    settings_->setValue(QStringLiteral("cacheLimitBytes"), c.cacheLimitBytes);
    settings_->setValue(QStringLiteral("autoMount"), c.autoMount);
    settings_->endGroup();
    settings_->endGroup();
    settings_->sync();
    return c.id;
}

void MountSettings::remove(const QString &id)
{
    if (id.isEmpty())
        return;
    settings_->remove(kGroup + QLatin1Char('/') + id);
    settings_->sync();
}

bool MountSettings::hasSecret(const QString &id) const
{
    return settings_->value(kGroup + QLatin1Char('/') + id + QStringLiteral("/hasSecret"), false).toBool();
}

void MountSettings::setHasSecret(const QString &id, bool has)
{
    settings_->setValue(kGroup + QLatin1Char('/') + id + QStringLiteral("/hasSecret"), has);
    settings_->sync();
}

QString MountSettings::fileName() const
{
    return settings_->fileName();
}

void MountSettings::sync()
{
    settings_->sync();
}

} // namespace loft
