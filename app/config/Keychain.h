// Passwords and key passphrases in the OS keychain (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) through QtKeychain. Asynchronous; callbacks run
// on the thread that made the call (the GUI thread). Nothing here logs a secret.
#pragma once

#include <QObject>
#include <functional>

namespace loft {

class Keychain : public QObject {
    Q_OBJECT
public:
    explicit Keychain(const QString &service = QStringLiteral("Loft"), QObject *parent = nullptr);

    using WriteDone = std::function<void(bool ok, const QString &error)>;
    using ReadDone = std::function<void(bool found, const QString &secret, const QString &error)>;

    // One entry per mount: the key is the mount id.
    void writeSecret(const QString &key, const QString &secret, WriteDone done);
    void readSecret(const QString &key, ReadDone done);
    void deleteSecret(const QString &key, WriteDone done = {});

    const QString &service() const { return service_; }

private:
    QString service_;
};

} // namespace loft
