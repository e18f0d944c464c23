// The mounts the user configured, kept in QSettings (INI on Linux, plist on macOS, the
// registry on Windows). Holds no secret: only whether one is in the keychain.
#pragma once

#include "models/MountConfig.h"

#include <QList>
#include <QString>
#include <memory>
#include <optional>

class QSettings;

namespace loft {

class MountSettings {
public:
    // `file` empty: the platform's default settings for organization/application "Loft".
    explicit MountSettings(const QString &file = QString());
    ~MountSettings();

    QList<MountConfig> mounts() const;
    std::optional<MountConfig> find(const QString &id) const;
    std::optional<MountConfig> findByName(const QString &name) const;
    // Adds (when config.id is empty, giving it a new id) or replaces; returns the id.
    QString save(MountConfig config);
    void remove(const QString &id);

    // Whether a password or passphrase for this mount is in the keychain.
    bool hasSecret(const QString &id) const;
    void setHasSecret(const QString &id, bool has);

    QString fileName() const;
    void sync();

private:
    std::unique_ptr<QSettings> settings_;
};

} // namespace loft
