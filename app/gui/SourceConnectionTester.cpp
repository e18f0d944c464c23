#include "gui/SourceConnectionTester.h"

#include "mount/SourceOpener.h"
#include "config/Keychain.h"

#include <QCoreApplication>
#include <QDir>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>

namespace loft {

SourceConnectionTester::SourceConnectionTester(Keychain *keychain, QObject *parent)
    : QObject(parent), keychain_(keychain)
{
}

void SourceConnectionTester::testConnection(const MountConfig &config, const QString &secret,
                                            std::function<void(const ui::ConnectionTestResult &)> done)
{
    if (secret.isEmpty() && !config.id.isEmpty() && config.kind != ProviderKind::LocalFolder && keychain_) {
        QPointer<SourceConnectionTester> self(this);
        keychain_->readSecret(config.id, [self, config, done](bool, const QString &stored, const QString &) {
            if (self)
                self->run(config, stored, done);
        });
        return;
    }
    run(config, secret, std::move(done));
}

void SourceConnectionTester::run(const MountConfig &config, const QString &secret,
                                 std::function<void(const ui::ConnectionTestResult &)> done)
{
    // One answer only: the first of the result and the timeout.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    QPointer<SourceConnectionTester> self(this);
    auto deliver = [self, answered, done](const ui::ConnectionTestResult &r) {
        if (answered->exchange(true))
            return;
        QMetaObject::invokeMethod(self.data() ? static_cast<QObject *>(self.data()) : qApp,
                                  [done, r] { done(r); }, Qt::QueuedConnection);
    };
    QTimer::singleShot(timeoutMs, this, [deliver, ms = timeoutMs] {
        ui::ConnectionTestResult r;
        r.message = tr("No answer within %1 seconds: check the address and your network.").arg(ms / 1000);
        deliver(r);
    });
    const QString approved = config.kind == ProviderKind::Sftp
        ? approvedHostKeys_.value(sftpHostKeyId(config)) : QString();
    QThreadPool::globalInstance()->start([config, secret, deliver, approved] {
        if (config.kind == ProviderKind::Sftp) {
            // Trust on first use: an unknown server's key goes to the user first.
            const HostKeyQuestion q = checkSftpHostKey(config, secret, approved);
            if (q.kind != HostKeyQuestion::Kind::None) {
                ui::ConnectionTestResult r;
                r.outcome = q.kind == HostKeyQuestion::Kind::Unknown
                    ? ui::ConnectionTestResult::Outcome::UnknownHostKey
                    : ui::ConnectionTestResult::Outcome::ChangedHostKey;
                r.host = q.host;
                r.keyType = q.keyType;
                r.fingerprint = q.fingerprint;
                r.message = q.kind == HostKeyQuestion::Kind::Changed
                    ? tr("Not connected: the server's key has changed since you trusted it. "
                         "This can mean someone is intercepting the connection. %1").arg(q.message)
                    : QString();
                deliver(r);
                return;
            }
        }
        // A test never fills the mount's real cache: no cache limit, a throw-away folder.
        MountConfig probe = config;
        probe.cacheLimitBytes = 0;
        const OpenedSource source = openMountSource(probe, secret, QDir::tempPath() + QStringLiteral("/loft-connection-test"));
        if (!source.fs) {
            ui::ConnectionTestResult r;
            r.message = tr("Could not connect: %1").arg(source.error);
            deliver(r);
            return;
        }
        // The completion must not drop the last reference on the provider's own thread
        // (its shutdown waits for that thread): it hands the provider to the GUI thread.
        auto holder = std::make_shared<std::shared_ptr<FileSystem>>(source.fs);
        FileSystem *fs = source.fs.get();
        const bool sourceReadOnly = fs->capabilities().readOnly;
        // List the top folder: proves the address, the credentials and the permissions.
        fs->readdir(QByteArray(), [holder, deliver, readOnly = config.readOnly || sourceReadOnly](FsResult<QList<FsDirEntry>> listing) {
            QMetaObject::invokeMethod(qApp, [keep = std::move(*holder)] {}, Qt::QueuedConnection);
            ui::ConnectionTestResult r;
            if (!listing.ok()) {
                r.message = tr("Connected, but the folder cannot be listed: %1.")
                                .arg(QString::fromLatin1(fsErrorName(listing.error())));
            } else {
                r.outcome = ui::ConnectionTestResult::Outcome::Success;
                const int n = int(listing->size());
                r.message = n == 0 ? tr("Connected. The folder is empty.")
                                   : tr("Connected. The folder holds %n item(s).", nullptr, n);
                if (readOnly)
                    r.message += QLatin1Char(' ') + tr("It will be mounted read-only.");
            }
            deliver(r);
        });
    });
}

void SourceConnectionTester::trustHostKey(const ui::ConnectionTestResult &result)
{
    // The next test connects accepting exactly this key and records it in known_hosts.
    approvedHostKeys_.insert(result.host, result.fingerprint);
}

} // namespace loft
