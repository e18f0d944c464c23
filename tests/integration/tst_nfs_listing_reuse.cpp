// Kept directory listings (nfscore/nfs/DirSnapshots): a new READDIRPLUS listing of an
// unchanged folder is answered from the listing kept from the last one, and is still
// exact: every change made through NFS shows at once (with the attributes the change
// produced), every entry added or removed on disk shows at once, and a file changed on
// disk shows its new attributes within the reuse window.

#include "LoftServerProcess.h"
#include "NfsTestClient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <nfsc/libnfs-raw-nfs.h>

using namespace loft::test;

namespace {
constexpr int kFiles = 300;
constexpr int kMaxPages = 1000;

struct Listing {
    QByteArray verf;
    QHash<QByteArray, DirEntry> entries;
    bool ok = false;
};
} // namespace

class NfsListingReuse : public QObject {
    Q_OBJECT

private:
    QString disk(const QString &rel) const { return source_.path() + QLatin1Char('/') + rel; }

    // A whole READDIRPLUS listing from cookie 0, in pages of a few dozen entries.
    Listing listAll(const Fh &dir)
    {
        Listing l;
        uint64_t cookie = 0;
        QByteArray verf(8, '\0');
        for (int pages = 0; pages < kMaxPages; ++pages) {
            const ReaddirRes page = client_.readdirplus(dir, cookie, verf, 2048, 8192);
            if (page.status != NFS3_OK)
                return l;
            if (cookie == 0)
                l.verf = page.verf;
            verf = page.verf;
            for (const DirEntry &e : page.entries)
                l.entries.insert(e.name, e);
            if (!page.entries.isEmpty())
                cookie = page.entries.last().cookie;
            if (page.eof) {
                l.ok = true;
                return l;
            }
        }
        return l;
    }

    Fh makeDir(const QString &name)
    {
        if (!QDir().mkpath(disk(name)))
            return {};
        for (int i = 0; i < kFiles; ++i) {
            QFile f(disk(name + QStringLiteral("/f%1").arg(i)));
            if (!f.open(QIODevice::WriteOnly))
                return {};
        }
        return client_.lookupPath(name.toUtf8()).fh;
    }

    QTemporaryDir source_;
    LoftServerProcess server_;
    NfsTestClient client_;

private slots:
    void initTestCase()
    {
        QVERIFY(source_.isValid());
        QVERIFY2(server_.start(source_.path()), qPrintable(server_.errorString()));
        QVERIFY2(client_.open(server_), qPrintable(client_.lastError()));
    }

    void cleanupTestCase() { QVERIFY2(server_.stop(), qPrintable(server_.errorString())); }

    // Two listings with nothing changed in between: the second is the kept one (same
    // cookie verifier, which only a fresh read of the folder changes).
    void unchangedFolderReusesListing()
    {
        const Fh dir = makeDir(QStringLiteral("same"));
        QVERIFY(!dir.isEmpty());
        const Listing a = listAll(dir);
        const Listing b = listAll(dir);
        QVERIFY(a.ok && b.ok);
        QCOMPARE(a.entries.size(), kFiles + 2);
        QCOMPARE(b.entries.size(), kFiles + 2);
        QCOMPARE(b.verf, a.verf);
    }

    // Changes through NFS are applied to the kept listing: each shows at once, with the
    // attributes the change produced.
    void ownChangesShowAtOnce()
    {
        const Fh dir = makeDir(QStringLiteral("own"));
        QVERIFY(!dir.isEmpty());
        QVERIFY(listAll(dir).ok);

        const CreateRes created = client_.create(dir, "new-file", CreateHow::Unchecked);
        LOFT_COMPARE_STATUS(client_, created, NFS3_OK);
        Listing l = listAll(dir);
        QVERIFY(l.ok);
        QVERIFY(l.entries.contains("new-file"));
        QCOMPARE(l.entries.value("new-file").fileid, created.attr->fileid);

        const WriteRes written = client_.write(created.fh, 0, QByteArray(1000, 'x'), FILE_SYNC);
        LOFT_COMPARE_STATUS(client_, written, NFS3_OK);
        l = listAll(dir);
        QCOMPARE(l.entries.value("new-file").attr->size, uint64_t(1000));

        SetAttr mode;
        mode.mode = 0600;
        const Fh f7 = l.entries.value("f7").fh;
        LOFT_COMPARE_STATUS(client_, client_.setattr(f7, mode), NFS3_OK);
        l = listAll(dir);
        QCOMPARE(l.entries.value("f7").attr->mode & 07777, 0600u);

        LOFT_COMPARE_STATUS(client_, client_.remove(dir, "f3"), NFS3_OK);
        LOFT_COMPARE_STATUS(client_, client_.mkdir(dir, "sub"), NFS3_OK);
        LOFT_COMPARE_STATUS(client_, client_.rename(dir, "f4", dir, "f4-renamed"), NFS3_OK);
        l = listAll(dir);
        QVERIFY(l.ok);
        QVERIFY(!l.entries.contains("f3"));
        QVERIFY(!l.entries.contains("f4"));
        QVERIFY(l.entries.contains("f4-renamed"));
        QCOMPARE(l.entries.value("sub").attr->type, uint32_t(NF3DIR));
        QCOMPARE(l.entries.size(), kFiles + 2 + 1 - 1 + 1);
    }

    // Entries added or removed on disk change the folder, so the next listing reads it again.
    void diskEntryChangesShowAtOnce()
    {
        const Fh dir = makeDir(QStringLiteral("disk"));
        QVERIFY(!dir.isEmpty());
        const Listing before = listAll(dir);
        QVERIFY(before.ok);
        QFile f(disk(QStringLiteral("disk/added-on-disk")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        QVERIFY(QFile::remove(disk(QStringLiteral("disk/f5"))));
        const Listing after = listAll(dir);
        QVERIFY(after.ok);
        QVERIFY(after.entries.contains("added-on-disk"));
        QVERIFY(!after.entries.contains("f5"));
        QVERIFY(after.verf != before.verf);
    }

    // A file rewritten on disk (its folder unchanged) shows its new size once the kept
    // listing is older than the reuse window (1 s): well within 3 s.
    void diskContentChangeShowsWithinReuseWindow()
    {
        const Fh dir = makeDir(QStringLiteral("content"));
        QVERIFY(!dir.isEmpty());
        QVERIFY(listAll(dir).ok);
        QFile f(disk(QStringLiteral("content/f9")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(QByteArray(4321, 'y')), qint64(4321));
        f.close();
        QDeadlineTimer deadline(3000);
        uint64_t size = 0;
        while (!deadline.hasExpired()) {
            const Listing l = listAll(dir);
            QVERIFY(l.ok);
            size = l.entries.value("f9").attr->size;
            if (size == 4321)
                break;
            QThread::msleep(100);
        }
        QCOMPARE(size, uint64_t(4321));
    }
};

QTEST_GUILESS_MAIN(NfsListingReuse)
#include "tst_nfs_listing_reuse.moc"
