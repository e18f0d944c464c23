// The WebDAV provider against real servers: Apache httpd (mod_dav_fs) and rclone serve
// webdav, each started on a loopback port for this test. Every operation is checked on
// the server's disk. Also: ranged reads, streaming uploads, If-Match conflicts, Basic
// and Digest authentication, a refused password (no retry storm), a self-signed
// certificate, a server that stops and comes back, a server that never answers, and
// `loft serve webdav://...` end to end through libnfs's nfs-cat.
#include "ApacheDavServer.h"
#include "RandomBytes.h"
#include "RcloneDavServer.h"
#include "DavTestServers.h"
#include "WebDavFileSystem.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QDeadlineTimer>
#include <QTcpServer>
#include <QMutex>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace loft;
using namespace loft::webdav;
using namespace loft::test;
using namespace std::chrono_literals;

namespace {

// Runs one asynchronous provider call and waits for its answer (the test thread just
// blocks; `done` comes from the provider's thread).
template <class T, class Op>
FsResult<T> await(Op &&op, std::chrono::milliseconds timeout = 120s)
{
    auto promise = std::make_shared<std::promise<FsResult<T>>>();
    auto future = promise->get_future();
    op([promise](FsResult<T> r) { promise->set_value(std::move(r)); });
    if (future.wait_for(timeout) != std::future_status::ready) {
        qWarning("a provider call did not complete within %lld ms", qint64(timeout.count()));
        return FsError::Stale; // a value no test expects
    }
    return future.get();
}

template <class T>
QString outcome(const FsResult<T> &r)
{
    return r ? QStringLiteral("ok") : QString::fromLatin1(fsErrorName(r.error()));
}

// Synchronous face of a FileSystem for the tests.
struct Fs {
    FileSystem &fs;

    FsResult<FsAttr> getattr(const QByteArray &p)
    {
        return await<FsAttr>([&](auto d) { fs.getattr(p, d); });
    }
    FsResult<FsAttr> lookup(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsAttr>([&](auto d) { fs.lookup(dir, name, d); });
    }
    FsResult<FsAttr> setattr(const QByteArray &p, const FsSetAttr &s)
    {
        return await<FsAttr>([&](auto d) { fs.setattr(p, s, d); });
    }
    FsResult<FsReadResult> read(const QByteArray &p, uint64_t offset, uint32_t count)
    {
        return await<FsReadResult>([&](auto d) { fs.read(p, offset, count, d); });
    }
    FsResult<FsCreated> create(const QByteArray &dir, const QByteArray &name,
                               FsCreateMode mode = FsCreateMode::Guarded,
                               const FsSetAttr &initial = {}, const QByteArray &verifier = {})
    {
        return await<FsCreated>([&](auto d) { fs.create(dir, name, mode, initial, verifier, d); });
    }
    FsResult<FsCreated> mkdir(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsCreated>([&](auto d) { fs.mkdir(dir, name, {}, d); });
    }
    FsResult<FsDirChange> remove(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsDirChange>([&](auto d) { fs.remove(dir, name, d); });
    }
    FsResult<FsDirChange> rmdir(const QByteArray &dir, const QByteArray &name)
    {
        return await<FsDirChange>([&](auto d) { fs.rmdir(dir, name, d); });
    }
    FsResult<FsRenamed> rename(const QByteArray &fd, const QByteArray &fn, const QByteArray &td,
                               const QByteArray &tn)
    {
        return await<FsRenamed>([&](auto d) { fs.rename(fd, fn, td, tn, d); });
    }
    FsResult<QList<FsDirEntry>> readdir(const QByteArray &dir)
    {
        return await<QList<FsDirEntry>>([&](auto d) { fs.readdir(dir, d); });
    }
    FsResult<FsStat> fsstat()
    {
        return await<FsStat>([&](auto d) { fs.fsstat({}, d); });
    }
    FsResult<FsAttr> upload(const QByteArray &p, const QString &local, const QByteArray &ifVersion = {},
                            FsProgress progress = {})
    {
        return await<FsAttr>([&](auto d) { fs.upload(p, local, ifVersion, progress, d); });
    }
};

qint64 residentKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray status = f.readAll();
    const QRegularExpression re(QStringLiteral("VmRSS:\\s+(\\d+) kB"));
    const auto m = re.match(QString::fromLatin1(status));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

// Names that need percent-encoding one way or another.
const QList<QByteArray> kTrickyNames = {
    QByteArray("a b.txt"),
    QString::fromUtf8("caf\u00e9 cr\u00e8me.txt").toUtf8(),
    QString::fromUtf8("\u65e5\u672c\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb.txt").toUtf8(),
    QByteArray("100%.txt"),
    QByteArray("hash#tag.txt"),
    QByteArray("what?.txt"),
    QByteArray("plus+semi;amp&eq=.txt"),
    QByteArray("quote'dq\"[br].txt"),
};

} // namespace

class TestWebDavProvider : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    // Over both servers.
    void attributes_data() { servers(); }
    void attributes();
    void rangedReads_data() { servers(); }
    void rangedReads();
    void readdir_data() { servers(); }
    void readdir();
    void createModes_data() { servers(); }
    void createModes();
    void trickyNames_data() { servers(); }
    void trickyNames();
    void mkdirRmdir_data() { servers(); }
    void mkdirRmdir();
    void removeFiles_data() { servers(); }
    void removeFiles();
    void renames_data() { servers(); }
    void renames();
    void setattrs_data() { servers(); }
    void setattrs();
    void uploads_data() { servers(); }
    void uploads();
    void unsupportedAndReadOnly_data() { servers(); }
    void unsupportedAndReadOnly();
    void fsstat_data() { servers(); }
    void fsstat();

    // Apache only.
    void redirectsKeepTheMethod_data();
    void redirectsKeepTheMethod();
    void readWithoutRangeSupport();
    void largeUploadStreams();
    void getThroughput();
    void wrongPasswordFailsFastWithoutStorm_data() { servers(); }
    void wrongPasswordFailsFastWithoutStorm();
    void missingCredentials();
    void digestAuthentication();
    void selfSignedCertificate_data() { servers(); }
    void selfSignedCertificate();
    void serverStopsAndComesBack_data() { servers(); }
    void serverStopsAndComesBack();
    void unresponsiveServerTimesOut();
    void serveCommand();

private:
    void servers();
    DavTestServer *server();
    // A fresh folder on the server's disk and a provider rooted at it.
    std::unique_ptr<WebDavFileSystem> open(DavTestServer *s, const QString &folder,
                                           WebDavOptions options = {});
    QString uniqueFolder(const char *test);

    std::unique_ptr<ApacheDavServer> apache_;
    std::unique_ptr<RcloneDavServer> rclone_;
    int counter_ = 0;
};

void TestWebDavProvider::initTestCase()
{
    QVERIFY2(ApacheDavServer::available(),
             "Apache httpd with mod_dav is not installed (scripts/install-deps.sh installs it)");
    QVERIFY2(RcloneDavServer::available(),
             "rclone is not installed (scripts/install-deps.sh installs it)");
    apache_ = std::make_unique<ApacheDavServer>();
    QVERIFY2(apache_->start(), qPrintable(apache_->errorString()));
    rclone_ = std::make_unique<RcloneDavServer>();
    QVERIFY2(rclone_->start(), qPrintable(rclone_->errorString()));
}

void TestWebDavProvider::cleanupTestCase()
{
    rclone_.reset();
    apache_.reset();
}

void TestWebDavProvider::servers()
{
    QTest::addColumn<QString>("server");
    QTest::newRow("apache") << QStringLiteral("apache");
    QTest::newRow("rclone") << QStringLiteral("rclone");
}

DavTestServer *TestWebDavProvider::server()
{
    QFETCH(QString, server);
    if (server == u"rclone")
        return rclone_.get();
    return apache_.get();
}

QString TestWebDavProvider::uniqueFolder(const char *test)
{
    return QStringLiteral("%1-%2").arg(QLatin1String(test)).arg(++counter_);
}

std::unique_ptr<WebDavFileSystem> TestWebDavProvider::open(DavTestServer *s, const QString &folder,
                                                           WebDavOptions options)
{
    if (!s->makeDir(folder))
        return nullptr;
    if (options.url.isEmpty())
        options.url = s->url().resolved(QUrl(folder + QLatin1Char('/')));
    if (options.user.isEmpty() && options.password.isEmpty()) {
        options.user = s->user();
        options.password = s->password();
    }
    return std::make_unique<WebDavFileSystem>(options);
}

// ---------------------------------------------------------------------------------------

void TestWebDavProvider::attributes()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("attr");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(s->writeFile(dir + QStringLiteral("/hello.txt"), "hello"));
    QVERIFY(s->makeDir(dir + QStringLiteral("/sub")));

    const auto root = fs.getattr({});
    QCOMPARE(outcome(root), QStringLiteral("ok"));
    QCOMPARE(root->type, FsType::Directory);
    QCOMPARE(root->mode, 0755u);

    const auto file = fs.lookup({}, "hello.txt");
    QCOMPARE(outcome(file), QStringLiteral("ok"));
    QCOMPARE(file->type, FsType::File);
    QCOMPARE(file->size, 5u);
    QCOMPARE(file->mode, 0644u);
    QCOMPARE(file->uid, uint32_t(::getuid()));
    QCOMPARE(file->gid, uint32_t(::getgid()));
    QCOMPARE(file->identity, 0u);
    QVERIFY(!file->version.isEmpty());
    const qint64 diskMtime =
        QFileInfo(s->root() + QLatin1Char('/') + dir + QStringLiteral("/hello.txt"))
            .lastModified()
            .toSecsSinceEpoch();
    QCOMPARE(file->mtime.sec, diskMtime);

    const auto sub = fs.getattr("sub");
    QCOMPARE(outcome(sub), QStringLiteral("ok"));
    QCOMPARE(sub->type, FsType::Directory);
    QCOMPARE(outcome(fs.getattr("missing")), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.lookup("sub", "missing")), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.lookup({}, "..")), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.lookup({}, QByteArray(300, 'n'))), QStringLiteral("name too long"));
    QVERIFY(provider->lastError().isEmpty()); // "not found" is no trouble to report
}

void TestWebDavProvider::rangedReads()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("read");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    const QByteArray content = randomBytes((3 << 20) + 123, 7);
    QVERIFY(s->writeFile(dir + QStringLiteral("/data.bin"), content));
    QVERIFY(s->writeFile(dir + QStringLiteral("/empty"), {}));
    const uint64_t size = uint64_t(content.size());

    struct Case {
        uint64_t offset;
        uint32_t count;
    };
    const Case cases[] = {{0, 4096},        {1, 1},          {4095, 10},      {65536, 1 << 20},
                          {size - 10, 4096}, {size - 1, 1},  {size - 100, 100}, {0, uint32_t(size)},
                          {size, 4096},     {size + 100, 10}};
    for (const Case &c : cases) {
        const auto r = fs.read("data.bin", c.offset, c.count);
        QVERIFY2(r.ok(), qPrintable(QStringLiteral("offset %1: %2").arg(c.offset).arg(outcome(r))));
        const QByteArray expected = c.offset >= size ? QByteArray()
                                                     : content.mid(qsizetype(c.offset), c.count);
        QVERIFY2(r->data == expected, qPrintable(QStringLiteral("offset %1 count %2: got %3 bytes")
                                                     .arg(c.offset)
                                                     .arg(c.count)
                                                     .arg(r->data.size())));
        QCOMPARE(r->eof, c.offset + c.count >= size);
        QCOMPARE(r->attr.size, size);
        QCOMPARE(r->attr.type, FsType::File);
    }
    // count 0, and an empty file.
    const auto none = fs.read("data.bin", 10, 0);
    QVERIFY(none.ok());
    QVERIFY(none->data.isEmpty());
    QVERIFY(!none->eof);
    const auto empty = fs.read("empty", 0, 4096);
    QCOMPARE(outcome(empty), QStringLiteral("ok"));
    QVERIFY(empty->data.isEmpty());
    QVERIFY(empty->eof);
    QCOMPARE(empty->attr.size, 0u);
    QCOMPARE(outcome(fs.read("missing", 0, 10)), QStringLiteral("not found"));

    // The version a read reports is the one getattr reports (the cache compares them).
    const auto attr = fs.getattr("data.bin");
    const auto r = fs.read("data.bin", 0, 10);
    QVERIFY(attr.ok() && r.ok());
    QCOMPARE(r->attr.version, attr->version);
    QCOMPARE(r->attr.mtime, attr->mtime);
}

void TestWebDavProvider::readdir()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("list");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    std::map<QByteArray, qsizetype> files;
    for (int i = 0; i < 40; ++i)
        files[QByteArray("file-") + QByteArray::number(i)] = i * 100;
    for (const QByteArray &name : kTrickyNames)
        files[name] = 3;
    for (const auto &[name, size] : files)
        QVERIFY(s->writeFile(dir + QLatin1Char('/') + QString::fromUtf8(name), QByteArray(size, 'x')));
    QVERIFY(s->makeDir(dir + QStringLiteral("/folder one/inner")));
    QVERIFY(s->writeFile(dir + QStringLiteral("/folder one/inner/deep.txt"), "deep"));

    const auto list = fs.readdir({});
    QCOMPARE(outcome(list), QStringLiteral("ok"));
    QCOMPARE(list->size(), qsizetype(files.size() + 1));
    for (const FsDirEntry &e : *list) {
        if (e.name == "folder one") {
            QCOMPARE(e.attr.type, FsType::Directory);
            continue;
        }
        QVERIFY2(files.count(e.name), e.name.constData());
        QCOMPARE(e.attr.type, FsType::File);
        QCOMPARE(qsizetype(e.attr.size), files[e.name]);
        QVERIFY(!e.attr.version.isEmpty());
    }
    const auto inner = fs.readdir("folder one");
    QCOMPARE(outcome(inner), QStringLiteral("ok"));
    QCOMPARE(inner->size(), 1);
    QCOMPARE(inner->first().name, QByteArray("inner"));
    const auto deep = fs.readdir("folder one/inner");
    QCOMPARE(outcome(deep), QStringLiteral("ok"));
    QCOMPARE(deep->size(), 1);
    QCOMPARE(deep->first().name, QByteArray("deep.txt"));
    QCOMPARE(deep->first().attr.size, 4u);

    QCOMPARE(outcome(fs.readdir("file-1")), QStringLiteral("not a directory"));
    QCOMPARE(outcome(fs.readdir("nowhere")), QStringLiteral("not found"));
}

void TestWebDavProvider::createModes()
{
    DavTestServer *s = server();
    QFETCH(QString, server);
    const QString dir = uniqueFolder("create");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};

    const auto made = fs.create({}, "new.txt");
    QCOMPARE(outcome(made), QStringLiteral("ok"));
    QCOMPARE(made->attr.type, FsType::File);
    QCOMPARE(made->attr.size, 0u);
    QVERIFY(s->exists(dir + QStringLiteral("/new.txt")));
    QCOMPARE(outcome(fs.create({}, "new.txt")), QStringLiteral("already exists"));

    QVERIFY(s->writeFile(dir + QStringLiteral("/keep.txt"), "precious"));
    QCOMPARE(outcome(fs.create({}, "keep.txt", FsCreateMode::Guarded)),
             QStringLiteral("already exists"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/keep.txt")), QByteArray("precious"));
    const auto unchecked = fs.create({}, "keep.txt", FsCreateMode::Unchecked);
    QCOMPARE(outcome(unchecked), QStringLiteral("ok"));
    QCOMPARE(unchecked->attr.size, 8u);
    QCOMPARE(s->readFile(dir + QStringLiteral("/keep.txt")), QByteArray("precious"));
    FsSetAttr truncate;
    truncate.size = 0;
    const auto truncated = fs.create({}, "keep.txt", FsCreateMode::Unchecked, truncate);
    QCOMPARE(outcome(truncated), QStringLiteral("ok"));
    QCOMPARE(truncated->attr.size, 0u);
    QCOMPARE(s->readFile(dir + QStringLiteral("/keep.txt")), QByteArray());

    // Exclusive: the same verifier again succeeds (where the server keeps dead
    // properties), another one fails.
    const QByteArray verifier("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    QCOMPARE(outcome(fs.create({}, "excl", FsCreateMode::Exclusive, {}, verifier)),
             QStringLiteral("ok"));
    const auto again = fs.create({}, "excl", FsCreateMode::Exclusive, {}, verifier);
    if (server == u"apache")
        QCOMPARE(outcome(again), QStringLiteral("ok"));
    else
        QVERIFY(outcome(again) == u"ok" || outcome(again) == u"already exists");
    QCOMPARE(outcome(fs.create({}, "excl", FsCreateMode::Exclusive, {}, "otherver")),
             QStringLiteral("already exists"));

    QVERIFY(s->makeDir(dir + QStringLiteral("/adir")));
    QCOMPARE(outcome(fs.create({}, "adir", FsCreateMode::Unchecked)), QStringLiteral("already exists"));
    QCOMPARE(outcome(fs.create("nowhere", "x")), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.create({}, "")), QStringLiteral("invalid name"));
    QCOMPARE(outcome(fs.create({}, "..")), QStringLiteral("invalid name"));
    QCOMPARE(outcome(fs.create({}, QByteArray(256, 'n'))), QStringLiteral("name too long"));
}

void TestWebDavProvider::trickyNames()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("names");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(fs.mkdir({}, QString::fromUtf8("d\u00e9j\u00e0 vu #1").toUtf8()).ok());
    const QByteArray folder = QString::fromUtf8("d\u00e9j\u00e0 vu #1").toUtf8();
    for (const QByteArray &name : kTrickyNames) {
        const auto made = fs.create(folder, name);
        QVERIFY2(made.ok(), name.constData());
        QTemporaryFile local;
        QVERIFY(local.open());
        local.write(name);
        local.flush();
        QVERIFY2(fs.upload(fsJoin(folder, name), local.fileName()).ok(), name.constData());
        QCOMPARE(s->readFile(dir + QLatin1Char('/') + QString::fromUtf8(folder) + QLatin1Char('/')
                             + QString::fromUtf8(name)),
                 name);
        const auto r = fs.read(fsJoin(folder, name), 0, 100);
        QVERIFY(r.ok());
        QCOMPARE(r->data, name);
    }
    QStringList expected;
    for (const QByteArray &name : kTrickyNames)
        expected << QString::fromUtf8(name);
    expected.sort();
    QCOMPARE(s->list(dir + QLatin1Char('/') + QString::fromUtf8(folder)), expected);
    const auto list = fs.readdir(folder);
    QVERIFY(list.ok());
    QStringList listed;
    for (const FsDirEntry &e : *list)
        listed << QString::fromUtf8(e.name);
    listed.sort();
    QCOMPARE(listed, expected);
}

void TestWebDavProvider::mkdirRmdir()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("mkdir");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};

    const auto made = fs.mkdir({}, "one");
    QCOMPARE(outcome(made), QStringLiteral("ok"));
    QCOMPARE(made->attr.type, FsType::Directory);
    QVERIFY(QFileInfo(s->root() + QLatin1Char('/') + dir + QStringLiteral("/one")).isDir());
    QCOMPARE(outcome(fs.mkdir({}, "one")), QStringLiteral("already exists"));
    QCOMPARE(outcome(fs.mkdir("missing", "two")), QStringLiteral("not found"));
    QVERIFY(fs.mkdir("one", "two").ok());
    QVERIFY(fs.create("one/two", "f").ok());
    QVERIFY(s->writeFile(dir + QStringLiteral("/plain"), "x"));
    QCOMPARE(outcome(fs.mkdir({}, "plain")), QStringLiteral("already exists"));

    QCOMPARE(outcome(fs.rmdir({}, "one")), QStringLiteral("directory not empty"));
    QVERIFY(s->exists(dir + QStringLiteral("/one/two/f")));
    QCOMPARE(outcome(fs.rmdir("one", "two")), QStringLiteral("directory not empty"));
    QCOMPARE(outcome(fs.rmdir({}, "plain")), QStringLiteral("not a directory"));
    QVERIFY(s->exists(dir + QStringLiteral("/plain")));
    QCOMPARE(outcome(fs.rmdir({}, "nothing")), QStringLiteral("not found"));
    QVERIFY(fs.remove("one/two", "f").ok());
    QCOMPARE(outcome(fs.rmdir("one", "two")), QStringLiteral("ok"));
    QCOMPARE(outcome(fs.rmdir({}, "one")), QStringLiteral("ok"));
    QVERIFY(!s->exists(dir + QStringLiteral("/one")));
}

void TestWebDavProvider::removeFiles()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("remove");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(s->writeFile(dir + QStringLiteral("/f.txt"), "bye"));
    QVERIFY(s->makeDir(dir + QStringLiteral("/d")));
    QVERIFY(s->writeFile(dir + QStringLiteral("/d/inside"), "stay"));

    QCOMPARE(outcome(fs.remove({}, "f.txt")), QStringLiteral("ok"));
    QVERIFY(!s->exists(dir + QStringLiteral("/f.txt")));
    QCOMPARE(outcome(fs.remove({}, "f.txt")), QStringLiteral("not found"));
    // DELETE is recursive in WebDAV: remove must refuse folders.
    QCOMPARE(outcome(fs.remove({}, "d")), QStringLiteral("is a directory"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/d/inside")), QByteArray("stay"));
}

void TestWebDavProvider::renames()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("rename");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    const auto path = [&](const char *rel) { return dir + QLatin1Char('/') + QLatin1String(rel); };
    QVERIFY(s->writeFile(path("a"), "A"));
    QVERIFY(s->writeFile(path("b"), "B"));
    QVERIFY(s->makeDir(path("d1/sub")));
    QVERIFY(s->writeFile(path("d1/sub/x"), "X"));
    QVERIFY(s->makeDir(path("empty")));
    QVERIFY(s->makeDir(path("full")));
    QVERIFY(s->writeFile(path("full/y"), "Y"));

    QCOMPARE(outcome(fs.rename({}, "a", {}, "a2")), QStringLiteral("ok"));
    QVERIFY(!s->exists(path("a")));
    QCOMPARE(s->readFile(path("a2")), QByteArray("A"));
    // A file over a file replaces it.
    QCOMPARE(outcome(fs.rename({}, "a2", {}, "b")), QStringLiteral("ok"));
    QCOMPARE(s->readFile(path("b")), QByteArray("A"));
    QVERIFY(!s->exists(path("a2")));
    // Into a folder, with an awkward name.
    QCOMPARE(outcome(fs.rename({}, "b", "d1/sub", "n\u00e4me #2?")), QStringLiteral("ok"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/d1/sub/n\u00e4me #2?")), QByteArray("A"));
    // POSIX rules that WebDAV's Overwrite: T would break.
    QVERIFY(s->writeFile(path("f"), "F"));
    QCOMPARE(outcome(fs.rename({}, "f", {}, "full")), QStringLiteral("is a directory"));
    QCOMPARE(outcome(fs.rename({}, "d1", {}, "f")), QStringLiteral("not a directory"));
    QCOMPARE(outcome(fs.rename({}, "d1", {}, "full")), QStringLiteral("directory not empty"));
    QCOMPARE(s->readFile(path("full/y")), QByteArray("Y"));
    QCOMPARE(outcome(fs.rename({}, "d1", "d1/sub", "loop")), QStringLiteral("invalid argument"));
    // A folder over an empty folder, and a plain folder rename.
    QCOMPARE(outcome(fs.rename({}, "d1", {}, "empty")), QStringLiteral("ok"));
    QCOMPARE(s->readFile(path("empty/sub/x")), QByteArray("X"));
    QVERIFY(!s->exists(path("d1")));
    QCOMPARE(outcome(fs.rename({}, "empty", {}, "renamed dir")), QStringLiteral("ok"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/renamed dir/sub/x")), QByteArray("X"));
    QCOMPARE(outcome(fs.rename({}, "f", {}, "f")), QStringLiteral("ok"));
    QCOMPARE(outcome(fs.rename({}, "ghost", {}, "g")), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.rename({}, "f", "no such dir", "g")), QStringLiteral("not found"));
    QCOMPARE(s->readFile(path("f")), QByteArray("F"));
}

void TestWebDavProvider::setattrs()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("setattr");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(s->writeFile(dir + QStringLiteral("/f"), "content"));
    QVERIFY(s->makeDir(dir + QStringLiteral("/d")));

    FsSetAttr chmod;
    chmod.mode = 0600;
    chmod.mtimeHow = FsSetAttr::TimeHow::ServerNow;
    const auto kept = fs.setattr("f", chmod);
    QCOMPARE(outcome(kept), QStringLiteral("ok"));
    QCOMPARE(kept->mode, 0644u); // nowhere to keep it: accepted, unchanged
    QCOMPARE(kept->size, 7u);

    FsSetAttr same;
    same.size = 7;
    QCOMPARE(outcome(fs.setattr("f", same)), QStringLiteral("ok"));
    FsSetAttr grow;
    grow.size = 100;
    QCOMPARE(outcome(fs.setattr("f", grow)), QStringLiteral("not supported"));
    FsSetAttr zero;
    zero.size = 0;
    const auto truncated = fs.setattr("f", zero);
    QCOMPARE(outcome(truncated), QStringLiteral("ok"));
    QCOMPARE(truncated->size, 0u);
    QCOMPARE(s->readFile(dir + QStringLiteral("/f")), QByteArray());
    QCOMPARE(outcome(fs.setattr("d", zero)), QStringLiteral("is a directory"));
    QCOMPARE(outcome(fs.setattr("ghost", chmod)), QStringLiteral("not found"));
}

void TestWebDavProvider::uploads()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("upload");
    auto provider = open(s, dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QTemporaryDir local;
    const QString first = local.filePath(QStringLiteral("first"));
    const QString second = local.filePath(QStringLiteral("second"));
    const QByteArray one = randomBytes((4 << 20) + 17, 1);
    const QByteArray two = randomBytes(1000, 2);
    for (const auto &[file, data] : {std::pair{first, one}, std::pair{second, two}}) {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }

    // The PUT body's progress is reported as it goes: rising, ending at the whole size.
    QMutex progressMutex;
    QList<QPair<uint64_t, uint64_t>> progress;
    const auto up = fs.upload("big.bin", first, {}, [&](uint64_t sent, uint64_t total) {
        QMutexLocker lock(&progressMutex);
        progress.append({sent, total});
    });
    QCOMPARE(outcome(up), QStringLiteral("ok"));
    QCOMPARE(up->size, uint64_t(one.size()));
    {
        QMutexLocker lock(&progressMutex);
        QVERIFY(!progress.isEmpty());
        for (qsizetype i = 0; i < progress.size(); ++i) {
            QCOMPARE(progress[i].second, uint64_t(one.size()));
            QVERIFY(i == 0 || progress[i].first >= progress[i - 1].first);
        }
        QCOMPARE(progress.last().first, uint64_t(one.size()));
    }
    QVERIFY(s->readFile(dir + QStringLiteral("/big.bin")) == one);
    const auto attr = fs.getattr("big.bin");
    QVERIFY(attr.ok());
    QCOMPARE(attr->version, up->version);

    // Conditional replace: with the current version it goes through...
    QTest::qSleep(1100); // Last-Modified has 1 s resolution: make the version change
    const auto replaced = fs.upload("big.bin", second, up->version);
    QCOMPARE(outcome(replaced), QStringLiteral("ok"));
    QVERIFY(s->readFile(dir + QStringLiteral("/big.bin")) == two);
    QVERIFY(replaced->version != up->version);
    // ... with a stale one it is a conflict, and nothing changes.
    QCOMPARE(outcome(fs.upload("big.bin", first, up->version)), QStringLiteral("already exists"));
    QVERIFY(s->readFile(dir + QStringLiteral("/big.bin")) == two);
    // Someone else changed it on the server meanwhile.
    QTest::qSleep(1100);
    QVERIFY(s->writeFile(dir + QStringLiteral("/big.bin"), "theirs"));
    QCOMPARE(outcome(fs.upload("big.bin", first, replaced->version)),
             QStringLiteral("already exists"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/big.bin")), QByteArray("theirs"));
    QCOMPARE(outcome(fs.upload("gone.bin", first, replaced->version)),
             QStringLiteral("already exists"));
    QVERIFY(!s->exists(dir + QStringLiteral("/gone.bin")));

    QCOMPARE(outcome(fs.upload("no/such/dir.bin", second)), QStringLiteral("not found"));
    QCOMPARE(outcome(fs.upload("x.bin", local.filePath(QStringLiteral("nope")))),
             QStringLiteral("invalid argument"));
}

void TestWebDavProvider::unsupportedAndReadOnly()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("misc");
    auto provider = open(s, dir);
    QVERIFY(provider);
    QVERIFY(s->writeFile(dir + QStringLiteral("/f"), "data"));

    const FsCapabilities caps = provider->capabilities();
    QVERIFY(!caps.randomWrites);
    QVERIFY(caps.remote);
    QVERIFY(!caps.hardLinks);
    QVERIFY(!caps.symlinks);
    QVERIFY(!caps.readOnly);

    QCOMPARE(outcome(await<FsWriteResult>([&](auto d) {
                 provider->write("f", 0, "x", FsStability::FileSync, d);
             })),
             QStringLiteral("not supported"));
    QCOMPARE(outcome(await<FsCreated>([&](auto d) { provider->symlink({}, "l", "f", {}, d); })),
             QStringLiteral("not supported"));
    QCOMPARE(outcome(await<FsLinked>([&](auto d) { provider->link("f", {}, "h", d); })),
             QStringLiteral("not supported"));
    QCOMPARE(outcome(await<FsCreated>([&](auto d) {
                 provider->mknod({}, "p", FsType::Fifo, {}, d);
             })),
             QStringLiteral("not supported"));
    QCOMPARE(outcome(await<QByteArray>([&](auto d) { provider->readlink("f", d); })),
             QStringLiteral("invalid argument"));
    QCOMPARE(outcome(await<FsAttr>([&](auto d) { provider->commit("f", d); })), QStringLiteral("ok"));

    WebDavOptions ro;
    ro.readOnly = true;
    auto readOnly = open(s, dir, ro);
    Fs rfs{*readOnly};
    QVERIFY(readOnly->capabilities().readOnly);
    QCOMPARE(outcome(rfs.read("f", 0, 10)), QStringLiteral("ok"));
    QCOMPARE(outcome(rfs.create({}, "n")), QStringLiteral("read-only"));
    QCOMPARE(outcome(rfs.mkdir({}, "n")), QStringLiteral("read-only"));
    QCOMPARE(outcome(rfs.remove({}, "f")), QStringLiteral("read-only"));
    QCOMPARE(outcome(rfs.rename({}, "f", {}, "g")), QStringLiteral("read-only"));
    QTemporaryFile local;
    QVERIFY(local.open());
    QCOMPARE(outcome(rfs.upload("f", local.fileName())), QStringLiteral("read-only"));
    QCOMPARE(s->readFile(dir + QStringLiteral("/f")), QByteArray("data"));
}

void TestWebDavProvider::fsstat()
{
    DavTestServer *s = server();
    auto provider = open(s, uniqueFolder("fsstat"));
    QVERIFY(provider);
    Fs fs{*provider};
    const auto st = fs.fsstat();
    QCOMPARE(outcome(st), QStringLiteral("ok"));
    QVERIFY(st->totalBytes > 0);
    QVERIFY(st->availBytes <= st->totalBytes);
    QVERIFY(st->totalFiles > 0);
}

// ---------------------------------------------------------------------------------------

void TestWebDavProvider::redirectsKeepTheMethod_data()
{
    QTest::addColumn<QString>("prefix");
    QTest::newRow("301") << QStringLiteral("moved301");
    QTest::newRow("308") << QStringLiteral("moved308");
}

void TestWebDavProvider::redirectsKeepTheMethod()
{
    // The folder's old address redirects to /dav/: PROPFIND, PUT, MKCOL, MOVE and DELETE
    // must arrive there as themselves (QNAM alone would turn a 301 into a GET).
    QFETCH(QString, prefix);
    const QString dir = uniqueFolder("redirect");
    QVERIFY(apache_->makeDir(dir));
    QVERIFY(apache_->writeFile(dir + QStringLiteral("/old.txt"), "old content"));
    WebDavOptions options;
    QUrl url = apache_->url();
    url.setPath(QLatin1Char('/') + prefix + QLatin1Char('/') + dir + QLatin1Char('/'));
    options.url = url;
    auto provider = open(apache_.get(), dir, options);
    Fs fs{*provider};
    const auto root = fs.getattr({});
    QCOMPARE(outcome(root), QStringLiteral("ok"));
    QCOMPARE(root->type, FsType::Directory);
    const auto list = fs.readdir({});
    QCOMPARE(outcome(list), QStringLiteral("ok"));
    QCOMPARE(list->size(), 1);
    QCOMPARE(list->first().name, QByteArray("old.txt"));
    QCOMPARE(fs.read("old.txt", 4, 7)->data, QByteArray("content"));
    QCOMPARE(outcome(fs.create({}, "new file.txt")), QStringLiteral("ok"));
    QVERIFY(apache_->exists(dir + QStringLiteral("/new file.txt")));
    QTemporaryFile local;
    QVERIFY(local.open());
    local.write("uploaded through a redirect");
    local.flush();
    QCOMPARE(outcome(fs.upload("new file.txt", local.fileName())), QStringLiteral("ok"));
    QCOMPARE(apache_->readFile(dir + QStringLiteral("/new file.txt")),
             QByteArray("uploaded through a redirect"));
    QCOMPARE(outcome(fs.mkdir({}, "sub")), QStringLiteral("ok"));
    QCOMPARE(outcome(fs.rename({}, "old.txt", "sub", "moved.txt")), QStringLiteral("ok"));
    QCOMPARE(apache_->readFile(dir + QStringLiteral("/sub/moved.txt")), QByteArray("old content"));
    QCOMPARE(outcome(fs.remove("sub", "moved.txt")), QStringLiteral("ok"));
    QCOMPARE(outcome(fs.rmdir({}, "sub")), QStringLiteral("ok"));
    QCOMPARE(apache_->list(dir), QStringList{QStringLiteral("new file.txt")});
    QVERIFY2(provider->lastError().isEmpty(), qPrintable(provider->lastError()));
}

void TestWebDavProvider::readWithoutRangeSupport()
{
    // Apache drops the Range header below /dav/norange/, like servers without range
    // support: the provider must cut the slice out of the 200 answer.
    auto provider = open(apache_.get(), QStringLiteral("norange"));
    QVERIFY(provider);
    Fs fs{*provider};
    const QByteArray content = randomBytes(2 << 20, 3);
    QVERIFY(apache_->writeFile(QStringLiteral("norange/big"), content));
    QVERIFY(fs.getattr({}).ok()); // authentication settled
    const int before = apache_->accessLog().size();
    const auto r = fs.read("big", 500000, 1000);
    QCOMPARE(outcome(r), QStringLiteral("ok"));
    QVERIFY(r->data == content.mid(500000, 1000));
    QVERIFY(!r->eof);
    QCOMPARE(r->attr.size, uint64_t(content.size()));
    // Apache logs the request when it is done sending, which may be after the slice was
    // read and the connection closed.
    QTRY_COMPARE_WITH_TIMEOUT(apache_->accessLog().mid(before).size(), 1, 5000);
    const QStringList log = apache_->accessLog().mid(before);
    QVERIFY2(log.first().endsWith(QLatin1String(" 200")), qPrintable(log.first())); // not 206
    const auto tail = fs.read("big", content.size() - 10, 100);
    QCOMPARE(outcome(tail), QStringLiteral("ok"));
    QVERIFY(tail->data == content.right(10));
    QVERIFY(tail->eof);
}

void TestWebDavProvider::largeUploadStreams()
{
    const QString dir = uniqueFolder("stream");
    auto provider = open(apache_.get(), dir);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(fs.getattr({}).ok()); // authenticated once: later requests carry the credential
    QTemporaryDir local;
    const QString file = local.filePath(QStringLiteral("big"));
    constexpr qint64 kSize = qint64(96) << 20;
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray chunk = randomBytes(1 << 20, 5);
        for (qint64 i = 0; i < kSize; i += chunk.size())
            QCOMPARE(f.write(chunk), chunk.size());
    }
    const qint64 rssBefore = residentKiB();
    std::atomic<qint64> rssPeak{rssBefore};
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done) {
            rssPeak = std::max<qint64>(rssPeak, residentKiB());
            std::this_thread::sleep_for(20ms);
        }
    });
    QElapsedTimer timer;
    timer.start();
    const auto up = fs.upload("big", file);
    const qint64 ms = timer.elapsed();
    done = true;
    sampler.join();
    QCOMPARE(outcome(up), QStringLiteral("ok"));
    QCOMPARE(qint64(up->size), kSize);
    QCOMPARE(QFileInfo(apache_->root() + QLatin1Char('/') + dir + QStringLiteral("/big")).size(), kSize);
    const qint64 growthMiB = (rssPeak - rssBefore) / 1024;
    qInfo("PUT of %lld MiB: %lld ms (%.0f MiB/s), peak RSS growth %lld MiB", kSize >> 20, ms,
          double(kSize >> 20) * 1000.0 / double(std::max<qint64>(ms, 1)), growthMiB);
#if defined(__SANITIZE_ADDRESS__)
    // ASan's quarantine keeps every freed buffer for a while (up to 256 MiB), so RSS
    // grows with the bytes sent even when the body streams: the bound is checked by the
    // ordinary build only.
    qInfo("RSS bound not checked under AddressSanitizer");
#else
    QVERIFY2(growthMiB < 24, "the upload body was not streamed");
#endif
}

void TestWebDavProvider::getThroughput()
{
    const QString dir = uniqueFolder("speed");
    auto provider = open(apache_.get(), dir);
    QVERIFY(provider);
    constexpr qint64 kSize = qint64(64) << 20;
    constexpr uint32_t kChunk = 1 << 20;
    constexpr int kInFlight = 8;
    const QByteArray content = randomBytes(kSize, 9);
    QVERIFY(apache_->writeFile(dir + QStringLiteral("/big"), content));
    QVERIFY(Fs{*provider}.getattr({}).ok());

    // NFS-client-like: many reads in flight, each a ranged GET.
    struct State {
        std::mutex mutex;
        QByteArray assembled;
        uint64_t next = 0;
        int outstanding = 0;
        bool failed = false;
        std::promise<void> finished;
    };
    auto state = std::make_shared<State>();
    state->assembled = QByteArray(kSize, '\0');
    std::function<void()> issue;
    FileSystem *fsPtr = provider.get();
    issue = [state, fsPtr, &issue] {
        uint64_t offset;
        {
            std::lock_guard lock(state->mutex);
            if (state->next >= uint64_t(kSize))
                return;
            offset = state->next;
            state->next += kChunk;
            ++state->outstanding;
        }
        fsPtr->read("big", offset, kChunk, [state, offset, &issue](FsResult<FsReadResult> r) {
            bool last = false;
            {
                std::lock_guard lock(state->mutex);
                if (r.ok())
                    memcpy(state->assembled.data() + offset, r->data.constData(), size_t(r->data.size()));
                else
                    state->failed = true;
                --state->outstanding;
                last = state->outstanding == 0 && state->next >= uint64_t(kSize);
            }
            if (last)
                state->finished.set_value();
            else
                issue();
        });
    };
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kInFlight; ++i)
        issue();
    QVERIFY(state->finished.get_future().wait_for(120s) == std::future_status::ready);
    const qint64 loftMs = std::max<qint64>(timer.elapsed(), 1);
    QVERIFY(!state->failed);
    QVERIFY(state->assembled == content);

    double curlMiBs = 0;
    QProcess curl;
    timer.restart();
    curl.start(QStringLiteral("curl"),
               {QStringLiteral("-sf"), QStringLiteral("-o"), QStringLiteral("/dev/null"),
                QStringLiteral("-u"), apache_->user() + QLatin1Char(':') + apache_->password(),
                apache_->url().toString() + dir + QStringLiteral("/big")});
    if (curl.waitForFinished(120000) && curl.exitCode() == 0)
        curlMiBs = double(kSize >> 20) * 1000.0 / double(std::max<qint64>(timer.elapsed(), 1));
    qInfo("GET of a 64 MiB file in 1 MiB ranged reads, %d in flight: %.0f MiB/s; "
          "curl, one plain GET: %.0f MiB/s",
          kInFlight, double(kSize >> 20) * 1000.0 / double(loftMs), curlMiBs);
}

void TestWebDavProvider::wrongPasswordFailsFastWithoutStorm()
{
    DavTestServer *s = server();
    const QString dir = uniqueFolder("auth");
    WebDavOptions options;
    options.user = s->user();
    options.password = QStringLiteral("not the password 7zq");
    auto provider = open(s, dir, options);
    QVERIFY(provider);
    Fs fs{*provider};
    const int before = s->accessLog().size();
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(outcome(fs.getattr({})), QStringLiteral("access denied"));
    QVERIFY(timer.elapsed() < 3000);
    const QString message = provider->lastError();
    QVERIFY2(message.contains(QLatin1String("refused the password")), qPrintable(message));
    QVERIFY(message.contains(s->user()));
    QVERIFY(!message.contains(options.password));

    // The NFS client retries: a burst of calls must not turn into a burst of requests.
    for (int i = 0; i < 50; ++i)
        QCOMPARE(outcome(fs.getattr("x")), QStringLiteral("access denied"));
    QCOMPARE(outcome(fs.read("x", 0, 10)), QStringLiteral("access denied"));
    QCOMPARE(outcome(fs.create({}, "x")), QStringLiteral("access denied"));
    QVERIFY(timer.elapsed() < 5000);
    const QStringList log = s->accessLog().mid(before);
    QVERIFY2(!log.isEmpty(), "no refused request in the server's log: the log is not read");
    QVERIFY2(log.size() <= 3, qPrintable(log.join(QLatin1Char('\n'))));
    QVERIFY(!s->exists(dir + QStringLiteral("/x")));
}

void TestWebDavProvider::missingCredentials()
{
    WebDavOptions options;
    options.url = apache_->url();
    auto provider = std::make_unique<WebDavFileSystem>(options);
    QCOMPARE(outcome(Fs{*provider}.getattr({})), QStringLiteral("access denied"));
    QVERIFY2(provider->lastError().contains(QLatin1String("none was given")),
             qPrintable(provider->lastError()));
}

void TestWebDavProvider::digestAuthentication()
{
    ApacheDavServer::Options o;
    o.auth = ApacheDavServer::Auth::Digest;
    ApacheDavServer digest(o);
    QVERIFY2(digest.start(), qPrintable(digest.errorString()));
    auto provider = open(&digest, QStringLiteral("dg"));
    QVERIFY(provider);
    Fs fs{*provider};
    QCOMPARE(outcome(fs.getattr({})), QStringLiteral("ok"));
    QVERIFY(fs.create({}, "f").ok());
    QTemporaryFile local;
    QVERIFY(local.open());
    local.write(randomBytes(300000, 4));
    local.flush();
    QCOMPARE(outcome(fs.upload("f", local.fileName())), QStringLiteral("ok"));
    QCOMPARE(digest.readFile(QStringLiteral("dg/f")).size(), 300000);
    QCOMPARE(fs.read("f", 1000, 10)->data, randomBytes(300000, 4).mid(1000, 10));
    QCOMPARE(fs.readdir({})->size(), 1);

    WebDavOptions wrong;
    wrong.user = digest.user();
    wrong.password = QStringLiteral("wrong");
    auto bad = open(&digest, QStringLiteral("dg"), wrong);
    QCOMPARE(outcome(Fs{*bad}.getattr({})), QStringLiteral("access denied"));
}

void TestWebDavProvider::selfSignedCertificate()
{
    QFETCH(QString, server);
    std::unique_ptr<DavTestServer> tls;
    QString certificate;
    if (server == u"rclone") {
        RcloneDavServer::Options o;
        o.tls = true;
        auto r = std::make_unique<RcloneDavServer>(o);
        certificate = r->certificateFile();
        tls = std::move(r);
    } else {
        ApacheDavServer::Options o;
        o.tls = true;
        auto a = std::make_unique<ApacheDavServer>(o);
        certificate = a->certificateFile();
        tls = std::move(a);
    }
    QVERIFY2(tls->start(), qPrintable(tls->errorString()));
    auto provider = open(tls.get(), QStringLiteral("tls"));
    QVERIFY(provider);
    const int before = tls->accessLog().size();
    Fs fs{*provider};
    QCOMPARE(outcome(fs.getattr({})), QStringLiteral("I/O error"));
    const QString message = provider->lastError();
    QVERIFY2(message.contains(QLatin1String("certificate")) && message.contains(QLatin1String("not trusted"))
                 && message.contains(QLatin1String("self-signed"), Qt::CaseInsensitive),
             qPrintable(message));
    QVERIFY(!message.contains(tls->password()));
    // The NFS client retries: for a while every call fails at once with the same message,
    // without another handshake.
    const quint64 sent = provider->requestsSent();
    QCOMPARE(sent, quint64(1));
    for (int i = 0; i < 20; ++i)
        QCOMPARE(outcome(fs.getattr("x")), QStringLiteral("I/O error"));
    QCOMPARE(outcome(fs.create({}, "x")), QStringLiteral("I/O error"));
    QCOMPARE(provider->requestsSent(), sent);
    QCOMPARE(provider->lastError(), message);
    QVERIFY(tls->accessLog().mid(before).isEmpty());
    QVERIFY(!tls->exists(QStringLiteral("tls/x")));

    // Trusting that certificate explicitly makes it work.
    WebDavOptions trusted;
    trusted.extraCaCertificates = QSslCertificate::fromPath(certificate);
    QCOMPARE(trusted.extraCaCertificates.size(), 1);
    auto ok = open(tls.get(), QStringLiteral("tls"), trusted);
    Fs okFs{*ok};
    QCOMPARE(outcome(okFs.getattr({})), QStringLiteral("ok"));
    QCOMPARE(outcome(okFs.create({}, "x")), QStringLiteral("ok"));
    QVERIFY(tls->exists(QStringLiteral("tls/x")));
    QVERIFY(!tls->accessLog().mid(before).isEmpty()); // the log is read
}

void TestWebDavProvider::serverStopsAndComesBack()
{
    // A server of its own: this one is stopped.
    QFETCH(QString, server);
    const std::unique_ptr<DavTestServer> own = makeDavTestServer(server);
    QVERIFY2(own->start(), qPrintable(own->errorString()));
    WebDavOptions options;
    options.transferTimeout = 3s;
    auto provider = open(own.get(), QStringLiteral("bounce"), options);
    QVERIFY(provider);
    Fs fs{*provider};
    QVERIFY(own->writeFile(QStringLiteral("bounce/f"), "data"));
    QCOMPARE(outcome(fs.getattr("f")), QStringLiteral("ok"));

    own->stop();
    QElapsedTimer timer;
    timer.start();
    const auto down = fs.getattr("f");
    const qint64 ms = timer.elapsed();
    QVERIFY2(outcome(down) == u"backend unavailable" || outcome(down) == u"timed out",
             qPrintable(outcome(down)));
    QVERIFY2(ms < 3000 * 2, qPrintable(QString::number(ms)));
    QVERIFY2(provider->lastError().contains(QLatin1String("refused")), qPrintable(provider->lastError()));
    QCOMPARE(outcome(fs.read("f", 0, 4)), outcome(down));
    qInfo("with the server down, getattr failed in %lld ms (3 tries with backoff)", ms);

    QVERIFY2(own->start(), qPrintable(own->errorString()));
    QCOMPARE(outcome(fs.getattr("f")), QStringLiteral("ok"));
    QCOMPARE(fs.read("f", 0, 4)->data, QByteArray("data"));
}

void TestWebDavProvider::unresponsiveServerTimesOut()
{
    // A listening socket nobody serves: the kernel completes the handshake, and then
    // nothing ever answers.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    WebDavOptions options;
    options.url = QUrl(QStringLiteral("http://127.0.0.1:%1/dav/").arg(silent.serverPort()));
    options.user = QStringLiteral("u");
    options.password = QStringLiteral("p");
    options.transferTimeout = 1500ms;
    WebDavFileSystem provider(options);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(outcome(Fs{provider}.getattr("f")), QStringLiteral("timed out"));
    const qint64 ms = timer.elapsed();
    QVERIFY2(ms >= 1400 && ms < 4000, qPrintable(QString::number(ms)));
    QVERIFY2(provider.lastError().contains(QLatin1String("did not answer within 1.5 s")),
             qPrintable(provider.lastError()));
}

void TestWebDavProvider::serveCommand()
{
    if (QStandardPaths::findExecutable(QStringLiteral("nfs-cat")).isEmpty())
        QSKIP("nfs-cat (libnfs-utils) is not installed");
    QVERIFY(apache_->makeDir(QStringLiteral("served")));
    QVERIFY(apache_->writeFile(QStringLiteral("served/hello.txt"), "hello over nfs\n"));
    QTemporaryDir state;
    const QString source = QStringLiteral("webdav://%1@127.0.0.1:%2/dav/served")
                               .arg(apache_->user())
                               .arg(apache_->port());

    // A wrong password: a clear error, the password nowhere.
    {
        QProcess loft;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LOFT_PASSWORD"), QStringLiteral("bad-secret-42"));
        loft.setProcessEnvironment(env);
        loft.start(QStringLiteral(LOFT_BINARY),
                   {QStringLiteral("serve"), QStringLiteral("--state-dir"), state.path(), source});
        QVERIFY(loft.waitForFinished(30000));
        QVERIFY(loft.exitCode() != 0);
        const QString err = QString::fromUtf8(loft.readAllStandardError() + loft.readAllStandardOutput());
        QVERIFY2(err.contains(QLatin1String("refused the password")), qPrintable(err));
        QVERIFY(!err.contains(QLatin1String("bad-secret-42")));
    }

    QProcess loft;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LOFT_PASSWORD"), apache_->password());
    loft.setProcessEnvironment(env);
    loft.start(QStringLiteral(LOFT_BINARY),
               {QStringLiteral("serve"), QStringLiteral("--state-dir"), state.path(), source});
    QVERIFY(loft.waitForStarted());
    QByteArray line;
    QDeadlineTimer deadline(30000);
    while (!line.contains('\n') && !deadline.hasExpired() && loft.state() == QProcess::Running) {
        loft.waitForReadyRead(200);
        line += loft.readAllStandardOutput();
    }
    line = line.left(line.indexOf('\n'));
    const QRegularExpression re(QStringLiteral("^nfs://127\\.0\\.0\\.1:(\\d+)(/\\S+)$"));
    const auto m = re.match(QString::fromLatin1(line));
    QVERIFY2(m.hasMatch(), line.constData() + QByteArray(" / ") + loft.readAllStandardError());
    QProcess cat;
    cat.start(QStringLiteral("nfs-cat"),
              {QStringLiteral("nfs://127.0.0.1%1/hello.txt?nfsport=%2&mountport=%2")
                   .arg(m.captured(2), m.captured(1))});
    QVERIFY(cat.waitForFinished(30000));
    QCOMPARE(cat.readAllStandardOutput(), QByteArray("hello over nfs\n"));
    loft.terminate();
    QVERIFY(loft.waitForFinished(15000));
    QVERIFY(!loft.readAllStandardError().contains(apache_->password().toUtf8()));
}

QTEST_GUILESS_MAIN(TestWebDavProvider)
#include "tst_webdav_provider.moc"
