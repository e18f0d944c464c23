// One HTTP exchange of the WebDAV client: what to send and what came back.
#pragma once

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QPair>
#include <QString>
#include <QUrl>
#include <cstdint>
#include <functional>
#include <optional>

namespace loft::webdav {

struct WebDavRequest {
    QByteArray method;                              // "PROPFIND", "GET", "PUT", ...
    QUrl url;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    // When set, the body is streamed from this local file (PUT of a staged file); it is
    // never read into memory.
    QString bodyFile;
    // Hears how much of bodyFile is on the wire (sent, total), on the client's thread. A
    // retried or redirected request starts again from 0.
    std::function<void(qint64 sent, qint64 total)> uploadProgress;
    // May be sent again after a transient failure (PROPFIND, GET, HEAD).
    bool idempotent = false;
    // A ranged GET: the bytes wanted. When the server ignores Range and answers 200 with
    // the whole content, only these bytes are kept (and the transfer stops after them).
    std::optional<uint64_t> sliceOffset;
    uint64_t sliceLength = 0;
    // The largest answer body kept in memory; a larger one fails the request.
    qint64 maxBody = qint64(256) << 20;
    // A ranged GET whose body may go to these as it arrives instead of into memory (only
    // DirectGetLane streams; then WebDavResponse::streamed is set and `body` is empty).
    // streamHead sees a 206, or a 200 to be cut to the slice, before its body; either
    // returning false ends the request with WebDavResponse::streamRefused. Called on a
    // lane thread; a request broken off and sent again calls them again from the start.
    std::function<bool(int status, const QList<QPair<QByteArray, QByteArray>> &headers)> streamHead;
    std::function<bool(const char *data, size_t size)> streamBody;
    // When set too, body bytes may come this way instead: `size` bytes waiting in a pipe
    // (spliced from the socket), to be taken out of it in full (see FsByteSink).
    std::function<bool(int pipeFd, size_t size)> streamBodyPipe;
};

struct WebDavResponse {
    int status = 0; // HTTP status; 0 when no answer arrived
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    bool timedOut = false;     // the transfer timeout ended it
    bool authRejected = false; // the server refused our credential (or we had none)
    bool sliced = false;       // body holds the requested slice of a 200 answer
    bool streamed = false;     // the body went to WebDavRequest::streamBody, not `body`
    bool streamRefused = false; // streamHead or streamBody said no: the answer was dropped
    QByteArray body;
    QUrl url;                  // the URL that answered (after redirects)
    QList<QNetworkReply::RawHeaderPair> headers;
    // A user-facing description when the request failed (never holds the password).
    QString message;

    bool success() const { return status >= 200 && status < 300; }
    // The value of a header (case-insensitive name), empty when absent.
    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (QByteArrayView(h.first).compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

} // namespace loft::webdav
