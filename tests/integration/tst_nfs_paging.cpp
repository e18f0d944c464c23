// READDIR and READDIRPLUS paging over a 5,000-entry directory (1,000 through a remote
// source) with small pages, while the
// directory changes between pages (entries added on disk and through NFS, entries
// removed): every entry present from start to end appears exactly once, no name twice.
// LOFT_TEST_SOURCE picks what is served (TestSource: local, webdav://, sftp://).

#include "LoftServerProcess.h"
#include "NfsTestClient.h"
#include "TestFolder.h"
#include "TestSource.h"

#include <QDir>
#include <QHash>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <unistd.h>

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-nfs.h>

using namespace loft::test;

namespace {
constexpr int kEntries = 5000;
// Through a remote source every change drops the cached listing and the next page lists
// the folder again (a PROPFIND / SFTP readdir of all of it): fewer entries keep the same
// paging-under-change cases within the test's time budget.
constexpr int kRemoteEntries = 1000;
// rclone serve webdav with its directory cache off (as the tests run it, so that files
// made on its disk show at once) looks each entry of a PROPFIND up by listing the folder
// again: n² lookups, 5.7 s for 1,000 entries. A real rclone keeps its listings 5 minutes.
constexpr int kRcloneEntries = 250;
constexpr int kMaxPages = 20'000; // far above what the listings need; stops a cookie loop

bool touch(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    ::close(fd);
    return true;
}
} // namespace

class NfsPaging : public QObject {
    Q_OBJECT

private:
    enum class Proc { Readdir, Readdirplus };
    enum class Change { Add, Remove };

    QString disk(const QString &rel) const { return source_.disk(rel); }

    int entries() const
    {
        if (source_.kind() == TestSource::Kind::Rclone)
            return kRcloneEntries;
        return source_.remote() ? kRemoteEntries : kEntries;
    }

    // A directory of entries() empty files; returns its handle and the names.
    bool makeBigDir(const QString &name, Fh *fh, QSet<QByteArray> *names)
    {
        if (!source_.makeDir(name))
            return false;
        for (int i = 0; i < entries(); ++i) {
            const QByteArray n = "file-" + QByteArray::number(i).rightJustified(5, '0');
            if (!touch(disk(name) + QLatin1Char('/') + QString::fromLatin1(n)))
                return false;
            names->insert(n);
        }
        const LookupRes r = client_.lookupPath(name.toUtf8());
        *fh = r.fh;
        return r.status == NFS3_OK;
    }

    // Pages through `dir` with small pages, changing the directory after every page.
    // Fills `seen` with how often each name came back.
    void listWhileChanging(Proc proc, Change change, const QString &dirName, const Fh &dir,
                           const QSet<QByteArray> &initial, QHash<QByteArray, int> *seen,
                           QSet<QByteArray> *addedByNfs, QSet<QByteArray> *removed)
    {
        QStringList toRemove; // originals, in an order unrelated to the listing
        for (const QByteArray &n : initial)
            toRemove.append(QString::fromLatin1(n));
        std::sort(toRemove.begin(), toRemove.end(),
                  [](const QString &a, const QString &b) { return qHash(a) < qHash(b); });

        uint64_t cookie = 0;
        QByteArray verf(8, '\0');
        int pages = 0;
        int added = 0;
        bool eof = false;
        while (!eof) {
            QVERIFY2(++pages < kMaxPages, "the listing does not end");
            const ReaddirRes page = proc == Proc::Readdir
                ? client_.readdir(dir, cookie, verf, 1024)
                : client_.readdirplus(dir, cookie, verf, 512, 4096);
            LOFT_COMPARE_STATUS(client_, page, NFS3_OK);
            QVERIFY2(!page.entries.isEmpty() || page.eof, "an empty page before the end");
            for (const DirEntry &e : page.entries) {
                (*seen)[e.name] += 1;
                if (proc == Proc::Readdirplus && e.name != "." && e.name != "..") {
                    QVERIFY(e.attr);
                    QCOMPARE(e.attr->fileid, e.fileid);
                }
            }
            if (!page.entries.isEmpty())
                cookie = page.entries.last().cookie;
            verf = page.verf;
            eof = page.eof;

            if (eof)
                break; // changes after the last page are for the next listing
            if (change == Change::Add) {
                // One entry straight on disk, one through NFS (which also makes the server
                // drop its cached listing of the directory).
                const QByteArray onDisk = "disk-added-" + QByteArray::number(added);
                QVERIFY(touch(disk(dirName) + QLatin1Char('/') + QString::fromLatin1(onDisk)));
                const QByteArray viaNfs = "nfs-added-" + QByteArray::number(added);
                LOFT_COMPARE_STATUS(client_, client_.create(dir, viaNfs, CreateHow::Guarded),
                                    NFS3_OK);
                addedByNfs->insert(viaNfs);
                ++added;
            } else {
                // Two originals removed through NFS and one on disk.
                for (int k = 0; k < 3 && !toRemove.isEmpty(); ++k) {
                    const QString victim = toRemove.takeLast();
                    if (k < 2) {
                        LOFT_COMPARE_STATUS(client_, client_.remove(dir, victim.toLatin1()),
                                            NFS3_OK);
                    } else {
                        QVERIFY(QFile::remove(disk(dirName) + QLatin1Char('/') + victim));
                    }
                    removed->insert(victim.toLatin1());
                }
            }
        }
        qInfo("%d pages", pages);
        QVERIFY(pages > entries() / 50); // small pages: the point is paging
    }

    void checkExactlyOnce(const QSet<QByteArray> &expected, const QHash<QByteArray, int> &seen)
    {
        for (auto it = seen.cbegin(); it != seen.cend(); ++it)
            QVERIFY2(it.value() == 1,
                     qPrintable(QStringLiteral("%1 listed %2 times")
                                    .arg(QString::fromLatin1(it.key()))
                                    .arg(it.value())));
        for (const QByteArray &n : expected)
            QVERIFY2(seen.value(n) == 1,
                     qPrintable(QStringLiteral("%1 was never listed").arg(QString::fromLatin1(n))));
    }

    void runPaging(Proc proc, Change change, const QString &dirName)
    {
        Fh dir;
        QSet<QByteArray> initial;
        QVERIFY(makeBigDir(dirName, &dir, &initial));
        QHash<QByteArray, int> seen;
        QSet<QByteArray> addedByNfs, removed;
        listWhileChanging(proc, change, dirName, dir, initial, &seen, &addedByNfs, &removed);
        if (QTest::currentTestFailed())
            return;

        QSet<QByteArray> expected = initial - removed;
        expected << "." << "..";
        // An entry created through NFS during the listing gets a larger file id than all
        // before it, and the listing is ordered by file id: it shows up, once, at the end.
        expected += addedByNfs;
        checkExactlyOnce(expected, seen);
        if (change == Change::Remove)
            QVERIFY(removed.size() > std::min(100, entries() / 10));
    }

    TestSource source_;
    LoftServerProcess server_;
    NfsTestClient client_;

private slots:
    void initTestCase()
    {
        QString why;
        QVERIFY2(source_.start(&why), qPrintable(why));
        qInfo("source: %s", qPrintable(source_.name()));
        QVERIFY2(source_.startServer(server_), qPrintable(server_.errorString()));
        QVERIFY2(client_.open(server_), qPrintable(client_.lastError()));
    }

    void cleanupTestCase()
    {
        QVERIFY2(server_.stop(), qPrintable(server_.errorString()));
    }

    void readdirWhileAdding() { runPaging(Proc::Readdir, Change::Add, QStringLiteral("rd-add")); }
    void readdirplusWhileAdding()
    {
        runPaging(Proc::Readdirplus, Change::Add, QStringLiteral("rdp-add"));
    }
    void readdirWhileRemoving()
    {
        runPaging(Proc::Readdir, Change::Remove, QStringLiteral("rd-remove"));
    }
    void readdirplusWhileRemoving()
    {
        runPaging(Proc::Readdirplus, Change::Remove, QStringLiteral("rdp-remove"));
    }

    // A client that keeps its cookie but sends a verifier the server never gave out (or
    // one from a listing long gone) still resumes where it was.
    void resumeWithForeignVerifier()
    {
        Fh dir;
        QSet<QByteArray> initial;
        QVERIFY(makeBigDir(QStringLiteral("foreign"), &dir, &initial));
        QHash<QByteArray, int> seen;
        uint64_t cookie = 0;
        bool eof = false;
        int pages = 0;
        while (!eof) {
            QVERIFY(++pages < kMaxPages);
            const ReaddirRes page = client_.readdir(dir, cookie, cookie == 0 ? QByteArray(8, '\0')
                                                                             : QByteArray("garbage!"),
                                                    2048);
            // Loft's cookies name file ids, so it never needs NFS3ERR_BAD_COOKIE.
            LOFT_COMPARE_STATUS(client_, page, NFS3_OK);
            for (const DirEntry &e : page.entries)
                seen[e.name] += 1;
            if (!page.entries.isEmpty())
                cookie = page.entries.last().cookie;
            eof = page.eof;
        }
        initial << "." << "..";
        checkExactlyOnce(initial, seen);
    }

    // The ordinary client path: libnfs's opendir (READDIRPLUS, its own page sizes).
    void libnfsListsEverything()
    {
        Fh dir;
        QSet<QByteArray> initial;
        QVERIFY(makeBigDir(QStringLiteral("libnfs"), &dir, &initial));
        nfsdir *d = nullptr;
        QVERIFY2(nfs_opendir(client_.nfs(), "/libnfs", &d) == 0, qPrintable(client_.nfsError()));
        QHash<QByteArray, int> seen;
        while (nfsdirent *e = nfs_readdir(client_.nfs(), d))
            seen[QByteArray(e->name)] += 1;
        nfs_closedir(client_.nfs(), d);
        initial << "." << "..";
        checkExactlyOnce(initial, seen);
        QCOMPARE(seen.size(), entries() + 2);
    }
};

QTEST_GUILESS_MAIN(NfsPaging)
#include "tst_nfs_paging.moc"
