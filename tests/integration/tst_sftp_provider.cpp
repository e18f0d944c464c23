// The SFTP provider against a real OpenSSH sshd (tests/support/SshdServer) on loopback:
// every operation checked on the server's disk, symlinks and hard links, host key and
// login failures, a connection killed mid-read, a stopped server, and the CLI flags.
#include "RandomBytes.h"
#include "SftpFileSystem.h"
#include "SshdServer.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <fcntl.h>
#include <future>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace loft;
using loft::test::randomBytes;

namespace {

// Runs one provider call and waits for its answer.
template <class T, class Call>
FsResult<T> wait(Call &&call)
{
    std::promise<FsResult<T>> promise;
    auto future = promise.get_future();
    call([&promise](FsResult<T> r) { promise.set_value(std::move(r)); });
    return future.get();
}

bool writeDisk(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

QByteArray readDisk(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

struct stat lstatDisk(const QString &path)
{
    struct stat st{};
    if (::lstat(QFile::encodeName(path).constData(), &st) < 0)
        st.st_mode = 0;
    return st;
}

QByteArray readlinkDisk(const QString &path)
{
    char buffer[4096];
    const ssize_t n = ::readlink(QFile::encodeName(path).constData(), buffer, sizeof buffer);
    return n < 0 ? QByteArray() : QByteArray(buffer, n);
}

FsSetAttr modeOnly(uint32_t mode)
{
    FsSetAttr a;
    a.mode = mode;
    return a;
}

} // namespace

class TestSftpProvider : public QObject {
    Q_OBJECT

private:
    SftpOptions baseOptions() const
    {
        SftpOptions o;
        o.host = sshd_.host();
        o.port = sshd_.port();
        o.user = QString::fromLocal8Bit(qgetenv("USER"));
        if (o.user.isEmpty())
            o.user = QStringLiteral("root");
        o.rootPath = QFile::encodeName(root_);
        o.identityFile = sshd_.clientKey();
        o.useAgent = false;
        o.knownHostsFile = knownHosts_;
        o.globalKnownHostsFile = QStringLiteral("/nonexistent");
        o.timeout = std::chrono::seconds(10);
        return o;
    }
    std::unique_ptr<SftpFileSystem> openFs(const SftpOptions &o)
    {
        SftpConnectError error;
        auto fs = SftpFileSystem::open(o, &error);
        if (!fs)
            qWarning().noquote() << "open failed:" << error.message;
        return fs;
    }
    QString disk(const QString &relative) const { return root_ + QLatin1Char('/') + relative; }
    void writeKnownHosts(const QByteArray &content)
    {
        QVERIFY(writeDisk(knownHosts_, content));
    }

    SshdServer sshd_;
    QString root_;
    QString knownHosts_;
    std::unique_ptr<SftpFileSystem> fs_;

private slots:
    void initTestCase()
    {
        QString why;
        if (!SshdServer::available(&why))
            QSKIP(qPrintable(why));
        QVERIFY2(sshd_.start(&why), qPrintable(why));
        root_ = QDir(sshd_.dataDir()).canonicalPath();
        knownHosts_ = sshd_.tempPath() + QStringLiteral("/known_hosts");
        writeKnownHosts(sshd_.knownHostsLine());
        fs_ = openFs(baseOptions());
        QVERIFY2(fs_, qPrintable(sshd_.log()));
    }

    void cleanupTestCase()
    {
        fs_.reset();
        sshd_.stop();
    }

    // ----------------------------------------------------------------------------------
    // Connecting

    void capabilities()
    {
        const FsCapabilities c = fs_->capabilities();
        QVERIFY(c.remote);
        QVERIFY(c.randomWrites);
        QVERIFY(c.hardLinks);
        QVERIFY(c.symlinks);
        QVERIFY(!c.readOnly);
        QCOMPARE(fs_->remoteRoot(), QFile::encodeName(root_));
        QCOMPARE(fs_->hostKey().info.fingerprint, sshd_.hostKeyFingerprint());
        QCOMPARE(fs_->hostKey().info.status, HostKeyStatus::Known);
    }

    void homeRelativeRoot()
    {
        SftpOptions o = baseOptions();
        o.rootPath = "~";
        auto fs = openFs(o);
        QVERIFY(fs);
        QCOMPARE(fs->remoteRoot(), QFile::encodeName(QDir::homePath()));
    }

    void missingRoot()
    {
        SftpOptions o = baseOptions();
        o.rootPath = QFile::encodeName(root_ + QStringLiteral("/does-not-exist"));
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::RootNotFound);
        QVERIFY2(error.message.contains(QStringLiteral("does not exist")), qPrintable(error.message));
    }

    void urlParsing()
    {
        QString error;
        auto o = SftpOptions::fromUrl(QUrl(QStringLiteral("sftp://bob@example.org:2222/srv/a%20b/")), &error);
        QVERIFY(o);
        QCOMPARE(o->host, QStringLiteral("example.org"));
        QCOMPARE(o->port, uint16_t(2222));
        QCOMPARE(o->user, QStringLiteral("bob"));
        QCOMPARE(o->rootPath, QByteArray("/srv/a b"));
        QCOMPARE(o->canonicalUrl(), QStringLiteral("sftp://bob@example.org:2222/srv/a%20b"));
        o = SftpOptions::fromUrl(QUrl(QStringLiteral("sftp://bob@example.org/~/docs")), &error);
        QVERIFY(o);
        QCOMPARE(o->rootPath, QByteArray("~/docs"));
        QCOMPARE(o->canonicalUrl(), QStringLiteral("sftp://bob@example.org/~/docs"));
        o = SftpOptions::fromUrl(QUrl(QStringLiteral("sftp://bob@example.org")), &error);
        QVERIFY(o);
        QCOMPARE(o->rootPath, QByteArray("~"));
        QVERIFY(!SftpOptions::fromUrl(QUrl(QStringLiteral("sftp://bob:secret@example.org/x")), &error));
        QVERIFY(error.contains(QStringLiteral("LOFT_PASSWORD")));
    }

    // ----------------------------------------------------------------------------------
    // Attributes

    void getattrAndLookup()
    {
        QVERIFY(writeDisk(disk(QStringLiteral("attr.txt")), "hello world"));
        QVERIFY(::chmod(QFile::encodeName(disk(QStringLiteral("attr.txt"))).constData(), 0640) == 0);
        const struct stat st = lstatDisk(disk(QStringLiteral("attr.txt")));

        auto a = wait<FsAttr>([&](auto done) { fs_->getattr("attr.txt", done); });
        QVERIFY(a);
        QCOMPARE(a->type, FsType::File);
        QCOMPARE(a->size, uint64_t(11));
        QCOMPARE(a->mode, 0640u);
        QCOMPARE(a->uid, uint32_t(st.st_uid));
        QCOMPARE(a->gid, uint32_t(st.st_gid));
        QCOMPARE(a->mtime.sec, int64_t(st.st_mtim.tv_sec));
        QCOMPARE(a->identity, uint64_t(0));
        QCOMPARE(a->version, QByteArray::number(qlonglong(st.st_mtim.tv_sec)) + "-11");

        auto root = wait<FsAttr>([&](auto done) { fs_->getattr("", done); });
        QVERIFY(root);
        QCOMPARE(root->type, FsType::Directory);

        auto l = wait<FsAttr>([&](auto done) { fs_->lookup("", "attr.txt", done); });
        QVERIFY(l);
        QCOMPARE(l->size, uint64_t(11));
        auto missing = wait<FsAttr>([&](auto done) { fs_->lookup("", "nope", done); });
        QVERIFY(!missing);
        QCOMPARE(missing.error(), FsError::NotFound);
        auto bad = wait<FsAttr>([&](auto done) { fs_->lookup("", "..", done); });
        QVERIFY(!bad);
        QCOMPARE(bad.error(), FsError::InvalidName);
        auto tooLong = wait<FsAttr>([&](auto done) { fs_->lookup("", QByteArray(300, 'x'), done); });
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error(), FsError::NameTooLong);
    }

    void setattr()
    {
        const QString path = disk(QStringLiteral("set.txt"));
        QVERIFY(writeDisk(path, "0123456789"));
        FsSetAttr change;
        change.mode = 0604;
        change.size = 4;
        change.atimeHow = FsSetAttr::TimeHow::Given;
        change.atime = {1000000000, 0};
        change.mtimeHow = FsSetAttr::TimeHow::Given;
        change.mtime = {1200000000, 0};
        auto a = wait<FsAttr>([&](auto done) { fs_->setattr("set.txt", change, done); });
        QVERIFY(a);
        struct stat st = lstatDisk(path);
        QCOMPARE(st.st_mode & 07777, mode_t(0604));
        QCOMPARE(st.st_size, off_t(4));
        QCOMPARE(st.st_atim.tv_sec, time_t(1000000000));
        QCOMPARE(st.st_mtim.tv_sec, time_t(1200000000));
        QCOMPARE(a->mode, 0604u);
        QCOMPARE(a->size, uint64_t(4));
        QCOMPARE(readDisk(path), QByteArray("0123"));

        // Only mtime: atime stays (reading the file above may have moved it: relatime).
        const time_t atime = lstatDisk(path).st_atim.tv_sec;
        FsSetAttr mtimeOnly;
        mtimeOnly.mtimeHow = FsSetAttr::TimeHow::Given;
        mtimeOnly.mtime = {1300000000, 0};
        QVERIFY((wait<FsAttr>([&](auto done) { fs_->setattr("set.txt", mtimeOnly, done); })));
        st = lstatDisk(path);
        QCOMPARE(st.st_atim.tv_sec, atime);
        QCOMPARE(st.st_mtim.tv_sec, time_t(1300000000));

        // Extend with a size, change the owner (root may).
        FsSetAttr grow;
        grow.size = 100;
        if (::geteuid() == 0) {
            grow.uid = 1;
            grow.gid = 1;
        }
        QVERIFY((wait<FsAttr>([&](auto done) { fs_->setattr("set.txt", grow, done); })));
        st = lstatDisk(path);
        QCOMPARE(st.st_size, off_t(100));
        if (::geteuid() == 0) {
            QCOMPARE(st.st_uid, uid_t(1));
            QCOMPARE(st.st_gid, gid_t(1));
        }

        // Size of a directory.
        QVERIFY(QDir().mkpath(disk(QStringLiteral("setdir"))));
        FsSetAttr size;
        size.size = 0;
        auto dirSize = wait<FsAttr>([&](auto done) { fs_->setattr("setdir", size, done); });
        QVERIFY(!dirSize);
        QCOMPARE(dirSize.error(), FsError::IsDirectory);
    }

    // ----------------------------------------------------------------------------------
    // Data

    void readPipelined()
    {
        const QByteArray content = randomBytes(3 * 1024 * 1024 + 123, 7);
        QVERIFY(writeDisk(disk(QStringLiteral("big.bin")), content));
        struct Case {
            uint64_t offset;
            uint32_t count;
        };
        const Case cases[] = {{0, 1u << 20},       {0, 4096},          {1, 100000},
                              {1234567, 1u << 20}, {3145728, 1u << 20}, {uint64_t(content.size()), 10},
                              {uint64_t(content.size()) + 5000, 10},    {0, 0},
                              {0, 4u << 20}};
        for (const Case &c : cases) {
            auto r = wait<FsReadResult>([&](auto done) { fs_->read("big.bin", c.offset, c.count, done); });
            QVERIFY(r);
            const QByteArray expected = c.offset >= uint64_t(content.size())
                ? QByteArray()
                : content.mid(qsizetype(c.offset), qsizetype(c.count));
            QCOMPARE(r->data.size(), expected.size());
            QVERIFY(r->data == expected);
            QCOMPARE(r->eof, c.offset + uint64_t(expected.size()) >= uint64_t(content.size()));
            QCOMPARE(r->attr.size, uint64_t(content.size()));
        }
        auto dir = wait<FsReadResult>([&](auto done) { fs_->read("", 0, 10, done); });
        QVERIFY(!dir);
        QCOMPARE(dir.error(), FsError::IsDirectory);
        QVERIFY(QDir().mkpath(disk(QStringLiteral("readdir-as-file"))));
        auto dir2 = wait<FsReadResult>([&](auto done) { fs_->read("readdir-as-file", 0, 10, done); });
        QVERIFY(!dir2);
        QCOMPARE(dir2.error(), FsError::IsDirectory);
    }

    void manyReadsInParallel()
    {
        const QByteArray content = randomBytes(8 * 1024 * 1024, 11);
        QVERIFY(writeDisk(disk(QStringLiteral("parallel.bin")), content));
        std::vector<std::future<FsResult<FsReadResult>>> futures;
        std::vector<std::shared_ptr<std::promise<FsResult<FsReadResult>>>> promises;
        for (int i = 0; i < 8; ++i) {
            auto p = std::make_shared<std::promise<FsResult<FsReadResult>>>();
            futures.push_back(p->get_future());
            fs_->read("parallel.bin", uint64_t(i) << 20, 1u << 20,
                      [p](FsResult<FsReadResult> r) { p->set_value(std::move(r)); });
        }
        for (int i = 0; i < 8; ++i) {
            auto r = futures[size_t(i)].get();
            QVERIFY(r);
            QVERIFY(r->data == content.mid(qsizetype(i) << 20, 1 << 20));
        }
    }

    void writeAndCommit()
    {
        auto created = wait<FsCreated>([&](auto done) {
            fs_->create("", "written.bin", FsCreateMode::Guarded, modeOnly(0644), {}, done);
        });
        QVERIFY(created);
        const QByteArray a = randomBytes(1 << 20, 3);
        const QByteArray b = randomBytes(70000, 4);
        auto w1 = wait<FsWriteResult>([&](auto done) {
            fs_->write("written.bin", 0, a, FsStability::Unstable, done);
        });
        QVERIFY(w1);
        QCOMPARE(w1->count, uint32_t(a.size()));
        QCOMPARE(w1->before.size, uint64_t(0));
        QCOMPARE(w1->after.size, uint64_t(a.size()));
        QCOMPARE(w1->committed, FsStability::Unstable);
        // A write past the end leaves a hole of zeros.
        const uint64_t far = 3u << 20;
        auto w2 = wait<FsWriteResult>([&](auto done) {
            fs_->write("written.bin", far, b, FsStability::FileSync, done);
        });
        QVERIFY(w2);
        QCOMPARE(w2->committed, FsStability::FileSync);
        auto c = wait<FsAttr>([&](auto done) { fs_->commit("written.bin", done); });
        QVERIFY(c);
        QCOMPARE(c->size, far + uint64_t(b.size()));
        QByteArray expected = a;
        expected.append(QByteArray(qsizetype(far) - a.size(), '\0'));
        expected.append(b);
        QVERIFY(readDisk(disk(QStringLiteral("written.bin"))) == expected);
        // Overwrite in the middle, then read back through the provider.
        auto w3 = wait<FsWriteResult>([&](auto done) {
            fs_->write("written.bin", 10, "XYZ", FsStability::Unstable, done);
        });
        QVERIFY(w3);
        expected.replace(10, 3, "XYZ");
        QVERIFY(readDisk(disk(QStringLiteral("written.bin"))) == expected);
        auto r = wait<FsReadResult>([&](auto done) { fs_->read("written.bin", 0, 16, done); });
        QVERIFY(r);
        QCOMPARE(r->data, expected.left(16));

        auto toDir = wait<FsWriteResult>([&](auto done) {
            fs_->write("setdir", 0, "x", FsStability::Unstable, done);
        });
        QVERIFY(!toDir);
        QCOMPARE(toDir.error(), FsError::IsDirectory);
    }

    // ----------------------------------------------------------------------------------
    // Creation

    void createModes()
    {
        // Guarded: exact mode despite the server's umask.
        auto g = wait<FsCreated>([&](auto done) {
            fs_->create("", "guarded", FsCreateMode::Guarded, modeOnly(0666), {}, done);
        });
        QVERIFY(g);
        QCOMPARE(lstatDisk(disk(QStringLiteral("guarded"))).st_mode & 07777, mode_t(0666));
        QCOMPARE(g->attr.mode, 0666u);
        QVERIFY(g->dir.after);
        auto again = wait<FsCreated>([&](auto done) {
            fs_->create("", "guarded", FsCreateMode::Guarded, {}, {}, done);
        });
        QVERIFY(!again);
        QCOMPARE(again.error(), FsError::Exists);

        // Unchecked on an existing file: opens it, applies only the size.
        QVERIFY(writeDisk(disk(QStringLiteral("unchecked")), "some content"));
        FsSetAttr truncate;
        truncate.size = 4;
        truncate.mode = 0600;
        auto u = wait<FsCreated>([&](auto done) {
            fs_->create("", "unchecked", FsCreateMode::Unchecked, truncate, {}, done);
        });
        QVERIFY(u);
        QCOMPARE(readDisk(disk(QStringLiteral("unchecked"))), QByteArray("some"));
        QVERIFY((lstatDisk(disk(QStringLiteral("unchecked"))).st_mode & 07777) != 0600);
        auto onDir = wait<FsCreated>([&](auto done) {
            fs_->create("", "setdir", FsCreateMode::Unchecked, {}, {}, done);
        });
        QVERIFY(!onDir);
        QCOMPARE(onDir.error(), FsError::Exists);

        // Exclusive: the verifier goes into the times; a retry with it succeeds.
        const QByteArray verifier("\x01\x02\x03\x04\x85\x06\x07\x08", 8);
        auto e = wait<FsCreated>([&](auto done) {
            fs_->create("", "exclusive", FsCreateMode::Exclusive, {}, verifier, done);
        });
        QVERIFY(e);
        const struct stat st = lstatDisk(disk(QStringLiteral("exclusive")));
        QCOMPARE(st.st_mtim.tv_sec, time_t(0x01020304));
        QCOMPARE(st.st_atim.tv_sec, time_t(0x05060708));
        auto retry = wait<FsCreated>([&](auto done) {
            fs_->create("", "exclusive", FsCreateMode::Exclusive, {}, verifier, done);
        });
        QVERIFY(retry);
        auto other = wait<FsCreated>([&](auto done) {
            fs_->create("", "exclusive", FsCreateMode::Exclusive, {}, QByteArray(8, 'z'), done);
        });
        QVERIFY(!other);
        QCOMPARE(other.error(), FsError::Exists);

        // In a missing directory, with a bad name.
        auto noDir = wait<FsCreated>([&](auto done) {
            fs_->create("missing-dir", "x", FsCreateMode::Guarded, {}, {}, done);
        });
        QVERIFY(!noDir);
        QCOMPARE(noDir.error(), FsError::NotFound);
        auto badName = wait<FsCreated>([&](auto done) {
            fs_->create("", "a/b", FsCreateMode::Guarded, {}, {}, done);
        });
        QVERIFY(!badName);
        QCOMPARE(badName.error(), FsError::InvalidName);

        auto node = wait<FsCreated>([&](auto done) { fs_->mknod("", "fifo", FsType::Fifo, {}, done); });
        QVERIFY(!node);
        QCOMPARE(node.error(), FsError::NotSupported);
    }

    void directories()
    {
        auto made = wait<FsCreated>([&](auto done) { fs_->mkdir("", "dir", modeOnly(0750), done); });
        QVERIFY(made);
        QCOMPARE(made->attr.type, FsType::Directory);
        QCOMPARE(lstatDisk(disk(QStringLiteral("dir"))).st_mode & 07777, mode_t(0750));
        auto exists = wait<FsCreated>([&](auto done) { fs_->mkdir("", "dir", {}, done); });
        QVERIFY(!exists);
        QCOMPARE(exists.error(), FsError::Exists);
        QVERIFY(writeDisk(disk(QStringLiteral("dir/inner")), "x"));
        auto notEmpty = wait<FsDirChange>([&](auto done) { fs_->rmdir("", "dir", done); });
        QVERIFY(!notEmpty);
        QCOMPARE(notEmpty.error(), FsError::NotEmpty);
        auto isDir = wait<FsDirChange>([&](auto done) { fs_->remove("", "dir", done); });
        QVERIFY(!isDir);
        QCOMPARE(isDir.error(), FsError::IsDirectory);
        auto notDir = wait<FsDirChange>([&](auto done) { fs_->rmdir("dir", "inner", done); });
        QVERIFY(!notDir);
        QCOMPARE(notDir.error(), FsError::NotDirectory);
        auto removed = wait<FsDirChange>([&](auto done) { fs_->remove("dir", "inner", done); });
        QVERIFY(removed);
        QVERIFY(removed->after);
        QVERIFY(!QFile::exists(disk(QStringLiteral("dir/inner"))));
        QVERIFY((wait<FsDirChange>([&](auto done) { fs_->rmdir("", "dir", done); })));
        QVERIFY(!QFileInfo::exists(disk(QStringLiteral("dir"))));
        auto gone = wait<FsDirChange>([&](auto done) { fs_->remove("", "dir", done); });
        QVERIFY(!gone);
        QCOMPARE(gone.error(), FsError::NotFound);
    }

    void readdirWithAttributes()
    {
        QVERIFY(QDir().mkpath(disk(QStringLiteral("list/sub"))));
        for (int i = 0; i < 300; ++i)
            QVERIFY(writeDisk(disk(QStringLiteral("list/f%1").arg(i)), QByteArray(i, 'a')));
        QVERIFY(::symlink("f1", QFile::encodeName(disk(QStringLiteral("list/link"))).constData()) == 0);
        auto entries = wait<QList<FsDirEntry>>([&](auto done) { fs_->readdir("list", done); });
        QVERIFY(entries);
        QCOMPARE(entries->size(), 302);
        int files = 0;
        for (const FsDirEntry &e : *entries) {
            QVERIFY(e.name != "." && e.name != "..");
            if (e.name == "sub") {
                QCOMPARE(e.attr.type, FsType::Directory);
            } else if (e.name == "link") {
                QCOMPARE(e.attr.type, FsType::Symlink);
            } else {
                QCOMPARE(e.attr.type, FsType::File);
                QCOMPARE(e.attr.size, uint64_t(e.name.mid(1).toInt()));
                ++files;
            }
        }
        QCOMPARE(files, 300);
        auto notDir = wait<QList<FsDirEntry>>([&](auto done) { fs_->readdir("list/f1", done); });
        QVERIFY(!notDir);
        QCOMPARE(notDir.error(), FsError::NotDirectory);
    }

    void symlinks()
    {
        // OpenSSH reads SSH_FXP_SYMLINK's arguments in swapped order: the link must point
        // at the target, not the other way round.
        auto made = wait<FsCreated>([&](auto done) {
            fs_->symlink("", "ln", "target/of the link", {}, done);
        });
        QVERIFY(made);
        QCOMPARE(made->attr.type, FsType::Symlink);
        QVERIFY(S_ISLNK(lstatDisk(disk(QStringLiteral("ln"))).st_mode));
        QCOMPARE(readlinkDisk(disk(QStringLiteral("ln"))), QByteArray("target/of the link"));
        QVERIFY(!QFileInfo::exists(disk(QStringLiteral("target"))));
        auto target = wait<QByteArray>([&](auto done) { fs_->readlink("ln", done); });
        QVERIFY(target);
        QCOMPARE(*target, QByteArray("target/of the link"));
        auto attr = wait<FsAttr>([&](auto done) { fs_->getattr("ln", done); });
        QVERIFY(attr);
        QCOMPARE(attr->type, FsType::Symlink);
        auto notLink = wait<QByteArray>([&](auto done) { fs_->readlink("attr.txt", done); });
        QVERIFY(!notLink);
        QCOMPARE(notLink.error(), FsError::InvalidArgument);
        auto exists = wait<FsCreated>([&](auto done) { fs_->symlink("", "ln", "x", {}, done); });
        QVERIFY(!exists);
        QCOMPARE(exists.error(), FsError::Exists);
        // A symlink leaf is never opened (the server would follow it).
        QVERIFY(writeDisk(disk(QStringLiteral("pointee")), "secret"));
        QVERIFY(::symlink("pointee", QFile::encodeName(disk(QStringLiteral("ln2"))).constData()) == 0);
        auto through = wait<FsReadResult>([&](auto done) { fs_->read("ln2", 0, 10, done); });
        QVERIFY(!through);
        QCOMPARE(through.error(), FsError::InvalidArgument);
        // Times of the link itself (lsetstat), not of what it points at.
        FsSetAttr times;
        times.mtimeHow = FsSetAttr::TimeHow::Given;
        times.mtime = {1111111111, 0};
        auto set = wait<FsAttr>([&](auto done) { fs_->setattr("ln2", times, done); });
        QVERIFY(set);
        QCOMPARE(lstatDisk(disk(QStringLiteral("ln2"))).st_mtim.tv_sec, time_t(1111111111));
        QVERIFY(lstatDisk(disk(QStringLiteral("pointee"))).st_mtim.tv_sec != time_t(1111111111));
        auto mode = wait<FsAttr>([&](auto done) { fs_->setattr("ln2", modeOnly(0600), done); });
        QVERIFY(!mode);
        QCOMPARE(mode.error(), FsError::NotSupported);
    }

    void hardLinks()
    {
        QVERIFY(writeDisk(disk(QStringLiteral("original")), "linked content"));
        auto linked = wait<FsLinked>([&](auto done) { fs_->link("original", "", "second", done); });
        QVERIFY(linked);
        QCOMPARE(linked->attr.size, uint64_t(14));
        const struct stat a = lstatDisk(disk(QStringLiteral("original")));
        const struct stat b = lstatDisk(disk(QStringLiteral("second")));
        QCOMPARE(a.st_ino, b.st_ino);
        QCOMPARE(a.st_nlink, nlink_t(2));
        auto exists = wait<FsLinked>([&](auto done) { fs_->link("original", "", "second", done); });
        QVERIFY(!exists);
        QCOMPARE(exists.error(), FsError::Exists);
        auto missing = wait<FsLinked>([&](auto done) { fs_->link("no-such", "", "third", done); });
        QVERIFY(!missing);
        QCOMPARE(missing.error(), FsError::NotFound);
    }

    void renames()
    {
        QVERIFY(writeDisk(disk(QStringLiteral("r-a")), "A"));
        QVERIFY(writeDisk(disk(QStringLiteral("r-b")), "B"));
        // Warm the handle cache on r-b so the rename must invalidate it.
        auto before = wait<FsReadResult>([&](auto done) { fs_->read("r-b", 0, 10, done); });
        QVERIFY(before);
        QCOMPARE(before->data, QByteArray("B"));
        // Over an existing file: posix-rename replaces it atomically.
        auto r = wait<FsRenamed>([&](auto done) { fs_->rename("", "r-a", "", "r-b", done); });
        QVERIFY(r);
        QVERIFY(r->fromDir.after);
        QVERIFY(!QFile::exists(disk(QStringLiteral("r-a"))));
        QCOMPARE(readDisk(disk(QStringLiteral("r-b"))), QByteArray("A"));
        for (int i = 0; i < 8; ++i) { // whichever session serves it
            auto after = wait<FsReadResult>([&](auto done) { fs_->read("r-b", 0, 10, done); });
            QVERIFY(after);
            QCOMPARE(after->data, QByteArray("A"));
        }
        // Across directories.
        QVERIFY(QDir().mkpath(disk(QStringLiteral("r-dir"))));
        QVERIFY((wait<FsRenamed>([&](auto done) { fs_->rename("", "r-b", "r-dir", "moved", done); })));
        QCOMPARE(readDisk(disk(QStringLiteral("r-dir/moved"))), QByteArray("A"));
        // Directory over a non-empty directory, file over directory, directory over file.
        QVERIFY(QDir().mkpath(disk(QStringLiteral("r-dir2"))));
        auto notEmpty = wait<FsRenamed>([&](auto done) { fs_->rename("", "r-dir2", "", "r-dir", done); });
        QVERIFY(!notEmpty);
        QCOMPARE(notEmpty.error(), FsError::NotEmpty);
        QVERIFY(writeDisk(disk(QStringLiteral("r-file")), "F"));
        auto isDir = wait<FsRenamed>([&](auto done) { fs_->rename("", "r-file", "", "r-dir2", done); });
        QVERIFY(!isDir);
        QCOMPARE(isDir.error(), FsError::IsDirectory);
        auto notDir = wait<FsRenamed>([&](auto done) { fs_->rename("", "r-dir2", "", "r-file", done); });
        QVERIFY(!notDir);
        QCOMPARE(notDir.error(), FsError::NotDirectory);
        auto missing = wait<FsRenamed>([&](auto done) { fs_->rename("", "r-none", "", "r-x", done); });
        QVERIFY(!missing);
        QCOMPARE(missing.error(), FsError::NotFound);
        // Directory over an empty directory works.
        QVERIFY(QDir().mkpath(disk(QStringLiteral("r-empty"))));
        QVERIFY((wait<FsRenamed>([&](auto done) { fs_->rename("", "r-dir2", "", "r-empty", done); })));
        QVERIFY(!QFileInfo::exists(disk(QStringLiteral("r-dir2"))));
    }

    void fsstat()
    {
        auto s = wait<FsStat>([&](auto done) { fs_->fsstat("", done); });
        QVERIFY(s);
        struct statvfs v;
        QVERIFY(::statvfs(QFile::encodeName(root_).constData(), &v) == 0);
        QCOMPARE(s->totalBytes, uint64_t(v.f_blocks) * v.f_frsize);
        QVERIFY(s->availBytes > 0);
    }

    void readOnlySource()
    {
        SftpOptions o = baseOptions();
        o.readOnly = true;
        auto fs = openFs(o);
        QVERIFY(fs);
        QVERIFY(fs->capabilities().readOnly);
        auto w = wait<FsWriteResult>([&](auto done) {
            fs->write("attr.txt", 0, "x", FsStability::Unstable, done);
        });
        QVERIFY(!w);
        QCOMPARE(w.error(), FsError::ReadOnly);
        auto m = wait<FsCreated>([&](auto done) { fs->mkdir("", "ro", {}, done); });
        QVERIFY(!m);
        QCOMPARE(m.error(), FsError::ReadOnly);
        QVERIFY((wait<FsAttr>([&](auto done) { fs->getattr("attr.txt", done); })));
        QCOMPARE(readDisk(disk(QStringLiteral("attr.txt"))), QByteArray("hello world"));
    }

    // ----------------------------------------------------------------------------------
    // Host keys

    void unknownHostKeyRefusedThenApproved()
    {
        SftpOptions o = baseOptions();
        o.knownHostsFile = sshd_.tempPath() + QStringLiteral("/kh-new/known_hosts");
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::HostKeyUnknown);
        QVERIFY(error.hostKey);
        QCOMPARE(error.hostKey->fingerprint, sshd_.hostKeyFingerprint());
        QCOMPARE(error.hostKey->keyType, QStringLiteral("ssh-ed25519"));
        QCOMPARE(error.hostKey->status, HostKeyStatus::Unknown);
        QVERIFY2(error.message.contains(sshd_.hostKeyFingerprint()), qPrintable(error.message));
        QVERIFY(!QFile::exists(o.knownHostsFile));

        // The GUI flow: the user approved exactly that fingerprint.
        o.approvedHostKey = QStringLiteral("SHA256:not-the-key");
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::HostKeyUnknown);
        o.approvedHostKey = error.hostKey->fingerprint;
        auto fs = openFs(o);
        QVERIFY(fs);
        QVERIFY(fs->hostKey().saved);
        QVERIFY(readDisk(o.knownHostsFile).contains("[127.0.0.1]:" + QByteArray::number(sshd_.port())));
        // Known from now on, without any approval.
        o.approvedHostKey.clear();
        QVERIFY(openFs(o));
    }

    void acceptNewHostKeyFlag()
    {
        SftpOptions o = baseOptions();
        o.knownHostsFile = sshd_.tempPath() + QStringLiteral("/kh-accept");
        QFile::remove(o.knownHostsFile);
        o.acceptNewHostKey = true;
        auto fs = openFs(o);
        QVERIFY(fs);
        QVERIFY(fs->hostKey().saved);
        QVERIFY(readDisk(o.knownHostsFile).contains("ssh-ed25519"));
        // A second source with the flag off now finds it known.
        o.acceptNewHostKey = false;
        QVERIFY(openFs(o));
    }

    void changedHostKeyIsHardError()
    {
        // Record a different key for the host: exactly what a replaced server looks like.
        QString why;
        const QString other = sshd_.makeClientKey(QStringLiteral("fake_host"), {}, false, &why);
        QVERIFY2(!other.isEmpty(), qPrintable(why));
        const QList<QByteArray> parts = readDisk(other + QStringLiteral(".pub")).trimmed().split(' ');
        SftpOptions o = baseOptions();
        o.knownHostsFile = sshd_.tempPath() + QStringLiteral("/kh-changed");
        QVERIFY(writeDisk(o.knownHostsFile, "[127.0.0.1]:" + QByteArray::number(sshd_.port()) + ' '
                                                + parts.at(0) + ' ' + parts.at(1) + '\n'));
        for (bool acceptNew : {false, true}) {
            o.acceptNewHostKey = acceptNew; // never overrides a changed key
            SftpConnectError error;
            QVERIFY(!SftpFileSystem::open(o, &error));
            QCOMPARE(error.kind, SftpConnectError::Kind::HostKeyChanged);
            QVERIFY(error.hostKey);
            QCOMPARE(error.hostKey->status, HostKeyStatus::Changed);
            QVERIFY2(error.message.contains(sshd_.hostKeyFingerprint()), qPrintable(error.message));
            QVERIFY2(error.message.contains(QStringLiteral("CHANGED")), qPrintable(error.message));
            QVERIFY2(error.message.contains(QStringLiteral("ssh-keygen -R")), qPrintable(error.message));
        }
        // Even an approval of the new fingerprint does not override it.
        o.acceptNewHostKey = false;
        o.approvedHostKey = sshd_.hostKeyFingerprint();
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::HostKeyChanged);
    }

    void serverWithNewHostKey()
    {
        // The real thing: the server restarts with another host key.
        QString why;
        sshd_.stop();
        QVERIFY2(sshd_.replaceHostKey(&why), qPrintable(why));
        QVERIFY2(sshd_.start(&why), qPrintable(why));
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(baseOptions(), &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::HostKeyChanged);
        QVERIFY2(error.message.contains(sshd_.hostKeyFingerprint()), qPrintable(error.message));
        // The running provider pinned the old key: its reconnections are refused too.
        auto a = wait<FsAttr>([&](auto done) { fs_->getattr("attr.txt", done); });
        QVERIFY(!a);
        QCOMPARE(a.error(), FsError::Unavailable);
        QVERIFY(fs_->lastConnectionError().contains(QStringLiteral("changed")));
        // Trust the new key again for the remaining tests.
        writeKnownHosts(sshd_.knownHostsLine());
        fs_ = openFs(baseOptions());
        QVERIFY(fs_);
    }

    // ----------------------------------------------------------------------------------
    // Logging in

    void wrongKey()
    {
        QString why;
        const QString stranger = sshd_.makeClientKey(QStringLiteral("stranger"), {}, false, &why);
        QVERIFY2(!stranger.isEmpty(), qPrintable(why));
        SftpOptions o = baseOptions();
        o.identityFile = stranger;
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::AuthenticationFailed);
        QVERIFY2(error.message.contains(stranger), qPrintable(error.message));
        QVERIFY2(error.message.contains(QStringLiteral("refused")), qPrintable(error.message));

        o.identityFile = sshd_.tempPath() + QStringLiteral("/no-such-key");
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::AuthenticationFailed);
        QVERIFY2(error.message.contains(QStringLiteral("does not exist")), qPrintable(error.message));
    }

    void encryptedKey()
    {
        QString why;
        const QString key = sshd_.makeClientKey(QStringLiteral("locked"), "open sesame", true, &why);
        QVERIFY2(!key.isEmpty(), qPrintable(why));
        QFile::remove(key + QStringLiteral(".pub")); // force decryption before offering it
        SftpOptions o = baseOptions();
        o.identityFile = key;
        o.keyPassphrase = "wrong";
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::AuthenticationFailed);
        QVERIFY2(error.message.contains(QStringLiteral("passphrase")), qPrintable(error.message));
        QVERIFY(!error.message.contains(QStringLiteral("wrong\"")));
        o.keyPassphrase.clear();
        QVERIFY(!SftpFileSystem::open(o, &error));
        QVERIFY2(error.message.contains(QStringLiteral("passphrase")), qPrintable(error.message));
        o.keyPassphrase = "open sesame";
        QVERIFY(openFs(o));
    }

    void password()
    {
        if (::geteuid() != 0)
            QSKIP("a password login needs a throwaway local user, which only root can create");
        QString why;
        const QByteArray secret = "Pa55-" + QByteArray::number(QRandomGenerator::global()->generate());
        const QString user = sshd_.addPasswordUser(secret, &why);
        QVERIFY2(!user.isEmpty(), qPrintable(why));
        SftpOptions o = baseOptions();
        o.user = user;
        o.identityFile = sshd_.tempPath() + QStringLiteral("/no-such-key");
        o.rootPath = "~";
        o.password = secret;
        auto fs = openFs(o);
        QVERIFY2(fs, qPrintable(sshd_.log().right(2000)));
        auto entries = wait<QList<FsDirEntry>>([&](auto done) { fs->readdir("", done); });
        QVERIFY(entries);
        o.password = "not the password";
        SftpConnectError error;
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::AuthenticationFailed);
        QVERIFY2(error.message.contains(QStringLiteral("the password")), qPrintable(error.message));
        QVERIFY(!error.message.contains(QStringLiteral("not the password")));
        o.password.clear();
        QVERIFY(!SftpFileSystem::open(o, &error));
        QCOMPARE(error.kind, SftpConnectError::Kind::AuthenticationFailed);
    }

    void sshAgent()
    {
        const QString socket = sshd_.tempPath() + QStringLiteral("/agent.sock");
        QProcess agent;
        agent.start(QStringLiteral("ssh-agent"), {QStringLiteral("-D"), QStringLiteral("-a"), socket});
        if (!agent.waitForStarted(5000))
            QSKIP("ssh-agent is not installed");
        for (int i = 0; i < 50 && !QFile::exists(socket); ++i)
            QThread::msleep(100);
        QProcess add;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SSH_AUTH_SOCK"), socket);
        add.setProcessEnvironment(env);
        add.start(QStringLiteral("ssh-add"), {sshd_.clientKey()});
        QVERIFY(add.waitForFinished(10000));
        QCOMPARE(add.exitCode(), 0);
        SftpOptions o = baseOptions();
        o.identityFile = sshd_.tempPath() + QStringLiteral("/no-such-key");
        o.useAgent = true;
        o.agentSocket = socket;
        QVERIFY(openFs(o));
        agent.terminate();
        agent.waitForFinished(5000);
    }

    // ----------------------------------------------------------------------------------
    // Dropped connections and stopped servers

    void connectionKilledMidRead()
    {
        const QByteArray content = randomBytes(48 << 20, 21);
        QVERIFY(writeDisk(disk(QStringLiteral("kill.bin")), content));
        constexpr int kReads = 48;
        std::vector<std::shared_ptr<std::promise<FsResult<FsReadResult>>>> promises;
        std::vector<std::future<FsResult<FsReadResult>>> futures;
        std::atomic<int> completed{0};
        for (int i = 0; i < kReads; ++i) {
            auto p = std::make_shared<std::promise<FsResult<FsReadResult>>>();
            futures.push_back(p->get_future());
            promises.push_back(p);
        }
        // Eight reads in flight at a time, like a kernel client's read-ahead.
        std::atomic<int> next{0};
        std::function<void()> issue = [&] {
            const int i = next.fetch_add(1);
            if (i >= kReads)
                return;
            fs_->read("kill.bin", uint64_t(i) << 20, 1u << 20, [&, i](FsResult<FsReadResult> r) {
                promises[size_t(i)]->set_value(std::move(r));
                ++completed;
                issue();
            });
        };
        for (int i = 0; i < 8; ++i)
            issue();
        while (completed.load() < 4)
            QThread::msleep(1);
        const int killed = sshd_.killConnections();
        std::vector<FsResult<FsReadResult>> results;
        for (int i = 0; i < kReads; ++i)
            results.push_back(futures[size_t(i)].get()); // every callback has run
        QVERIFY(killed > 0);
        for (int i = 0; i < kReads; ++i) {
            const auto &r = results[size_t(i)];
            QVERIFY2(r, fsErrorName(r ? FsError::Io : r.error()));
            QVERIFY(r->data == content.mid(qsizetype(i) << 20, 1 << 20));
        }
        // Calls that are not idempotent work too: dead idle sessions are replaced first.
        sshd_.killConnections();
        QThread::msleep(200);
        QVERIFY((wait<FsCreated>([&](auto done) { fs_->mkdir("", "after-kill", {}, done); })));
        QVERIFY(QFileInfo(disk(QStringLiteral("after-kill"))).isDir());
    }

    void committedWritesSurviveKills()
    {
        QVERIFY((wait<FsCreated>([&](auto done) {
            fs_->create("", "durable.bin", FsCreateMode::Guarded, {}, {}, done);
        })));
        QByteArray expected;
        for (int round = 0; round < 6; ++round) {
            const QByteArray piece = randomBytes(700000, quint32(100 + round));
            auto w = wait<FsWriteResult>([&](auto done) {
                fs_->write("durable.bin", uint64_t(expected.size()), piece, FsStability::Unstable, done);
            });
            QVERIFY(w);
            expected += piece;
            if (round % 2)
                sshd_.killConnections(); // between WRITE and COMMIT
            QVERIFY((wait<FsAttr>([&](auto done) { fs_->commit("durable.bin", done); })));
            QVERIFY(readDisk(disk(QStringLiteral("durable.bin"))) == expected);
            if (!(round % 2))
                sshd_.killConnections(); // after COMMIT
        }
        QVERIFY(readDisk(disk(QStringLiteral("durable.bin"))) == expected);
    }

    void stoppedServerFailsWithinTimeout()
    {
        QVERIFY(writeDisk(disk(QStringLiteral("stop.bin")), randomBytes(2 << 20, 5)));
        SftpOptions o = baseOptions();
        o.timeout = std::chrono::seconds(2);
        auto fs = openFs(o);
        QVERIFY(fs);
        QVERIFY((wait<FsAttr>([&](auto done) { fs->getattr("stop.bin", done); })));

        sshd_.pause();
        struct Resume {
            SshdServer &sshd;
            ~Resume() { sshd.resume(); }
        } resumeOnExit{sshd_};
        QElapsedTimer timer;
        timer.start();
        // A handful at once: queued calls must not wait for each other's timeouts.
        std::vector<std::shared_ptr<std::promise<FsResult<FsAttr>>>> promises;
        for (int i = 0; i < 10; ++i) {
            auto p = std::make_shared<std::promise<FsResult<FsAttr>>>();
            promises.push_back(p);
            fs->getattr("stop.bin", [p](FsResult<FsAttr> r) { p->set_value(std::move(r)); });
        }
        auto r = wait<FsReadResult>([&](auto done) { fs->read("stop.bin", 0, 1 << 20, done); });
        std::vector<FsResult<FsAttr>> results;
        for (auto &p : promises)
            results.push_back(p->get_future().get());
        for (auto &a : results) {
            QVERIFY(!a);
            QVERIFY2(a.error() == FsError::TimedOut || a.error() == FsError::Unavailable,
                     fsErrorName(a.error()));
        }
        QVERIFY(!r);
        // Each call fails once its 2 s pass without an answer (plus the watchdog's 0.1 s
        // tick); the margin is for a loaded test machine.
        const qint64 elapsed = timer.elapsed();
        QVERIFY2(elapsed >= 1900 && elapsed < 3500, qPrintable(QString::number(elapsed)));
        qInfo() << "calls to a stopped server failed after" << elapsed << "ms";

        sshd_.resume();
        auto back = wait<FsAttr>([&](auto done) { fs->getattr("stop.bin", done); });
        QVERIFY2(back, qPrintable(fs->lastConnectionError()));
    }

    void destroyWhileServerStopped()
    {
        SftpOptions o = baseOptions();
        o.timeout = std::chrono::seconds(2);
        auto fs = openFs(o);
        QVERIFY(fs);
        // Leave cached handles behind on every session: closing them needs the server.
        for (int i = 0; i < 4; ++i)
            QVERIFY((wait<FsReadResult>([&](auto done) { fs->read("stop.bin", 0, 4096, done); })));
        sshd_.pause();
        struct Resume {
            SshdServer &sshd;
            ~Resume() { sshd.resume(); }
        } resumeOnExit{sshd_};
        QElapsedTimer timer;
        timer.start();
        fs.reset();
        QVERIFY2(timer.elapsed() < 4000, qPrintable(QString::number(timer.elapsed())));
    }

    void killedServerIsUnavailable()
    {
        auto fs = openFs(baseOptions());
        QVERIFY(fs);
        sshd_.stop();
        struct Restart {
            SshdServer &sshd;
            ~Restart()
            {
                QString ignored;
                sshd.start(&ignored);
            }
        } restartOnExit{sshd_};
        QElapsedTimer timer;
        timer.start();
        auto a = wait<FsAttr>([&](auto done) { fs->getattr("attr.txt", done); });
        QVERIFY(!a);
        QCOMPARE(a.error(), FsError::Unavailable);
        QVERIFY(timer.elapsed() < 2000);
        QVERIFY2(fs->lastConnectionError().contains(QStringLiteral("refused")),
                 qPrintable(fs->lastConnectionError()));
        QString why;
        QVERIFY2(sshd_.start(&why), qPrintable(why));
        QVERIFY((wait<FsAttr>([&](auto done) { fs->getattr("attr.txt", done); })));
        QVERIFY((wait<FsAttr>([&](auto done) { fs_->getattr("attr.txt", done); })));
    }

    void noDescriptorLeaks()
    {
        // libssh closes the socket it was given on some errors; the provider must neither
        // leak descriptors nor close one twice, whatever happened to the connection.
        auto openDescriptors = [] { return QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size(); };
        const qsizetype before = openDescriptors();
        for (int round = 0; round < 3; ++round) {
            SftpOptions o = baseOptions();
            o.timeout = std::chrono::seconds(1);
            auto fs = openFs(o);
            QVERIFY(fs);
            for (int i = 0; i < 8; ++i)
                QVERIFY((wait<FsReadResult>([&](auto done) { fs->read("stop.bin", 0, 65536, done); })));
            sshd_.killConnections();
            QVERIFY((wait<FsReadResult>([&](auto done) { fs->read("stop.bin", 0, 65536, done); })));
            {
                sshd_.pause();
                struct Resume {
                    SshdServer &sshd;
                    ~Resume() { sshd.resume(); }
                } resumeOnExit{sshd_};
                QVERIFY(!(wait<FsAttr>([&](auto done) { fs->getattr("stop.bin", done); })));
            }
            QVERIFY((wait<FsAttr>([&](auto done) { fs->getattr("stop.bin", done); })));
        }
        QCOMPARE(openDescriptors(), before);
    }

    // ----------------------------------------------------------------------------------
    // loft serve

    void cliHostKeyFlags()
    {
        QTemporaryDir state;
        const QString knownHosts = sshd_.tempPath() + QStringLiteral("/kh-cli");
        QFile::remove(knownHosts);
        const QString url = QStringLiteral("sftp://%1@127.0.0.1:%2%3")
                                .arg(baseOptions().user)
                                .arg(sshd_.port())
                                .arg(root_);
        const QStringList common{QStringLiteral("serve"), QStringLiteral("--state-dir"), state.path(),
                                 QStringLiteral("--identity"), sshd_.clientKey(),
                                 QStringLiteral("--known-hosts"), knownHosts};
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("SSH_AUTH_SOCK"));
        // Anything else the server keeps (a cache for remote sources) goes to the temp dir.
        env.insert(QStringLiteral("XDG_CACHE_HOME"), state.path() + QStringLiteral("/cache"));
        env.insert(QStringLiteral("XDG_DATA_HOME"), state.path() + QStringLiteral("/data"));
        QProcess refused;
        refused.setProcessEnvironment(env);
        refused.start(QStringLiteral(LOFT_BINARY), common + QStringList{url});
        QVERIFY(refused.waitForFinished(30000));
        QVERIFY(refused.exitCode() != 0);
        const QString message = QString::fromLocal8Bit(refused.readAllStandardError());
        QVERIFY2(message.contains(QStringLiteral("--accept-new-host-key")), qPrintable(message));
        QVERIFY2(message.contains(sshd_.hostKeyFingerprint()), qPrintable(message));
        QVERIFY(!QFile::exists(knownHosts));

        QProcess serving;
        serving.setProcessEnvironment(env);
        serving.start(QStringLiteral(LOFT_BINARY),
                      common + QStringList{QStringLiteral("--accept-new-host-key"), url});
        QVERIFY(serving.waitForStarted(10000));
        QByteArray first;
        QDeadlineTimer deadline(30000);
        while (!first.contains('\n') && !deadline.hasExpired() && serving.state() == QProcess::Running) {
            serving.waitForReadyRead(200);
            first += serving.readAllStandardOutput();
        }
        QVERIFY2(first.startsWith("nfs://127.0.0.1:"),
                 qPrintable(first + serving.readAllStandardError()));
        QVERIFY(readDisk(knownHosts).contains("ssh-ed25519"));
        serving.terminate();
        QVERIFY(serving.waitForFinished(20000));
    }
};

QTEST_GUILESS_MAIN(TestSftpProvider)
#include "tst_sftp_provider.moc"
