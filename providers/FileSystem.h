// The provider contract: the one interface the NFS server calls and every storage
// backend (local folder, WebDAV, SFTP, the cache decorator) implements.
//
// It speaks paths, its own attributes and its own errors; it knows nothing of NFS
// (no fattr3, no nfsstat3, no file handles). The core maps file ids and handles to
// paths and translates FsError to nfsstat3 at one edge (nfscore/NfsStatusMap).
//
// Every operation is asynchronous: it returns at once and calls `done` exactly once,
// from any thread. Callers that need a particular thread hop there themselves.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

namespace loft {

// Errors a provider can report. Each maps to exactly one nfsstat3.
enum class FsError {
    NotFound,      // ENOENT
    Exists,        // EEXIST
    NotDirectory,  // ENOTDIR
    IsDirectory,   // EISDIR
    NotEmpty,      // ENOTEMPTY
    NameTooLong,   // ENAMETOOLONG
    InvalidName,   // "", ".", "..", '/', NUL where a name is created
    AccessDenied,  // EACCES
    NotPermitted,  // EPERM (not owner)
    ReadOnly,      // EROFS or a read-only source
    NoSpace,       // ENOSPC
    QuotaExceeded, // EDQUOT
    FileTooBig,    // EFBIG
    TooManyLinks,  // EMLINK
    CrossDevice,   // EXDEV
    InvalidArgument, // EINVAL
    NotSupported,  // ENOTSUP / operation the backend cannot do
    Stale,         // the object vanished between lookup and use
    TimedOut,      // backend did not answer in time; the client should retry later
    Unavailable,   // backend unreachable right now; the client should retry later
    Io,            // anything else
};

// A value or an FsError.
template <class T>
class FsResult {
public:
    FsResult(T value) : v_(std::move(value)) {}
    FsResult(FsError e) : v_(e) {}
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    FsError error() const { return std::get<1>(v_); }
    T &value() { return std::get<0>(v_); }
    const T &value() const { return std::get<0>(v_); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }

private:
    std::variant<T, FsError> v_;
};

struct FsVoid {};

struct FsTime {
    int64_t sec = 0;
    uint32_t nsec = 0;
    friend bool operator==(const FsTime &, const FsTime &) = default;
};

enum class FsType { File, Directory, Symlink, BlockDevice, CharDevice, Socket, Fifo };

struct FsAttr {
    FsType type = FsType::File;
    uint32_t mode = 0; // permission bits only (07777)
    uint32_t nlink = 1;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t size = 0;
    uint64_t used = 0; // bytes of storage actually used
    uint64_t rdev = 0;
    // Identifies the underlying object (an inode number, a remote id, or 0 when the
    // backend has none). The core uses it to notice that a path now names another object.
    uint64_t identity = 0;
    FsTime atime, mtime, ctime;
    // Changes whenever the content changes (a WebDAV ETag, or mtime+size); empty when the
    // backend has none. The cache layer uses it to tell whether cached data is current.
    QByteArray version;
};

// What SETATTR / CREATE may change. Absent fields stay as they are.
struct FsSetAttr {
    std::optional<uint32_t> mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    std::optional<uint64_t> size;
    enum class TimeHow { Keep, ServerNow, Given };
    TimeHow atimeHow = TimeHow::Keep;
    TimeHow mtimeHow = TimeHow::Keep;
    FsTime atime, mtime;
    bool empty() const
    {
        return !mode && !uid && !gid && !size && atimeHow == TimeHow::Keep
            && mtimeHow == TimeHow::Keep;
    }
};

struct FsDirEntry {
    QByteArray name;
    FsAttr attr;
};

struct FsStat {
    uint64_t totalBytes = 0, freeBytes = 0, availBytes = 0;
    uint64_t totalFiles = 0, freeFiles = 0, availFiles = 0;
};

// A run of bytes of an open local file: what readToSend() may answer instead of copying
// them into memory. `holder` keeps `fd` open while anyone holds the slice.
struct FsFileSlice {
    std::shared_ptr<const void> holder;
    int fd = -1;
    uint64_t offset = 0;
    uint32_t length = 0;
};

struct FsReadResult {
    QByteArray data;
    bool eof = false;
    FsAttr attr; // attributes after the read
    std::optional<FsFileSlice> slice; // only from readToSend(); then `data` is empty
};

enum class FsStability { Unstable, DataSync, FileSync };

struct FsWriteResult {
    uint32_t count = 0;
    FsStability committed = FsStability::Unstable;
    FsAttr before; // attributes just before the write (weak cache consistency)
    FsAttr after;
};

enum class FsCreateMode { Unchecked, Guarded, Exclusive };

// Attributes of a directory before and after a change, for weak cache consistency.
struct FsDirChange {
    std::optional<FsAttr> before;
    std::optional<FsAttr> after;
};

struct FsCreated {
    FsAttr attr;      // the new object
    FsDirChange dir;  // its parent
};

struct FsRenamed {
    FsDirChange fromDir, toDir;
};

struct FsLinked {
    FsAttr attr;      // the file, now with one more link
    FsDirChange dir;  // the directory the link was made in
};

struct FsCapabilities {
    bool readOnly = false;
    bool hardLinks = true;
    bool symlinks = true;
    bool caseInsensitive = false;
    uint32_t maxNameBytes = 255;
    uint64_t maxFileSize = UINT64_MAX >> 1;
    // write() at any offset works in place (local, SFTP). When false (WebDAV) content is
    // replaced whole through upload(), and the cache layer stages writes locally.
    bool randomWrites = true;
    // The backend is across a network: worth wrapping in the cache layer.
    bool remote = false;
};

template <class T>
using FsDone = std::function<void(FsResult<T>)>;

// What a caller tells the provider about its own queue while it makes a call, on the
// calling thread: whether other calls of the same client wait behind this one. A provider
// that may answer on the caller's thread (the local provider's quick calls) does so for
// a large call only when nothing waits: a lone call saves the hand-off to its pool, while
// pipelined calls gain more from being read in parallel on the pool.
class FsCallerQueue {
public:
    static bool othersWaiting() { return othersWaiting_; }
    class Scope {
    public:
        explicit Scope(bool othersWaiting) : outer_(othersWaiting_) { othersWaiting_ = othersWaiting; }
        ~Scope() { othersWaiting_ = outer_; }
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        bool outer_;
    };

private:
    static inline thread_local bool othersWaiting_ = true; // unknown: assume busy
};

// How far a transfer has got: `sent` of `total` bytes are on the wire. Called from any
// thread, possibly often (every few KiB), so it must be quick; may be empty.
using FsProgress = std::function<void(uint64_t sent, uint64_t total)>;

// Takes the bytes of FileSystem::readInto() as they arrive, on whatever thread the
// provider reads them, one call at a time. A stream may start over (a transfer broken off
// and sent again): begin() is then called again and the bytes come again from the first.
class FsByteSink {
public:
    virtual ~FsByteSink() = default;
    // Before the first byte: the file's attributes as the answer gives them. False
    // refuses the bytes; the read then ends with an error.
    virtual bool begin(const FsAttr &attr) = 0;
    // The next bytes, in order. False stops the read (it ends with an error).
    virtual bool write(const char *data, size_t size) = 0;
    // A sink that can take bytes straight out of a pipe says so: a provider that receives
    // them from a socket may then splice them into a pipe and call writeFromPipe() for
    // them, so that they never pass through user-space memory.
    virtual bool takesPipes() const { return false; }
    // The next `size` bytes, in order, waiting in the pipe `pipeFd`: the sink takes all of
    // them, or returns false (the read then ends with an error, as with write()).
    virtual bool writeFromPipe(int pipeFd, size_t size)
    {
        Q_UNUSED(pipeFd) Q_UNUSED(size)
        return false;
    }
};

// Paths are relative to the source's root, '/'-separated, with no leading slash and no
// "." or ".." components; the root itself is the empty path. Names are single components.
class FileSystem {
public:
    virtual ~FileSystem() = default;

    virtual FsCapabilities capabilities() const = 0;

    virtual void getattr(const QByteArray &path, FsDone<FsAttr> done) = 0;
    virtual void setattr(const QByteArray &path, const FsSetAttr &changes,
                         FsDone<FsAttr> done) = 0;
    // Attributes of dir/name. The core calls this for LOOKUP.
    virtual void lookup(const QByteArray &dir, const QByteArray &name, FsDone<FsAttr> done) = 0;
    virtual void read(const QByteArray &path, uint64_t offset, uint32_t count,
                      FsDone<FsReadResult> done) = 0;
    // read() for a caller that sends the bytes on to a socket and can do so straight from
    // a local file (sendfile): a provider whose bytes sit in one may answer with
    // FsReadResult::slice instead of `data`. Others need not override it.
    virtual void readToSend(const QByteArray &path, uint64_t offset, uint32_t count,
                            FsDone<FsReadResult> done)
    {
        read(path, offset, count, std::move(done));
    }
    // read() into `sink` as the bytes arrive instead of into memory: for a caller that
    // writes them to a local file anyway (the block cache), a provider that reads them off
    // a socket itself saves the copy through memory. `done` comes after the last byte;
    // its FsReadResult has no data, `eof` and `attr` as read() gives them. False (nothing
    // called): this provider does not stream this read; call read().
    virtual bool readInto(const QByteArray &path, uint64_t offset, uint32_t count,
                          std::shared_ptr<FsByteSink> sink, FsDone<FsReadResult> done)
    {
        Q_UNUSED(path) Q_UNUSED(offset) Q_UNUSED(count) Q_UNUSED(sink) Q_UNUSED(done)
        return false;
    }
    virtual void write(const QByteArray &path, uint64_t offset, const QByteArray &data,
                       FsStability stability, FsDone<FsWriteResult> done) = 0;
    // Make every earlier write to path durable.
    virtual void commit(const QByteArray &path, FsDone<FsAttr> done) = 0;
    // For Exclusive, `verifier` (8 bytes) is stored with the file so that a retried
    // CREATE with the same verifier succeeds; `initial` is then ignored.
    virtual void create(const QByteArray &dir, const QByteArray &name, FsCreateMode mode,
                        const FsSetAttr &initial, const QByteArray &verifier,
                        FsDone<FsCreated> done) = 0;
    virtual void mkdir(const QByteArray &dir, const QByteArray &name, const FsSetAttr &initial,
                       FsDone<FsCreated> done) = 0;
    virtual void symlink(const QByteArray &dir, const QByteArray &name, const QByteArray &target,
                         const FsSetAttr &initial, FsDone<FsCreated> done) = 0;
    virtual void mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                       const FsSetAttr &initial, FsDone<FsCreated> done) = 0;
    virtual void readlink(const QByteArray &path, FsDone<QByteArray> done) = 0;
    virtual void remove(const QByteArray &dir, const QByteArray &name,
                        FsDone<FsDirChange> done) = 0;
    virtual void rmdir(const QByteArray &dir, const QByteArray &name,
                       FsDone<FsDirChange> done) = 0;
    virtual void rename(const QByteArray &fromDir, const QByteArray &fromName,
                        const QByteArray &toDir, const QByteArray &toName,
                        FsDone<FsRenamed> done) = 0;
    virtual void link(const QByteArray &path, const QByteArray &toDir, const QByteArray &toName,
                      FsDone<FsLinked> done) = 0;
    // The whole listing of a directory, without "." and "..", each with attributes.
    virtual void readdir(const QByteArray &dir, FsDone<QList<FsDirEntry>> done) = 0;
    virtual void fsstat(const QByteArray &path, FsDone<FsStat> done) = 0;

    // Replaces (or creates) the file at `path` with the whole content of `localFile`.
    // With a non-empty `ifVersion` the upload only happens while the remote still has
    // that version (else Exists: someone changed it meanwhile). Returns the new attributes.
    // `progress` (may be empty) hears how many bytes are sent as they go.
    // Backends without whole-object transfer keep this default.
    virtual void upload(const QByteArray &path, const QString &localFile,
                        const QByteArray &ifVersion, FsProgress progress, FsDone<FsAttr> done)
    {
        Q_UNUSED(path);
        Q_UNUSED(localFile);
        Q_UNUSED(ifVersion);
        Q_UNUSED(progress);
        done(FsError::NotSupported);
    }

    // The last failure a person should know about (refused password, unreachable host,
    // untrusted certificate, full disk ...) in one plain sentence; empty when there is
    // none or the backend has no more to say than its FsError. Thread-safe.
    virtual QString lastError() const { return {}; }
};

inline QByteArray fsJoin(const QByteArray &dir, const QByteArray &name)
{
    if (dir.isEmpty())
        return name;
    return dir + '/' + name;
}

// True when `name` may be created as one path component.
inline bool fsValidName(const QByteArray &name)
{
    return !name.isEmpty() && name != "." && name != ".." && !name.contains('/')
        && !name.contains('\0');
}

inline const char *fsErrorName(FsError e)
{
    switch (e) {
    case FsError::NotFound: return "not found";
    case FsError::Exists: return "already exists";
    case FsError::NotDirectory: return "not a directory";
    case FsError::IsDirectory: return "is a directory";
    case FsError::NotEmpty: return "directory not empty";
    case FsError::NameTooLong: return "name too long";
    case FsError::InvalidName: return "invalid name";
    case FsError::AccessDenied: return "access denied";
    case FsError::NotPermitted: return "operation not permitted";
    case FsError::ReadOnly: return "read-only";
    case FsError::NoSpace: return "no space left";
    case FsError::QuotaExceeded: return "quota exceeded";
    case FsError::FileTooBig: return "file too big";
    case FsError::TooManyLinks: return "too many links";
    case FsError::CrossDevice: return "cross-device link";
    case FsError::InvalidArgument: return "invalid argument";
    case FsError::NotSupported: return "not supported";
    case FsError::Stale: return "stale";
    case FsError::TimedOut: return "timed out";
    case FsError::Unavailable: return "backend unavailable";
    case FsError::Io: return "I/O error";
    }
    return "unknown error";
}

} // namespace loft
