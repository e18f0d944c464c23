// The platform mount helpers' argument lists (all three platforms, on every OS), their
// error explanations, the mount-table parsers, auto-start entries, the settings store and
// the single-instance socket.
#include "config/MountSettings.h"
#include "gui/Autostart.h"
#include "gui/SingleInstance.h"
#include "mount/LinuxMountHelper.h"
#include "mount/MacMountHelper.h"
#include "mount/WindowsMountHelper.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QLocalSocket>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <thread>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

using namespace loft;

namespace {
const QString kOptions = QStringLiteral(
    "vers=3,proto=tcp,port=40123,mountport=40123,mountproto=tcp,nolock,noacl,"
    "rsize=1048576,wsize=1048576,actimeo=2,hard,timeo=600,retrans=2");

MountRequest request(const QString &mountPoint)
{
    MountRequest r;
    r.target.port = 40123;
    r.target.exportPath = QStringLiteral("/abcdefghijklmnopqrstuvwxyz");
    r.mountPoint = mountPoint;
    r.name = QStringLiteral("Documents");
    return r;
}

LinuxMountHelper::Environment linuxEnv()
{
    LinuxMountHelper::Environment e;
    e.root = false;
    e.pkexec = QStringLiteral("/usr/bin/pkexec");
    e.sudo = QStringLiteral("/usr/bin/sudo");
    e.mountNfs = QStringLiteral("/usr/sbin/mount.nfs");
    e.umount = QStringLiteral("/usr/bin/umount");
    e.kernelHasNfs = true;
    e.graphicalSession = true;
    return e;
}
} // namespace

class TestMountHelpers : public QObject {
    Q_OBJECT
private slots:
    void linuxAsRootRunsMountNfsDirectly()
    {
        auto env = linuxEnv();
        env.root = true;
        LinuxMountHelper h(env);
        QCOMPARE(h.escalation(), LinuxMountHelper::Escalation::None);
        QCOMPARE(h.unavailableReason(), QString());
        QCOMPARE(h.mountCommand(request(QStringLiteral("/home/me/Loft/Documents"))),
                 (QStringList{QStringLiteral("/usr/sbin/mount.nfs"),
                              QStringLiteral("127.0.0.1:/abcdefghijklmnopqrstuvwxyz"),
                              QStringLiteral("/home/me/Loft/Documents"), QStringLiteral("-o"), kOptions}));
        QCOMPARE(h.unmountCommand(QStringLiteral("/home/me/Loft/Documents"), false),
                 (QStringList{QStringLiteral("/usr/bin/umount"), QStringLiteral("/home/me/Loft/Documents")}));
        QCOMPARE(h.unmountCommand(QStringLiteral("/m"), true),
                 (QStringList{QStringLiteral("/usr/bin/umount"), QStringLiteral("-l"), QStringLiteral("/m")}));
    }

    void linuxUserGoesThroughPkexec()
    {
        LinuxMountHelper h(linuxEnv());
        QCOMPARE(h.escalation(), LinuxMountHelper::Escalation::Pkexec);
        const QStringList c = h.mountCommand(request(QStringLiteral("/home/me/Loft/Documents")));
        QCOMPARE(c.mid(0, 2), (QStringList{QStringLiteral("/usr/bin/pkexec"), QStringLiteral("/usr/sbin/mount.nfs")}));
        QCOMPARE(c.last(), kOptions);
        QCOMPARE(h.unmountCommand(QStringLiteral("/m"), false),
                 (QStringList{QStringLiteral("/usr/bin/pkexec"), QStringLiteral("/usr/bin/umount"), QStringLiteral("/m")}));
    }

    void linuxPkexecRunsThePackagedHelper()
    {
        // The polkit action org.loft.mount applies to the packaged helper's path only, so
        // when it is installed the commands go through it, with mount.nfs's arguments.
        auto env = linuxEnv();
        env.privilegedHelper = QStringLiteral("/usr/libexec/loft/loft-mount-helper");
        LinuxMountHelper h(env);
        QCOMPARE(h.mountCommand(request(QStringLiteral("/home/me/Loft/Documents"))),
                 (QStringList{QStringLiteral("/usr/bin/pkexec"), env.privilegedHelper, QStringLiteral("mount"),
                              QStringLiteral("127.0.0.1:/abcdefghijklmnopqrstuvwxyz"),
                              QStringLiteral("/home/me/Loft/Documents"), QStringLiteral("-o"), kOptions}));
        QCOMPARE(h.unmountCommand(QStringLiteral("/m"), true),
                 (QStringList{QStringLiteral("/usr/bin/pkexec"), env.privilegedHelper, QStringLiteral("unmount"),
                              QStringLiteral("-l"), QStringLiteral("/m")}));
        // sudo and root keep running mount.nfs (sudoers rules name it).
        env.graphicalSession = false;
        QCOMPARE(LinuxMountHelper(env).mountCommand(request(QStringLiteral("/m"))).at(2),
                 QStringLiteral("/usr/sbin/mount.nfs"));
    }

#ifdef Q_OS_LINUX
    void linuxPackagedHelperAcceptsWhatLoftSendsAndNothingElse()
    {
        // The real script (installers/linux/loft-mount-helper) in its dry-run mode: it checks
        // everything and prints the command it would run as root.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto env = linuxEnv();
        env.privilegedHelper = QStringLiteral(LOFT_MOUNT_HELPER_SCRIPT);
        const QStringList command = LinuxMountHelper(env).mountCommand(request(dir.path()));
        // A mount table for the unmount checks: Loft's mount on a folder with a space
        // (octal-escaped in the table, as the kernel writes it) and someone else's NFS mount.
        const QString spaced = dir.path() + QStringLiteral("/My Cloud");
        QFile table(dir.filePath(QStringLiteral("mounts")));
        QVERIFY(table.open(QIODevice::WriteOnly));
        table.write((QStringLiteral("127.0.0.1:/abcdefghijklmnopqrstuvwxyz ") + dir.path()
                     + QStringLiteral("/My\\040Cloud nfs rw,nosuid,nodev 0 0\n192.0.2.1:/x ")
                     + dir.path() + QStringLiteral("/other nfs rw 0 0\n")).toUtf8());
        table.close();
        auto runHelper = [&table](QStringList args, const QString &caller, QString *out) {
            QProcess p;
            QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
            e.insert(QStringLiteral("LOFT_MOUNT_HELPER_DRY_RUN"), QStringLiteral("1"));
            e.insert(QStringLiteral("LOFT_MOUNT_HELPER_MOUNTS"), table.fileName());
            e.insert(QStringLiteral("PKEXEC_UID"), caller);
            p.setProcessEnvironment(e);
            const QString program = args.takeFirst();
            p.start(program, args);
            if (!p.waitForFinished(10000))
                return -1;
            *out = QString::fromLocal8Bit(p.readAllStandardOutput() + p.readAllStandardError()).trimmed();
            return p.exitCode();
        };
        const QString me = QString::number(::getuid());
        QString out;
        QCOMPARE(runHelper(command.mid(1), me, &out), 0);
        QCOMPARE(out, QStringLiteral("mount.nfs 127.0.0.1:/abcdefghijklmnopqrstuvwxyz ") + dir.path()
                          + QStringLiteral(" -o ") + kOptions + QStringLiteral(",nosuid,nodev"));
        // Another user's folder, another server, an option Loft never sends: refused (2).
        QCOMPARE(runHelper(command.mid(1), QStringLiteral("4242"), &out), 2);
        QVERIFY2(out.contains(QLatin1String("belongs to another user")), qPrintable(out));
        QStringList other = command.mid(1);
        other[2] = QStringLiteral("192.0.2.1:/abcdefghijklmnopqrstuvwxyz");
        QCOMPARE(runHelper(other, me, &out), 2);
        QVERIFY2(out.contains(QLatin1String("only Loft's own server")), qPrintable(out));
        other = command.mid(1);
        other.last() += QStringLiteral(",suid");
        QCOMPARE(runHelper(other, me, &out), 2);
        QVERIFY2(out.contains(QLatin1String("not allowed: suid")), qPrintable(out));
        // Unmounting only what is an NFS mount of the loopback server.
        QCOMPARE(runHelper(LinuxMountHelper(env).unmountCommand(spaced, true).mid(1), me, &out), 0);
        QCOMPARE(out, QStringLiteral("umount -l ") + spaced);
        const QStringList unmount = LinuxMountHelper(env).unmountCommand(dir.path(), false);
        QCOMPARE(runHelper(unmount.mid(1), me, &out), 2);
        QVERIFY2(out.contains(QLatin1String("is not an NFS mount")), qPrintable(out));
        QCOMPARE(runHelper(LinuxMountHelper(env).unmountCommand(dir.path() + QStringLiteral("/other"), false).mid(1),
                           me, &out), 2);
    }
#endif

    void linuxWithoutDisplayUsesSudoNonInteractive()
    {
        auto env = linuxEnv();
        env.graphicalSession = false;
        LinuxMountHelper h(env);
        QCOMPARE(h.escalation(), LinuxMountHelper::Escalation::Sudo);
        const QStringList c = h.mountCommand(request(QStringLiteral("/mnt/docs")));
        QCOMPARE(c.mid(0, 3), (QStringList{QStringLiteral("/usr/bin/sudo"), QStringLiteral("-n"),
                                           QStringLiteral("/usr/sbin/mount.nfs")}));
        const QString why = h.explainMountFailure(request(QStringLiteral("/mnt/docs")), 1,
                                                  QStringLiteral("sudo: a password is required\n"));
        QVERIFY2(why.contains(QLatin1String("sudo asked for a password")), qPrintable(why));
    }

    void linuxSaysClearlyWhenItCannotMount()
    {
        auto env = linuxEnv();
        env.pkexec.clear();
        env.sudo.clear();
        QCOMPARE(LinuxMountHelper(env).escalation(), LinuxMountHelper::Escalation::Impossible);
        QVERIFY(LinuxMountHelper(env).unavailableReason().contains(QLatin1String("neither pkexec (polkit) nor sudo")));

        env = linuxEnv();
        env.mountNfs.clear();
        QVERIFY(LinuxMountHelper(env).unavailableReason().contains(QLatin1String("nfs-common")));

        env = linuxEnv();
        env.kernelHasNfs = false;
        const QString reason = LinuxMountHelper(env).unavailableReason();
        QVERIFY(reason.contains(QLatin1String("kernel has no NFS client")));
        QCOMPARE(reason.count(QLatin1Char('.')), 1); // one sentence
        // ... and offers the command to run by hand.
        QCOMPARE(LinuxMountHelper(env).manualMountCommand(request(QStringLiteral("/mnt/docs"))),
                 QStringLiteral("sudo mount.nfs 127.0.0.1:/abcdefghijklmnopqrstuvwxyz /mnt/docs -o ") + kOptions);
    }

    void linuxExplainsBusyUnmountWithTheHolders()
    {
        QTemporaryDir dir;
        QVERIFY(QDir::setCurrent(dir.path())); // this test process now holds dir.path()
        LinuxMountHelper h(linuxEnv());
        const QString why = h.explainUnmountFailure(dir.path(), 32,
                                                    QStringLiteral("umount: %1: target is busy.").arg(dir.path()));
        QDir::setCurrent(QDir::tempPath());
        QVERIFY2(why.contains(QLatin1String("is in use by")), qPrintable(why));
        QVERIFY2(why.contains(QStringLiteral("pid %1").arg(QCoreApplication::applicationPid())), qPrintable(why));
    }

    void linuxParsesProcMounts()
    {
        const QString text = QStringLiteral(
            "proc /proc proc rw,nosuid 0 0\n"
            "127.0.0.1:/abcdefghijklmnopqrstuvwxyz /home/me/Loft/My\\040Docs nfs rw,vers=3,port=40123 0 0\n");
        const QList<ActiveMount> all = LinuxMountHelper::parseProcMounts(text);
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(1).mountPoint, QStringLiteral("/home/me/Loft/My Docs"));
        QCOMPARE(all.at(1).type, QStringLiteral("nfs"));

        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("mounts")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text.toUtf8());
        f.close();
        auto env = linuxEnv();
        env.procMounts = f.fileName();
        LinuxMountHelper h(env);
        QVERIFY(h.isServedMount(QStringLiteral("/home/me/Loft/My Docs"), QStringLiteral("/abcdefghijklmnopqrstuvwxyz")));
        QVERIFY(!h.isServedMount(QStringLiteral("/home/me/Loft/My Docs"), QStringLiteral("/other")));
        QVERIFY(!h.isServedMount(QStringLiteral("/proc"), QStringLiteral("/abcdefghijklmnopqrstuvwxyz")));
    }

    void macArguments()
    {
        MacMountHelper h;
        QCOMPARE(h.mountCommand(request(QStringLiteral("/Users/me/Loft/Documents"))),
                 (QStringList{QStringLiteral("/sbin/mount"), QStringLiteral("-t"), QStringLiteral("nfs"),
                              QStringLiteral("-o"),
                              QStringLiteral("vers=3,tcp,port=40123,mountport=40123,nolocks,locallocks,"
                                             "rsize=1048576,wsize=1048576,actimeo=2,hard"),
                              QStringLiteral("127.0.0.1:/abcdefghijklmnopqrstuvwxyz"),
                              QStringLiteral("/Users/me/Loft/Documents")}));
        QCOMPARE(h.unmountCommand(QStringLiteral("/Users/me/Loft/Documents"), false),
                 (QStringList{QStringLiteral("/usr/sbin/diskutil"), QStringLiteral("unmount"),
                              QStringLiteral("/Users/me/Loft/Documents")}));
        QCOMPARE(h.unmountCommand(QStringLiteral("/V"), true),
                 (QStringList{QStringLiteral("/usr/sbin/diskutil"), QStringLiteral("unmount"),
                              QStringLiteral("force"), QStringLiteral("/V")}));
        QCOMPARE(h.requiredServerPort(), quint16(0));
    }

    void macParsesMountAndExplainsBusy()
    {
        const QList<ActiveMount> m = MacMountHelper::parseMountOutput(QStringLiteral(
            "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n"
            "127.0.0.1:/abcdef on /Users/me/Loft/Work Files (nfs, nodev, nosuid, mounted by me)\n"));
        QCOMPARE(m.size(), 2);
        QCOMPARE(m.at(1).source, QStringLiteral("127.0.0.1:/abcdef"));
        QCOMPARE(m.at(1).mountPoint, QStringLiteral("/Users/me/Loft/Work Files"));
        QCOMPARE(m.at(1).type, QStringLiteral("nfs"));
        const QString why = MacMountHelper().explainUnmountFailure(
            QStringLiteral("/Users/me/Loft/Docs"), 1,
            QStringLiteral("Unmount failed for /Users/me/Loft/Docs\nUnmount of disk failed: at least one "
                           "volume could not be unmounted: dissented by PID 412 "
                           "(/System/Applications/Preview.app/Contents/MacOS/Preview)"));
        QCOMPARE(why, QStringLiteral("/Users/me/Loft/Docs is in use by Preview (pid 412): close its files, then unmount again."));
    }

    void windowsArguments()
    {
        WindowsMountHelper h(QStringLiteral("C:\\Windows"));
        QCOMPARE(h.mountCommand(request(QStringLiteral("Z:"))),
                 (QStringList{QStringLiteral("C:\\Windows\\System32\\mount.exe"), QStringLiteral("-o"),
                              QStringLiteral("anon,nolock,mtype=soft,fileaccess=6,casesensitive,lang=ansi,"
                                             "rsize=1024,wsize=1024,timeout=60,retry=2"),
                              QStringLiteral("\\\\127.0.0.1\\abcdefghijklmnopqrstuvwxyz"), QStringLiteral("Z:")}));
        QCOMPARE(h.unmountCommand(QStringLiteral("Z:"), false),
                 (QStringList{QStringLiteral("C:\\Windows\\System32\\umount.exe"), QStringLiteral("Z:")}));
        QCOMPARE(h.unmountCommand(QStringLiteral("Z:"), true),
                 (QStringList{QStringLiteral("C:\\Windows\\System32\\umount.exe"), QStringLiteral("-f"), QStringLiteral("Z:")}));
        QCOMPARE(h.requiredServerPort(), quint16(111)); // mount.exe asks the portmapper on 111
        QString error;
        QVERIFY(h.prepareMountPoint(QStringLiteral("Z:"), &error));
        QVERIFY(!h.prepareMountPoint(QStringLiteral("C:\\Users\\me\\Loft"), &error));
    }

    void windowsDetectsMissingClientForNfs()
    {
        QTemporaryDir root; // a "Windows" folder without System32\mount.exe (like Windows Home)
        WindowsMountHelper h(root.path());
        QVERIFY(!h.hasNfsClient());
        const QString reason = h.unavailableReason();
        QVERIFY(reason.contains(QLatin1String("Client for NFS")));
        QVERIFY(reason.contains(QLatin1String("Windows Home")));
        QVERIFY(reason.contains(QLatin1String("Enable-WindowsOptionalFeature")));
        const QList<ActiveMount> m = WindowsMountHelper::parseMountExeOutput(QStringLiteral(
            "Local    Remote                                 Properties\n"
            "-------------------------------------------------------------------------------\n"
            "z:       \\\\127.0.0.1\\abcdef                     UID=-2, GID=-2\n"));
        QCOMPARE(m.size(), 1);
        QCOMPARE(m.at(0).mountPoint, QStringLiteral("Z:"));
        QCOMPARE(m.at(0).source, QStringLiteral("\\\\127.0.0.1\\abcdef"));
    }

    void autostartEntries()
    {
        const QString desktop = Autostart::linuxDesktopEntry(QStringLiteral("/usr/bin/loft"));
        QVERIFY(desktop.startsWith(QLatin1String("[Desktop Entry]\n")));
        QVERIFY(desktop.contains(QLatin1String("\nExec=/usr/bin/loft\n")));
        QVERIFY(Autostart::linuxDesktopEntry(QStringLiteral("/opt/My Apps/loft")).contains(QLatin1String("Exec=\"/opt/My Apps/loft\"")));
        const QString plist = Autostart::macLaunchAgent(QStringLiteral("/Applications/Loft.app/Contents/MacOS/loft"));
        QVERIFY(plist.contains(QLatin1String("<key>RunAtLoad</key>\n  <true/>")));
        QVERIFY(plist.contains(QLatin1String("<string>/Applications/Loft.app/Contents/MacOS/loft</string>")));
        QCOMPARE(Autostart::windowsRunValue(QStringLiteral("C:/Program Files/Loft/loft.exe")),
                 QStringLiteral("\"C:\\Program Files\\Loft\\loft.exe\""));
#if defined(Q_OS_LINUX)
        QStandardPaths::setTestModeEnabled(true);
        QString error;
        QVERIFY(Autostart::setEnabled(true, &error));
        QVERIFY(Autostart::isEnabled());
        QVERIFY(Autostart::location().endsWith(QLatin1String("/autostart/loft.desktop")));
        QVERIFY(Autostart::setEnabled(false, &error));
        QVERIFY(!Autostart::isEnabled());

        // With the package's system-wide entry, the user's own file overrides it: switching
        // off writes Hidden=true (removing the file would leave the system entry in force).
        QTemporaryDir system;
        QVERIFY(QDir().mkpath(system.path() + QStringLiteral("/autostart")));
        QFile entry(system.path() + QStringLiteral("/autostart/loft.desktop"));
        QVERIFY(entry.open(QIODevice::WriteOnly));
        entry.write(Autostart::linuxDesktopEntry(QStringLiteral("loft")).toUtf8());
        entry.close();
        const QByteArray oldDirs = qgetenv("XDG_CONFIG_DIRS");
        qputenv("XDG_CONFIG_DIRS", QFile::encodeName(system.path()));
        QVERIFY(!QFileInfo::exists(Autostart::location()));
        QVERIFY(Autostart::isEnabled()); // the system entry alone
        QVERIFY(Autostart::setEnabled(false, &error));
        QVERIFY(!Autostart::isEnabled());
        QFile own(Autostart::location());
        QVERIFY(own.open(QIODevice::ReadOnly));
        QVERIFY(own.readAll().contains("\nHidden=true\n"));
        own.close();
        QVERIFY(Autostart::setEnabled(true, &error));
        QVERIFY(Autostart::isEnabled());
        QVERIFY(QFile::remove(Autostart::location()));
        QVERIFY(Autostart::isEnabled());
        if (oldDirs.isNull())
            qunsetenv("XDG_CONFIG_DIRS");
        else
            qputenv("XDG_CONFIG_DIRS", oldDirs);
#endif
    }

    void settingsRoundTrip()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("loft.ini"));
        MountConfig c;
        c.name = QStringLiteral("Work");
        c.kind = ProviderKind::Sftp;
        c.address = QStringLiteral("sftp://files.example.com/home/me");
        c.userName = QStringLiteral("me");
        c.useKeyFile = true;
        c.keyFile = QStringLiteral("/home/me/.ssh/id_ed25519");
        c.mountPoint = QStringLiteral("/home/me/Loft/Work");
        c.readOnly = true;
        c.cacheLimitBytes = 12'000'000'000;
        c.autoMount = true;
        QString id;
        {
            MountSettings s(file);
            id = s.save(c);
            QVERIFY(!id.isEmpty());
            s.setHasSecret(id, true);
        }
        MountSettings s(file);
        c.id = id;
        QCOMPARE(s.mounts().size(), 1);
        QVERIFY(s.mounts().first() == c);
        QVERIFY(s.hasSecret(id));
        QVERIFY(s.findByName(QStringLiteral("work")).has_value()); // names: case-insensitive
        s.remove(id);
        QVERIFY(s.mounts().isEmpty());
    }

    void singleInstanceOnlyForTheUser()
    {
        QTemporaryDir dir;
        const QString name = dir.filePath(QStringLiteral("loft.sock"));
        SingleInstance first(name);
        QString error;
        QVERIFY2(first.listen(&error), qPrintable(error));
        first.setHandler([](const QJsonObject &request, SingleInstance::Reply reply) {
            reply({{QStringLiteral("ok"), true}, {QStringLiteral("echo"), request.value(QStringLiteral("cmd"))}});
        });
#ifdef Q_OS_UNIX
        const QFile::Permissions perms = QFileInfo(name).permissions();
        QVERIFY(!(perms & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther)));
#endif
        // A second start (another thread here; another process in life) finds the first.
        std::atomic<int> secondListened{-1};
        QString secondError;
        std::thread starter([&] {
            SingleInstance second(name);
            secondListened = second.listen(&secondError) ? 1 : 0;
        });
        QTRY_VERIFY(secondListened != -1);
        starter.join();
        QCOMPARE(secondListened.load(), 0);
        QCOMPARE(secondError, QStringLiteral("Loft is already running."));

        QLocalSocket client;
        client.connectToServer(name);
        QVERIFY(client.waitForConnected(2000));
        client.write("{\"cmd\":\"list\"}\n");
        QTRY_VERIFY(client.canReadLine());
        QCOMPARE(client.readLine().trimmed(), QByteArray("{\"echo\":\"list\",\"ok\":true}"));
    }
};

QTEST_GUILESS_MAIN(TestMountHelpers)
#include "tst_mount_helpers.moc"
