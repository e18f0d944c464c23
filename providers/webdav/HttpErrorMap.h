// The one translation from an HTTP outcome (a status code, or a transport failure that
// produced none) to the provider's FsError.
#pragma once

#include "FileSystem.h"

#include <QNetworkReply>

namespace loft::webdav {

// The few statuses whose meaning depends on the method (RFC 4918): 405 to MKCOL means the
// name exists; 409 to MKCOL/PUT/MOVE/COPY means a parent collection is missing.
enum class DavMethod { Propfind, Proppatch, Get, Put, Mkcol, Delete, Move };

// `httpStatus` is 0 when no HTTP answer arrived; `networkError` is the transport's view
// (QNetworkReply::NoError when an answer did arrive and only its status matters).
// `timedOut` marks a request the transfer timeout ended.
FsError fsErrorFromHttp(DavMethod method, int httpStatus,
                        QNetworkReply::NetworkError networkError = QNetworkReply::NoError,
                        bool timedOut = false);

// True for outcomes worth retrying for an idempotent request: the network failed before
// an answer, or the server reported a temporary failure (500, 502, 503, 504).
bool isTransientHttpFailure(int httpStatus, QNetworkReply::NetworkError networkError);

} // namespace loft::webdav
