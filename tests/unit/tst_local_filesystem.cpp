// Tests of the local-folder provider against a real folder on disk.
#include "LocalFileSystem.h"
#include "PosixErrorMap.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <future>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <thread>
#include <unistd.h>

using namespace loft;
using namespace std::chrono_literals;

namespace loft {
char *toString(FsError e)
{
    return qstrdup(fsErrorName(e));
}
char *toString(FsType t)
{
    static const char *const names[] = {"File", "Directory", "Symlink", "BlockDevice",
                                        "CharDevice", "Socket", "Fifo"};
    return qstrdup(names[int(t)]);
}
} // namespace loft

namespace {

// Bookkeeping of the contract, checked after every test function.
std::atomic<int> g_doneTwice{0};
std::atomic<int> g_doneOnCallerThread{0};

// Starts an asynchronous call and waits for its one `done`.
template <class T, class Start>
FsResult<T> await(Start &&start)
{
    struct State {
        std::promise<FsResult<T>> promise;
        std::atomic<int> calls{0};
    };
    auto state = std::make_shared<State>();
    auto future = state->promise.get_future();
    const auto caller = std::this_thread::get_id();
    start(FsDone<T>([state, caller](FsResult<T> result) {
        if (std::this_thread::get_id() == caller)
            ++g_doneOnCallerThread;
        if (state->calls.fetch_add(1) != 0) {
            ++g_doneTwice;
            return;
        }
        state->promise.set_value(std::move(result));
    }));
    if (future.wait_for(60s) != std::future_status::ready)
        qFatal("a provider call never called done");
    return future.get();
}

// The provider with every call made synchronous.
struct SyncFs {
    FileSystem *fs;

    FsResult<FsAttr> getattr(const QByteArray &p)
    {
        return await<FsAttr>([&](auto d) { fs->getattr(p, std::move(d)); });
    }
    FsResult<FsAttr> setattr(const QByteArray &p, const FsSetAttr &c)
    {
        return await<FsAttr>([&](auto d) { fs->setattr(p, c, std::move(d)); });
    }
    FsResult<FsAttr> lookup(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsAttr>([&](auto d) { fs->lookup(dir, name, std::move(d)); });
    }
    FsResult<FsReadResult> read(const QByteArray &p, uint64_t offset, uint32_t count)
    {
        return await<FsReadResult>([&](auto d) { fs->read(p, offset, count, std::move(d)); });
    }
    FsResult<FsReadResult> readToSend(const QByteArray &p, uint64_t offset, uint32_t count)
    {
        return await<FsReadResult>([&](auto d) { fs->readToSend(p, offset, count, std::move(d)); });
    }
    FsResult<FsWriteResult> write(const QByteArray &p, uint64_t offset, const QByteArray &data,
                                  FsStability s = FsStability::Unstable)
    {
        return await<FsWriteResult>(
            [&](auto d) { fs->write(p, offset, data, s, std::move(d)); });
    }
    FsResult<FsAttr> commit(const QByteArray &p)
    {
        return await<FsAttr>([&](auto d) { fs->commit(p, std::move(d)); });
    }
    FsResult<FsCreated> create(const QByteArray &dir, const QByteArray &name,
                               FsCreateMode mode = FsCreateMode::Guarded,
                               const FsSetAttr &initial = {}, const QByteArray &verf = {})
    {
        return await<FsCreated>(
            [&](auto d) { fs->create(dir, name, mode, initial, verf, std::move(d)); });
    }
    FsResult<FsCreated> mkdir(const QByteArray &dir, const QByteArray &name,
                              const FsSetAttr &initial = {})
    {
        return await<FsCreated>([&](auto d) { fs->mkdir(dir, name, initial, std::move(d)); });
    }
    FsResult<FsCreated> symlink(const QByteArray &dir, const QByteArray &name,
                                const QByteArray &target, const FsSetAttr &initial = {})
    {
        return await<FsCreated>(
            [&](auto d) { fs->symlink(dir, name, target, initial, std::move(d)); });
    }
    FsResult<FsCreated> mknod(const QByteArray &dir, const QByteArray &name, FsType type,
                              const FsSetAttr &initial = {})
    {
        return await<FsCreated>(
            [&](auto d) { fs->mknod(dir, name, type, initial, std::move(d)); });
    }
    FsResult<QByteArray> readlink(const QByteArray &p)
    {
        return await<QByteArray>([&](auto d) { fs->readlink(p, std::move(d)); });
    }
    FsResult<FsDirChange> remove(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsDirChange>([&](auto d) { fs->remove(dir, name, std::move(d)); });
    }
    FsResult<FsDirChange> rmdir(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsDirChange>([&](auto d) { fs->rmdir(dir, name, std::move(d)); });
    }
    FsResult<FsRenamed> rename(const QByteArray &fd, const QByteArray &fn, const QByteArray &td,
                               const QByteArray &tn)
    {
        return await<FsRenamed>([&](auto d) { fs->rename(fd, fn, td, tn, std::move(d)); });
    }
    FsResult<FsLinked> link(const QByteArray &p, const QByteArray &td, const QByteArray &tn)
    {
        return await<FsLinked>([&](auto d) { fs->link(p, td, tn, std::move(d)); });
    }
    FsResult<QList<FsDirEntry>> readdir(const QByteArray &dir)
    {
        return await<QList<FsDirEntry>>([&](auto d) { fs->readdir(dir, std::move(d)); });
    }
    FsResult<FsStat> fsstat(const QByteArray &p)
    {
        return await<FsStat>([&](auto d) { fs->fsstat(p, std::move(d)); });
    }
};

template <class T>
const char *whyNot(const FsResult<T> &r)
{
    return r.ok() ? "" : fsErrorName(r.error());
}

#define VERIFY_OK(expr)                                                                         \
    do {                                                                                        \
        const auto &r_ = (expr);                                                                \
        QVERIFY2(r_.ok(), qPrintable(QStringLiteral(#expr " failed: ") + whyNot(r_)));         \
    } while (false)

#define VERIFY_ERROR(expr, expected)                                                            \
    do {                                                                                        \
        const auto &r_ = (expr);                                                                \
        QVERIFY2(!r_.ok(), #expr " succeeded; expected " #expected);                            \
        QCOMPARE(r_.error(), expected);                                                         \
    } while (false)

FsSetAttr modeAttr(uint32_t mode)
{
    FsSetAttr a;
    a.mode = mode;
    return a;
}

FsSetAttr sizeAttr(uint64_t size)
{
    FsSetAttr a;
    a.size = size;
    return a;
}

QByteArray pattern(qsizetype size, int seed)
{
    QByteArray data(size, Qt::Uninitialized);
    uint32_t x = uint32_t(seed) * 2654435761u + 1;
    for (qsizetype i = 0; i < size; ++i) {
        x = x * 1103515245u + 12345u;
        data[i] = char(x >> 24);
    }
    return data;
}

bool lstatPath(const QString &path, struct stat *st)
{
    return ::lstat(QFile::encodeName(path).constData(), st) == 0;
}

// Everything observable about a tree on disk except access times.
QStringList snapshot(const QString &dir)
{
    QStringList lines;
    auto describe = [&](const QString &path) {
        struct stat st;
        if (!lstatPath(path, &st)) {
            lines << path + QStringLiteral(" (vanished)");
            return;
        }
        QString line = QStringLiteral("%1 mode=%2 uid=%3 gid=%4 size=%5 ino=%6 nlink=%7 "
                                      "mtime=%8.%9 ctime=%10.%11")
                           .arg(QDir(dir).relativeFilePath(path))
                           .arg(st.st_mode, 0, 8)
                           .arg(st.st_uid)
                           .arg(st.st_gid)
                           .arg(qint64(st.st_size))
                           .arg(quint64(st.st_ino))
                           .arg(quint64(st.st_nlink))
                           .arg(qint64(st.st_mtim.tv_sec))
                           .arg(qint64(st.st_mtim.tv_nsec))
                           .arg(qint64(st.st_ctim.tv_sec))
                           .arg(qint64(st.st_ctim.tv_nsec));
        if (S_ISREG(st.st_mode)) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                line += QStringLiteral(" sha=")
                    + QString::fromLatin1(
                            QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha1)
                                .toHex());
        } else if (S_ISLNK(st.st_mode)) {
            line += QStringLiteral(" -> ") + QFile::symLinkTarget(path);
            char buffer[4096];
            ssize_t n = ::readlink(QFile::encodeName(path).constData(), buffer, sizeof buffer);
            line += QStringLiteral(" raw=") + QString::fromLocal8Bit(buffer, n > 0 ? n : 0);
        }
        lines << line;
    };
    describe(dir);
    QDirIterator it(dir, QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        describe(it.next());
    lines.sort();
    return lines;
}

} // namespace

class TestLocalFileSystem : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> tmp_;
    QString root_;
    QString outside_;
    std::unique_ptr<LocalFileSystem> fs_;
    SyncFs s_{nullptr};
    bool portable_ = false;

    QString disk(const QString &rel) const { return root_ + QLatin1Char('/') + rel; }
    QByteArray diskPath(const QString &rel) const { return QFile::encodeName(disk(rel)); }
    void writeDisk(const QString &rel, const QByteArray &data) const
    {
        QFile f(disk(rel));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(data), data.size());
    }
    QByteArray readDisk(const QString &rel) const
    {
        QFile f(disk(rel));
        if (!f.open(QIODevice::ReadOnly))
            return QByteArray("<missing>");
        return f.readAll();
    }
    bool existsOnDisk(const QString &rel) const
    {
        struct stat st;
        return lstatPath(disk(rel), &st);
    }
    struct stat statDisk(const QString &rel) const
    {
        struct stat st {};
        lstatPath(disk(rel), &st);
        return st;
    }
    // Every call goes through the pool here, so the bookkeeping can check that `done` never
    // runs on the caller's thread; quick inline queries have their own tests below.
    static LocalFileSystemOptions pooledOnly()
    {
        LocalFileSystemOptions options;
        options.inlineQuickCalls = false;
        return options;
    }

    std::unique_ptr<LocalFileSystem> makeFs(bool readOnly, LocalFileSystemOptions options = pooledOnly())
    {
        options.portableResolver = portable_;
        QString error;
        auto fs = LocalFileSystem::open(root_, readOnly, &error, options);
        if (!fs)
            qWarning("open failed: %s", qPrintable(error));
        return fs;
    }
    static void resolverRows()
    {
        QTest::addColumn<bool>("unused");
        QTest::newRow("openat2") << true;
        QTest::newRow("walk") << true;
    }

private slots:
    void init()
    {
        g_doneTwice = 0;
        g_doneOnCallerThread = 0;
        portable_ = qstrcmp(QTest::currentDataTag(), "walk") == 0;
        tmp_ = std::make_unique<QTemporaryDir>();
        QVERIFY(tmp_->isValid());
        root_ = tmp_->path() + QStringLiteral("/root");
        outside_ = tmp_->path() + QStringLiteral("/outside");
        QVERIFY(QDir().mkpath(root_));
        QVERIFY(QDir().mkpath(outside_));
        fs_ = makeFs(false);
        QVERIFY(fs_);
        s_.fs = fs_.get();
    }

    void cleanup()
    {
        fs_.reset();
        s_.fs = nullptr;
        QCOMPARE(g_doneTwice.load(), 0);
        QCOMPARE(g_doneOnCallerThread.load(), 0);
        if (tmp_) {
            // Make everything removable again (setattr tests drop permissions).
            QDirIterator it(tmp_->path(), QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden,
                            QDirIterator::Subdirectories);
            while (it.hasNext())
                ::chmod(QFile::encodeName(it.next()).constData(), 0755);
        }
        tmp_.reset();
    }

    // ---------------------------------------------------------------------------------
    void openRejectsBadRoots()
    {
        QString error;
        QVERIFY(!LocalFileSystem::open(tmp_->path() + "/missing", false, &error));
        QVERIFY2(error.contains("does not exist"), qPrintable(error));
        writeDisk("plain", "x");
        QVERIFY(!LocalFileSystem::open(disk("plain"), false, &error));
        QVERIFY2(error.contains("not a folder"), qPrintable(error));
        QVERIFY(!LocalFileSystem::open(QString(), false, &error));
        QVERIFY(!error.isEmpty());

        LocalFileSystem broken(tmp_->path() + "/missing", false);
        QVERIFY(!broken.isValid());
        QVERIFY(!broken.errorString().isEmpty());
        SyncFs b{&broken};
        VERIFY_ERROR(b.getattr(""), FsError::Unavailable);
        VERIFY_ERROR(b.readdir(""), FsError::Unavailable);

        if (::geteuid() != 0) {
            QVERIFY(QDir().mkpath(disk("locked")));
            ::chmod(diskPath("locked").constData(), 0);
            QVERIFY(!LocalFileSystem::open(disk("locked"), false, &error));
            QVERIFY2(error.contains("permission denied"), qPrintable(error));
        }
    }

    void resolverSelection_data() { resolverRows(); }
    void resolverSelection()
    {
        // This machine's kernel has openat2; the portable walk is forced in "walk" rows.
        QCOMPARE(fs_->usesOpenat2(), !portable_);
    }

    void capabilities()
    {
        const FsCapabilities c = fs_->capabilities();
        QVERIFY(!c.readOnly);
        QVERIFY(c.symlinks);
        QVERIFY(c.hardLinks);
        QCOMPARE(c.maxNameBytes, 255u);
        auto ro = makeFs(true);
        QVERIFY(ro->capabilities().readOnly);
    }

    void errnoMapping()
    {
        const struct {
            int err;
            FsError expected;
        } table[] = {
            {ENOENT, FsError::NotFound},        {EEXIST, FsError::Exists},
            {ENOTDIR, FsError::NotDirectory},   {EISDIR, FsError::IsDirectory},
            {ENOTEMPTY, FsError::NotEmpty},     {ENAMETOOLONG, FsError::NameTooLong},
            {EACCES, FsError::AccessDenied},    {EPERM, FsError::NotPermitted},
            {EROFS, FsError::ReadOnly},         {ENOSPC, FsError::NoSpace},
            {EDQUOT, FsError::QuotaExceeded},   {EFBIG, FsError::FileTooBig},
            {EMLINK, FsError::TooManyLinks},    {EXDEV, FsError::CrossDevice},
            {EINVAL, FsError::InvalidArgument}, {ELOOP, FsError::NotDirectory},
            {ENOTSUP, FsError::NotSupported},   {EOPNOTSUPP, FsError::NotSupported},
            {ESTALE, FsError::Stale},           {EIO, FsError::Io},
            {EBADF, FsError::Io},               {ENXIO, FsError::Io},
        };
        for (const auto &row : table)
            QCOMPARE(fsErrorFromErrno(row.err), row.expected);
        QCOMPARE(fsErrorFromErrno(EEXIST, ErrnoContext::DirectoryReplace), FsError::NotEmpty);
        QCOMPARE(fsErrorFromErrno(ENOTEMPTY, ErrnoContext::DirectoryReplace), FsError::NotEmpty);
        QCOMPARE(fsErrorFromErrno(ELOOP, ErrnoContext::Leaf), FsError::InvalidArgument);
        QCOMPARE(fsErrorFromErrno(ENOENT, ErrnoContext::Leaf), FsError::NotFound);
    }

    // ---------------------------------------------------------------------------------
    void getattrAndLookup_data() { resolverRows(); }
    void getattrAndLookup()
    {
        writeDisk("a.txt", "hello");
        QVERIFY(QDir().mkpath(disk("d/sub")));
        writeDisk("d/sub/e.txt", "0123456789");
        QVERIFY(QFile::link("a.txt", disk("d/ln")));

        auto root = s_.getattr("");
        VERIFY_OK(root);
        QCOMPARE(root->type, FsType::Directory);
        QCOMPARE(root->identity, uint64_t(statDisk("").st_ino));

        auto a = s_.getattr("a.txt");
        VERIFY_OK(a);
        const struct stat st = statDisk("a.txt");
        QCOMPARE(a->type, FsType::File);
        QCOMPARE(a->size, uint64_t(5));
        QCOMPARE(a->mode, uint32_t(st.st_mode & 07777));
        QCOMPARE(a->nlink, 1u);
        QCOMPARE(a->uid, uint32_t(st.st_uid));
        QCOMPARE(a->gid, uint32_t(st.st_gid));
        QCOMPARE(a->used, uint64_t(st.st_blocks) * 512);
        QCOMPARE(a->identity, uint64_t(st.st_ino));
        QCOMPARE(a->mtime.sec, int64_t(st.st_mtim.tv_sec));
        QCOMPARE(a->mtime.nsec, uint32_t(st.st_mtim.tv_nsec));
        QCOMPARE(a->ctime.nsec, uint32_t(st.st_ctim.tv_nsec));

        auto deep = s_.getattr("d/sub/e.txt");
        VERIFY_OK(deep);
        QCOMPARE(deep->size, uint64_t(10));
        QCOMPARE(deep->identity, uint64_t(statDisk("d/sub/e.txt").st_ino));

        auto ln = s_.getattr("d/ln");
        VERIFY_OK(ln);
        QCOMPARE(ln->type, FsType::Symlink);
        QCOMPARE(ln->size, uint64_t(5)); // strlen("a.txt"), not the target's size

        auto l1 = s_.lookup("", "a.txt");
        VERIFY_OK(l1);
        QCOMPARE(l1->identity, a->identity);
        auto l2 = s_.lookup("d/sub", "e.txt");
        VERIFY_OK(l2);
        QCOMPARE(l2->identity, deep->identity);
        auto l3 = s_.lookup("d", "sub");
        VERIFY_OK(l3);
        QCOMPARE(l3->type, FsType::Directory);
        auto l4 = s_.lookup("d", "ln");
        VERIFY_OK(l4);
        QCOMPARE(l4->type, FsType::Symlink);

        VERIFY_ERROR(s_.getattr("missing"), FsError::NotFound);
        VERIFY_ERROR(s_.getattr("d/missing/x"), FsError::NotFound);
        VERIFY_ERROR(s_.getattr("a.txt/x"), FsError::NotDirectory);
        VERIFY_ERROR(s_.lookup("", "missing"), FsError::NotFound);
        VERIFY_ERROR(s_.lookup("a.txt", "x"), FsError::NotDirectory);
        VERIFY_ERROR(s_.lookup("nodir", "x"), FsError::NotFound);
    }

    // ---------------------------------------------------------------------------------
    void readWriteCommit_data() { resolverRows(); }
    void readWriteCommit()
    {
        auto c = s_.create("", "f", FsCreateMode::Guarded, modeAttr(0644));
        VERIFY_OK(c);
        auto w = s_.write("f", 0, "hello world");
        VERIFY_OK(w);
        QCOMPARE(w->count, 11u);
        QCOMPARE(w->committed, FsStability::Unstable);
        QCOMPARE(w->before.size, uint64_t(0));
        QCOMPARE(w->after.size, uint64_t(11));
        QCOMPARE(readDisk("f"), QByteArray("hello world"));

        auto w2 = s_.write("f", 6, "WORLD", FsStability::DataSync);
        VERIFY_OK(w2);
        QCOMPARE(w2->committed, FsStability::DataSync);
        auto w3 = s_.write("f", 11, "!", FsStability::FileSync);
        VERIFY_OK(w3);
        QCOMPARE(w3->committed, FsStability::FileSync);
        QCOMPARE(w3->before.size, uint64_t(11));
        QCOMPARE(w3->after.size, uint64_t(12));
        QCOMPARE(readDisk("f"), QByteArray("hello WORLD!"));

        auto r1 = s_.read("f", 0, 5);
        VERIFY_OK(r1);
        QCOMPARE(r1->data, QByteArray("hello"));
        QVERIFY(!r1->eof);
        QCOMPARE(r1->attr.size, uint64_t(12));
        auto r2 = s_.read("f", 6, 100);
        VERIFY_OK(r2);
        QCOMPARE(r2->data, QByteArray("WORLD!"));
        QVERIFY(r2->eof);
        auto r3 = s_.read("f", 6, 6);
        VERIFY_OK(r3);
        QCOMPARE(r3->data, QByteArray("WORLD!"));
        QVERIFY(r3->eof);
        auto r4 = s_.read("f", 1000, 10);
        VERIFY_OK(r4);
        QVERIFY(r4->data.isEmpty());
        QVERIFY(r4->eof);
        auto r5 = s_.read("f", 0, 0);
        VERIFY_OK(r5);
        QVERIFY(r5->data.isEmpty());
        QVERIFY(!r5->eof);

        auto cm = s_.commit("f");
        VERIFY_OK(cm);
        QCOMPARE(cm->size, uint64_t(12));

        // The content version is stable while nothing changes, and moves with a write.
        auto v1 = s_.getattr("f");
        auto v2 = s_.getattr("f");
        VERIFY_OK(v1);
        VERIFY_OK(v2);
        QVERIFY(!v1->version.isEmpty());
        QCOMPARE(v1->version, v2->version);
        QCOMPARE(v1->version, cm->version);
        auto w4 = s_.write("f", 12, "?"); // grows: older kernels may keep mtime within a tick
        VERIFY_OK(w4);
        QCOMPARE(w4->before.version, v1->version);
        QVERIFY(w4->after.version != v1->version);

        // A file changed on disk is seen at once (same inode, the cached descriptor is fine).
        writeDisk("f", "rewritten");
        auto r6 = s_.read("f", 0, 100);
        VERIFY_OK(r6);
        QCOMPARE(r6->data, QByteArray("rewritten"));

        QVERIFY(QDir().mkpath(disk("dir")));
        VERIFY_ERROR(s_.read("dir", 0, 10), FsError::IsDirectory);
        VERIFY_ERROR(s_.write("dir", 0, "x"), FsError::IsDirectory);
        VERIFY_ERROR(s_.read("", 0, 10), FsError::IsDirectory);
        VERIFY_ERROR(s_.read("missing", 0, 10), FsError::NotFound);
        VERIFY_ERROR(s_.write("missing", 0, "x"), FsError::NotFound);
        QVERIFY(!existsOnDisk("missing"));
        QCOMPARE(::mkfifo(diskPath("fifo").constData(), 0644), 0);
        VERIFY_ERROR(s_.read("fifo", 0, 10), FsError::InvalidArgument);
        VERIFY_ERROR(s_.write("fifo", 0, "x"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.write("f", uint64_t(INT64_MAX), "xy"), FsError::FileTooBig);
    }

    void largeReadWriteAtOffsets()
    {
        VERIFY_OK(s_.create("", "big", FsCreateMode::Unchecked));
        const uint64_t far = (3ull << 30) + 123; // sparse, beyond 32-bit offsets
        const QByteArray chunk = pattern(8 << 20, 1);
        auto w = s_.write("big", far, chunk);
        VERIFY_OK(w);
        QCOMPARE(w->count, uint32_t(chunk.size()));
        QCOMPARE(w->after.size, far + uint64_t(chunk.size()));
        const QByteArray head = pattern(1 << 20, 2);
        VERIFY_OK(s_.write("big", 4096, head));

        auto r = s_.read("big", far, uint32_t(chunk.size()));
        VERIFY_OK(r);
        QVERIFY(r->data == chunk);
        QVERIFY(r->eof);
        auto r2 = s_.read("big", 4096, 1 << 20);
        VERIFY_OK(r2);
        QVERIFY(r2->data == head);
        QVERIFY(!r2->eof);
        auto hole = s_.read("big", 1ull << 30, 65536);
        VERIFY_OK(hole);
        QCOMPARE(hole->data, QByteArray(65536, '\0'));
        // Unaligned read across the end.
        auto tail = s_.read("big", far + uint64_t(chunk.size()) - 1000, 1 << 20);
        VERIFY_OK(tail);
        QCOMPARE(tail->data, chunk.right(1000));
        QVERIFY(tail->eof);

        QFile f(disk("big"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.size(), qint64(far) + chunk.size());
        QVERIFY(f.seek(qint64(far)));
        QVERIFY(f.read(chunk.size()) == chunk);
        QVERIFY(f.seek(4096));
        QVERIFY(f.read(head.size()) == head);
    }

    // ---------------------------------------------------------------------------------
    void createModes_data() { resolverRows(); }
    void createModes()
    {
        // Unchecked, new: the asked-for mode exactly, despite the umask.
        auto u = s_.create("", "u", FsCreateMode::Unchecked, modeAttr(0777));
        VERIFY_OK(u);
        QCOMPARE(u->attr.type, FsType::File);
        QCOMPARE(u->attr.mode, 0777u);
        QCOMPARE(statDisk("u").st_mode & 07777, mode_t(0777));
        QVERIFY(S_ISREG(statDisk("u").st_mode));
        QVERIFY(u->dir.before && u->dir.after);
        QCOMPARE(u->dir.after->identity, uint64_t(statDisk("").st_ino));

        // Unchecked, existing: opens; size 0 truncates, no size keeps the data.
        writeDisk("u", "content");
        auto keep = s_.create("", "u", FsCreateMode::Unchecked, modeAttr(0600));
        VERIFY_OK(keep);
        QCOMPARE(keep->attr.size, uint64_t(7));
        QCOMPARE(readDisk("u"), QByteArray("content"));
        QCOMPARE(statDisk("u").st_mode & 07777, mode_t(0777)); // only size applies
        auto trunc = s_.create("", "u", FsCreateMode::Unchecked, sizeAttr(0));
        VERIFY_OK(trunc);
        QCOMPARE(trunc->attr.size, uint64_t(0));
        QCOMPARE(readDisk("u"), QByteArray());
        QCOMPARE(trunc->attr.identity, u->attr.identity);
        QVERIFY(QDir().mkpath(disk("adir")));
        VERIFY_ERROR(s_.create("", "adir", FsCreateMode::Unchecked), FsError::Exists);

        // Guarded.
        auto g = s_.create("", "g", FsCreateMode::Guarded, modeAttr(0640));
        VERIFY_OK(g);
        QCOMPARE(statDisk("g").st_mode & 07777, mode_t(0640));
        VERIFY_ERROR(s_.create("", "g", FsCreateMode::Guarded), FsError::Exists);
        VERIFY_ERROR(s_.create("", "adir", FsCreateMode::Guarded), FsError::Exists);

        // Initial times and size on a new file.
        FsSetAttr timed;
        timed.mtimeHow = FsSetAttr::TimeHow::Given;
        timed.mtime = {1234567890, 5};
        timed.size = 100;
        auto t = s_.create("", "timed", FsCreateMode::Guarded, timed);
        VERIFY_OK(t);
        QCOMPARE(t->attr.mtime, (FsTime{1234567890, 5}));
        QCOMPARE(t->attr.size, uint64_t(100));
        QCOMPARE(statDisk("timed").st_mtim.tv_sec, time_t(1234567890));

        // Exclusive: the verifier makes a retransmission succeed, and only that.
        const QByteArray verf("ABCDEFGH");
        auto e1 = s_.create("", "x", FsCreateMode::Exclusive, {}, verf);
        VERIFY_OK(e1);
        QCOMPARE(e1->attr.size, uint64_t(0));
        QVERIFY(existsOnDisk("x"));
        auto e2 = s_.create("", "x", FsCreateMode::Exclusive, {}, verf);
        VERIFY_OK(e2);
        QCOMPARE(e2->attr.identity, e1->attr.identity);
        VERIFY_ERROR(s_.create("", "x", FsCreateMode::Exclusive, {}, "ABCDEFGZ"),
                     FsError::Exists);
        VERIFY_ERROR(s_.create("", "g", FsCreateMode::Exclusive, {}, verf), FsError::Exists);
        VERIFY_ERROR(s_.create("", "x", FsCreateMode::Guarded), FsError::Exists);
        // The client's SETATTR after an exclusive create replaces the verifier.
        FsSetAttr now;
        now.mtimeHow = FsSetAttr::TimeHow::ServerNow;
        now.atimeHow = FsSetAttr::TimeHow::ServerNow;
        now.mode = 0644;
        VERIFY_OK(s_.setattr("x", now));
        VERIFY_ERROR(s_.create("", "x", FsCreateMode::Exclusive, {}, verf), FsError::Exists);
        QCOMPARE(statDisk("x").st_mode & 07777, mode_t(0644));

        // A file created read-only stays writable for the writes that follow its CREATE
        // (what `cp` and `tar` do), through the descriptor kept from the creation.
        auto ro = s_.create("", "readonly", FsCreateMode::Guarded, modeAttr(0444));
        VERIFY_OK(ro);
        QCOMPARE(statDisk("readonly").st_mode & 07777, mode_t(0444));
        VERIFY_OK(s_.write("readonly", 0, "payload"));
        QCOMPARE(readDisk("readonly"), QByteArray("payload"));

        // In a subdirectory, and in missing or non-directory parents.
        VERIFY_OK(s_.create("adir", "inner", FsCreateMode::Guarded));
        QVERIFY(existsOnDisk("adir/inner"));
        VERIFY_ERROR(s_.create("nodir", "x"), FsError::NotFound);
        VERIFY_ERROR(s_.create("g", "x"), FsError::NotDirectory);
    }

    void mkdirSymlinkMknod_data() { resolverRows(); }
    void mkdirSymlinkMknod()
    {
        auto d = s_.mkdir("", "sub", modeAttr(0700));
        VERIFY_OK(d);
        QCOMPARE(d->attr.type, FsType::Directory);
        QVERIFY(S_ISDIR(statDisk("sub").st_mode));
        QCOMPARE(statDisk("sub").st_mode & 07777, mode_t(0700));
        QVERIFY(d->dir.before && d->dir.after);
        QCOMPARE(d->dir.after->nlink, d->dir.before->nlink + 1);
        auto d2 = s_.mkdir("sub", "deeper", modeAttr(0777));
        VERIFY_OK(d2);
        QCOMPARE(statDisk("sub/deeper").st_mode & 07777, mode_t(0777));
        VERIFY_ERROR(s_.mkdir("", "sub"), FsError::Exists);

        auto l1 = s_.symlink("", "abs", "/etc/passwd");
        VERIFY_OK(l1);
        QCOMPARE(l1->attr.type, FsType::Symlink);
        auto l2 = s_.symlink("sub", "rel", "../../outside/nothing/here");
        VERIFY_OK(l2);
        QCOMPARE(QFile::encodeName(QFile::symLinkTarget(disk("abs"))), QByteArray("/etc/passwd"));
        char buffer[256];
        ssize_t n = ::readlink(diskPath("sub/rel").constData(), buffer, sizeof buffer);
        QCOMPARE(QByteArray(buffer, n), QByteArray("../../outside/nothing/here"));
        auto rl = s_.readlink("sub/rel");
        VERIFY_OK(rl);
        QCOMPARE(*rl, QByteArray("../../outside/nothing/here"));
        auto rl2 = s_.readlink("abs");
        VERIFY_OK(rl2);
        QCOMPARE(*rl2, QByteArray("/etc/passwd"));
        VERIFY_ERROR(s_.symlink("", "abs", "x"), FsError::Exists);
        VERIFY_ERROR(s_.symlink("", "empty", ""), FsError::InvalidArgument);
        VERIFY_ERROR(s_.symlink("", "nul", QByteArray("a\0b", 3)), FsError::InvalidArgument);
        QVERIFY(!existsOnDisk("empty"));

        auto fifo = s_.mknod("", "fifo", FsType::Fifo, modeAttr(0620));
        VERIFY_OK(fifo);
        QCOMPARE(fifo->attr.type, FsType::Fifo);
        QVERIFY(S_ISFIFO(statDisk("fifo").st_mode));
        QCOMPARE(statDisk("fifo").st_mode & 07777, mode_t(0620));
        auto sock = s_.mknod("sub", "sock", FsType::Socket);
        VERIFY_OK(sock);
        QCOMPARE(sock->attr.type, FsType::Socket);
        QVERIFY(S_ISSOCK(statDisk("sub/sock").st_mode));
        VERIFY_ERROR(s_.mknod("", "blk", FsType::BlockDevice), FsError::NotSupported);
        VERIFY_ERROR(s_.mknod("", "chr", FsType::CharDevice), FsError::NotSupported);
        VERIFY_ERROR(s_.mknod("", "reg", FsType::File), FsError::InvalidArgument);
        QVERIFY(!existsOnDisk("blk"));
        QVERIFY(!existsOnDisk("chr"));
        QVERIFY(!existsOnDisk("reg"));
        VERIFY_ERROR(s_.mknod("", "fifo", FsType::Fifo), FsError::Exists);

        writeDisk("plain", "x");
        VERIFY_ERROR(s_.readlink("plain"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.readlink("nothing"), FsError::NotFound);
        VERIFY_ERROR(s_.readlink(""), FsError::InvalidArgument);
    }

    // ---------------------------------------------------------------------------------
    void removeAndRmdir_data() { resolverRows(); }
    void removeAndRmdir()
    {
        writeDisk("f", "x");
        QVERIFY(QDir().mkpath(disk("d/inner")));
        writeDisk("d/inner/g", "y");
        writeDisk(QStringLiteral("../outside/target"), "keep");
        QVERIFY(QFile::link(outside_ + "/target", disk("ln")));

        auto r = s_.remove("", "f");
        VERIFY_OK(r);
        QVERIFY(r.value().before && r.value().after);
        QVERIFY(!existsOnDisk("f"));
        VERIFY_ERROR(s_.remove("", "f"), FsError::NotFound);
        VERIFY_ERROR(s_.remove("", "d"), FsError::IsDirectory);
        QVERIFY(existsOnDisk("d"));
        VERIFY_OK(s_.remove("", "ln"));
        QVERIFY(!existsOnDisk("ln"));
        QCOMPARE(readDisk("../outside/target"), QByteArray("keep"));

        VERIFY_ERROR(s_.rmdir("", "d"), FsError::NotEmpty);
        VERIFY_ERROR(s_.rmdir("d/inner", "g"), FsError::NotDirectory);
        VERIFY_OK(s_.remove("d/inner", "g"));
        VERIFY_OK(s_.rmdir("d", "inner"));
        QVERIFY(!existsOnDisk("d/inner"));
        VERIFY_OK(s_.rmdir("", "d"));
        QVERIFY(!existsOnDisk("d"));
        VERIFY_ERROR(s_.rmdir("", "d"), FsError::NotFound);
    }

    void renameAndLink_data() { resolverRows(); }
    void renameAndLink()
    {
        writeDisk("a", "A");
        writeDisk("b", "B");
        QVERIFY(QDir().mkpath(disk("d1")));
        QVERIFY(QDir().mkpath(disk("d2/full")));
        writeDisk("d2/full/x", "X");
        QVERIFY(QDir().mkpath(disk("empty")));

        auto r1 = s_.rename("", "a", "", "a2");
        VERIFY_OK(r1);
        QVERIFY(r1->fromDir.before && r1->fromDir.after && r1->toDir.after);
        QVERIFY(!existsOnDisk("a"));
        QCOMPARE(readDisk("a2"), QByteArray("A"));
        auto r2 = s_.rename("", "a2", "d1", "a3");
        VERIFY_OK(r2);
        QCOMPARE(r2->toDir.after->identity, uint64_t(statDisk("d1").st_ino));
        QCOMPARE(readDisk("d1/a3"), QByteArray("A"));
        // Over an existing file: replaced.
        VERIFY_OK(s_.rename("", "b", "d1", "a3"));
        QCOMPARE(readDisk("d1/a3"), QByteArray("B"));
        QVERIFY(!existsOnDisk("b"));
        // Directories.
        VERIFY_ERROR(s_.rename("", "d1", "d2", "full"), FsError::NotEmpty);
        VERIFY_OK(s_.rename("", "d1", "", "empty"));
        QCOMPARE(readDisk("empty/a3"), QByteArray("B"));
        VERIFY_ERROR(s_.rename("empty", "a3", "d2", "full"), FsError::IsDirectory);
        VERIFY_ERROR(s_.rename("", "d2", "d2/full", "loop"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.rename("", "missing", "", "z"), FsError::NotFound);
        VERIFY_ERROR(s_.rename("", "empty", "nodir", "z"), FsError::NotFound);

        auto l = s_.link("empty/a3", "", "hard");
        VERIFY_OK(l);
        QCOMPARE(l->attr.nlink, 2u);
        QVERIFY(l->dir.before && l->dir.after);
        QCOMPARE(statDisk("hard").st_ino, statDisk("empty/a3").st_ino);
        QCOMPARE(statDisk("empty/a3").st_nlink, nlink_t(2));
        VERIFY_ERROR(s_.link("empty/a3", "", "hard"), FsError::Exists);
        VERIFY_ERROR(s_.link("d2", "", "dirlink"), FsError::NotPermitted);
        VERIFY_ERROR(s_.link("missing", "", "l2"), FsError::NotFound);
        // A link to a symlink links the symlink itself.
        QVERIFY(QFile::link("/etc/hostname", disk("sl")));
        auto ls = s_.link("sl", "", "sl2");
        VERIFY_OK(ls);
        QCOMPARE(ls->attr.type, FsType::Symlink);
        QVERIFY(S_ISLNK(statDisk("sl2").st_mode));
    }

    // ---------------------------------------------------------------------------------
    void setattr_data() { resolverRows(); }
    void setattr()
    {
        writeDisk("f", "0123456789");
        auto shrink = s_.setattr("f", sizeAttr(4));
        VERIFY_OK(shrink);
        QCOMPARE(shrink->size, uint64_t(4));
        QCOMPARE(readDisk("f"), QByteArray("0123"));
        auto grow = s_.setattr("f", sizeAttr(8));
        VERIFY_OK(grow);
        QCOMPARE(readDisk("f"), QByteArray("0123\0\0\0\0", 8));

        auto m = s_.setattr("f", modeAttr(04751));
        VERIFY_OK(m);
        QCOMPARE(m->mode, 04751u);
        QCOMPARE(statDisk("f").st_mode & 07777, mode_t(04751));

        FsSetAttr times;
        times.mtimeHow = FsSetAttr::TimeHow::Given;
        times.mtime = {1000000000, 123456789};
        times.atimeHow = FsSetAttr::TimeHow::Given;
        times.atime = {1100000000, 42};
        auto t = s_.setattr("f", times);
        VERIFY_OK(t);
        QCOMPARE(t->mtime, (FsTime{1000000000, 123456789}));
        QCOMPARE(t->atime, (FsTime{1100000000, 42}));
        QCOMPARE(statDisk("f").st_mtim.tv_sec, time_t(1000000000));
        QCOMPARE(statDisk("f").st_mtim.tv_nsec, long(123456789));

        FsSetAttr now;
        now.mtimeHow = FsSetAttr::TimeHow::ServerNow;
        auto n = s_.setattr("f", now);
        VERIFY_OK(n);
        QVERIFY(qAbs(n->mtime.sec - int64_t(::time(nullptr))) < 60);
        QCOMPARE(n->atime, (FsTime{1100000000, 42})); // kept

        FsSetAttr owner;
        if (::geteuid() == 0) {
            owner.uid = 4242;
            owner.gid = 4343;
        } else {
            owner.uid = ::geteuid();
        }
        auto o = s_.setattr("f", owner);
        VERIFY_OK(o);
        QCOMPARE(o->uid, *owner.uid);
        QCOMPARE(uint32_t(statDisk("f").st_uid), *owner.uid);

        // The root and directories.
        VERIFY_OK(s_.setattr("", modeAttr(0750)));
        QCOMPARE(statDisk("").st_mode & 07777, mode_t(0750));
        VERIFY_OK(s_.setattr("", modeAttr(0755)));
        QVERIFY(QDir().mkpath(disk("d")));
        VERIFY_ERROR(s_.setattr("d", sizeAttr(0)), FsError::IsDirectory);
        VERIFY_ERROR(s_.setattr("", sizeAttr(0)), FsError::IsDirectory);
        VERIFY_ERROR(s_.setattr("missing", modeAttr(0644)), FsError::NotFound);
        VERIFY_OK(s_.setattr("d", FsSetAttr{}));

        // A symlink's own times change; its mode cannot; its target is untouched.
        writeDisk("target", "t");
        ::chmod(diskPath("target").constData(), 0640);
        QVERIFY(QFile::link("target", disk("sl")));
        const struct stat before = statDisk("target");
        auto slt = s_.setattr("sl", times);
        VERIFY_OK(slt);
        QCOMPARE(slt->type, FsType::Symlink);
        QCOMPARE(statDisk("sl").st_mtim.tv_sec, time_t(1000000000));
        VERIFY_ERROR(s_.setattr("sl", modeAttr(0777)), FsError::NotSupported);
        VERIFY_ERROR(s_.setattr("sl", sizeAttr(0)), FsError::InvalidArgument);
        const struct stat after = statDisk("target");
        QCOMPARE(after.st_mode, before.st_mode);
        QCOMPARE(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
        QCOMPARE(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
        QCOMPARE(readDisk("target"), QByteArray("t"));
    }

    // ---------------------------------------------------------------------------------
    void readdir_data() { resolverRows(); }
    void readdir()
    {
        writeDisk("f", "123");
        QVERIFY(QDir().mkpath(disk("d")));
        QVERIFY(QFile::link("/etc", disk("etc")));
        writeDisk("d/inner", "x");
        auto list = s_.readdir("");
        VERIFY_OK(list);
        QMap<QByteArray, FsAttr> byName;
        for (const FsDirEntry &e : *list)
            byName.insert(e.name, e.attr);
        QCOMPARE(byName.keys(), (QList<QByteArray>{"d", "etc", "f"}));
        QCOMPARE(byName["f"].type, FsType::File);
        QCOMPARE(byName["f"].size, uint64_t(3));
        QCOMPARE(byName["f"].identity, uint64_t(statDisk("f").st_ino));
        QCOMPARE(byName["d"].type, FsType::Directory);
        QCOMPARE(byName["etc"].type, FsType::Symlink);
        auto inner = s_.readdir("d");
        VERIFY_OK(inner);
        QCOMPARE(inner->size(), 1);
        QCOMPARE(inner->first().name, QByteArray("inner"));
        VERIFY_ERROR(s_.readdir("f"), FsError::NotDirectory);
        VERIFY_ERROR(s_.readdir("missing"), FsError::NotFound);
        QVERIFY(QDir().mkpath(disk("emptydir")));
        auto none = s_.readdir("emptydir");
        VERIFY_OK(none);
        QVERIFY(none->isEmpty());
    }

    void readdirManyEntries()
    {
        QVERIFY(QDir().mkpath(disk("many")));
        const QByteArray dir = diskPath("many");
        const int dirFd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY);
        QVERIFY(dirFd >= 0);
        for (int i = 0; i < 5000; ++i) {
            const QByteArray name = "entry-" + QByteArray::number(i);
            const int fd = ::openat(dirFd, name.constData(), O_CREAT | O_WRONLY, 0644);
            QVERIFY(fd >= 0);
            ::close(fd);
        }
        ::close(dirFd);
        auto list = s_.readdir("many");
        VERIFY_OK(list);
        QCOMPARE(list->size(), 5000);
        QSet<QByteArray> names;
        for (const FsDirEntry &e : *list) {
            names.insert(e.name);
            QCOMPARE(e.attr.type, FsType::File);
        }
        QCOMPARE(names.size(), 5000);
        QVERIFY(names.contains("entry-0") && names.contains("entry-4999"));
    }

    void readdirWhileEntriesVanish()
    {
        // Entries removed between getdents and fstatat are skipped, never an error.
        QVERIFY(QDir().mkpath(disk("churn")));
        const QByteArray dir = diskPath("churn");
        for (int i = 0; i < 3000; ++i)
            writeDisk("churn/e" + QString::number(i), "x");
        std::atomic<bool> stop{false};
        std::thread remover([&] {
            for (int i = 0; i < 3000 && !stop; ++i)
                ::unlink((dir + "/e" + QByteArray::number(i)).constData());
        });
        struct Joiner {
            std::atomic<bool> &stop;
            std::thread &thread;
            ~Joiner()
            {
                stop = true;
                thread.join();
            }
        } joiner{stop, remover};
        int listings = 0;
        qsizetype last = 3001;
        for (;;) {
            auto list = s_.readdir("churn");
            VERIFY_OK(list);
            QVERIFY(list->size() <= last);
            last = list->size();
            ++listings;
            if (list->isEmpty())
                break;
        }
        QVERIFY(listings >= 1);
    }

    void fsstat()
    {
        auto st = s_.fsstat("");
        VERIFY_OK(st);
        struct statvfs vfs;
        QCOMPARE(::statvfs(QFile::encodeName(root_).constData(), &vfs), 0);
        QCOMPARE(st->totalBytes, uint64_t(vfs.f_blocks) * vfs.f_frsize);
        QVERIFY(st->totalBytes > 0);
        QVERIFY(st->freeBytes >= st->availBytes);
        QCOMPARE(st->totalFiles, uint64_t(vfs.f_files));
        VERIFY_ERROR(s_.fsstat("a/../b"), FsError::InvalidName);
    }

    // ---------------------------------------------------------------------------------
    void names()
    {
        const QByteArray n255(255, 'n');
        const QByteArray n256(256, 'n');
        VERIFY_OK(s_.create("", n255, FsCreateMode::Guarded));
        QVERIFY(existsOnDisk(QString::fromLatin1(n255)));
        VERIFY_OK(s_.lookup("", n255));
        VERIFY_OK(s_.getattr(n255));
        VERIFY_ERROR(s_.create("", n256, FsCreateMode::Guarded), FsError::NameTooLong);
        VERIFY_ERROR(s_.mkdir("", n256), FsError::NameTooLong);
        VERIFY_ERROR(s_.lookup("", n256), FsError::NameTooLong);
        VERIFY_ERROR(s_.getattr("x/" + n256), FsError::NameTooLong);
        VERIFY_ERROR(s_.symlink("", n256, "t"), FsError::NameTooLong);
        VERIFY_ERROR(s_.rename("", n255, "", n256), FsError::NameTooLong);

        writeDisk("file", "x");
        QVERIFY(QDir().mkpath(disk("dir")));
        const QList<QByteArray> bad = {"", ".", "..", "a/b", QByteArray("a\0b", 3), "/"};
        for (const QByteArray &name : bad) {
            const QByteArray tag = "name " + name.toPercentEncoding();
            QVERIFY2(!s_.create("", name).ok(), tag.constData());
            QCOMPARE(s_.create("", name).error(), FsError::InvalidName);
            QCOMPARE(s_.create("dir", name, FsCreateMode::Unchecked).error(),
                     FsError::InvalidName);
            QCOMPARE(s_.mkdir("", name).error(), FsError::InvalidName);
            QCOMPARE(s_.symlink("", name, "t").error(), FsError::InvalidName);
            QCOMPARE(s_.mknod("", name, FsType::Fifo).error(), FsError::InvalidName);
            QCOMPARE(s_.lookup("", name).error(), FsError::InvalidName);
            QCOMPARE(s_.remove("", name).error(), FsError::InvalidName);
            QCOMPARE(s_.rmdir("", name).error(), FsError::InvalidName);
            QCOMPARE(s_.rename("", "file", "", name).error(), FsError::InvalidName);
            QCOMPARE(s_.rename("", name, "", "other").error(), FsError::InvalidName);
            QCOMPARE(s_.link("file", "", name).error(), FsError::InvalidName);
        }
        // Malformed paths.
        const QList<QByteArray> badPaths = {"/etc/passwd", "dir/", "dir//file", "./file",
                                            "../outside", "dir/..", "dir/../file",
                                            QByteArray("fi\0le", 5)};
        for (const QByteArray &path : badPaths) {
            QCOMPARE(s_.getattr(path).error(), FsError::InvalidName);
            QCOMPARE(s_.read(path, 0, 1).error(), FsError::InvalidName);
            QCOMPARE(s_.readdir(path).error(), FsError::InvalidName);
            QCOMPARE(s_.create(path, "n").error(), FsError::InvalidName);
            QCOMPARE(s_.write(path, 0, "x").error(), FsError::InvalidName);
        }
        QCOMPARE(QDir(root_).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::System)
                     .size(),
                 3);
        QCOMPARE(QDir(outside_).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).size(), 0);
    }

    // ---------------------------------------------------------------------------------
    void confinement_data() { resolverRows(); }
    void confinement()
    {
        writeDisk("../outside/secret", "secret");
        QVERIFY(QDir().mkpath(outside_ + "/dir"));
        writeDisk("../outside/dir/file", "f");
        writeDisk("mine", "mine");
        QVERIFY(QDir().mkpath(disk("sub")));
        QVERIFY(QFile::link("/etc", disk("etc")));
        QVERIFY(QFile::link("../outside", disk("out")));
        QVERIFY(QFile::link(outside_, disk("absout")));
        QVERIFY(QFile::link("../../outside", disk("sub/up")));
        QVERIFY(QFile::link("../outside/newfile", disk("dangling")));
        QVERIFY(QFile::link("../outside/secret", disk("filelink")));
        const QStringList outsideBefore = snapshot(outside_);
        const bool etcXBefore = QFileInfo::exists("/etc/x");

        // Visible as symlinks, readable with readlink.
        auto le = s_.lookup("", "etc");
        VERIFY_OK(le);
        QCOMPARE(le->type, FsType::Symlink);
        auto ge = s_.getattr("out");
        VERIFY_OK(ge);
        QCOMPARE(ge->type, FsType::Symlink);
        auto rl = s_.readlink("out");
        VERIFY_OK(rl);
        QCOMPARE(*rl, QByteArray("../outside"));
        auto rl2 = s_.readlink("etc");
        VERIFY_OK(rl2);
        QCOMPARE(*rl2, QByteArray("/etc"));
        auto list = s_.readdir("");
        VERIFY_OK(list);
        int symlinks = 0;
        for (const FsDirEntry &e : *list)
            symlinks += e.attr.type == FsType::Symlink ? 1 : 0;
        QCOMPARE(symlinks, 5);

        // Never traversed, whatever the operation.
        const QList<QByteArray> links = {"etc", "out", "absout", "sub/up"};
        for (const QByteArray &link : links) {
            const QByteArray inside = link + (link == "etc" ? "/passwd" : "/secret");
            VERIFY_ERROR(s_.getattr(inside), FsError::NotDirectory);
            VERIFY_ERROR(s_.getattr(link + "/dir/file"), FsError::NotDirectory);
            VERIFY_ERROR(s_.lookup(link, "secret"), FsError::NotDirectory);
            VERIFY_ERROR(s_.read(inside, 0, 100), FsError::NotDirectory);
            VERIFY_ERROR(s_.write(inside, 0, "pwned"), FsError::NotDirectory);
            VERIFY_ERROR(s_.commit(inside), FsError::NotDirectory);
            VERIFY_ERROR(s_.readdir(link), FsError::NotDirectory);
            VERIFY_ERROR(s_.readdir(link + "/dir"), FsError::NotDirectory);
            VERIFY_ERROR(s_.readlink(link + "/x"), FsError::NotDirectory);
            VERIFY_ERROR(s_.create(link, "x", FsCreateMode::Unchecked), FsError::NotDirectory);
            VERIFY_ERROR(s_.create(link, "x", FsCreateMode::Guarded), FsError::NotDirectory);
            VERIFY_ERROR(s_.create(link, "x", FsCreateMode::Exclusive, {}, "12345678"),
                         FsError::NotDirectory);
            VERIFY_ERROR(s_.mkdir(link, "x"), FsError::NotDirectory);
            VERIFY_ERROR(s_.symlink(link, "x", "y"), FsError::NotDirectory);
            VERIFY_ERROR(s_.mknod(link, "x", FsType::Fifo), FsError::NotDirectory);
            VERIFY_ERROR(s_.remove(link, "secret"), FsError::NotDirectory);
            VERIFY_ERROR(s_.rmdir(link, "dir"), FsError::NotDirectory);
            VERIFY_ERROR(s_.rename("", "mine", link, "stolen"), FsError::NotDirectory);
            VERIFY_ERROR(s_.rename(link, "secret", "", "stolen"), FsError::NotDirectory);
            VERIFY_ERROR(s_.link(inside, "", "stolen"), FsError::NotDirectory);
            VERIFY_ERROR(s_.link("mine", link, "planted"), FsError::NotDirectory);
            VERIFY_ERROR(s_.setattr(inside, sizeAttr(0)), FsError::NotDirectory);
            VERIFY_ERROR(s_.setattr(inside, modeAttr(0777)), FsError::NotDirectory);
            // The symlink itself as a file: not followed.
            VERIFY_ERROR(s_.read(link, 0, 100), FsError::InvalidArgument);
            VERIFY_ERROR(s_.write(link, 0, "x"), FsError::InvalidArgument);
            VERIFY_ERROR(s_.setattr(link, sizeAttr(0)), FsError::InvalidArgument);
            VERIFY_ERROR(s_.setattr(link, modeAttr(0700)), FsError::NotSupported);
            const qsizetype slash = link.lastIndexOf('/');
            const QByteArray linkDir = slash < 0 ? QByteArray() : link.left(slash);
            const QByteArray linkName = link.mid(slash + 1);
            VERIFY_ERROR(s_.create(linkDir, linkName, FsCreateMode::Unchecked, sizeAttr(0)),
                         FsError::Exists);
            VERIFY_ERROR(s_.mkdir(linkDir, linkName), FsError::Exists);
        }
        // A symlink to a file outside: the symlink is the object, never its target.
        VERIFY_ERROR(s_.read("filelink", 0, 100), FsError::InvalidArgument);
        VERIFY_ERROR(s_.write("filelink", 0, "x"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.commit("filelink"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.create("", "filelink", FsCreateMode::Unchecked, sizeAttr(0)),
                     FsError::Exists);
        VERIFY_ERROR(s_.create("", "filelink", FsCreateMode::Exclusive, {}, "abcdefgh"),
                     FsError::Exists);
        // A dangling symlink is not created through.
        VERIFY_ERROR(s_.create("", "dangling", FsCreateMode::Unchecked), FsError::Exists);
        VERIFY_ERROR(s_.create("", "dangling", FsCreateMode::Guarded), FsError::Exists);
        VERIFY_ERROR(s_.write("dangling", 0, "x"), FsError::InvalidArgument);
        VERIFY_ERROR(s_.mkdir("", "dangling"), FsError::Exists);
        // Removing and renaming the symlinks themselves is fine and leaves targets alone.
        VERIFY_OK(s_.rename("", "filelink", "sub", "moved"));
        VERIFY_OK(s_.remove("sub", "moved"));
        VERIFY_OK(s_.link("out", "sub", "hardlinked-symlink"));
        QVERIFY(S_ISLNK(statDisk("sub/hardlinked-symlink").st_mode));

        // A directory swapped for a symlink on disk is not followed either.
        QVERIFY(QDir().mkpath(disk("swap")));
        writeDisk("swap/file", "inside");
        QVERIFY(QDir().rename(disk("swap"), disk("swapped-away")));
        QVERIFY(QFile::link(outside_, disk("swap")));
        VERIFY_ERROR(s_.read("swap/file", 0, 10), FsError::NotDirectory);
        VERIFY_ERROR(s_.create("swap", "file2"), FsError::NotDirectory);

        QCOMPARE(snapshot(outside_), outsideBefore);
        QCOMPARE(QFileInfo::exists("/etc/x"), etcXBefore);
        QVERIFY(!QFileInfo::exists(outside_ + "/newfile"));
        QCOMPARE(readDisk("../outside/secret"), QByteArray("secret"));
    }

    // ---------------------------------------------------------------------------------
    void readOnlyMode_data() { resolverRows(); }
    void readOnlyMode()
    {
        writeDisk("f", "data");
        QVERIFY(QDir().mkpath(disk("d/full")));
        writeDisk("d/full/x", "x");
        QVERIFY(QDir().mkpath(disk("empty")));
        QVERIFY(QFile::link("f", disk("ln")));
        QCOMPARE(::mkfifo(diskPath("fifo").constData(), 0644), 0);
        const QStringList before = snapshot(root_);

        auto ro = makeFs(true);
        QVERIFY(ro);
        QVERIFY(ro->capabilities().readOnly);
        SyncFs r{ro.get()};
        FsSetAttr times;
        times.mtimeHow = FsSetAttr::TimeHow::ServerNow;
        VERIFY_ERROR(r.setattr("f", sizeAttr(0)), FsError::ReadOnly);
        VERIFY_ERROR(r.setattr("f", modeAttr(0777)), FsError::ReadOnly);
        VERIFY_ERROR(r.setattr("f", times), FsError::ReadOnly);
        VERIFY_ERROR(r.setattr("", modeAttr(0777)), FsError::ReadOnly);
        VERIFY_ERROR(r.write("f", 0, "XXXX"), FsError::ReadOnly);
        VERIFY_ERROR(r.write("f", 0, "XXXX", FsStability::FileSync), FsError::ReadOnly);
        VERIFY_ERROR(r.write("new", 0, "x"), FsError::ReadOnly);
        VERIFY_ERROR(r.create("", "new", FsCreateMode::Unchecked), FsError::ReadOnly);
        VERIFY_ERROR(r.create("", "f", FsCreateMode::Unchecked, sizeAttr(0)), FsError::ReadOnly);
        VERIFY_ERROR(r.create("", "new", FsCreateMode::Guarded), FsError::ReadOnly);
        VERIFY_ERROR(r.create("", "new", FsCreateMode::Exclusive, {}, "12345678"),
                     FsError::ReadOnly);
        VERIFY_ERROR(r.mkdir("", "newdir"), FsError::ReadOnly);
        VERIFY_ERROR(r.symlink("", "newlink", "f"), FsError::ReadOnly);
        VERIFY_ERROR(r.mknod("", "newfifo", FsType::Fifo), FsError::ReadOnly);
        VERIFY_ERROR(r.remove("", "f"), FsError::ReadOnly);
        VERIFY_ERROR(r.remove("", "ln"), FsError::ReadOnly);
        VERIFY_ERROR(r.rmdir("", "empty"), FsError::ReadOnly);
        VERIFY_ERROR(r.rmdir("", "d"), FsError::ReadOnly);
        VERIFY_ERROR(r.rename("", "f", "", "g"), FsError::ReadOnly);
        VERIFY_ERROR(r.rename("", "d", "", "empty"), FsError::ReadOnly);
        VERIFY_ERROR(r.link("f", "", "hard"), FsError::ReadOnly);
        VERIFY_ERROR(r.create("", "..", FsCreateMode::Guarded), FsError::ReadOnly);

        // Queries still work.
        auto rd = r.read("f", 0, 10);
        VERIFY_OK(rd);
        QCOMPARE(rd->data, QByteArray("data"));
        VERIFY_OK(r.getattr("f"));
        VERIFY_OK(r.lookup("d", "full"));
        VERIFY_OK(r.readdir("d/full"));
        VERIFY_OK(r.readlink("ln"));
        VERIFY_OK(r.commit("f"));
        VERIFY_OK(r.fsstat(""));
        ro.reset();

        QCOMPARE(snapshot(root_), before);
    }

    // ---------------------------------------------------------------------------------
    // Metadata calls and small reads run on the caller's thread while they stay quick;
    // large reads, writes, fsync and listings still go through the pool.
    void quickCallsRunInline()
    {
        fs_.reset();
        fs_ = makeFs(false, LocalFileSystemOptions{});
        s_.fs = fs_.get();
        writeDisk("q.txt", "quick");
        QVERIFY(::symlink("q.txt", QFile::encodeName(disk("q-link")).constData()) == 0);
        VERIFY_OK(s_.getattr("q.txt"));
        VERIFY_OK(s_.lookup("", "q.txt"));
        QCOMPARE(*s_.readlink("q-link"), QByteArray("q.txt"));
        VERIFY_ERROR(s_.getattr("missing"), FsError::NotFound);
        VERIFY_OK(s_.create("", "new"));
        VERIFY_OK(s_.rename("", "new", "", "renamed"));
        VERIFY_OK(s_.remove("", "renamed"));
        QCOMPARE(s_.read("q.txt", 0, 10)->data, QByteArray("quick")); // a small read
        QCOMPARE(g_doneOnCallerThread.load(), 8);
        QCOMPARE(s_.read("q.txt", 0, 1 << 20)->data, QByteArray("quick")); // asks for 1 MiB
        VERIFY_OK(s_.write("q.txt", 0, "QUICK", FsStability::FileSync));
        VERIFY_OK(s_.commit("q.txt"));
        QVERIFY(s_.readdir("")->size() >= 2);
        QCOMPARE(g_doneOnCallerThread.load(), 8); // large read, sync write, commit, readdir: pool
        VERIFY_OK(s_.write("q.txt", 0, "quick", FsStability::Unstable)); // to the page cache
        QCOMPARE(g_doneOnCallerThread.load(), 9);
        {
            // A large read with nothing of the caller waiting behind it: inline too.
            FsCallerQueue::Scope alone(false);
            QCOMPARE(s_.read("q.txt", 0, 1 << 20)->data, QByteArray("quick"));
        }
        QCOMPARE(g_doneOnCallerThread.load(), 10);
        g_doneOnCallerThread = 0; // expected here; cleanup checks the rest
    }

    // readToSend: a large read answers with a slice of the open file (sent with sendfile by
    // the NFS server), bounded by the file's size; small reads come as bytes.
    void readToSendGivesFileSlices()
    {
        const QByteArray content = QByteArray(300000, 'x') + "tail";
        writeDisk("big.bin", content);
        auto r = s_.readToSend("big.bin", 100, 1 << 20);
        VERIFY_OK(r);
#ifdef __linux__
        QVERIFY(r->slice.has_value());
        QVERIFY(r->data.isEmpty());
        QCOMPARE(r->slice->offset, uint64_t(100));
        QCOMPARE(r->slice->length, uint32_t(content.size() - 100));
        QVERIFY(r->eof);
        QByteArray back(r->slice->length, '\0');
        QCOMPARE(::pread(r->slice->fd, back.data(), size_t(back.size()), off_t(r->slice->offset)),
                 ssize_t(back.size()));
        QCOMPARE(back, content.mid(100));
        auto past = s_.readToSend("big.bin", uint64_t(content.size()) + 10, 1 << 20);
        VERIFY_OK(past);
        QCOMPARE(past->slice->length, 0u);
        QVERIFY(past->eof);
        auto middle = s_.readToSend("big.bin", 0, 100000);
        QCOMPARE(middle->slice->length, 100000u);
        QVERIFY(!middle->eof);
#else
        QCOMPARE(r->data, content.mid(100));
#endif
        auto small = s_.readToSend("big.bin", 0, 4096);
        VERIFY_OK(small);
        QVERIFY(!small->slice);
        QCOMPARE(small->data, content.left(4096));
        VERIFY_ERROR(s_.readToSend("missing", 0, 1 << 20), FsError::NotFound);
    }

    // ---------------------------------------------------------------------------------
    void openFileCacheFollowsNames()
    {
        fs_.reset();
        LocalFileSystemOptions options = pooledOnly();
        options.openFileIdle = 300ms;
        fs_ = makeFs(false, options);
        s_.fs = fs_.get();

        // Rename over a cached file.
        VERIFY_OK(s_.create("", "a"));
        VERIFY_OK(s_.write("a", 0, "one"));
        QCOMPARE(s_.read("a", 0, 10)->data, QByteArray("one"));
        QVERIFY(fs_->cachedOpenFiles() >= 1);
        writeDisk("b", "two");
        VERIFY_OK(s_.rename("", "b", "", "a"));
        QCOMPARE(s_.read("a", 0, 10)->data, QByteArray("two"));
        VERIFY_OK(s_.write("a", 3, "!"));
        QCOMPARE(readDisk("a"), QByteArray("two!"));

        // Remove and recreate.
        VERIFY_OK(s_.remove("", "a"));
        VERIFY_ERROR(s_.read("a", 0, 10), FsError::NotFound);
        VERIFY_OK(s_.create("", "a"));
        VERIFY_OK(s_.write("a", 0, "three"));
        QCOMPARE(s_.read("a", 0, 10)->data, QByteArray("three"));

        // An ancestor renamed away and a new file at the old path.
        VERIFY_OK(s_.mkdir("", "d"));
        VERIFY_OK(s_.create("d", "f"));
        VERIFY_OK(s_.write("d/f", 0, "old"));
        QCOMPARE(s_.read("d/f", 0, 10)->data, QByteArray("old"));
        VERIFY_OK(s_.rename("", "d", "", "e"));
        VERIFY_ERROR(s_.read("d/f", 0, 10), FsError::NotFound);
        VERIFY_OK(s_.mkdir("", "d"));
        VERIFY_OK(s_.create("d", "f"));
        VERIFY_OK(s_.write("d/f", 0, "new"));
        QCOMPARE(s_.read("d/f", 0, 10)->data, QByteArray("new"));
        QCOMPARE(s_.read("e/f", 0, 10)->data, QByteArray("old"));
        // rmdir of an ancestor.
        VERIFY_OK(s_.remove("d", "f"));
        VERIFY_OK(s_.rmdir("", "d"));
        VERIFY_ERROR(s_.read("d/f", 0, 10), FsError::NotFound);

        // Replaced behind the provider's back: the unlinked descriptor is noticed.
        writeDisk("x", "first");
        QCOMPARE(s_.read("x", 0, 10)->data, QByteArray("first"));
        QVERIFY(QFile::remove(disk("x")));
        writeDisk("x", "second");
        QCOMPARE(s_.read("x", 0, 10)->data, QByteArray("second"));
        VERIFY_OK(s_.write("x", 6, "!"));
        QCOMPARE(readDisk("x"), QByteArray("second!"));
        QVERIFY(QFile::remove(disk("x")));
        VERIFY_ERROR(s_.read("x", 0, 10), FsError::NotFound);

        // Idle descriptors are closed.
        QVERIFY(fs_->cachedOpenFiles() > 0);
        QTRY_COMPARE_WITH_TIMEOUT(fs_->cachedOpenFiles(), 0, 5000);
    }

    void openFileCacheIsBounded()
    {
        for (int i = 0; i < 200; ++i) {
            const QByteArray name = "f" + QByteArray::number(i);
            VERIFY_OK(s_.create("", name));
            VERIFY_OK(s_.write(name, 0, name));
        }
        QVERIFY(fs_->cachedOpenFiles() <= 64);
        for (int i = 0; i < 200; ++i) {
            const QByteArray name = "f" + QByteArray::number(i);
            QCOMPARE(s_.read(name, 0, 100)->data, name);
        }
        QVERIFY(fs_->cachedOpenFiles() <= 64);
    }

    // ---------------------------------------------------------------------------------
    void parallelCallsFromManyThreads()
    {
        constexpr int kThreads = 16;
        constexpr int kFiles = 40;
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                SyncFs s{fs_.get()};
                const QByteArray dir = "t" + QByteArray::number(t);
                if (!s.mkdir("", dir).ok())
                    ++failures;
                for (int i = 0; i < kFiles; ++i) {
                    const QByteArray name = "file" + QByteArray::number(i);
                    const QByteArray path = dir + '/' + name;
                    const QByteArray data = pattern(4096 + i, t * 1000 + i);
                    if (!s.create(dir, name, FsCreateMode::Unchecked).ok())
                        ++failures;
                    auto w = s.write(path, 0, data);
                    if (!w.ok() || w->count != uint32_t(data.size()))
                        ++failures;
                    auto r = s.read(path, 0, 1 << 20);
                    if (!r.ok() || r->data != data || !r->eof)
                        ++failures;
                    auto a = s.getattr(path);
                    if (!a.ok() || a->size != uint64_t(data.size()))
                        ++failures;
                    if (i % 2 == 1 && !s.remove(dir, name).ok())
                        ++failures;
                    if (i % 10 == 0 && !s.readdir(dir).ok())
                        ++failures;
                }
                auto list = s.readdir(dir);
                if (!list.ok() || list->size() != kFiles / 2)
                    ++failures;
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(failures.load(), 0);

        // Many calls in flight at once from one thread, as the server issues them.
        constexpr int kBurst = 5000;
        QSemaphore finished;
        std::atomic<int> ok{0};
        for (int i = 0; i < kBurst; ++i) {
            const QByteArray path = "t" + QByteArray::number(i % kThreads) + "/file0";
            if (i % 2 == 0) {
                fs_->getattr(path, [&](FsResult<FsAttr> r) {
                    ok += r.ok() ? 1 : 0;
                    finished.release();
                });
            } else {
                fs_->read(path, 0, 512, [&](FsResult<FsReadResult> r) {
                    ok += r.ok() && r->data.size() == 512 ? 1 : 0;
                    finished.release();
                });
            }
        }
        QVERIFY(finished.tryAcquire(kBurst, 60000));
        QCOMPARE(ok.load(), kBurst);
    }

    void destructorWaitsForCallsInFlight()
    {
        writeDisk("f", pattern(65536, 3));
        std::atomic<int> completed{0};
        auto fs = makeFs(false);
        constexpr int kCalls = 2000;
        for (int i = 0; i < kCalls; ++i)
            fs->read("f", uint64_t(i) * 16, 4096, [&](FsResult<FsReadResult>) { ++completed; });
        fs.reset();
        QCOMPARE(completed.load(), kCalls);
    }

    void accessDeniedWhenNotRoot()
    {
        if (::geteuid() == 0)
            QSKIP("running as root: permission checks do not apply");
        QVERIFY(QDir().mkpath(disk("closed")));
        writeDisk("closed/f", "x");
        ::chmod(diskPath("closed").constData(), 0);
        VERIFY_ERROR(s_.getattr("closed/f"), FsError::AccessDenied);
        VERIFY_ERROR(s_.readdir("closed"), FsError::AccessDenied);
    }
};

QTEST_GUILESS_MAIN(TestLocalFileSystem)
#include "tst_local_filesystem.moc"
