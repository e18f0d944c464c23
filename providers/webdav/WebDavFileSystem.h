// The WebDAV provider: a folder on a WebDAV server (Apache mod_dav, Nextcloud/ownCloud,
// rclone serve webdav, ...) served through the provider contract (FileSystem.h).
//
// Threading: the provider owns a QThread on which its WebDavClient (one long-lived
// QNetworkAccessManager) lives. Calls may come from any thread; they are queued to that
// thread, and `done` is called from it, exactly once. Nothing blocks.
//
// Mapping (RFC 4918):
//   getattr/lookup/commit  PROPFIND Depth 0 (only the properties used)
//   readdir                PROPFIND Depth 1
//   read                   GET with Range: bytes=a-b (206; 200 without range support →
//                          the slice is cut from the stream; 416 at end of file → eof)
//   upload                 PUT streamed from the local file, If-Match: <etag> when
//                          ifVersion is given (412 → Exists)
//   create                 PUT of an empty body; Guarded/Exclusive with If-None-Match: *;
//                          the Exclusive verifier is kept as a dead property when the
//                          server stores them (else in ExclusiveVerifiers, in memory),
//                          so a retried CREATE succeeds
//   mkdir                  MKCOL
//   remove / rmdir         DELETE, after a PROPFIND: DELETE is recursive in WebDAV, so
//                          remove refuses folders and rmdir refuses non-empty ones
//   rename                 MOVE with Overwrite: T, after checking source and target so
//                          that POSIX rules hold (no folder is ever replaced recursively)
//   setattr                size 0 → PUT of an empty body; other sizes NotSupported (the
//                          cache layer stages them); mode/owner/times accepted, unchanged
//   fsstat                 PROPFIND quota-available-bytes/quota-used-bytes (RFC 4331)
//   write                  NotSupported: capabilities().randomWrites is false
//   symlink/link/mknod     NotSupported; readlink InvalidArgument
//
// Attributes: see DavAttr.h. Failures that a user should hear about (network, TLS,
// authentication, server errors) are kept in lastError() as one clear sentence.
#pragma once

#include "ExclusiveVerifiers.h"
#include "FileSystem.h"
#include "WebDavUrl.h"

#include <QMutex>
#include <QSslCertificate>
#include <QString>
#include <QThread>
#include <QUrl>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace loft::webdav {

class WebDavClient;
struct WebDavResponse;
struct DavResource;
enum class DavMethod;
enum class PropfindKind;

struct WebDavOptions {
    QUrl url;          // http(s)://host[:port]/path/ of the folder to serve
    QString user;      // empty: anonymous
    QString password;
    bool readOnly = false;
    std::chrono::milliseconds transferTimeout{30000}; // per request, without progress
    int maxTries = 3;                                  // for idempotent requests
    std::chrono::milliseconds retryBaseDelay{250};     // then ×4 per attempt
    std::chrono::milliseconds authRetryAfter{30000};   // after a refused password or certificate
    QList<QSslCertificate> extraCaCertificates;        // trusted besides the system store
    // Ranged GETs over http:// on Loft's own connections (DirectGetLane); the environment
    // variable LOFT_WEBDAV_DIRECT=0 turns it off too.
    bool directGets = true;
};

class WebDavFileSystem final : public FileSystem {
public:
    explicit WebDavFileSystem(const WebDavOptions &options);
    // Fails whatever is still in flight (Unavailable) and stops the thread.
    ~WebDavFileSystem() override;

    // The root URL, without user info — the source's identity in messages.
    QUrl rootUrl() const { return url_.root(); }
    // The last failure a user should know about, in plain words; empty when none.
    // Never contains the password. Thread-safe.
    QString lastError() const override;
    // HTTP requests sent so far (for tests and the status window). Thread-safe.
    quint64 requestsSent() const;
    // Of those, the ranged GETs answered through DirectGetLane. Thread-safe.
    quint64 directAnswers() const;

    FsCapabilities capabilities() const override { return capabilities_; }

    void getattr(const QByteArray &path, FsDone<FsAttr> done) override;
    void setattr(const QByteArray &path, const FsSetAttr &changes, FsDone<FsAttr> done) override;
    void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) override;
    void read(const QByteArray &path, uint64_t offset, uint32_t count,
              FsDone<FsReadResult> done) override;
    // Streams when the GET goes through DirectGetLane (http://, direct GETs on).
    bool readInto(const QByteArray &path, uint64_t offset, uint32_t count,
                  std::shared_ptr<FsByteSink> sink, FsDone<FsReadResult> done) override;
    void write(const QByteArray &path, uint64_t offset, const QByteArray &data,
               FsStability stability, FsDone<FsWriteResult> done) override;
    void commit(const QByteArray &path, FsDone<FsAttr> done) override;
    void create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                const FsSetAttr &initial, const QByteArray &verifier,
                FsDone<FsCreated> done) override;
    void mkdir(const QByteArray &dir, const QByteArray &name, const FsSetAttr &initial,
               FsDone<FsCreated> done) override;
    void symlink(const QByteArray &dir, const QByteArray &name, const QByteArray &target,
                 const FsSetAttr &initial, FsDone<FsCreated> done) override;
    void mknod(const QByteArray &dir, const QByteArray &name, FsType type,
               const FsSetAttr &initial, FsDone<FsCreated> done) override;
    void readlink(const QByteArray &path, FsDone<QByteArray> done) override;
    void remove(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override;
    void rmdir(const QByteArray &dir, const QByteArray &name, FsDone<FsDirChange> done) override;
    void rename(const QByteArray &fromDir, const QByteArray &fromName, const QByteArray &toDir,
                const QByteArray &toName, FsDone<FsRenamed> done) override;
    void link(const QByteArray &path, const QByteArray &toDir, const QByteArray &toName,
              FsDone<FsLinked> done) override;
    void readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done) override;
    void fsstat(const QByteArray &path, FsDone<FsStat> done) override;
    void upload(const QByteArray &path, const QString &localFile, const QByteArray &ifVersion,
                FsProgress progress, FsDone<FsAttr> done) override;

    // The largest READ served by one GET; larger requests return a short read.
    static constexpr uint32_t kMaxReadBytes = 16u << 20;

private:
    using Resources = QList<DavResource>;
    using PropfindDone =
        std::function<void(const WebDavResponse &, std::optional<Resources> resources)>;

    void propfind(const QUrl &url, int depth, PropfindKind kind, PropfindDone done);
    // Attributes of `path` (PROPFIND Depth 0).
    void stat(const QByteArray &path, bool collection, FsDone<FsAttr> done);
    // Depth-1 listing of `path`: the folder itself and its children by name.
    struct Listing;
    void list(const QByteArray &path, std::function<void(FsResult<Listing>)> done);
    void putEmpty(const QByteArray &path, QList<QPair<QByteArray, QByteArray>> headers,
                  std::function<void(const WebDavResponse &)> done);
    void createExisting(const QByteArray &path, FsCreateMode mode, const FsSetAttr &initial,
                        const QByteArray &verifierHex, FsDone<FsCreated> done);
    void finishCreate(const QByteArray &path, FsDone<FsCreated> done);
    void moveChecked(const QByteArray &from, const QByteArray &to, bool collection,
                     FsDone<FsRenamed> done);
    void putFile(const QByteArray &path, const QString &localFile, const QByteArray &ifMatch,
                 FsProgress progress, FsDone<FsAttr> done);

    // read() and readInto(): one ranged GET, its body to `sink` when there is one.
    void getRange(const QByteArray &path, uint64_t offset, uint32_t count,
                  std::shared_ptr<FsByteSink> sink, FsDone<FsReadResult> done);
    // The file's size as an answer to a ranged GET at `offset` gives it (206 with its
    // Content-Range, a 200 cut to the slice, 416), nullopt when it does not say;
    // `wrongRange` when a 206 holds another range than the one asked for.
    static std::optional<uint64_t> rangeAnswerTotal(const WebDavResponse &r, uint64_t offset,
                                                    bool &wrongRange);
    // Maps a failed answer to an FsError, remembering the message when a user should see
    // it (network, TLS, authentication, server trouble — not "not found" and the like).
    FsError failure(DavMethod method, const WebDavResponse &response);
    // The same without remembering anything yet (the caller may learn more first).
    static FsError classify(DavMethod method, const WebDavResponse &response);
    void report(FsError error, const WebDavResponse &response);
    void remember(const QString &message);
    // After a failed request on `path`: NotDirectory when a parent folder is a file,
    // NotFound when it is missing, else `error` (reported).
    void explainFailure(const QByteArray &parent, FsError error, const WebDavResponse &response,
                        std::function<void(FsError)> done);
    std::optional<FsError> checkName(const QByteArray &name) const;

    WebDavUrl url_;
    FsCapabilities capabilities_;
    uint32_t uid_ = 0;
    uint32_t gid_ = 0;
    QThread thread_;
    WebDavClient *client_ = nullptr; // lives on thread_
    ExclusiveVerifiers exclusiveVerifiers_; // used on thread_
    mutable QMutex errorMutex_;
    QString lastError_;
};

} // namespace loft::webdav
