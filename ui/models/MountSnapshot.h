// What the GUI shows about one mount at one moment. The mount manager (on its own
// thread) produces these and sends them to the GUI thread by queued signals; the GUI
// never reads the manager's state directly.
#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <algorithm>

namespace loft {

enum class MountState {
    Unmounted,
    Starting,   // opening the source and starting its server
    Mounting,   // the OS is mounting it
    Mounted,
    Unmounting,
    Error,      // the last action failed; lastError says why
};

// One file of a mount's upload queue.
struct UploadItem {
    enum class State { Waiting, Uploading, Retrying };
    QString path;          // relative to the mount
    qint64 bytesDone = 0;  // of the upload in progress
    qint64 bytesTotal = 0;
    State state = State::Waiting;
    QString error;         // Retrying: why the last attempt failed, in plain words
    bool conflict = false; // goes to a conflict copy (the server's file changed meanwhile)
    friend bool operator==(const UploadItem &, const UploadItem &) = default;
};

struct MountSnapshot {
    QString id;
    QString name;
    QString source;       // how the source reads to a person, e.g. "WebDAV · dav.example.com/files"
    QString mountPoint;
    MountState state = MountState::Unmounted;
    bool readOnly = false;
    bool recovered = false;    // a mount left by an earlier run, served again
    quint16 port = 0;
    double bytesInPerSecond = 0;   // written to the source (uploads)
    double bytesOutPerSecond = 0;  // read from the source (downloads)
    quint64 bytesInTotal = 0;
    quint64 bytesOutTotal = 0;
    qint64 cacheUsedBytes = 0;
    qint64 cacheLimitBytes = 0;
    double cacheHitRatio = -1;     // 0..1, or -1 when there is no cache
    QList<UploadItem> uploads;     // the first files of the queue, in order
    int queuedUploads = 0;         // all files waiting for or in upload (may be more than listed)
    QString lastError;             // plain words, empty when fine
    QDateTime lastErrorTime;

    bool transferring() const { return bytesInPerSecond >= 1 || bytesOutPerSecond >= 1 || !uploads.isEmpty(); }
    int pendingUploads() const { return std::max(queuedUploads, int(uploads.size())); }
    friend bool operator==(const MountSnapshot &, const MountSnapshot &) = default;
};

} // namespace loft

Q_DECLARE_METATYPE(loft::MountSnapshot)
Q_DECLARE_METATYPE(QList<loft::MountSnapshot>)
