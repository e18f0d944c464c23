#include "WebDavClient.h"

#include "HttpErrorMap.h"

#include <QAuthenticator>
#include <QFile>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QSslError>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace loft::webdav {

Q_LOGGING_CATEGORY(lcWebDav, "loft.webdav", QtWarningMsg)

namespace {
constexpr int kMaxRedirects = 5;
constexpr std::chrono::seconds kMaxRetryAfter{10};
} // namespace

struct WebDavClient::Call {
    WebDavRequest request;
    Callback done;
    QUrl url;                 // current target (changes on manual redirects)
    int tries = 0;
    int redirects = 0;
    QNetworkReply *reply = nullptr;
    std::unique_ptr<QFile> bodyFile;
    // Per attempt:
    QByteArray body;
    uint64_t streamPos = 0;   // bytes of a 200 answer seen (slice mode)
    bool sliceComplete = false;
    bool tooLarge = false;
    bool abortedByUs = false;
    bool credentialGiven = false;
    bool authRejected = false;
    bool preemptiveBasic = false; // the request carried our Authorization: Basic header
    bool challengeHeld = false;   // the session's first challenge, left unanswered to read it
    QString sslProblem;
    QString localProblem;     // e.g. the body file cannot be opened
    QString reason;           // the HTTP reason phrase of the last answer

    void resetAttempt()
    {
        body.clear();
        streamPos = 0;
        sliceComplete = tooLarge = abortedByUs = credentialGiven = authRejected = false;
        preemptiveBasic = challengeHeld = false;
        sslProblem.clear();
        localProblem.clear();
        reason.clear();
    }
};

WebDavClient::WebDavClient(WebDavClientConfig config) : config_(std::move(config))
{
    if (!config_.user.isEmpty())
        basicAuthorization_ = "Basic "
            + (config_.user.toUtf8() + ':' + config_.password.toUtf8()).toBase64();
}

bool WebDavClient::sameOrigin(const QUrl &url) const
{
    const auto port = [](const QUrl &u) { return u.port(u.scheme() == u"https" ? 443 : 80); };
    return url.scheme() == config_.origin.scheme()
        && url.host().compare(config_.origin.host(), Qt::CaseInsensitive) == 0
        && port(url) == port(config_.origin);
}

WebDavClient::~WebDavClient()
{
    // The owner calls shutdown() on our thread first; this only tidies up.
    delete nam_;
}

QNetworkAccessManager *WebDavClient::manager()
{
    if (!nam_) {
        nam_ = new QNetworkAccessManager(this);
        nam_->setAutoDeleteReplies(false);
        connect(nam_, &QNetworkAccessManager::authenticationRequired, this,
                &WebDavClient::onAuthenticationRequired);
        connect(nam_, &QNetworkAccessManager::sslErrors, this, &WebDavClient::onSslErrors);
    }
    return nam_;
}

void WebDavClient::send(WebDavRequest request, Callback done)
{
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->done = std::move(done);
    call->url = call->request.url;
    if (QThread::currentThread() == thread()) {
        begin(std::move(call));
        return;
    }
    QMetaObject::invokeMethod(this, [this, call]() mutable { begin(std::move(call)); },
                              Qt::QueuedConnection);
}

void WebDavClient::begin(CallPtr call)
{
    if (shutDown_) {
        WebDavResponse r;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        call->done(std::move(r));
        return;
    }
    if (!refusedUntil_.hasExpired()) {
        // The credential or the certificate was refused moments ago: not again yet.
        WebDavResponse r = refusedAnswer_;
        r.url = call->url;
        call->done(std::move(r));
        return;
    }
    if (authScheme_ == AuthScheme::Unknown && !config_.user.isEmpty()
        && !call->request.bodyFile.isEmpty()) {
        awaitingAuth_.append(call);
        if (authProbeInFlight_)
            return;
        authProbeInFlight_ = true;
        WebDavRequest probe;
        probe.method = "PROPFIND";
        probe.url = call->url;
        probe.headers = {{"Depth", "0"}};
        probe.idempotent = true;
        send(std::move(probe), [this](const WebDavResponse &r) {
            authProbeInFlight_ = false;
            if (authScheme_ == AuthScheme::Unknown && r.status > 0)
                authScheme_ = AuthScheme::Other; // no challenge came: nothing to learn
            const QList<CallPtr> calls = std::exchange(awaitingAuth_, {});
            for (const CallPtr &c : calls)
                begin(c);
        });
        return;
    }
    attempt(call);
}

void WebDavClient::attempt(const CallPtr &call)
{
    waiting_.remove(call.get());
    if (shutDown_) {
        WebDavResponse r;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        complete(call, std::move(r));
        return;
    }
    call->resetAttempt();
    ++call->tries;
    if (directEligible(*call))
        return sendDirect(call);
    sendThroughManager(call);
}

void WebDavClient::sendThroughManager(const CallPtr &call)
{
    const WebDavRequest &req = call->request;
    QNetworkRequest nr(call->url);
    nr.setTransferTimeout(int(config_.transferTimeout.count()));
    nr.setHeader(QNetworkRequest::UserAgentHeader, config_.userAgent);
    nr.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    nr.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    const bool isGet = req.method == "GET" || req.method == "HEAD";
    nr.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                    isGet ? QNetworkRequest::NoLessSafeRedirectPolicy
                          : QNetworkRequest::ManualRedirectPolicy);
    if (!config_.extraCaCertificates.isEmpty() && call->url.scheme() == u"https") {
        QSslConfiguration ssl = nr.sslConfiguration();
        ssl.addCaCertificates(config_.extraCaCertificates);
        nr.setSslConfiguration(ssl);
    }
    for (const auto &h : req.headers)
        nr.setRawHeader(h.first, h.second);
    if (authScheme_ == AuthScheme::Basic && !basicAuthorization_.isEmpty()
        && sameOrigin(call->url)) {
        nr.setRawHeader("Authorization", basicAuthorization_);
        call->preemptiveBasic = true;
    }

    QNetworkAccessManager *nam = manager();
    QNetworkReply *reply = nullptr;
    if (!req.bodyFile.isEmpty()) {
        call->bodyFile = std::make_unique<QFile>(req.bodyFile);
        if (!call->bodyFile->open(QIODevice::ReadOnly)) {
            WebDavResponse r;
            r.networkError = QNetworkReply::UnknownContentError;
            r.message = QStringLiteral("Cannot read the local file %1: %2")
                            .arg(req.bodyFile, call->bodyFile->errorString());
            call->bodyFile.reset();
            complete(call, std::move(r));
            return;
        }
        nr.setHeader(QNetworkRequest::ContentLengthHeader, call->bodyFile->size());
        // A QFile is random-access: QNAM reads it as it sends, never all at once.
        reply = nam->sendCustomRequest(nr, req.method, call->bodyFile.get());
    } else if (req.method == "GET") {
        reply = nam->get(nr);
    } else if (req.method == "HEAD") {
        reply = nam->head(nr);
    } else {
        if (!req.body.isEmpty() || req.method == "PUT")
            nr.setHeader(QNetworkRequest::ContentLengthHeader, req.body.size());
        reply = nam->sendCustomRequest(nr, req.method, req.body);
    }
    call->reply = reply;
    inFlight_.insert(reply, call);
    requestsSent_.fetch_add(1);
    qCDebug(lcWebDav) << req.method << call->url.toString(QUrl::RemoveUserInfo) << "try"
                      << call->tries;

    connect(reply, &QNetworkReply::readyRead, this, [this, call] { onReadyRead(call); });
    if (call->bodyFile && req.uploadProgress)
        connect(reply, &QNetworkReply::uploadProgress, this, [call](qint64 sent, qint64 total) {
            if (total > 0) // Qt reports (0, 0) once the body is done
                call->request.uploadProgress(sent, total);
        });
    connect(reply, &QNetworkReply::finished, this, [this, call] { onFinished(call); });
}

bool WebDavClient::streamsGets() const
{
    return config_.directGets && config_.origin.scheme() == u"http";
}

bool WebDavClient::directEligible(const Call &call) const
{
    const WebDavRequest &req = call.request;
    return config_.directGets && !laneUnsuited_ && req.method == "GET" && req.sliceOffset
        && req.body.isEmpty() && req.bodyFile.isEmpty() && call.url.scheme() == u"http"
        && !call.url.host().isEmpty() && sameOrigin(call.url)
        // Basic only once the server asked for it: never a password in clear to a server
        // that wants Digest.
        && (config_.user.isEmpty()
            || (authScheme_ == AuthScheme::Basic && !basicAuthorization_.isEmpty()));
}

void WebDavClient::sendDirect(const CallPtr &call)
{
    const WebDavRequest &req = call->request;
    DirectGetJob job;
    job.host = call->url.host(QUrl::FullyEncoded).toLatin1();
    if (job.host.startsWith('['))
        job.host = job.host.mid(1, job.host.size() - 2);
    job.port = quint16(call->url.port(80));
    QByteArray target = call->url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (call->url.hasQuery())
        target += '?' + call->url.query(QUrl::FullyEncoded).toLatin1();
    QByteArray authority = call->url.host(QUrl::FullyEncoded).toLatin1();
    if (call->url.port() >= 0)
        authority += ':' + QByteArray::number(call->url.port());
    QByteArray &head = job.head;
    head = "GET " + target + " HTTP/1.1\r\nHost: " + authority + "\r\nUser-Agent: "
        + config_.userAgent + "\r\n";
    for (const auto &h : req.headers)
        head += h.first + ": " + h.second + "\r\n";
    if (!config_.user.isEmpty()) {
        head += "Authorization: " + basicAuthorization_ + "\r\n";
        call->preemptiveBasic = true;
    }
    head += "Connection: keep-alive\r\n\r\n";
    job.sliceOffset = req.sliceOffset;
    job.sliceLength = req.sliceLength;
    job.maxBody = req.maxBody;
    job.timeout = config_.transferTimeout;
    job.onHead = req.streamHead;
    job.onBody = req.streamBody;
    job.onPipe = req.streamBodyPipe;
    if (!lane_)
        lane_ = std::make_unique<DirectGetLane>(config_.directConnections);
    laneCalls_.insert(call.get(), call);
    requestsSent_.fetch_add(1);
    qCDebug(lcWebDav) << "GET (direct)" << call->url.toString(QUrl::RemoveUserInfo) << "try"
                      << call->tries;
    lane_->submit(std::move(job), [this, call](DirectGetOutcome outcome) {
        // On a lane worker: back to the client's thread. stop() in shutdown() joins the
        // workers before this object can go, so `this` is alive here.
        QMetaObject::invokeMethod(
            this, [this, call, outcome = std::move(outcome)]() mutable {
                onDirectDone(call, std::move(outcome));
            },
            Qt::QueuedConnection);
    });
}

void WebDavClient::onDirectDone(const CallPtr &call, DirectGetOutcome outcome)
{
    if (!laneCalls_.remove(call.get()))
        return; // shutdown() answered it already
    using Kind = DirectGetOutcome::Kind;
    if (outcome.kind == Kind::NotHandled) {
        if (outcome.serverUnsuited)
            laneUnsuited_ = true;
        qCDebug(lcWebDav) << "direct GET not handled:" << outcome.why << "- through QNAM";
        if (shutDown_)
            return attempt(call); // answers "disconnecting"
        call->resetAttempt();
        return sendThroughManager(call); // the same attempt, the usual way
    }
    WebDavResponse r;
    r.url = call->url;
    if (outcome.kind == Kind::TimedOut) {
        r.timedOut = true;
        r.networkError = QNetworkReply::TimeoutError;
        r.message = describeFailure(*call, r);
        return complete(call, std::move(r));
    }
    if (outcome.kind == Kind::Refused) {
        r.streamRefused = true;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QString::fromLatin1(outcome.why);
        return complete(call, std::move(r));
    }
    directAnswers_.fetch_add(1);
    r.status = outcome.status;
    r.headers = std::move(outcome.headers);
    r.body = std::move(outcome.body);
    r.sliced = outcome.sliced;
    r.streamed = outcome.streamed;
    call->reason = QString::fromLatin1(outcome.reason);
    complete(call, std::move(r));
}

// Moves what the reply has buffered to the end of `body`, copying as little as it can.
// QNAM usually hands over a whole ranged answer as one piece; reading exactly that piece
// takes it over without a copy (QIODevice::read(qint64) of the next buffered chunk).
// When more is to follow, the buffer is sized from Content-Length (up to `maxBody` and
// one byte past, so an oversized answer is still noticed) and the rest is read straight
// into place: never through a temporary per chunk or a growing buffer's reallocations.
void WebDavClient::appendAvailable(QByteArray &body, QNetworkReply *reply, qint64 maxBody)
{
    bool ok = false;
    qint64 expected = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&ok);
    if (!ok || expected < 0)
        expected = -1;
    for (;;) {
        const qint64 available = reply->bytesAvailable();
        if (available <= 0)
            return;
        if (body.isEmpty()) {
            QByteArray first = reply->read(available);
            if (first.isEmpty())
                return;
            if (expected < 0 || first.size() >= expected) {
                body = std::move(first);
                continue;
            }
            body.reserve(qsizetype(std::min(expected, maxBody + 1)));
            body.append(first);
            continue;
        }
        const qsizetype had = body.size();
        body.resize(had + qsizetype(available));
        const qint64 got = reply->read(body.data() + had, available);
        body.resize(had + qsizetype(std::max<qint64>(got, 0)));
        if (got <= 0)
            return;
    }
}

void WebDavClient::onReadyRead(const CallPtr &call)
{
    QNetworkReply *reply = call->reply;
    if (!reply || call->abortedByUs)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const WebDavRequest &req = call->request;
    if (req.sliceOffset && status == 200) {
        // The server ignored Range: skip to the slice, keep it, and stop there.
        const QByteArray chunk = reply->readAll();
        const uint64_t chunkStart = call->streamPos;
        const uint64_t chunkEnd = chunkStart + uint64_t(chunk.size());
        call->streamPos = chunkEnd;
        const uint64_t want0 = *req.sliceOffset;
        const uint64_t want1 = want0 + req.sliceLength;
        const uint64_t from = std::max(chunkStart, want0);
        const uint64_t to = std::min(chunkEnd, want1);
        if (from < to)
            call->body.append(chunk.constData() + (from - chunkStart), qsizetype(to - from));
        if (call->streamPos >= want1) {
            call->sliceComplete = true;
            call->abortedByUs = true;
            reply->abort();
        }
        return;
    }
    appendAvailable(call->body, reply, req.maxBody);
    if (call->body.size() > req.maxBody) {
        call->tooLarge = true;
        call->abortedByUs = true;
        reply->abort();
    }
}

void WebDavClient::onFinished(const CallPtr &call)
{
    QNetworkReply *reply = call->reply;
    if (!reply)
        return;
    if (!call->abortedByUs && reply->isOpen())
        onReadyRead(call); // whatever is left
    inFlight_.remove(reply);
    call->reply = nullptr;
    reply->deleteLater();
    call->bodyFile.reset();

    WebDavResponse r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.networkError = reply->error();
    r.url = reply->url();
    r.headers = reply->rawHeaderPairs();
    r.body = std::move(call->body);
    r.authRejected = call->authRejected;
    call->reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    if (call->sliceComplete) {
        r.sliced = true;
        r.networkError = QNetworkReply::NoError;
    } else if (call->request.sliceOffset && r.status == 200 && r.networkError == QNetworkReply::NoError) {
        r.sliced = true; // the whole content ended inside or before the slice
    }
    if (shutDown_) {
        r.status = 0;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        complete(call, std::move(r));
        return;
    }
    if (r.networkError == QNetworkReply::OperationCanceledError && !call->abortedByUs) {
        // Nobody here aborted it: the transfer timeout did.
        r.timedOut = true;
        r.status = 0;
    }
    if (r.networkError == QNetworkReply::TimeoutError)
        r.timedOut = true;
    if (call->tooLarge) {
        r.status = 0;
        r.networkError = QNetworkReply::UnknownContentError;
    }
    if (call->challengeHeld && r.status == 401) {
        const QByteArray challenge = r.header("WWW-Authenticate").trimmed().toLower();
        // Several challenges may arrive joined; anything but plain Basic goes through
        // QNAM, which picks the strongest scheme it knows.
        authScheme_ = challenge.startsWith("basic") && !challenge.contains("digest")
            ? AuthScheme::Basic
            : AuthScheme::Other;
        qCDebug(lcWebDav) << "server authentication:" << challenge.left(challenge.indexOf(' '));
        --call->tries;
        attempt(call);
        return;
    }
    if (r.authRejected || (r.status == 401 && config_.user.isEmpty())) {
        r.authRejected = true;
        r.message = describeFailure(*call, r);
        refuseFor(config_.authRetryAfter, r);
        complete(call, std::move(r));
        return;
    }
    if (r.networkError == QNetworkReply::SslHandshakeFailedError && !call->sslProblem.isEmpty()) {
        // A certificate that is not trusted now will not be in a second.
        r.message = describeFailure(*call, r);
        refuseFor(config_.authRetryAfter, r);
        complete(call, std::move(r));
        return;
    }
    if (followRedirect(call, r))
        return;
    if (scheduleRetry(call, r))
        return;
    if (!r.success())
        r.message = describeFailure(*call, r);
    complete(call, std::move(r));
}

QByteArray WebDavClient::redirectedDestination(const QUrl &from, const QUrl &to,
                                              const QByteArray &destination)
{
    const QByteArray fromPath = from.path(QUrl::FullyEncoded).toLatin1();
    const QByteArray toPath = to.path(QUrl::FullyEncoded).toLatin1();
    // The longest common tail of the two paths is what stayed; the rest is the prefix.
    qsizetype tail = 0;
    while (tail < fromPath.size() && tail < toPath.size()
           && fromPath[fromPath.size() - 1 - tail] == toPath[toPath.size() - 1 - tail])
        ++tail;
    const QByteArray oldPrefix = fromPath.left(fromPath.size() - tail);
    const QByteArray newPrefix = toPath.left(toPath.size() - tail);
    QUrl dest = QUrl::fromEncoded(destination, QUrl::StrictMode);
    const QByteArray destPath = dest.path(QUrl::FullyEncoded).toLatin1();
    if (!dest.isValid() || !destPath.startsWith(oldPrefix))
        return destination;
    dest.setScheme(to.scheme());
    dest.setHost(to.host());
    dest.setPort(to.port());
    dest.setPath(QString::fromLatin1(newPrefix + destPath.mid(oldPrefix.size())), QUrl::StrictMode);
    return dest.toEncoded();
}

bool WebDavClient::followRedirect(const CallPtr &call, WebDavResponse &r)
{
    const QByteArray &method = call->request.method;
    if (method == "GET" || method == "HEAD")
        return false; // QNAM follows those itself (NoLessSafeRedirectPolicy)
    if (r.status != 301 && r.status != 302 && r.status != 307 && r.status != 308)
        return false;
    const QByteArray location = r.header("Location").trimmed();
    if (location.isEmpty())
        return false;
    const QUrl target = r.url.resolved(QUrl::fromEncoded(location, QUrl::TolerantMode));
    if (++call->redirects > kMaxRedirects) {
        r.status = 0;
        r.networkError = QNetworkReply::TooManyRedirectsError;
        return false;
    }
    if (target.scheme() != u"https" && target.scheme() != u"http")
        return false;
    if (call->url.scheme() == u"https" && target.scheme() != u"https") {
        r.status = 0;
        r.networkError = QNetworkReply::InsecureRedirectError;
        return false;
    }
    qCDebug(lcWebDav) << method << "redirected" << r.status << "to"
                      << target.toString(QUrl::RemoveUserInfo);
    // A MOVE's Destination lives in the same URL space as its source: when the server
    // moved a path prefix (/old/... → /dav/...), move the Destination's prefix the same way.
    for (auto &h : call->request.headers) {
        if (h.first.compare("Destination", Qt::CaseInsensitive) == 0)
            h.second = redirectedDestination(call->url, target, h.second);
    }
    call->url = target;
    --call->tries; // a redirect is not a retry
    attempt(call);
    return true;
}

bool WebDavClient::scheduleRetry(const CallPtr &call, const WebDavResponse &response)
{
    if (!call->request.idempotent || call->tries >= config_.maxTries || response.timedOut
        || !isTransientHttpFailure(response.status, response.networkError))
        return false;
    std::chrono::milliseconds delay = config_.retryBaseDelay * (1 << (2 * (call->tries - 1)));
    bool ok = false;
    const int retryAfter = response.header("Retry-After").trimmed().toInt(&ok);
    if (ok && retryAfter >= 0)
        delay = std::min<std::chrono::milliseconds>(std::chrono::seconds(retryAfter), kMaxRetryAfter);
    qCDebug(lcWebDav) << "retrying" << call->request.method
                      << call->url.toString(QUrl::RemoveUserInfo) << "in" << delay.count()
                      << "ms after" << response.status << response.networkError;
    waiting_.insert(call.get(), call);
    QTimer::singleShot(delay, this, [this, call] { attempt(call); });
    return true;
}

void WebDavClient::refuseFor(std::chrono::milliseconds period, const WebDavResponse &answer)
{
    refusedAnswer_ = WebDavResponse();
    refusedAnswer_.status = answer.status;
    refusedAnswer_.networkError = answer.networkError;
    refusedAnswer_.authRejected = answer.authRejected;
    refusedAnswer_.message = answer.message;
    refusedUntil_.setRemainingTime(period);
}

void WebDavClient::complete(const CallPtr &call, WebDavResponse response)
{
    Callback done = std::move(call->done);
    call->done = nullptr;
    if (done)
        done(std::move(response));
}

void WebDavClient::onAuthenticationRequired(QNetworkReply *reply, QAuthenticator *authenticator)
{
    const CallPtr call = inFlight_.value(reply);
    if (!call)
        return;
    // Leaving the authenticator empty makes QNAM finish the request with 401.
    if (call->credentialGiven || call->preemptiveBasic || config_.user.isEmpty()
        || !sameOrigin(reply->url())) {
        call->authRejected = true;
        return;
    }
    if (authScheme_ == AuthScheme::Unknown) {
        // Let this 401 through to read which scheme the server wants; the request is
        // then sent again (onFinished).
        call->challengeHeld = true;
        return;
    }
    call->credentialGiven = true;
    authenticator->setUser(config_.user);
    authenticator->setPassword(config_.password);
}

void WebDavClient::onSslErrors(QNetworkReply *reply, const QList<QSslError> &errors)
{
    const CallPtr call = inFlight_.value(reply);
    if (!call)
        return;
    QStringList texts;
    for (const QSslError &e : errors)
        texts << e.errorString();
    texts.removeDuplicates();
    call->sslProblem = texts.join(QStringLiteral("; "));
    // Deliberately not ignored: the handshake fails and the request with it.
}

QString WebDavClient::describeFailure(const Call &call, const WebDavResponse &r) const
{
    const QString origin = config_.origin.toString(QUrl::RemoveUserInfo | QUrl::RemovePath);
    const QString seconds = QString::number(double(config_.transferTimeout.count()) / 1000.0);
    if (r.authRejected) {
        if (config_.user.isEmpty())
            return QStringLiteral("The WebDAV server at %1 asks for a user name and password, "
                                  "and none was given. Add the user name to the address "
                                  "(user@host) and give the password.")
                .arg(origin);
        return QStringLiteral("The WebDAV server at %1 refused the password for user \u201c%2\u201d. "
                              "Check the user name and password.")
            .arg(origin, config_.user);
    }
    if (!call.sslProblem.isEmpty())
        return QStringLiteral("The certificate of the WebDAV server at %1 is not trusted: %2. "
                              "If this is your server, install its certificate (or its "
                              "certificate authority) in the system's trust store.")
            .arg(origin, call.sslProblem);
    if (!call.localProblem.isEmpty())
        return call.localProblem;
    if (r.timedOut)
        return QStringLiteral("The WebDAV server at %1 did not answer within %2 s. It may be "
                              "overloaded or unreachable; Loft will try again.")
            .arg(origin, seconds);
    if (call.tooLarge)
        return QStringLiteral("The WebDAV server at %1 sent an answer larger than %2 MiB to %3 %4.")
            .arg(origin)
            .arg(call.request.maxBody >> 20)
            .arg(QString::fromLatin1(call.request.method),
                 QUrl::fromPercentEncoding(call.url.path(QUrl::FullyEncoded).toLatin1()));
    if (r.status == 0) {
        switch (r.networkError) {
        case QNetworkReply::ConnectionRefusedError:
            return QStringLiteral("Cannot connect to the WebDAV server at %1: the connection was "
                                  "refused. Check that the server is running and the address "
                                  "and port are right.")
                .arg(origin);
        case QNetworkReply::HostNotFoundError:
            return QStringLiteral("Cannot find the WebDAV server %1: the host name is unknown. "
                                  "Check the address and the network connection.")
                .arg(config_.origin.host());
        case QNetworkReply::RemoteHostClosedError:
            return QStringLiteral("The WebDAV server at %1 closed the connection unexpectedly.")
                .arg(origin);
        case QNetworkReply::SslHandshakeFailedError:
            return QStringLiteral("The secure connection to the WebDAV server at %1 failed "
                                  "(TLS handshake).")
                .arg(origin);
        case QNetworkReply::InsecureRedirectError:
            return QStringLiteral("The WebDAV server at %1 redirected a secure request to an "
                                  "insecure (http) address; Loft refused to follow it.")
                .arg(origin);
        case QNetworkReply::TooManyRedirectsError:
            return QStringLiteral("The WebDAV server at %1 redirected too many times.").arg(origin);
        default:
            return QStringLiteral("The connection to the WebDAV server at %1 failed (network "
                                  "error %2).")
                .arg(origin)
                .arg(int(r.networkError));
        }
    }
    const QString &reason = call.reason;
    return QStringLiteral("The WebDAV server at %1 answered %2%3 to %4 %5.")
        .arg(origin)
        .arg(r.status)
        .arg(reason.isEmpty() ? QString() : QLatin1Char(' ') + reason)
        .arg(QString::fromLatin1(call.request.method),
             QUrl::fromPercentEncoding(call.url.path(QUrl::FullyEncoded).toLatin1()));
}

void WebDavClient::shutdown()
{
    shutDown_ = true;
    const auto flying = inFlight_.values();
    for (const CallPtr &call : flying) {
        if (call->reply) {
            call->abortedByUs = true;
            call->reply->abort(); // finished → onFinished → callback with "disconnecting"
        }
    }
    // Replies that did not report finished synchronously: answer them here.
    const auto left = inFlight_;
    inFlight_.clear();
    for (auto it = left.begin(); it != left.end(); ++it) {
        it.key()->disconnect(this);
        WebDavResponse r;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        complete(it.value(), std::move(r));
    }
    auto parked = waiting_.values();
    waiting_.clear();
    parked += std::exchange(awaitingAuth_, {});
    for (const CallPtr &call : parked) {
        WebDavResponse r;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        complete(call, std::move(r));
    }
    delete nam_;
    nam_ = nullptr;
    if (lane_)
        lane_->stop(); // workers joined: nothing more is posted from them
    const auto inLane = std::exchange(laneCalls_, {});
    for (const CallPtr &call : inLane) {
        WebDavResponse r;
        r.networkError = QNetworkReply::OperationCanceledError;
        r.message = QStringLiteral("Loft is disconnecting from the WebDAV server.");
        complete(call, std::move(r));
    }
}

} // namespace loft::webdav
