#include "WebDavFileSystem.h"

#include "DavAttr.h"
#include "DavResource.h"
#include "HttpErrorMap.h"
#include "PropfindParser.h"
#include "PropfindRequest.h"
#include "WebDavClient.h"

#include <QFileInfo>
#include <QMutexLocker>

#include <atomic>

#include <unistd.h>

namespace loft::webdav {

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

constexpr uint64_t kUnknownSpace = uint64_t(1) << 50; // 1 PiB when the server won't say
constexpr uint64_t kUnknownFiles = uint64_t(1) << 32;

bool strongEtag(const QByteArray &version)
{
    return version.startsWith('"');
}

// "bytes 0-99/1234" → (0, 99, 1234); "bytes */1234" → total only; total -1 when "*".
struct ContentRange {
    bool valid = false;
    int64_t first = -1, last = -1, total = -1;
};
ContentRange parseContentRange(const QByteArray &value)
{
    ContentRange cr;
    QByteArray v = value.trimmed();
    if (!v.startsWith("bytes "))
        return cr;
    v = v.mid(6).trimmed();
    const qsizetype slash = v.indexOf('/');
    if (slash < 0)
        return cr;
    const QByteArray range = v.left(slash);
    const QByteArray total = v.mid(slash + 1);
    bool ok = true;
    if (total != "*") {
        cr.total = total.toLongLong(&ok);
        if (!ok || cr.total < 0)
            return cr;
    }
    if (range != "*") {
        const qsizetype dash = range.indexOf('-');
        if (dash < 0)
            return cr;
        bool ok1 = false, ok2 = false;
        cr.first = range.left(dash).toLongLong(&ok1);
        cr.last = range.mid(dash + 1).toLongLong(&ok2);
        if (!ok1 || !ok2 || cr.first < 0 || cr.last < cr.first)
            return cr;
    }
    cr.valid = true;
    return cr;
}

// Errors that are ordinary answers about the file tree, not trouble to report.
bool ordinaryOutcome(FsError e)
{
    switch (e) {
    case FsError::NotFound:
    case FsError::Exists:
    case FsError::NotEmpty:
    case FsError::NotDirectory:
    case FsError::IsDirectory:
    case FsError::InvalidName:
    case FsError::NameTooLong:
        return true;
    default:
        return false;
    }
}

} // namespace

struct WebDavFileSystem::Listing {
    FsAttr self;
    QList<FsDirEntry> children;
};

// ---------------------------------------------------------------------------------------
// Construction

WebDavFileSystem::WebDavFileSystem(const WebDavOptions &options) : url_(options.url)
{
    capabilities_.readOnly = options.readOnly;
    capabilities_.hardLinks = false;
    capabilities_.symlinks = false;
    capabilities_.randomWrites = false;
    capabilities_.remote = true;
    uid_ = ::getuid();
    gid_ = ::getgid();

    WebDavClientConfig config;
    config.origin = url_.root().adjusted(QUrl::RemovePath);
    config.user = options.user;
    config.password = options.password;
    config.transferTimeout = options.transferTimeout;
    config.maxTries = std::max(1, options.maxTries);
    config.retryBaseDelay = options.retryBaseDelay;
    config.authRetryAfter = options.authRetryAfter;
    config.extraCaCertificates = options.extraCaCertificates;
    config.userAgent = "Loft/" QT_STRINGIFY(LOFT_WEBDAV_VERSION);
    config.directGets = options.directGets && qEnvironmentVariable("LOFT_WEBDAV_DIRECT") != u"0";
    client_ = new WebDavClient(config);
    client_->moveToThread(&thread_);
    thread_.setObjectName(QStringLiteral("loft-webdav"));
    thread_.start();
}

WebDavFileSystem::~WebDavFileSystem()
{
    Q_ASSERT_X(QThread::currentThread() != &thread_, "~WebDavFileSystem",
               "a provider must not be destroyed from its own callbacks");
    WebDavClient *client = client_;
    QMetaObject::invokeMethod(
        client, [client] {
            client->shutdown();
            delete client;
        },
        Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

QString WebDavFileSystem::lastError() const
{
    QMutexLocker lock(&errorMutex_);
    return lastError_;
}

quint64 WebDavFileSystem::requestsSent() const
{
    return client_->requestsSent();
}

quint64 WebDavFileSystem::directAnswers() const
{
    return client_->directAnswers();
}

void WebDavFileSystem::remember(const QString &message)
{
    QMutexLocker lock(&errorMutex_);
    lastError_ = message;
}

FsError WebDavFileSystem::classify(DavMethod method, const WebDavResponse &response)
{
    return fsErrorFromHttp(method, response.status, response.networkError, response.timedOut);
}

void WebDavFileSystem::report(FsError e, const WebDavResponse &response)
{
    if (ordinaryOutcome(e))
        return;
    remember(response.message.isEmpty()
                 ? QStringLiteral("The WebDAV server at %1 failed: %2.")
                       .arg(url_.origin(), QString::fromLatin1(fsErrorName(e)))
                 : response.message);
}

FsError WebDavFileSystem::failure(DavMethod method, const WebDavResponse &response)
{
    const FsError e = classify(method, response);
    report(e, response);
    return e;
}

void WebDavFileSystem::explainFailure(const QByteArray &parent, FsError error,
                                      const WebDavResponse &response,
                                      std::function<void(FsError)> done)
{
    // Servers answer a missing or non-folder parent in many ways (409, 403, 400, 500...).
    if (error == FsError::Unavailable || error == FsError::TimedOut) {
        report(error, response);
        done(error);
        return;
    }
    stat(parent, true, [this, error, response, done = std::move(done)](FsResult<FsAttr> attr) {
        if (!attr && (attr.error() == FsError::NotFound || attr.error() == FsError::InvalidArgument)) {
            done(FsError::NotFound);
            return;
        }
        if (attr && attr->type != FsType::Directory) {
            done(FsError::NotDirectory);
            return;
        }
        report(error, response);
        done(error);
    });
}

std::optional<FsError> WebDavFileSystem::checkName(const QByteArray &name) const
{
    if (!fsValidName(name))
        return FsError::InvalidName;
    if (uint32_t(name.size()) > capabilities_.maxNameBytes)
        return FsError::NameTooLong;
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Building blocks

void WebDavFileSystem::propfind(const QUrl &url, int depth, PropfindKind kind,
                                PropfindDone done)
{
    WebDavRequest req;
    req.method = "PROPFIND";
    req.url = url;
    req.headers = {{"Depth", QByteArray::number(depth)},
                   {"Content-Type", "application/xml; charset=utf-8"}};
    req.body = propfindBody(kind);
    req.idempotent = true;
    client_->send(std::move(req), [this, done = std::move(done)](WebDavResponse r) {
        if (r.status != 207 && r.status != 200) {
            done(r, std::nullopt);
            return;
        }
        PropfindParser parser;
        std::optional<Resources> resources = parser.parse(r.body);
        if (!resources) {
            r.message = QStringLiteral("The server at %1 answered PROPFIND with something "
                                       "that is not a WebDAV listing (%2). Check that the "
                                       "address points to a WebDAV folder.")
                            .arg(url_.origin(), parser.errorString());
            r.status = 0;
            r.networkError = QNetworkReply::ProtocolInvalidOperationError;
        }
        done(r, std::move(resources));
    });
}

void WebDavFileSystem::stat(const QByteArray &path, bool collection, FsDone<FsAttr> done)
{
    propfind(url_.url(path, collection || path.isEmpty()), 0, PropfindKind::Attributes,
             [this, done = std::move(done)](const WebDavResponse &r,
                                            std::optional<Resources> resources) {
                 if (!resources) {
                     done(failure(DavMethod::Propfind, r));
                     return;
                 }
                 for (const DavResource &res : *resources) {
                     if (res.ok()) {
                         done(fsAttrFromDav(res, {uid_, gid_}));
                         return;
                     }
                 }
                 done(FsError::NotFound);
             });
}

void WebDavFileSystem::list(const QByteArray &path,
                            std::function<void(FsResult<Listing>)> done)
{
    propfind(url_.url(path, true), 1, PropfindKind::Attributes,
             [this, done = std::move(done)](const WebDavResponse &r,
                                            std::optional<Resources> resources) {
                 if (!resources) {
                     // "file/" is 404 on some servers and 400 on others: the callers look
                     // closer before anything is reported.
                     const FsError e = classify(DavMethod::Propfind, r);
                     if (e != FsError::InvalidArgument)
                         report(e, r);
                     done(e);
                     return;
                 }
                 // The folder itself is the response whose href is the URL asked for
                 // (compared decoded, trailing slash ignored); the others are children.
                 const QByteArray self = WebDavUrl::decodedPath(r.url);
                 Listing listing;
                 bool haveSelf = false;
                 bool first = true;
                 for (const DavResource &res : *resources) {
                     const bool wasFirst = first;
                     first = false;
                     if (!res.ok())
                         continue;
                     const QByteArray p = WebDavUrl::hrefPath(res.href, r.url);
                     const bool isSelf = p == self
                         || (wasFirst && !haveSelf && WebDavUrl::parentPath(p) != self);
                     if (isSelf && !haveSelf) {
                         listing.self = fsAttrFromDav(res, {uid_, gid_});
                         haveSelf = true;
                         continue;
                     }
                     const QByteArray name = WebDavUrl::lastSegment(p);
                     if (!fsValidName(name))
                         continue;
                     listing.children.append({name, fsAttrFromDav(res, {uid_, gid_})});
                 }
                 if (!haveSelf) {
                     done(FsError::NotFound);
                     return;
                 }
                 if (listing.self.type != FsType::Directory) {
                     done(FsError::NotDirectory);
                     return;
                 }
                 done(std::move(listing));
             });
}

void WebDavFileSystem::putEmpty(const QByteArray &path, Headers headers,
                                std::function<void(const WebDavResponse &)> done)
{
    WebDavRequest req;
    req.method = "PUT";
    req.url = url_.url(path);
    req.headers = std::move(headers);
    client_->send(std::move(req), std::move(done));
}

// ---------------------------------------------------------------------------------------
// Attributes

void WebDavFileSystem::getattr(const QByteArray &path, FsDone<FsAttr> done)
{
    stat(path, false, std::move(done));
}

void WebDavFileSystem::lookup(const QByteArray &dir, const QByteArray &name,
                              FsDone<FsAttr> done)
{
    if (!fsValidName(name)) {
        done(FsError::NotFound);
        return;
    }
    if (uint32_t(name.size()) > capabilities_.maxNameBytes) {
        done(FsError::NameTooLong);
        return;
    }
    stat(fsJoin(dir, name), false, std::move(done));
}

void WebDavFileSystem::commit(const QByteArray &path, FsDone<FsAttr> done)
{
    // Nothing is buffered here: every change went to the server as a whole request.
    stat(path, false, std::move(done));
}

void WebDavFileSystem::setattr(const QByteArray &path, const FsSetAttr &changes,
                               FsDone<FsAttr> done)
{
    if (capabilities_.readOnly && !changes.empty()) {
        done(FsError::ReadOnly);
        return;
    }
    const std::optional<uint64_t> size = changes.size;
    stat(path, false, [this, path, size, done = std::move(done)](FsResult<FsAttr> attr) {
        // Mode, owner and times have nowhere to go in WebDAV: accepted, left as they are.
        if (!attr || !size) {
            done(std::move(attr));
            return;
        }
        if (attr->type == FsType::Directory) {
            done(FsError::IsDirectory);
            return;
        }
        if (*size == attr->size) {
            done(std::move(attr));
            return;
        }
        if (*size != 0) {
            done(FsError::NotSupported); // the cache layer stages other sizes
            return;
        }
        putEmpty(path, {}, [this, path, done](const WebDavResponse &r) {
            if (!r.success()) {
                done(failure(DavMethod::Put, r));
                return;
            }
            stat(path, false, done);
        });
    });
}

// ---------------------------------------------------------------------------------------
// Data

void WebDavFileSystem::read(const QByteArray &path, uint64_t offset, uint32_t count,
                            FsDone<FsReadResult> done)
{
    getRange(path, offset, count, nullptr, std::move(done));
}

bool WebDavFileSystem::readInto(const QByteArray &path, uint64_t offset, uint32_t count,
                                std::shared_ptr<FsByteSink> sink, FsDone<FsReadResult> done)
{
    // Only bodies DirectGetLane reads are worth streaming; through QNAM they arrive whole.
    if (!client_->streamsGets() || count == 0 || !sink)
        return false;
    getRange(path, offset, count, std::move(sink), std::move(done));
    return true;
}

std::optional<uint64_t> WebDavFileSystem::rangeAnswerTotal(const WebDavResponse &r,
                                                           uint64_t offset, bool &wrongRange)
{
    wrongRange = false;
    if (r.status == 206) {
        const ContentRange cr = parseContentRange(r.header("Content-Range"));
        wrongRange = !cr.valid || cr.first != int64_t(offset);
        if (wrongRange || cr.total < 0)
            return std::nullopt;
        return uint64_t(cr.total);
    }
    if (r.status == 200 && r.sliced) {
        bool ok = false;
        const qint64 length = r.header("Content-Length").toLongLong(&ok);
        return ok && length >= 0 ? std::optional<uint64_t>(uint64_t(length)) : std::nullopt;
    }
    if (r.status == 416) {
        const ContentRange cr = parseContentRange(r.header("Content-Range"));
        return cr.valid && cr.total >= 0 ? std::optional<uint64_t>(uint64_t(cr.total)) : std::nullopt;
    }
    return std::nullopt;
}

void WebDavFileSystem::getRange(const QByteArray &path, uint64_t offset, uint32_t count,
                                std::shared_ptr<FsByteSink> sink, FsDone<FsReadResult> done)
{
    if (count == 0) {
        stat(path, false, [offset, done = std::move(done)](FsResult<FsAttr> attr) {
            if (!attr) {
                done(attr.error());
                return;
            }
            if (attr->type == FsType::Directory) {
                done(FsError::IsDirectory);
                return;
            }
            done(FsReadResult{{}, offset >= attr->size, *attr});
        });
        return;
    }
    count = std::min(count, kMaxReadBytes);
    WebDavRequest req;
    req.method = "GET";
    req.url = url_.url(path);
    req.headers = {{"Range", "bytes=" + QByteArray::number(quint64(offset)) + '-'
                                 + QByteArray::number(quint64(offset + count - 1))},
                   // Ranges of a compressed representation are useless here.
                   {"Accept-Encoding", "identity"}};
    req.idempotent = true;
    req.sliceOffset = offset;
    req.sliceLength = count;
    req.maxBody = qint64(count) + 65536;
    // Bytes the lane streamed into `sink` in its latest attempt.
    auto streamedBytes = std::make_shared<std::atomic<uint64_t>>(0);
    if (sink) {
        // On a lane thread, before the body: only an answer that says the file's size
        // streams (it needs no stat() afterwards); anything else is refused and read()
        // the usual way.
        req.streamHead = [this, sink, offset, streamedBytes](
                             int status, const QList<QPair<QByteArray, QByteArray>> &headers) {
            WebDavResponse head;
            head.status = status;
            head.headers = headers;
            head.sliced = status == 200;
            bool wrongRange = false;
            const std::optional<uint64_t> total = rangeAnswerTotal(head, offset, wrongRange);
            if (!total || status == 416)
                return false;
            streamedBytes->store(0);
            return sink->begin(fsAttrFromHeaders(*total, head.header("ETag"),
                                                 head.header("Last-Modified"), {uid_, gid_}));
        };
        req.streamBody = [sink, streamedBytes](const char *data, size_t size) {
            streamedBytes->fetch_add(size);
            return sink->write(data, size);
        };
        if (sink->takesPipes())
            req.streamBodyPipe = [sink, streamedBytes](int pipeFd, size_t size) {
                streamedBytes->fetch_add(size);
                return sink->writeFromPipe(pipeFd, size);
            };
    }
    client_->send(std::move(req), [this, path, offset, count, sink, streamedBytes,
                                   done = std::move(done)](WebDavResponse r) {
        if (r.streamRefused) {
            done(FsError::NotSupported); // see FileSystem::readInto
            return;
        }
        const QByteArray etag = r.header("ETag");
        const QByteArray lastModified = r.header("Last-Modified");
        // Attributes come from the headers; when they cannot say the size, ask. With a
        // sink, bytes that arrived whole (through QNAM) go to it now.
        const bool streamed = r.streamed;
        auto finish = [this, path, offset, done, sink, streamed, streamedBytes](
                          QByteArray data, std::optional<uint64_t> total, const QByteArray &etag,
                          const QByteArray &lastModified) {
            auto deliver = [offset, done, sink, streamed, streamedBytes](QByteArray data,
                                                                        FsAttr attr) {
                const uint64_t got = streamed ? streamedBytes->load() : uint64_t(data.size());
                if (sink && !streamed
                    && (!sink->begin(attr) || !sink->write(data.constData(), size_t(data.size())))) {
                    done(FsError::NotSupported); // the sink refused: see readInto
                    return;
                }
                FsReadResult result;
                result.eof = offset + got >= attr.size;
                if (!sink)
                    result.data = std::move(data);
                result.attr = std::move(attr);
                done(std::move(result));
            };
            if (total) {
                deliver(std::move(data), fsAttrFromHeaders(*total, etag, lastModified, {uid_, gid_}));
                return;
            }
            stat(path, false, [data = std::move(data), deliver, done](FsResult<FsAttr> attr) mutable {
                if (!attr) {
                    done(attr.error());
                    return;
                }
                deliver(std::move(data), *attr);
            });
        };
        bool wrongRange = false;
        const std::optional<uint64_t> total = rangeAnswerTotal(r, offset, wrongRange);
        if (wrongRange) {
            r.status = 0;
            r.networkError = QNetworkReply::ProtocolFailure;
            r.message = QStringLiteral("The WebDAV server at %1 answered a ranged read with "
                                       "the wrong range (%2).")
                            .arg(url_.origin(), QString::fromLatin1(r.header("Content-Range")));
            done(failure(DavMethod::Get, r));
            return;
        }
        // 206, or 200 without range support (the client cut the slice out of the whole
        // content), or 416: past the end of the file.
        if (r.status == 206 || (r.status == 200 && r.sliced) || r.status == 416) {
            QByteArray data = r.status == 416 ? QByteArray() : std::move(r.body);
            if (data.size() > qsizetype(count))
                data.truncate(count);
            finish(std::move(data), total, etag, lastModified);
            return;
        }
        const FsError e = failure(DavMethod::Get, r);
        if (e == FsError::AccessDenied || e == FsError::NotSupported || e == FsError::Io) {
            // A GET on a folder is refused by many servers: say what it really is.
            stat(path, false, [e, done](FsResult<FsAttr> attr) {
                done(attr && attr->type == FsType::Directory ? FsError::IsDirectory : e);
            });
            return;
        }
        done(e);
    });
}

void WebDavFileSystem::write(const QByteArray &, uint64_t, const QByteArray &, FsStability,
                             FsDone<FsWriteResult> done)
{
    // WebDAV replaces content whole (upload()); the cache layer stages writes.
    done(FsError::NotSupported);
}

void WebDavFileSystem::upload(const QByteArray &path, const QString &localFile,
                              const QByteArray &ifVersion, FsProgress progress,
                              FsDone<FsAttr> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    const QFileInfo info(localFile);
    if (!info.isFile()) {
        remember(QStringLiteral("Cannot upload %1: the local file %2 is missing.")
                     .arg(QString::fromUtf8(path), localFile));
        done(FsError::InvalidArgument);
        return;
    }
    if (ifVersion.isEmpty()) {
        putFile(path, localFile, {}, std::move(progress), std::move(done));
        return;
    }
    // The server enforces If-Match (412 → Exists) when it honours it; the PROPFIND first
    // also catches a conflict on servers that ignore If-Match, and versions that If-Match
    // cannot carry (weak ETags, Last-Modified+size).
    propfind(url_.url(path), 0, PropfindKind::Attributes,
             [this, path, localFile, ifVersion, progress = std::move(progress),
              done = std::move(done)](
                 const WebDavResponse &r, std::optional<Resources> resources) {
                 if (!resources) {
                     const FsError e = classify(DavMethod::Propfind, r);
                     if (e == FsError::NotFound) {
                         done(FsError::Exists); // deleted meanwhile: a conflict too
                         return;
                     }
                     report(e, r);
                     done(e);
                     return;
                 }
                 const DavResource *current = nullptr;
                 for (const DavResource &res : *resources) {
                     if (res.ok()) {
                         current = &res;
                         break;
                     }
                 }
                 if (!current || current->collection
                     || fsAttrFromDav(*current, {uid_, gid_}).version != ifVersion) {
                     done(FsError::Exists);
                     return;
                 }
                 putFile(path, localFile, strongEtag(current->etag) ? current->etag : QByteArray(),
                         progress, done);
             });
}

void WebDavFileSystem::putFile(const QByteArray &path, const QString &localFile,
                               const QByteArray &ifMatch, FsProgress progress,
                               FsDone<FsAttr> done)
{
    WebDavRequest req;
    req.method = "PUT";
    req.url = url_.url(path);
    req.bodyFile = localFile;
    if (progress)
        req.uploadProgress = [progress = std::move(progress)](qint64 sent, qint64 total) {
            progress(uint64_t(sent), uint64_t(total));
        };
    req.headers = {{"Content-Type", "application/octet-stream"}};
    if (!ifMatch.isEmpty())
        req.headers.append({"If-Match", ifMatch});
    client_->send(std::move(req), [this, path, done = std::move(done)](WebDavResponse r) {
        if (!r.success()) {
            if (r.status == 405) {
                done(FsError::IsDirectory); // PUT onto a collection
                return;
            }
            const FsError e = classify(DavMethod::Put, r);
            if (e == FsError::Exists || e == FsError::AccessDenied || e == FsError::NoSpace) {
                report(e, r);
                done(e);
                return;
            }
            explainFailure(WebDavUrl::parentPath('/' + path).mid(1), e, r,
                           [done](FsError err) { done(err); });
            return;
        }
        stat(path, false, done);
    });
}

// ---------------------------------------------------------------------------------------
// Creation

void WebDavFileSystem::create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                              const FsSetAttr &initial, const QByteArray &verifier,
                              FsDone<FsCreated> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    if (const auto bad = checkName(name)) {
        done(*bad);
        return;
    }
    const QByteArray path = fsJoin(dir, name);
    const QByteArray verifierHex = mode == FsCreateMode::Exclusive ? verifier.toHex() : QByteArray();
    // Look first: servers that ignore If-None-Match would otherwise truncate an existing
    // file. If-None-Match: * still closes the window between the look and the PUT.
    stat(path, false, [this, path, mode, initial, verifierHex,
                       done = std::move(done)](FsResult<FsAttr> existing) {
        if (existing) {
            createExisting(path, mode, initial, verifierHex, done);
            return;
        }
        if (existing.error() != FsError::NotFound) {
            done(existing.error());
            return;
        }
        putEmpty(path, {{"If-None-Match", "*"}},
                 [this, path, mode, initial, verifierHex, done](const WebDavResponse &r) {
                     if (r.status == 412) {
                         createExisting(path, mode, initial, verifierHex, done);
                         return;
                     }
                     if (!r.success()) {
                         const FsError e = classify(DavMethod::Put, r);
                         explainFailure(WebDavUrl::parentPath('/' + path).mid(1), e, r,
                                        [done](FsError err) { done(err); });
                         return;
                     }
                     if (mode != FsCreateMode::Exclusive) {
                         finishCreate(path, done);
                         return;
                     }
                     // Keep the verifier as a dead property; servers without dead
                     // properties refuse it, and a retried CREATE then finds it in
                     // exclusiveVerifiers_.
                     exclusiveVerifiers_.remember(path, verifierHex);
                     WebDavRequest patch;
                     patch.method = "PROPPATCH";
                     patch.url = url_.url(path);
                     patch.headers = {{"Content-Type", "application/xml; charset=utf-8"}};
                     patch.body = proppatchVerifierBody(verifierHex);
                     client_->send(std::move(patch), [this, path, done](const WebDavResponse &) {
                         finishCreate(path, done);
                     });
                 });
    });
}

void WebDavFileSystem::createExisting(const QByteArray &path, FsCreateMode mode,
                                      const FsSetAttr &initial, const QByteArray &verifierHex,
                                      FsDone<FsCreated> done)
{
    switch (mode) {
    case FsCreateMode::Guarded:
        done(FsError::Exists);
        return;
    case FsCreateMode::Exclusive:
        // A retried exclusive CREATE succeeds when the file carries the same verifier.
        propfind(url_.url(path), 0, PropfindKind::Verifier,
                 [this, path, verifierHex, done](const WebDavResponse &r,
                                                 std::optional<Resources> resources) {
                     if (!resources) {
                         done(failure(DavMethod::Propfind, r));
                         return;
                     }
                     for (const DavResource &res : *resources) {
                         const bool ours = res.createVerifier
                             ? *res.createVerifier == verifierHex
                             : exclusiveVerifiers_.matches(path, verifierHex);
                         if (res.ok() && !res.collection && ours) {
                             done(FsCreated{fsAttrFromDav(res, {uid_, gid_}), {}});
                             return;
                         }
                     }
                     done(FsError::Exists);
                 });
        return;
    case FsCreateMode::Unchecked:
        break;
    }
    // Unchecked: an existing file is kept, truncated only when size 0 is asked for.
    const bool truncate = initial.size && *initial.size == 0;
    stat(path, false, [this, path, truncate, done](FsResult<FsAttr> attr) {
        if (!attr) {
            done(attr.error());
            return;
        }
        if (attr->type == FsType::Directory) {
            done(FsError::Exists);
            return;
        }
        if (!truncate || attr->size == 0) {
            done(FsCreated{*attr, {}});
            return;
        }
        putEmpty(path, {}, [this, path, done](const WebDavResponse &r) {
            if (!r.success()) {
                done(failure(DavMethod::Put, r));
                return;
            }
            finishCreate(path, done);
        });
    });
}

void WebDavFileSystem::finishCreate(const QByteArray &path, FsDone<FsCreated> done)
{
    stat(path, false, [done](FsResult<FsAttr> attr) {
        if (!attr) {
            done(attr.error());
            return;
        }
        done(FsCreated{*attr, {}});
    });
}

void WebDavFileSystem::mkdir(const QByteArray &dir, const QByteArray &name, const FsSetAttr &,
                             FsDone<FsCreated> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    if (const auto bad = checkName(name)) {
        done(*bad);
        return;
    }
    const QByteArray path = fsJoin(dir, name);
    // Some servers (rclone) answer MKCOL on an existing folder with success, others MKCOL
    // on an existing file with 400: look first.
    stat(path, false, [this, dir, path, done = std::move(done)](FsResult<FsAttr> existing) {
        if (existing) {
            done(FsError::Exists);
            return;
        }
        if (existing.error() != FsError::NotFound) {
            done(existing.error());
            return;
        }
        WebDavRequest req;
        req.method = "MKCOL";
        req.url = url_.url(path, true);
        client_->send(std::move(req), [this, dir, path, done](WebDavResponse r) {
            if (!r.success()) {
                const FsError e = classify(DavMethod::Mkcol, r);
                if (e == FsError::Exists) {
                    done(e);
                    return;
                }
                explainFailure(dir, e, r, [done](FsError err) { done(err); });
                return;
            }
            stat(path, true, [done](FsResult<FsAttr> attr) {
                if (!attr) {
                    done(attr.error());
                    return;
                }
                done(FsCreated{*attr, {}});
            });
        });
    });
}

void WebDavFileSystem::symlink(const QByteArray &, const QByteArray &, const QByteArray &,
                               const FsSetAttr &, FsDone<FsCreated> done)
{
    done(capabilities_.readOnly ? FsError::ReadOnly : FsError::NotSupported);
}

void WebDavFileSystem::mknod(const QByteArray &, const QByteArray &, FsType, const FsSetAttr &,
                             FsDone<FsCreated> done)
{
    done(capabilities_.readOnly ? FsError::ReadOnly : FsError::NotSupported);
}

void WebDavFileSystem::link(const QByteArray &, const QByteArray &, const QByteArray &,
                            FsDone<FsLinked> done)
{
    done(capabilities_.readOnly ? FsError::ReadOnly : FsError::NotSupported);
}

void WebDavFileSystem::readlink(const QByteArray &, FsDone<QByteArray> done)
{
    done(FsError::InvalidArgument); // nothing here is a symlink
}

// ---------------------------------------------------------------------------------------
// Removal and renaming

void WebDavFileSystem::remove(const QByteArray &dir, const QByteArray &name,
                              FsDone<FsDirChange> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    if (!fsValidName(name)) {
        done(FsError::InvalidName);
        return;
    }
    const QByteArray path = fsJoin(dir, name);
    // DELETE removes whole trees: make sure this is not a folder.
    stat(path, false, [this, path, done = std::move(done)](FsResult<FsAttr> attr) {
        if (!attr) {
            done(attr.error());
            return;
        }
        if (attr->type == FsType::Directory) {
            done(FsError::IsDirectory);
            return;
        }
        WebDavRequest req;
        req.method = "DELETE";
        req.url = url_.url(path);
        client_->send(std::move(req), [this, path, done](WebDavResponse r) {
            if (!r.success()) {
                done(failure(DavMethod::Delete, r));
                return;
            }
            exclusiveVerifiers_.forget(path);
            done(FsDirChange{});
        });
    });
}

void WebDavFileSystem::rmdir(const QByteArray &dir, const QByteArray &name,
                             FsDone<FsDirChange> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    if (!fsValidName(name)) {
        done(FsError::InvalidName);
        return;
    }
    const QByteArray path = fsJoin(dir, name);
    // DELETE removes whole trees: only an empty folder may go.
    list(path, [this, path, done = std::move(done)](FsResult<Listing> listing) {
        if (!listing) {
            if (listing.error() != FsError::NotFound
                && listing.error() != FsError::InvalidArgument) {
                done(listing.error());
                return;
            }
            // "path/" is not there; "path" may be a file.
            stat(path, false, [error = listing.error(), done](FsResult<FsAttr> attr) {
                if (!attr)
                    done(attr.error());
                else
                    done(attr->type == FsType::Directory ? error : FsError::NotDirectory);
            });
            return;
        }
        if (!listing->children.isEmpty()) {
            done(FsError::NotEmpty);
            return;
        }
        WebDavRequest req;
        req.method = "DELETE";
        req.url = url_.url(path, true);
        client_->send(std::move(req), [this, done](WebDavResponse r) {
            if (!r.success()) {
                done(failure(DavMethod::Delete, r));
                return;
            }
            done(FsDirChange{});
        });
    });
}

void WebDavFileSystem::rename(const QByteArray &fromDir, const QByteArray &fromName,
                              const QByteArray &toDir, const QByteArray &toName,
                              FsDone<FsRenamed> done)
{
    if (capabilities_.readOnly) {
        done(FsError::ReadOnly);
        return;
    }
    if (!fsValidName(fromName)) {
        done(FsError::InvalidName);
        return;
    }
    if (const auto bad = checkName(toName)) {
        done(*bad);
        return;
    }
    const QByteArray from = fsJoin(fromDir, fromName);
    const QByteArray to = fsJoin(toDir, toName);
    if (to.startsWith(from + '/')) {
        done(FsError::InvalidArgument); // a folder into itself
        return;
    }
    stat(from, false, [this, from, to, done = std::move(done)](FsResult<FsAttr> source) {
        if (!source) {
            done(source.error());
            return;
        }
        const bool isDir = source->type == FsType::Directory;
        if (from == to) {
            done(FsRenamed{});
            return;
        }
        // MOVE with Overwrite: T would replace anything, recursively. POSIX rename only
        // replaces a file by a file, or a folder by an empty folder.
        stat(to, false, [this, from, to, isDir, done](FsResult<FsAttr> target) {
            if (!target) {
                if (target.error() == FsError::NotFound)
                    moveChecked(from, to, isDir, done);
                else
                    done(target.error());
                return;
            }
            const bool targetIsDir = target->type == FsType::Directory;
            if (isDir && !targetIsDir) {
                done(FsError::NotDirectory);
                return;
            }
            if (!isDir && targetIsDir) {
                done(FsError::IsDirectory);
                return;
            }
            if (!isDir) {
                moveChecked(from, to, false, done);
                return;
            }
            list(to, [this, from, to, done](FsResult<Listing> listing) {
                if (!listing) {
                    done(listing.error());
                    return;
                }
                if (!listing->children.isEmpty()) {
                    done(FsError::NotEmpty);
                    return;
                }
                moveChecked(from, to, true, done);
            });
        });
    });
}

void WebDavFileSystem::moveChecked(const QByteArray &from, const QByteArray &to,
                                   bool collection, FsDone<FsRenamed> done)
{
    WebDavRequest req;
    req.method = "MOVE";
    req.url = url_.url(from, collection);
    req.headers = {{"Destination", url_.url(to, collection).toEncoded()}, {"Overwrite", "T"}};
    client_->send(std::move(req), [this, from, to, done = std::move(done)](WebDavResponse r) {
        if (!r.success()) {
            explainFailure(WebDavUrl::parentPath('/' + to).mid(1), classify(DavMethod::Move, r), r,
                           [done](FsError err) { done(err); });
            return;
        }
        exclusiveVerifiers_.forget(from);
        exclusiveVerifiers_.forget(to);
        done(FsRenamed{});
    });
}

// ---------------------------------------------------------------------------------------
// Listing and space

void WebDavFileSystem::readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done)
{
    list(dir, [this, dir, done = std::move(done)](FsResult<Listing> listing) {
        if (listing) {
            done(std::move(listing->children));
            return;
        }
        if ((listing.error() != FsError::NotFound && listing.error() != FsError::InvalidArgument)
            || dir.isEmpty()) {
            done(listing.error());
            return;
        }
        // "dir/" is not there; "dir" may be a file.
        stat(dir, false, [error = listing.error(), done](FsResult<FsAttr> attr) {
            if (!attr)
                done(attr.error());
            else
                done(attr->type == FsType::Directory ? error : FsError::NotDirectory);
        });
    });
}

void WebDavFileSystem::fsstat(const QByteArray &, FsDone<FsStat> done)
{
    propfind(url_.url({}, true), 0, PropfindKind::Quota,
             [this, done = std::move(done)](const WebDavResponse &r,
                                            std::optional<Resources> resources) {
                 if (!resources) {
                     done(failure(DavMethod::Propfind, r));
                     return;
                 }
                 FsStat st;
                 st.totalBytes = st.freeBytes = st.availBytes = kUnknownSpace;
                 st.totalFiles = st.freeFiles = st.availFiles = kUnknownFiles;
                 for (const DavResource &res : *resources) {
                     if (!res.ok() || !res.quotaAvailable)
                         continue;
                     st.freeBytes = st.availBytes = *res.quotaAvailable;
                     st.totalBytes = *res.quotaAvailable + res.quotaUsed.value_or(0);
                     break;
                 }
                 done(st);
             });
}

} // namespace loft::webdav
