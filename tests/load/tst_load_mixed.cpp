// Load: 16 libnfs clients, each on its own connection and thread, doing mixed creates,
// writes, reads, renames, listings, removes and mkdir/rmdir on overlapping trees of one
// served folder for LOFT_LOAD_SECONDS (default 60), then an exact check of the folder on
// disk against what the clients believe they did.
//
// Ownership makes the final check exact while the trees overlap: every client creates,
// writes, renames and removes only files named "cNN-..." (its own), in four shared
// directories and its own one, and lists shared directories and reads other clients'
// files there. Own files never race, so any error on them is a defect; reading another
// client's file can lose a race with its removal or rename (NOENT, STALE once opened,
// JUKEBOX when renamed under the call) or see a short read while it is rewritten; those
// are expected and counted. Listings must show every own file of that directory exactly once.

#include "LoftServerProcess.h"
#include "NfsTestClient.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QMutex>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <fcntl.h>
#include <map>
#include <random>
#include <thread>

#include <nfsc/libnfs.h>

using namespace loft::test;

namespace {
constexpr int kClients = 16;
constexpr int kSharedDirs = 4;
constexpr int kMaxOwnFiles = 40;

enum Kind { Create, Write, ReadOwn, ReadOther, List, Rename, Remove, Mkdir, Rmdir, KindCount };
const char *const kKindNames[KindCount] = {"create", "write", "read", "read-other", "list",
                                           "rename", "remove", "mkdir", "rmdir"};

int loadSeconds()
{
    bool ok = false;
    const int s = qEnvironmentVariableIntValue("LOFT_LOAD_SECONDS", &ok);
    return ok && s > 0 ? s : 60;
}

// One client: its connection, its random stream, and its model of the files it owns.
class LoadClient {
public:
    LoadClient(int id, QString url) : id_(id), url_(std::move(url)), rng_(0x10ad + id) {}

    std::map<QByteArray, QByteArray> files; // path → content
    QSet<QByteArray> dirs;                  // own directories (own/cNN and below)
    qint64 ops[KindCount] = {};
    qint64 expectedNoent = 0;               // read-other lost a race with a removal
    qint64 expectedShortRead = 0;           // read-other raced a truncating rewrite
    QStringList errors;                     // everything else that failed

    void run(const QDeadlineTimer &deadline)
    {
        if (!client_.mount(url_)) {
            fail(QStringLiteral("mount: ") + client_.lastError());
            return;
        }
        nfs_ = client_.nfs();
        home_ = QByteArray("/own/") + prefix();
        if (nfs_mkdir(nfs_, home_.constData()) != 0)
            return fail(QStringLiteral("mkdir %1: %2").arg(home_, client_.nfsError()));
        dirs.insert(home_);
        while (!deadline.hasExpired() && errors.size() < 20)
            step();
    }

private:
    QByteArray prefix() const { return QByteArray("c") + QByteArray::number(id_).rightJustified(2, '0'); }
    void fail(const QString &what) { errors << QStringLiteral("client %1: %2").arg(id_).arg(what); }
    int pick(int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng_)); }

    QByteArray randomBytes(int n)
    {
        QByteArray b(n, Qt::Uninitialized);
        for (int i = 0; i < n; ++i)
            b[i] = char(rng_() >> 13);
        return b;
    }
    int randomSize() { return pick(20) == 0 ? 200'000 + pick(200'000) : pick(64 * 1024); }

    QByteArray randomDir()
    {
        const int r = pick(kSharedDirs + 2);
        if (r < kSharedDirs)
            return "/shared/s" + QByteArray::number(r);
        QList<QByteArray> own(dirs.begin(), dirs.end());
        std::sort(own.begin(), own.end());
        return own.at(pick(own.size()));
    }
    QByteArray newName(const QByteArray &dir)
    {
        return dir + '/' + prefix() + '-' + QByteArray::number(++seq_);
    }
    QByteArray randomOwnFile()
    {
        auto it = files.begin();
        std::advance(it, pick(int(files.size())));
        return it->first;
    }
    static QByteArray dirOf(const QByteArray &path) { return path.left(path.lastIndexOf('/')); }

    void step()
    {
        int r = pick(100);
        if (files.empty() && r >= 15)
            r = 0; // nothing to work on yet: create
        if (int(files.size()) > kMaxOwnFiles && r < 15)
            r = 60; // enough files: remove instead
        if (r < 15) create();
        else if (r < 35) write();
        else if (r < 52) readOwn();
        else if (r < 57) readOther();
        else if (r < 72) list();
        else if (r < 82) rename();
        else if (r < 92) remove();
        else if (r < 96) mkdir();
        else rmdir();
    }

    bool writeAll(nfsfh *fh, uint64_t offset, const QByteArray &data, const QByteArray &path)
    {
        qsizetype done = 0;
        while (done < data.size()) {
            const int n = nfs_pwrite(nfs_, fh, offset + done, uint64_t(data.size() - done),
                                     data.constData() + done);
            if (n <= 0) {
                fail(QStringLiteral("write %1: %2").arg(path, client_.nfsError()));
                return false;
            }
            done += n;
        }
        return true;
    }

    void create()
    {
        const QByteArray path = newName(randomDir());
        const QByteArray data = randomBytes(randomSize());
        nfsfh *fh = nullptr;
        if (nfs_open2(nfs_, path.constData(), O_CREAT | O_EXCL | O_WRONLY, 0644, &fh) != 0)
            return fail(QStringLiteral("create %1: %2").arg(path, client_.nfsError()));
        files[path] = QByteArray();
        const bool ok = writeAll(fh, 0, data, path);
        if (nfs_fsync(nfs_, fh) != 0)
            fail(QStringLiteral("commit %1: %2").arg(path, client_.nfsError()));
        nfs_close(nfs_, fh);
        if (ok)
            files[path] = data;
        ++ops[Create];
    }

    void write()
    {
        const QByteArray path = randomOwnFile();
        QByteArray &model = files[path];
        const int mode = pick(3);
        nfsfh *fh = nullptr;
        if (nfs_open(nfs_, path.constData(), O_WRONLY | (mode == 0 ? O_TRUNC : 0), &fh) != 0)
            return fail(QStringLiteral("open %1 for writing: %2").arg(path, client_.nfsError()));
        QByteArray expected = mode == 0 ? QByteArray() : model;
        const QByteArray data = randomBytes(mode == 0 ? randomSize() : 1 + pick(32 * 1024));
        const qsizetype offset = mode == 0 ? 0
                                 : mode == 1 ? expected.size()                    // append
                                             : pick(int(expected.size()) + 1);    // overwrite
        const bool ok = writeAll(fh, uint64_t(offset), data, path);
        if (nfs_fsync(nfs_, fh) != 0)
            fail(QStringLiteral("commit %1: %2").arg(path, client_.nfsError()));
        nfs_close(nfs_, fh);
        if (!ok)
            return;
        if (expected.size() < offset + data.size())
            expected.resize(offset + data.size());
        std::copy(data.begin(), data.end(), expected.begin() + offset);
        model = expected;
        ++ops[Write];
    }

    // Reads a whole file; nothing (and `err` set) when it failed.
    std::optional<QByteArray> readFile(const QByteArray &path, int *err)
    {
        nfsfh *fh = nullptr;
        *err = nfs_open(nfs_, path.constData(), O_RDONLY, &fh);
        if (*err != 0)
            return std::nullopt;
        QByteArray out;
        char buffer[128 * 1024];
        for (;;) {
            const int n = nfs_pread(nfs_, fh, uint64_t(out.size()), sizeof buffer, buffer);
            if (n < 0) {
                *err = n;
                nfs_close(nfs_, fh);
                return std::nullopt;
            }
            if (n == 0)
                break;
            out.append(buffer, n);
        }
        nfs_close(nfs_, fh);
        return out;
    }

    void readOwn()
    {
        const QByteArray path = randomOwnFile();
        int err = 0;
        const auto data = readFile(path, &err);
        if (!data)
            return fail(QStringLiteral("read %1: %2").arg(path, client_.nfsError()));
        if (*data != files[path])
            fail(QStringLiteral("read %1: %2 bytes differ from the %3 written")
                     .arg(path).arg(data->size()).arg(files[path].size()));
        ++ops[ReadOwn];
    }

    // Names in `dir`; nothing when the listing failed.
    std::optional<QList<QByteArray>> listDir(const QByteArray &dir)
    {
        nfsdir *d = nullptr;
        if (nfs_opendir(nfs_, dir.constData(), &d) != 0)
            return std::nullopt;
        QList<QByteArray> names;
        while (nfsdirent *e = nfs_readdir(nfs_, d))
            names << QByteArray(e->name);
        nfs_closedir(nfs_, d);
        return names;
    }

    void readOther()
    {
        const QByteArray dir = "/shared/s" + QByteArray::number(pick(kSharedDirs));
        const auto names = listDir(dir);
        if (!names)
            return fail(QStringLiteral("list %1: %2").arg(dir, client_.nfsError()));
        QList<QByteArray> others;
        for (const QByteArray &n : *names)
            if (n != "." && n != ".." && !n.startsWith(prefix() + '-'))
                others << n;
        if (others.isEmpty())
            return;
        const QByteArray path = dir + '/' + others.at(pick(others.size()));
        int err = 0;
        if (!readFile(path, &err)) {
            // Its owner removed or renamed it meanwhile: NOENT before the open, STALE on
            // the handle after it, JUKEBOX ("ask again") when renamed under the call.
            if (err == -ENOENT || err == -ESTALE || err == -EAGAIN)
                ++expectedNoent;
            else if (err == -EFAULT)
                ++expectedShortRead; // a short READ (eof false) while its owner rewrote it:
                                     // libnfs's pread gives up on those
            else
                fail(QStringLiteral("read %1 (another client's): error %2: %3")
                         .arg(path).arg(err).arg(client_.nfsError()));
        }
        ++ops[ReadOther];
    }

    void list()
    {
        const QByteArray dir = randomDir();
        const auto names = listDir(dir);
        if (!names)
            return fail(QStringLiteral("list %1: %2").arg(dir, client_.nfsError()));
        QHash<QByteArray, int> seen;
        for (const QByteArray &n : *names)
            ++seen[n];
        for (auto it = seen.cbegin(); it != seen.cend(); ++it) {
            const QByteArray path = dir + '/' + it.key();
            const bool own = it.key().startsWith(prefix() + '-') || dirs.contains(path);
            if (it.value() != 1)
                fail(QStringLiteral("list %1: %2 listed %3 times").arg(dir, it.key()).arg(it.value()));
            else if (own && !files.count(path) && !dirs.contains(path))
                fail(QStringLiteral("list %1: shows %2, removed or renamed").arg(dir, it.key()));
        }
        for (const auto &[path, content] : files)
            if (dirOf(path) == dir && !seen.contains(path.mid(dir.size() + 1)))
                fail(QStringLiteral("list %1: %2 missing").arg(dir, path));
        ++ops[List];
    }

    void rename()
    {
        const QByteArray from = randomOwnFile();
        const QByteArray to = newName(randomDir());
        if (nfs_rename(nfs_, from.constData(), to.constData()) != 0)
            return fail(QStringLiteral("rename %1 → %2: %3").arg(from, to, client_.nfsError()));
        files[to] = files[from];
        files.erase(from);
        ++ops[Rename];
    }

    void remove()
    {
        const QByteArray path = randomOwnFile();
        if (nfs_unlink(nfs_, path.constData()) != 0)
            return fail(QStringLiteral("remove %1: %2").arg(path, client_.nfsError()));
        files.erase(path);
        ++ops[Remove];
    }

    void mkdir()
    {
        if (dirs.size() > 6)
            return rmdir();
        const QByteArray path = home_ + "/d" + QByteArray::number(++seq_);
        if (nfs_mkdir(nfs_, path.constData()) != 0)
            return fail(QStringLiteral("mkdir %1: %2").arg(path, client_.nfsError()));
        dirs.insert(path);
        ++ops[Mkdir];
    }

    void rmdir()
    {
        for (const QByteArray &d : dirs) {
            if (d == home_)
                continue;
            bool empty = true;
            for (const auto &[path, content] : files)
                empty = empty && dirOf(path) != d;
            if (!empty)
                continue;
            if (nfs_rmdir(nfs_, d.constData()) != 0)
                return fail(QStringLiteral("rmdir %1: %2").arg(d, client_.nfsError()));
            dirs.remove(d);
            ++ops[Rmdir];
            return;
        }
    }

    const int id_;
    const QString url_;
    std::mt19937 rng_;
    NfsTestClient client_;
    nfs_context *nfs_ = nullptr;
    QByteArray home_;
    qint64 seq_ = 0;
};
} // namespace

class LoadMixed : public QObject {
    Q_OBJECT

private slots:
    void sixteenClientsOnOverlappingTrees()
    {
        QTemporaryDir source;
        QVERIFY(source.isValid());
        QDir root(source.path());
        for (int i = 0; i < kSharedDirs; ++i)
            QVERIFY(root.mkpath(QStringLiteral("shared/s%1").arg(i)));
        QVERIFY(root.mkpath(QStringLiteral("own")));

        LoftServerProcess server;
        QVERIFY2(server.start(source.path()), qPrintable(server.errorString()));
        const int seconds = loadSeconds();
        std::vector<std::unique_ptr<LoadClient>> clients;
        for (int i = 0; i < kClients; ++i)
            clients.push_back(std::make_unique<LoadClient>(i, server.libnfsUrl()));
        QElapsedTimer clock;
        clock.start();
        const QDeadlineTimer deadline(seconds * 1000);
        std::vector<std::thread> threads;
        for (auto &c : clients)
            threads.emplace_back([&c, deadline] { c->run(deadline); });
        for (auto &t : threads)
            t.join();
        const double elapsed = clock.elapsed() / 1000.0;
        QVERIFY2(server.running(), server.serverLog().constData());
        QVERIFY2(server.stop(), qPrintable(server.errorString()));

        // Figures.
        qint64 perKind[KindCount] = {};
        qint64 noent = 0, shortReads = 0;
        QStringList errors;
        for (auto &c : clients) {
            for (int k = 0; k < KindCount; ++k)
                perKind[k] += c->ops[k];
            noent += c->expectedNoent;
            shortReads += c->expectedShortRead;
            errors << c->errors;
        }
        qint64 total = 0;
        for (int k = 0; k < KindCount; ++k) {
            total += perKind[k];
            qInfo().noquote() << QStringLiteral("%1 %2 ops  %3 ops/s")
                                     .arg(QString::fromLatin1(kKindNames[k]), -10)
                                     .arg(perKind[k], 8)
                                     .arg(perKind[k] / elapsed, 9, 'f', 1);
        }
        qInfo().noquote() << QStringLiteral("total      %1 ops  %2 ops/s in %3 s, %4 clients; "
                                            "expected: NOENT/STALE/JUKEBOX (read raced a removal or rename) %5, short read (raced a rewrite) %6; "
                                            "errors: %7")
                                 .arg(total, 8).arg(total / elapsed, 9, 'f', 1)
                                 .arg(elapsed, 0, 'f', 1).arg(kClients).arg(noent).arg(shortReads)
                                 .arg(errors.size());
        QVERIFY2(errors.isEmpty(), qPrintable(errors.mid(0, 10).join(QLatin1Char('\n'))));
        QVERIFY(total > kClients * 10); // the load really ran

        // The tree on disk is exactly the union of the clients' models.
        std::map<QByteArray, QByteArray> expectedFiles;
        QSet<QByteArray> expectedDirs{"/shared", "/own"};
        for (int i = 0; i < kSharedDirs; ++i)
            expectedDirs.insert("/shared/s" + QByteArray::number(i));
        for (auto &c : clients) {
            expectedFiles.insert(c->files.begin(), c->files.end());
            expectedDirs.unite(c->dirs);
        }
        int filesChecked = 0;
        qint64 bytesChecked = 0;
        QStringList problems;
        QDirIterator it(source.path(), QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden
                                           | QDir::System,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            it.next();
            const QByteArray rel = it.filePath().mid(source.path().size()).toUtf8();
            if (it.fileInfo().isDir()) {
                if (!expectedDirs.remove(rel))
                    problems << QStringLiteral("unexpected directory %1").arg(rel);
                continue;
            }
            auto want = expectedFiles.find(rel);
            if (want == expectedFiles.end()) {
                problems << QStringLiteral("unexpected file %1").arg(rel);
                continue;
            }
            QFile f(it.filePath());
            if (!f.open(QIODevice::ReadOnly) || f.readAll() != want->second)
                problems << QStringLiteral("%1 differs from what its client wrote").arg(rel);
            bytesChecked += want->second.size();
            ++filesChecked;
            expectedFiles.erase(want);
        }
        for (const auto &[path, content] : expectedFiles)
            problems << QStringLiteral("missing file %1").arg(path);
        for (const QByteArray &d : expectedDirs)
            problems << QStringLiteral("missing directory %1").arg(d);
        qInfo().noquote() << QStringLiteral("consistency: %1 files (%2 bytes) and the directory "
                                            "tree match the clients' models; %3 problems")
                                 .arg(filesChecked).arg(bytesChecked).arg(problems.size());
        QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 10).join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(LoadMixed)
#include "tst_load_mixed.moc"
