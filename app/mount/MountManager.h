// Owns the mounts while the app runs: one NfsServerThread per served source, the platform
// MountHelper that asks the OS to mount it, and the ports (persisted through SourceState,
// so a mount left behind by a crash is served again on the same port and recovers).
//
// Lives on its own thread. The GUI calls its slots with queued invocations and receives
// snapshots and results through queued signals; it never touches the manager's state.
// Operations run one at a time in order (mount, unmount, ...), each to completion.
#pragma once

#include "models/MountConfig.h"
#include "models/MountSnapshot.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QTimer;

namespace loft {

class MountHelper;
class MeteredFileSystem;
class NfsServerThread;
struct MountRequest;

class MountManager : public QObject {
    Q_OBJECT
public:
    // `dataDir`: where SourceState keeps export secrets, ports and handle journals
    // (empty: the default). The helper is the platform's unless one is given (tests).
    MountManager(QString dataDir, std::unique_ptr<MountHelper> helper, QObject *parent = nullptr);
    ~MountManager() override;

    const MountHelper &helper() const { return *helper_; }
    // The idle time before a written file is uploaded, for mounts opened from now on
    // (unset: the cache's default). Call before moving the manager to its thread.
    void setUploadDelay(std::optional<int> ms) { uploadDelayMs_ = ms; }

public slots:
    // The configured mounts. Mounts that vanished are unmounted and forgotten.
    void setConfigs(const QList<loft::MountConfig> &configs);
    // Serve again the mounts an earlier run left mounted, then mount `autoMount` ones.
    void start(const QHash<QString, QString> &autoMountSecrets);
    void mount(const QString &id, const QString &secret, quint64 request);
    void unmount(const QString &id, quint64 request);
    void clearCache(const QString &id, quint64 request);
    // Starts every mount's waiting uploads now, without the idle delay (Quit → Wait).
    void uploadAllNow();
    // Unmounts everything (for Quit); commandFinished reports what could not be unmounted.
    void unmountAll(quint64 request);
    // Stops every server without unmounting (the OS keeps the mounts; the next start
    // recovers them). Called on the manager's thread before it ends.
    void shutdown();

signals:
    void snapshotsChanged(const QList<loft::MountSnapshot> &snapshots);
    // `manualCommand`: when this computer cannot mount, what the user could run instead.
    void commandFinished(quint64 request, bool ok, const QString &message,
                         const QString &manualCommand);
    // Upload failures and conflicts (from the cache layer), for desktop notifications.
    void notice(const QString &id, bool conflict, const QString &title, const QString &text);

private:
    struct Entry;
    using Step = std::function<void(std::function<void()> finish)>;

    void enqueue(Step step);
    void pump();
    void doMount(Entry &e, const QString &secret, quint64 request, std::function<void()> finish);
    void doUnmount(Entry &e, quint64 request, std::function<void(bool)> finish);
    bool startServer(Entry &e, const QString &secret, bool recovering, QString *error);
    void stopServer(Entry &e);
    MountRequest requestFor(const Entry &e) const;
    void setError(Entry &e, const QString &message);
    void sample();
    void publish();
    MountSnapshot snapshotOf(const Entry &e) const;
    Entry *entry(const QString &id);

    QString dataDir_;
    std::optional<int> uploadDelayMs_;
    std::unique_ptr<MountHelper> helper_;
    QList<QString> order_; // ids, in the configured order
    QHash<QString, std::shared_ptr<Entry>> entries_;
    std::deque<Step> queue_;
    bool busy_ = false;
    QTimer *sampler_ = nullptr;
    QElapsedTimer sampleClock_;
    QList<MountSnapshot> published_;
};

// How a source reads to a person: "WebDAV · cloud.example.com/remote.php/dav".
QString describeSource(const MountConfig &config);

} // namespace loft
