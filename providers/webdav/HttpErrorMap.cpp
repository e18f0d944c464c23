#include "HttpErrorMap.h"

namespace loft::webdav {

FsError fsErrorFromHttp(DavMethod method, int httpStatus,
                        QNetworkReply::NetworkError networkError, bool timedOut)
{
    if (timedOut)
        return FsError::TimedOut;
    if (httpStatus > 0) {
        switch (httpStatus) {
        case 400: return FsError::InvalidArgument;
        case 401: return FsError::AccessDenied; // the credential was refused
        case 403: return FsError::AccessDenied;
        case 404: return FsError::NotFound;
        case 405:
            return method == DavMethod::Mkcol ? FsError::Exists : FsError::NotSupported;
        case 408: return FsError::TimedOut;
        case 409:
            switch (method) {
            case DavMethod::Mkcol:
            case DavMethod::Put:
            case DavMethod::Move:
                return FsError::NotFound; // an intermediate collection is missing
            default:
                return FsError::Io;
            }
        case 410: return FsError::NotFound;
        case 411: return FsError::InvalidArgument;
        case 412: return FsError::Exists; // If-Match / If-None-Match / Overwrite: F failed
        case 413: return FsError::FileTooBig;
        case 414: return FsError::NameTooLong;
        case 415: return FsError::NotSupported;
        case 416: return FsError::InvalidArgument;
        case 423: return FsError::AccessDenied; // Locked by another client
        case 424: return FsError::Io;           // Failed Dependency
        case 429: return FsError::Unavailable;  // Too Many Requests: later
        case 501: return FsError::NotSupported;
        case 502:
        case 503:
        case 504: return FsError::Unavailable;
        case 507: return FsError::NoSpace;
        default:
            // Other 4xx/5xx, and a success status where the caller needed another one.
            return FsError::Io;
        }
    }
    switch (networkError) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
    case QNetworkReply::ProxyConnectionClosedError:
    case QNetworkReply::ProxyNotFoundError:
    case QNetworkReply::ServiceUnavailableError:
        return FsError::Unavailable;
    case QNetworkReply::TimeoutError:
    case QNetworkReply::ProxyTimeoutError:
        return FsError::TimedOut;
    case QNetworkReply::AuthenticationRequiredError:
    case QNetworkReply::ProxyAuthenticationRequiredError:
    case QNetworkReply::ContentAccessDenied:
        return FsError::AccessDenied;
    case QNetworkReply::ContentNotFoundError:
        return FsError::NotFound;
    case QNetworkReply::SslHandshakeFailedError: // an untrusted certificate: not transient
    case QNetworkReply::TooManyRedirectsError:
    case QNetworkReply::InsecureRedirectError:
    default:
        return FsError::Io;
    }
}

bool isTransientHttpFailure(int httpStatus, QNetworkReply::NetworkError networkError)
{
    if (httpStatus > 0)
        return httpStatus == 500 || httpStatus == 502 || httpStatus == 503 || httpStatus == 504;
    switch (networkError) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
        return true;
    default:
        return false;
    }
}

} // namespace loft::webdav
