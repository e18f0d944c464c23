// One file of the upload queue as a person would want to see it: where it goes, how big
// it is, how far its upload has got, and why it is waiting. The cache takes these
// snapshots (CacheStats::uploads) from its staged files; the GUI shows them as rows.
#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>

namespace loft {

struct UploadStatus {
    enum class State {
        Waiting,   // staged, waiting for the idle delay or a free upload slot
        Uploading, // on the wire now
        Retrying,  // the last attempt failed; lastError says why, a retry is scheduled
    };
    QByteArray path;        // where it goes, relative to the source's root
    uint64_t totalBytes = 0;
    uint64_t sentBytes = 0; // of the attempt in progress (0 unless Uploading)
    State state = State::Waiting;
    int failures = 0;       // failed attempts in a row
    QString lastError;      // plain words, for Retrying
    // The server's copy changed while ours waited: ours goes to a conflict copy beside it
    // instead of replacing theirs; conflictPath names it once chosen.
    bool conflict = false;
    QByteArray conflictPath;
    friend bool operator==(const UploadStatus &, const UploadStatus &) = default;
};

} // namespace loft
