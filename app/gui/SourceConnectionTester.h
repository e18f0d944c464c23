// "Test connection" for the Add/Edit dialog: opens the source as a mount would (off the
// GUI thread), lists its top folder, and reports in plain words. Uses the stored secret
// from the keychain when the user did not type a new one.
#pragma once

#include "ConnectionTester.h"

#include <QHash>
#include <QObject>

namespace loft {

class Keychain;

class SourceConnectionTester : public QObject, public ui::ConnectionTester {
    Q_OBJECT
public:
    explicit SourceConnectionTester(Keychain *keychain, QObject *parent = nullptr);

    void testConnection(const MountConfig &config, const QString &secret,
                        std::function<void(const ui::ConnectionTestResult &)> done) override;
    void trustHostKey(const ui::ConnectionTestResult &result) override;

    int timeoutMs = 20000;

private:
    void run(const MountConfig &config, const QString &secret,
             std::function<void(const ui::ConnectionTestResult &)> done);
    Keychain *keychain_;
    QHash<QString, QString> approvedHostKeys_; // "host:port" → fingerprint the user trusted
};

} // namespace loft
