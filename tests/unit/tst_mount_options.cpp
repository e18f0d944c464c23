// The platform mount helpers' argument lists, built from one place.
#include "mount/NfsMountOptions.h"

#include <QTest>

using namespace loft;

class TestMountOptions : public QObject {
    Q_OBJECT
private:
    NfsMountTarget target() const
    {
        NfsMountTarget t;
        t.port = 20490;
        t.exportPath = QStringLiteral("/abcdefghijklmnopqrstuvwxyz");
        return t;
    }

private slots:
    void parsesTheServeUrl()
    {
        NfsMountTarget t;
        QVERIFY(parseNfsUrl(QStringLiteral("nfs://127.0.0.1:20490/abcdefghijklmnopqrstuvwxyz"), &t));
        QCOMPARE(t.host, QStringLiteral("127.0.0.1"));
        QCOMPARE(t.port, quint16(20490));
        QCOMPARE(t.exportPath, QStringLiteral("/abcdefghijklmnopqrstuvwxyz"));
        QCOMPARE(nfsUrl(t), QStringLiteral("nfs://127.0.0.1:20490/abcdefghijklmnopqrstuvwxyz"));
        QVERIFY(!parseNfsUrl(QStringLiteral("http://127.0.0.1:1/x"), &t));
        QVERIFY(!parseNfsUrl(QStringLiteral("nfs://127.0.0.1/x"), &t)); // no port
        QVERIFY(!parseNfsUrl(QStringLiteral("nfs://127.0.0.1:5/"), &t)); // no export
    }

    void linuxCommand()
    {
        const QStringList c = linuxMountCommand(target(), QStringLiteral("/mnt/loft"));
        QCOMPARE(c.mid(0, 4), (QStringList{"mount.nfs", "127.0.0.1:/abcdefghijklmnopqrstuvwxyz",
                                           "/mnt/loft", "-o"}));
        const QStringList o = c.at(4).split(',');
        for (const char *want : {"vers=3", "proto=tcp", "port=20490", "mountport=20490",
                                 "mountproto=tcp", "nolock", "noacl", "hard"})
            QVERIFY2(o.contains(QLatin1String(want)), want);
        QCOMPARE(linuxUnmountCommand("/mnt/loft", true), (QStringList{"umount", "-l", "/mnt/loft"}));
    }

    void linuxKernelDataAddsAddresses()
    {
        const QString data = linuxKernelMountData(target(), QStringLiteral("10.0.2.2"));
        QVERIFY(data.startsWith(linuxMountOptions(target()).join(',')));
        QVERIFY(data.endsWith(QStringLiteral(",addr=10.0.2.2,mountaddr=10.0.2.2")));
        QVERIFY(!data.contains(' '));
    }

    void macosCommand()
    {
        const QStringList c = macosMountCommand(target(), QStringLiteral("/Users/me/Loft"));
        QCOMPARE(c.first(), QStringLiteral("/sbin/mount"));
        QCOMPARE(c.mid(1, 3), (QStringList{"-t", "nfs", "-o"}));
        const QStringList o = c.at(4).split(',');
        for (const char *want : {"vers=3", "tcp", "port=20490", "mountport=20490", "nolocks"})
            QVERIFY2(o.contains(QLatin1String(want)), want);
        QCOMPARE(c.at(5), QStringLiteral("127.0.0.1:/abcdefghijklmnopqrstuvwxyz"));
        QCOMPARE(c.at(6), QStringLiteral("/Users/me/Loft"));
        QCOMPARE(macosUnmountCommand("/Users/me/Loft"),
                 (QStringList{"/usr/sbin/diskutil", "unmount", "/Users/me/Loft"}));
    }

    void windowsCommand()
    {
        const QStringList c = windowsMountCommand(target(), QStringLiteral("L:"));
        QCOMPARE(c.first(), QStringLiteral("mount.exe"));
        const QStringList o = c.at(2).split(',');
        for (const char *want : {"anon", "nolock", "mtype=soft", "fileaccess=6", "casesensitive",
                                 "lang=ansi", "rsize=1024", "wsize=1024"})
            QVERIFY2(o.contains(QLatin1String(want)), want);
        // mount.exe has no port option: the export is reached through port 111.
        QVERIFY(!c.join(' ').contains(QStringLiteral("20490")));
        QCOMPARE(c.at(3), QStringLiteral("\\\\127.0.0.1\\abcdefghijklmnopqrstuvwxyz"));
        QCOMPARE(c.at(4), QStringLiteral("L:"));
    }

    void shellQuoting()
    {
        QCOMPARE(shellJoin({"a", "b c", "it's"}), QStringLiteral("a 'b c' 'it'\\''s'"));
    }
};

QTEST_APPLESS_MAIN(TestMountOptions)
#include "tst_mount_options.moc"
