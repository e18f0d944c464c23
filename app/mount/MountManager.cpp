#include "mount/MountManager.h"

#include "CachingFileSystem.h"
#include "mount/MeteredFileSystem.h"
#include "mount/MountHelper.h"
#include "mount/SourceOpener.h"
#include "server/NfsServer.h"
#include "state/SourceState.h"

#include <QCoreApplication>
#include <QDir>
#include <QLoggingCategory>
#include <QTimer>
#include <QUrl>

Q_LOGGING_CATEGORY(lcMount, "loft.mount")

namespace loft {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("MountManager", text);
}
} // namespace

struct MountManager::Entry {
    MountConfig config;
    MountState state = MountState::Unmounted;
    QString lastError;
    QDateTime lastErrorTime;
    bool recovered = false;
    std::unique_ptr<NfsServerThread> server;
    std::shared_ptr<MeteredFileSystem> metered;
    CachingFileSystem *cache = nullptr; // inside `metered`, for remote sources
    CacheStats cacheStats;
    QDateTime uploadErrorTime; // when cacheStats.lastUploadError appeared
    QByteArray exportPath;
    quint16 port = 0;
    quint64 lastRead = 0, lastWritten = 0;
    double rateIn = 0, rateOut = 0;
};

QString describeSource(const MountConfig &c)
{
    switch (c.kind) {
    case ProviderKind::LocalFolder:
        return tr("Local folder · %1").arg(QDir::toNativeSeparators(c.address));
    case ProviderKind::WebDav: {
        const QUrl url(c.address);
        return tr("WebDAV · %1").arg(url.host() + (url.path() == QLatin1String("/") ? QString() : url.path()));
    }
    case ProviderKind::Sftp: {
        const QUrl url(c.address);
        const QString user = c.userName.isEmpty() ? QString() : c.userName + QLatin1Char('@');
        return tr("SFTP · %1%2:%3").arg(user, url.host(), url.path());
    }
    }
    return c.address;
}

MountManager::MountManager(QString dataDir, std::unique_ptr<MountHelper> helper, QObject *parent)
    : QObject(parent), dataDir_(std::move(dataDir)),
      helper_(helper ? std::move(helper) : MountHelper::forThisPlatform())
{
    sampler_ = new QTimer(this);
    sampler_->setInterval(500); // often enough for upload progress to move smoothly
    connect(sampler_, &QTimer::timeout, this, &MountManager::sample);
}

MountManager::~MountManager()
{
    shutdown();
}

MountManager::Entry *MountManager::entry(const QString &id)
{
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->get();
}

void MountManager::setConfigs(const QList<MountConfig> &configs)
{
    QList<QString> ids;
    for (const MountConfig &c : configs) {
        ids << c.id;
        if (Entry *e = entry(c.id)) {
            e->config = c; // takes effect at the next mount
        } else {
            auto fresh = std::make_shared<Entry>();
            fresh->config = c;
            entries_.insert(c.id, fresh);
        }
    }
    // Mounts removed from the configuration: unmount, then forget.
    for (const QString &id : std::as_const(order_)) {
        if (ids.contains(id))
            continue;
        std::shared_ptr<Entry> gone = entries_.value(id);
        enqueue([this, gone](std::function<void()> finish) {
            auto forget = [this, gone, finish] {
                entries_.remove(gone->config.id);
                publish();
                finish();
            };
            if (gone->server)
                doUnmount(*gone, 0, [this, gone, forget](bool) { stopServer(*gone); forget(); });
            else
                forget();
        });
    }
    order_ = ids;
    publish();
}

void MountManager::start(const QHash<QString, QString> &autoMountSecrets)
{
    sampleClock_.start();
    sampler_->start();
    // Recover what an earlier run left mounted: the OS still has the mount (and the
    // client its file handles); serve the export again on the same port.
    for (const QString &id : std::as_const(order_)) {
        std::shared_ptr<Entry> e = entries_.value(id);
        if (!e || e->config.mountPoint.isEmpty())
            continue;
        QString error;
        const SourceState state = SourceState::load(QStringLiteral("loft-mount:") + id, dataDir_, &error);
        if (!state.valid() || !helper_->isServedMount(e->config.mountPoint, QString::fromLatin1(state.exportPath())))
            continue;
        enqueue([this, e](std::function<void()> finish) {
            QString error;
            e->state = MountState::Starting;
            publish();
            if (startServer(*e, QString(), true, &error)) {
                e->state = MountState::Mounted;
                e->recovered = true;
                qCInfo(lcMount).noquote() << tr("%1 was still mounted from an earlier run; it is served again on port %2.")
                                                 .arg(e->config.name).arg(e->port);
            } else {
                setError(*e, error);
            }
            publish();
            finish();
        });
    }
    for (auto it = autoMountSecrets.begin(); it != autoMountSecrets.end(); ++it)
        mount(it.key(), it.value(), 0);
    publish();
}

void MountManager::enqueue(Step step)
{
    queue_.push_back(std::move(step));
    pump();
}

void MountManager::pump()
{
    if (busy_ || queue_.empty())
        return;
    busy_ = true;
    Step step = std::move(queue_.front());
    queue_.pop_front();
    step([this] {
        busy_ = false;
        QMetaObject::invokeMethod(this, &MountManager::pump, Qt::QueuedConnection);
    });
}

void MountManager::mount(const QString &id, const QString &secret, quint64 request)
{
    enqueue([this, id, secret, request](std::function<void()> finish) {
        Entry *e = entry(id);
        if (!e) {
            emit commandFinished(request, false, tr("There is no mount with this name."), QString());
            finish();
            return;
        }
        if (e->state == MountState::Mounted) {
            emit commandFinished(request, true, tr("%1 is already mounted.").arg(e->config.name), QString());
            finish();
            return;
        }
        doMount(*e, secret, request, finish);
    });
}

MountRequest MountManager::requestFor(const Entry &e) const
{
    MountRequest r;
    r.target.port = e.port;
    r.target.exportPath = QString::fromLatin1(e.exportPath);
    r.mountPoint = e.config.mountPoint;
    r.name = e.config.name;
    return r;
}

void MountManager::doMount(Entry &e, const QString &secret, quint64 request, std::function<void()> finish)
{
    const QString id = e.config.id;
    e.state = MountState::Starting;
    e.lastError.clear();
    publish();
    QString error;
    if (!startServer(e, secret, false, &error)) {
        setError(e, error);
        emit commandFinished(request, false, error, QString());
        publish();
        finish();
        return;
    }
    const MountRequest req = requestFor(e);
    const QString reason = helper_->unavailableReason();
    if (!reason.isEmpty()) {
        // This computer cannot mount; keep serving so the user can mount it elsewhere.
        const QString manual = helper_->manualMountCommand(req);
        setError(e, reason + QLatin1Char(' ')
                        + tr("Loft keeps serving %1 on port %2; to mount it yourself, run: %3")
                              .arg(e.config.name).arg(e.port).arg(manual));
        emit commandFinished(request, false, reason, manual);
        publish();
        finish();
        return;
    }
    if (!helper_->prepareMountPoint(e.config.mountPoint, &error)) {
        stopServer(e);
        setError(e, error);
        emit commandFinished(request, false, error, QString());
        publish();
        finish();
        return;
    }
    if (helper_->isServedMount(e.config.mountPoint, req.target.exportPath)) {
        e.state = MountState::Mounted;
        emit commandFinished(request, true, tr("%1 is mounted.").arg(e.config.name), QString());
        publish();
        finish();
        return;
    }
    e.state = MountState::Mounting;
    publish();
    const QStringList command = helper_->mountCommand(req);
    qCInfo(lcMount).noquote() << tr("Mounting %1 on %2").arg(e.config.name, e.config.mountPoint);
    helper_->run(command, this, [this, id, req, request, finish](int code, const QString &output) {
        Entry *e = entry(id);
        if (!e) {
            finish();
            return;
        }
        if (code == 0) {
            e->state = MountState::Mounted;
            e->recovered = false;
            qCInfo(lcMount).noquote() << tr("%1 is mounted on %2.").arg(e->config.name, e->config.mountPoint);
            emit commandFinished(request, true, tr("%1 is mounted.").arg(e->config.name), QString());
        } else {
            const QString message = helper_->explainMountFailure(req, code, output);
            stopServer(*e);
            setError(*e, message);
            emit commandFinished(request, false, message, QString());
        }
        publish();
        finish();
    });
}

bool MountManager::startServer(Entry &e, const QString &secret, bool recovering, QString *error)
{
    if (e.server)
        return true; // still serving (e.g. after "cannot mount here")
    const quint16 required = helper_->requiredServerPort();
    if (required != 0) {
        for (const auto &other : std::as_const(entries_))
            if (other.get() != &e && other->server) {
                *error = tr("On Windows, Loft can mount one storage at a time: Windows' NFS client "
                            "only looks for servers on port 111. Unmount %1 first.").arg(other->config.name);
                return false;
            }
    }
    // The provider (wrapped in the cache when remote). The secret stays in memory.
    OpenedSource source = openMountSource(e.config, secret, dataDir_, uploadDelayMs_);
    if (!source.fs) {
        *error = tr("Cannot open %1: %2").arg(e.config.name, source.error);
        return false;
    }
    std::shared_ptr<FileSystem> fs = source.fs;
    SourceState state = SourceState::load(QStringLiteral("loft-mount:") + e.config.id, dataDir_, error);
    if (!state.valid())
        return false;
    e.metered = std::make_shared<MeteredFileSystem>(fs);
    NfsExportConfig exportConfig;
    exportConfig.fs = e.metered;
    exportConfig.exportPath = state.exportPath();
    exportConfig.exportId = state.exportId();
    exportConfig.handleKey = state.handleKey();
    exportConfig.journalPath = state.journalPath();
    exportConfig.readOnly = e.config.readOnly;
    NfsServerConfig serverConfig;
    serverConfig.port = required ? required : state.savedPort();
    auto server = std::make_unique<NfsServerThread>();
    QString startError;
    bool ok = server->start(serverConfig, exportConfig, &startError);
    if (!ok && !recovering && !required && serverConfig.port != 0) {
        // The remembered port was taken meanwhile: nothing holds it mounted, take another.
        serverConfig.port = 0;
        ok = server->start(serverConfig, exportConfig, &startError);
    }
    if (!ok) {
        *error = recovering
            ? tr("%1 is still mounted from an earlier run, but its port %2 is now used by another "
                 "program, so it cannot recover. Unmount it (umount -l %3) and mount it again.")
                  .arg(e.config.name).arg(serverConfig.port).arg(e.config.mountPoint)
            : tr("Loft could not start serving %1: %2").arg(e.config.name, startError);
        e.metered.reset();
        return false;
    }
    e.port = server->port();
    e.exportPath = state.exportPath();
    e.cache = source.cache;
    e.cacheStats = e.cache ? e.cache->stats() : CacheStats{};
    e.lastRead = e.metered->bytesRead();
    e.lastWritten = e.metered->bytesWritten();
    if (!state.savePort(e.port, error))
        qCWarning(lcMount).noquote() << *error;
    e.server = std::move(server);
    qCInfo(lcMount).noquote() << tr("Serving %1 on 127.0.0.1:%2").arg(e.config.name).arg(e.port);
    return true;
}

void MountManager::stopServer(Entry &e)
{
    if (e.server) {
        e.server->stop();
        e.server.reset();
        qCInfo(lcMount).noquote() << tr("Stopped serving %1").arg(e.config.name);
    }
    e.cache = nullptr; // owned by `metered`'s chain
    e.metered.reset();
    e.port = 0;
    e.rateIn = e.rateOut = 0;
}

void MountManager::unmount(const QString &id, quint64 request)
{
    enqueue([this, id, request](std::function<void()> finish) {
        Entry *e = entry(id);
        if (!e) {
            emit commandFinished(request, false, tr("There is no mount with this name."), QString());
            finish();
            return;
        }
        doUnmount(*e, request, [finish](bool) { finish(); });
    });
}

void MountManager::doUnmount(Entry &e, quint64 request, std::function<void(bool)> finish)
{
    const QString id = e.config.id;
    if (e.state != MountState::Mounted) {
        // Not mounted by the OS; stop serving if it was (e.g. "cannot mount here").
        stopServer(e);
        e.state = MountState::Unmounted;
        e.lastError.clear();
        emit commandFinished(request, true, tr("%1 is not mounted.").arg(e.config.name), QString());
        publish();
        finish(true);
        return;
    }
    e.state = MountState::Unmounting;
    publish();
    helper_->run(helper_->unmountCommand(e.config.mountPoint, false), this,
                 [this, id, request, finish](int code, const QString &output) {
        Entry *e = entry(id);
        if (!e) {
            finish(false);
            return;
        }
        const bool gone = code == 0 || output.contains(QLatin1String("not mounted"));
        if (gone) {
            stopServer(*e);
            e->state = MountState::Unmounted;
            e->recovered = false;
            e->lastError.clear();
            qCInfo(lcMount).noquote() << tr("%1 is unmounted.").arg(e->config.name);
            emit commandFinished(request, true, tr("%1 is unmounted.").arg(e->config.name), QString());
        } else {
            const QString message = helper_->explainUnmountFailure(e->config.mountPoint, code, output);
            e->state = MountState::Mounted; // still mounted and still served
            e->lastError = message;
            e->lastErrorTime = QDateTime::currentDateTime();
            qCWarning(lcMount).noquote() << message;
            emit commandFinished(request, false, message, QString());
        }
        publish();
        finish(gone);
    });
}

void MountManager::clearCache(const QString &id, quint64 request)
{
    enqueue([this, id, request](std::function<void()> finish) {
        Entry *e = entry(id);
        if (!e)
            emit commandFinished(request, false, tr("There is no mount with this name."), QString());
        else if (e->config.kind == ProviderKind::LocalFolder)
            emit commandFinished(request, true, tr("Local folders are not cached."), QString());
        else if (!e->cache)
            emit commandFinished(request, true, tr("%1 is not mounted: nothing is cached now.").arg(e->config.name), QString());
        else {
            // Drops cached blocks and metadata; files waiting to upload are never dropped.
            e->cache->clearCache();
            e->cacheStats = e->cache->stats();
            qCInfo(lcMount).noquote() << tr("Cleared the cache of %1.").arg(e->config.name);
            emit commandFinished(request, true, tr("Cleared the cache of %1.").arg(e->config.name), QString());
            publish();
        }
        finish();
    });
}

void MountManager::uploadAllNow()
{
    for (const auto &e : std::as_const(entries_))
        if (e->cache)
            e->cache->uploadNow();
}

void MountManager::unmountAll(quint64 request)
{
    auto failures = std::make_shared<QStringList>();
    for (const QString &id : std::as_const(order_)) {
        enqueue([this, id, failures](std::function<void()> finish) {
            Entry *e = entry(id);
            if (!e || (!e->server && e->state != MountState::Mounted)) {
                finish();
                return;
            }
            doUnmount(*e, 0, [e, failures, finish](bool ok) {
                if (!ok)
                    failures->append(e->lastError);
                finish();
            });
        });
    }
    enqueue([this, request, failures](std::function<void()> finish) {
        emit commandFinished(request, failures->isEmpty(), failures->join(QLatin1Char('\n')), QString());
        finish();
    });
}

void MountManager::shutdown()
{
    if (sampler_)
        sampler_->stop();
    for (const auto &e : std::as_const(entries_))
        if (e->server) {
            e->server->stop();
            e->server.reset();
        }
}

void MountManager::setError(Entry &e, const QString &message)
{
    e.state = MountState::Error;
    e.lastError = message;
    e.lastErrorTime = QDateTime::currentDateTime();
    qCWarning(lcMount).noquote() << message;
}

void MountManager::sample()
{
    const double seconds = std::max(0.001, sampleClock_.restart() / 1000.0);
    for (const auto &e : std::as_const(entries_)) {
        if (!e->metered)
            continue;
        const quint64 read = e->metered->bytesRead();
        const quint64 written = e->metered->bytesWritten();
        // A little smoothing so the numbers do not flicker.
        e->rateOut = 0.5 * e->rateOut + 0.5 * double(read - e->lastRead) / seconds;
        e->rateIn = 0.5 * e->rateIn + 0.5 * double(written - e->lastWritten) / seconds;
        if (e->rateOut < 1)
            e->rateOut = 0;
        if (e->rateIn < 1)
            e->rateIn = 0;
        e->lastRead = read;
        e->lastWritten = written;
        if (e->cache) {
            const CacheStats before = e->cacheStats;
            e->cacheStats = e->cache->stats();
            const CacheStats &now = e->cacheStats;
            if (now.lastUploadError != before.lastUploadError)
                e->uploadErrorTime = QDateTime::currentDateTime();
            if (now.uploadFailures > before.uploadFailures && !now.lastUploadError.isEmpty()
                && now.lastUploadError != before.lastUploadError)
                emit notice(e->config.id, false, tr("%1: an upload failed").arg(e->config.name),
                            now.lastUploadError);
            if (now.conflicts > before.conflicts)
                emit notice(e->config.id, true, tr("%1: conflicting changes").arg(e->config.name),
                            tr("A file changed on the server while you edited it; your version was "
                               "kept as a conflict copy next to it."));
        }
    }
    publish();
}

MountSnapshot MountManager::snapshotOf(const Entry &e) const
{
    MountSnapshot s;
    s.id = e.config.id;
    s.name = e.config.name;
    s.source = describeSource(e.config);
    s.mountPoint = e.config.mountPoint;
    s.state = e.state;
    s.readOnly = e.config.readOnly;
    s.recovered = e.recovered;
    s.port = e.port;
    s.bytesInPerSecond = e.rateIn;
    s.bytesOutPerSecond = e.rateOut;
    if (e.metered) {
        s.bytesInTotal = e.metered->bytesWritten();
        s.bytesOutTotal = e.metered->bytesRead();
    }
    // Cache usage and the upload queue come from the cache layer (providers/cache) for
    // remote sources; local folders have no cache.
    s.cacheLimitBytes = e.config.kind == ProviderKind::LocalFolder ? 0 : e.config.cacheLimitBytes;
    if (e.cache) {
        const CacheStats &c = e.cacheStats;
        s.cacheUsedBytes = qint64(c.cachedBytes + c.stagedBytes);
        if (c.limitBytes)
            s.cacheLimitBytes = qint64(c.limitBytes);
        s.cacheHitRatio = c.hitBytes + c.missBytes ? c.hitRatio() : -1;
        s.queuedUploads = int(c.pendingUploads);
        s.uploads.reserve(c.uploads.size());
        for (const UploadStatus &u : c.uploads) {
            UploadItem item;
            item.path = QString::fromUtf8(u.path);
            item.bytesTotal = qint64(u.totalBytes);
            item.bytesDone = qint64(u.sentBytes);
            item.state = u.state == UploadStatus::State::Uploading ? UploadItem::State::Uploading
                : u.state == UploadStatus::State::Retrying         ? UploadItem::State::Retrying
                                                                   : UploadItem::State::Waiting;
            item.error = u.lastError;
            item.conflict = u.conflict;
            s.uploads.append(item);
        }
    }
    // The newer of the mount's own trouble (mounting, unmounting) and a failing upload.
    s.lastError = e.lastError;
    s.lastErrorTime = e.lastErrorTime;
    if (e.cache && !e.cacheStats.lastUploadError.isEmpty()
        && (s.lastError.isEmpty() || e.uploadErrorTime >= e.lastErrorTime)) {
        s.lastError = e.cacheStats.lastUploadError;
        s.lastErrorTime = e.uploadErrorTime;
    }
    return s;
}

void MountManager::publish()
{
    QList<MountSnapshot> list;
    for (const QString &id : std::as_const(order_))
        if (const auto e = entries_.value(id))
            list << snapshotOf(*e);
    if (list == published_)
        return;
    published_ = list;
    emit snapshotsChanged(list);
}

} // namespace loft
