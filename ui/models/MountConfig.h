// What the user configured for one mount: the value the Add/Edit dialog edits and the
// settings store keeps. Never holds a password or passphrase: those live in the OS
// keychain and travel separately (see MountDialog::secret()).
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace loft {

enum class ProviderKind { LocalFolder, WebDav, Sftp };

struct MountConfig {
    QString id;          // stable identity (a UUID without braces); keys settings, keychain, state
    QString name;        // what the user calls it; also `loft mount NAME`
    ProviderKind kind = ProviderKind::LocalFolder;
    QString address;     // a folder path, https://host/dav/path or sftp://host[:port]/path
    QString userName;
    bool useKeyFile = false; // SFTP: authenticate with a key file instead of a password
    QString keyFile;
    QString mountPoint;  // a folder (Linux, macOS) or a drive letter "X:" (Windows)
    bool readOnly = false;
    qint64 cacheLimitBytes = qint64(5) << 30;
    bool autoMount = false; // mount when Loft starts at login

    friend bool operator==(const MountConfig &, const MountConfig &) = default;
};

QString providerKindKey(ProviderKind kind);              // "local", "webdav", "sftp"
ProviderKind providerKindFromKey(const QString &key);     // unknown keys give LocalFolder

} // namespace loft

Q_DECLARE_METATYPE(loft::MountConfig)
