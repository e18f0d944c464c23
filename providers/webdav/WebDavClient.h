// The HTTP side of the WebDAV provider: ONE long-lived QNetworkAccessManager on the
// provider's thread (keep-alive, a few parallel connections, HTTP/2 over TLS where the
// server offers it), shared by every request.
//
// send() may be called from any thread: the request is queued to the client's thread, and
// the callback runs there, exactly once. Nothing here blocks or runs a nested event loop.
//
// Policies, all in this one place:
// - authentication: the first challenge of the session is read, not answered. When the
//   server asks for Basic, every later request carries the credential from the start (so
//   a large PUT is never sent just to be refused, on every new connection, with 401);
//   any other scheme (Digest, ...) is answered through QNAM's authenticationRequired.
//   The credential is given once per request and only to the configured origin. A second
//   challenge for the same request (or one despite the Basic header) means it was
//   refused: the request fails (authRejected), and for a while (authRetryAfter) every new
//   request fails at once instead of hammering the server.
// - TLS: the system trust store (plus extra CA certificates if configured); certificate
//   errors are never ignored — the request fails with a message naming the problem, and
//   as after a refused password, for a while (authRetryAfter) every new request fails at
//   once with the same message instead of starting one more handshake.
// - redirects: GET follows them through QNAM's NoLessSafeRedirectPolicy. Other methods
//   are redirected by hand with the method and body kept (QNAM would turn a 301/302 to
//   PROPFIND or PUT into a GET), a MOVE's Destination following the same prefix change;
//   https → http is refused; at most 5 hops.
// - timeouts: QNetworkRequest::setTransferTimeout (no bytes for that long: TimedOut).
// - retries: idempotent requests are retried after network failures and 500/502/503/504,
//   with exponential backoff (Retry-After honoured up to 10 s), at most maxTries attempts;
//   never after a timeout (that already used the caller's patience).
// - ranged GETs over plain http (the bulk of a cold read) go through DirectGetLane, Loft's
//   own keep-alive sockets, when nothing but Basic (or no) authentication is needed; what
//   that lane does not handle comes back and is sent through QNAM as above.
#pragma once

#include "DirectGetLane.h"
#include "WebDavRequest.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

class QAuthenticator;
class QNetworkAccessManager;
class QSslError;

namespace loft::webdav {

struct WebDavClientConfig {
    QUrl origin;        // scheme://host[:port] the credential belongs to
    QString user;       // empty: send no credential
    QString password;
    std::chrono::milliseconds transferTimeout{30000};
    int maxTries = 3;
    std::chrono::milliseconds retryBaseDelay{250};
    std::chrono::milliseconds authRetryAfter{30000};
    QList<QSslCertificate> extraCaCertificates;
    QByteArray userAgent = "Loft";
    // Ranged GETs over http:// through DirectGetLane (off: every request through QNAM).
    bool directGets = true;
    int directConnections = 4; // measured on a cold read: 4 ahead of 2 and 6
};

class WebDavClient final : public QObject {
    Q_OBJECT
public:
    using Callback = std::function<void(WebDavResponse)>;

    explicit WebDavClient(WebDavClientConfig config);
    ~WebDavClient() override;

    // Thread-safe. `done` runs on the client's thread.
    void send(WebDavRequest request, Callback done);
    // On the client's thread: fails every request in flight or waiting (Unavailable) and
    // releases the network manager. Later sends fail at once.
    void shutdown();

    // HTTP requests put on the wire so far (attempts, redirects included; QNAM's own
    // resend after an authentication challenge not included). Thread-safe.
    quint64 requestsSent() const { return requestsSent_.load(); }
    // Whether ranged GETs may go through DirectGetLane, whose bodies can stream
    // (WebDavRequest::streamBody): direct GETs on and an http:// origin. Thread-safe.
    bool streamsGets() const;
    // Of those, the ones DirectGetLane answered. Thread-safe.
    quint64 directAnswers() const { return directAnswers_.load(); }

private:
    struct Call;
    using CallPtr = std::shared_ptr<Call>;

    void begin(CallPtr call);
    void attempt(const CallPtr &call);
    void sendThroughManager(const CallPtr &call);
    bool directEligible(const Call &call) const;
    void sendDirect(const CallPtr &call);
    void onDirectDone(const CallPtr &call, DirectGetOutcome outcome);
    void onReadyRead(const CallPtr &call);
    static void appendAvailable(QByteArray &body, QNetworkReply *reply, qint64 maxBody);
    void onFinished(const CallPtr &call);
    void complete(const CallPtr &call, WebDavResponse response);
    bool followRedirect(const CallPtr &call, WebDavResponse &response);
    static QByteArray redirectedDestination(const QUrl &from, const QUrl &to,
                                            const QByteArray &destination);
    bool scheduleRetry(const CallPtr &call, const WebDavResponse &response);
    // New requests get `answer` (status, error, message) without being sent for `period`.
    void refuseFor(std::chrono::milliseconds period, const WebDavResponse &answer);
    void onAuthenticationRequired(QNetworkReply *reply, QAuthenticator *authenticator);
    void onSslErrors(QNetworkReply *reply, const QList<QSslError> &errors);
    QString describeFailure(const Call &call, const WebDavResponse &response) const;
    bool sameOrigin(const QUrl &url) const;
    QNetworkAccessManager *manager();

    WebDavClientConfig config_;
    QNetworkAccessManager *nam_ = nullptr;
    QHash<QNetworkReply *, CallPtr> inFlight_;
    QHash<Call *, CallPtr> waiting_; // between attempts (retry backoff)
    enum class AuthScheme { Unknown, Basic, Other };
    AuthScheme authScheme_ = AuthScheme::Unknown;
    // Uploads waiting for the first challenge to be learned (by a small probe request),
    // so that no file body is sent only to be refused.
    QList<CallPtr> awaitingAuth_;
    bool authProbeInFlight_ = false;
    QByteArray basicAuthorization_; // "Basic base64(user:password)"
    // After a refused password or an untrusted certificate: until this expires, every
    // new request is answered with refusedAnswer_ (its url set) without being sent.
    QDeadlineTimer refusedUntil_; // expired: not refused
    WebDavResponse refusedAnswer_;
    bool shutDown_ = false;
    std::atomic<quint64> requestsSent_{0};
    std::atomic<quint64> directAnswers_{0};
    std::unique_ptr<DirectGetLane> lane_; // made on the first eligible request
    bool laneUnsuited_ = false;           // the server spoke in a way the lane does not
    QHash<Call *, CallPtr> laneCalls_;    // in the lane now
};

} // namespace loft::webdav
