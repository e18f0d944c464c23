// Screenshots for docs/screenshots, taken from the real widgets on an X server (Xvfb)
// with a real system tray host (trayer): the tray menu, the Add Mount dialog, the status
// window, and the tray icons.
// The status window shows a real WebDAV mount on a real Apache: served by the app, its
// cache partly used by a file uploaded before, and a real upload in progress (a file
// written through the app's NFS server with libnfs; Apache is held still for the picture
// so the upload stands part way). Only the OS mount step is left out (this machine's
// kernel has no NFS client): the picture's mount helper "mounts" with `true`.
// The tray menu's model is fed with realistic values for several mounts.
#include "ApacheDavServer.h"
#include "ServedMountWriter.h"
#include "config/Keychain.h"
#include "config/MountSettings.h"
#include "gui/AppLog.h"
#include "gui/DesktopController.h"
#include "mount/MountHelper.h"
#include "ConnectionTester.h"
#include "MountDialog.h"
#include "StatusWindow.h"
#include "TrayController.h"
#include "TrayIcons.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"

#include <QComboBox>
#include <QLineEdit>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QTreeView>
#include <QtTest>

using namespace loft;
using namespace loft::ui;

namespace {
constexpr qint64 MB = 1000 * 1000, GB = 1000 * MB;

class AnsweringTester : public ConnectionTester {
public:
    void testConnection(const MountConfig &, const QString &,
                        std::function<void(const ConnectionTestResult &)> done) override
    {
        ConnectionTestResult r;
        r.outcome = ConnectionTestResult::Outcome::Success;
        r.message = QStringLiteral("Connected. The folder holds 214 items.");
        QTimer::singleShot(50, [done, r] { done(r); });
    }
    void trustHostKey(const ConnectionTestResult &) override {}
};

QList<MountSnapshot> realisticMounts()
{
    MountSnapshot work;
    work.id = QStringLiteral("work");
    work.name = QStringLiteral("Work Files");
    work.source = QStringLiteral("WebDAV · cloud.example.com/remote.php/dav/files/alice");
    work.mountPoint = QStringLiteral("/home/alice/Loft/Work Files");
    work.state = MountState::Mounted;
    work.port = 40731;
    work.bytesInPerSecond = 2.4 * MB;
    work.bytesOutPerSecond = 310'000;
    work.bytesInTotal = 1'240 * MB;
    work.bytesOutTotal = 3'410 * MB;
    work.cacheUsedBytes = 1'840 * MB;
    work.cacheLimitBytes = 5 * GB;
    work.cacheHitRatio = 0.87;
    work.uploads = {
        {QStringLiteral("Reports/Q3 Financials.xlsx"), 5'200'000, 8'400'000, UploadItem::State::Uploading},
        {QStringLiteral("Photos/2024-06 Offsite/IMG_4821.jpg"), 2'100'000, 6'300'000, UploadItem::State::Uploading},
        {QStringLiteral("Design/Homepage mockup v4.fig"), 0, 41'000'000, UploadItem::State::Waiting},
        {QStringLiteral("Notes/Meeting 2024-06-14.md"), 0, 12'400, UploadItem::State::Waiting},
    };
    MountSnapshot photos;
    photos.id = QStringLiteral("photos");
    photos.name = QStringLiteral("Photos");
    photos.source = QStringLiteral("SFTP · alice@nas.home.arpa:/volume1/photos");
    photos.mountPoint = QStringLiteral("/home/alice/Loft/Photos");
    photos.state = MountState::Mounted;
    photos.port = 40732;
    photos.cacheUsedBytes = 12'700 * MB;
    photos.cacheLimitBytes = 20 * GB;
    photos.cacheHitRatio = 0.95;
    photos.bytesOutTotal = 820 * MB;
    MountSnapshot projects;
    projects.id = QStringLiteral("projects");
    projects.name = QStringLiteral("Projects");
    projects.source = QStringLiteral("Local folder · /srv/projects");
    projects.mountPoint = QStringLiteral("/home/alice/Loft/Projects");
    projects.state = MountState::Unmounted;
    return {work, photos, projects};
}

void fillLog(LogModel *log)
{
    const QDateTime t0 = QDateTime::currentDateTime().addSecs(-300);
    const struct { int s; QtMsgType level; const char *text; } lines[] = {
        {0, QtInfoMsg, "Loft 0.1.0 started"},
        {1, QtInfoMsg, "Serving Work Files on 127.0.0.1:40731"},
        {3, QtInfoMsg, "Work Files is mounted on /home/alice/Loft/Work Files."},
        {4, QtInfoMsg, "Serving Photos on 127.0.0.1:40732"},
        {6, QtInfoMsg, "Photos is mounted on /home/alice/Loft/Photos."},
        {95, QtWarningMsg, "Work Files: cloud.example.com answered slowly (4.2 s); retrying 2 requests"},
        {212, QtInfoMsg, "Work Files: uploaded Reports/Q2 Summary.pdf (1.9 MB)"},
        {260, QtInfoMsg, "Work Files: uploading 4 files (55.7 MB)"},
    };
    for (const auto &l : lines)
        log->append({t0.addSecs(l.s), l.level, QStringLiteral("loft.mount"), QString::fromUtf8(l.text)});
}

// A plain desktop background behind everything, so the tray and its menu sit on a
// desktop rather than on Xvfb's black root window.
class Wallpaper : public QWidget {
public:
    Wallpaper() : QWidget(nullptr, Qt::FramelessWindowHint | Qt::WindowStaysOnBottomHint | Qt::BypassWindowManagerHint) {}
protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        QLinearGradient g(rect().topLeft(), rect().bottomRight());
        g.setColorAt(0, QColor(0x4f, 0x6d, 0x8f));
        g.setColorAt(1, QColor(0x2c, 0x3e, 0x55));
        p.fillRect(rect(), g);
    }
};

// Serves for real and skips the OS mount (see the top of this file).
class PictureMountHelper final : public MountHelper {
public:
    QString platformName() const override { return QStringLiteral("linux"); }
    QStringList mountCommand(const MountRequest &) const override { return {QStringLiteral("true")}; }
    QStringList unmountCommand(const QString &, bool) const override { return {QStringLiteral("true")}; }
    bool prepareMountPoint(const QString &, QString *) const override { return true; }
    QList<ActiveMount> activeMounts() const override { return {}; }
};

QByteArray pattern(qint64 size, char seed)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        data[i] = char((i * 131 + seed) & 0xff);
    return data;
}

QString outDir()
{
    QString dir = qEnvironmentVariable("LOFT_SCREENSHOT_DIR");
    if (dir.isEmpty())
        dir = QDir::currentPath() + QStringLiteral("/screenshots");
    QDir().mkpath(dir);
    return dir;
}

void save(const QPixmap &pixmap, const QString &name)
{
    const QString path = outDir() + QLatin1Char('/') + name;
    QVERIFY2(pixmap.save(path), qPrintable(path));
    qInfo("screenshot: %s (%dx%d)", qPrintable(path), pixmap.width(), pixmap.height());
}
} // namespace

class TestScreenshots : public QObject {
    Q_OBJECT
    MountListModel mounts_;
    LogModel log_;

private slots:
    void initTestCase()
    {
        TrayIcons::initResources();
        QApplication::setWindowIcon(TrayIcons::appIcon());
        mounts_.setSnapshots(realisticMounts());
        fillLog(&log_);
    }

    void trayMenu()
    {
        if (!QSystemTrayIcon::isSystemTrayAvailable())
            QSKIP("no system tray (run through tests/gui/run-desktop.sh, which starts trayer)");
        Wallpaper wallpaper;
        wallpaper.setGeometry(QGuiApplication::primaryScreen()->geometry());
        wallpaper.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wallpaper));
        wallpaper.lower();

        TrayController tray(&mounts_);
        tray.show();
        QTRY_VERIFY_WITH_TIMEOUT(tray.trayIcon()->geometry().isValid(), 10000);
        QCOMPARE(tray.state(), TrayState::Transferring);
        QTest::qWait(500);
        const QRect icon = tray.trayIcon()->geometry();
        QMenu *menu = tray.menu();
        menu->ensurePolished();
        const QSize size = menu->sizeHint();
        const QRect screen = QGuiApplication::primaryScreen()->geometry();
        const QPoint at(std::min(icon.left(), screen.right() - size.width() - 4), icon.bottom() + 4);
        menu->popup(at);
        QVERIFY(QTest::qWaitForWindowExposed(menu));
        // Hover the first mount, as a user about to click it would.
        QTest::mouseMove(menu, menu->actionGeometry(menu->actions().at(2)).center());
        QTest::qWait(400);
        const QRect menuRect = menu->geometry();
        const int left = std::max(0, menuRect.left() - 60);
        const QRect shot(left, 0, screen.right() - left + 1, menuRect.bottom() + 40);
        save(QGuiApplication::primaryScreen()->grabWindow(0, shot.x(), shot.y(), shot.width(), shot.height()),
             QStringLiteral("tray-menu.png"));
        menu->hide();
    }

    void addMountDialog()
    {
        AnsweringTester tester;
        MountDialog d(&tester);
        auto *kind = d.findChild<QComboBox *>(QStringLiteral("kindCombo"));
        kind->setCurrentIndex(kind->findData(int(ProviderKind::WebDav)));
        d.findChild<QLineEdit *>(QStringLiteral("nameEdit"))->setText(QStringLiteral("Work Files"));
        d.findChild<QLineEdit *>(QStringLiteral("addressEdit"))->setText(QStringLiteral("https://cloud.example.com/remote.php/dav/files/alice/"));
        d.findChild<QLineEdit *>(QStringLiteral("userEdit"))->setText(QStringLiteral("alice"));
        d.findChild<QLineEdit *>(QStringLiteral("secretEdit"))->setText(QStringLiteral("correct horse battery"));
        d.findChild<QLineEdit *>(QStringLiteral("mountPointEdit"))->setText(QStringLiteral("/home/alice/Loft/Work Files"));
        d.findChild<QSpinBox *>(QStringLiteral("cacheSpin"))->setValue(5);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QSignalSpy tested(&d, &MountDialog::testFinished);
        QTest::mouseClick(d.findChild<QPushButton *>(QStringLiteral("testButton")), Qt::LeftButton);
        QTRY_COMPARE(tested.size(), 1);
        d.adjustSize();
        d.findChild<QLineEdit *>(QStringLiteral("nameEdit"))->setFocus();
        QTest::qWait(300);
        save(d.grab(), QStringLiteral("mount-dialog.png"));
    }

    void statusWindow()
    {
        if (!test::ApacheDavServer::available())
            QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
        QStandardPaths::setTestModeEnabled(true);
        test::ApacheDavServer dav;
        QVERIFY2(dav.start(), qPrintable(dav.errorString()));
        QTemporaryDir dir;
        DesktopOptions o;
        o.settingsFile = dir.filePath(QStringLiteral("loft.ini"));
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.keychainService = QStringLiteral("Loft screenshots");
        o.showTray = false;
        o.manageAutostart = false;
        o.uploadDelayMs = 500;
        o.makeHelper = [] { return std::make_unique<PictureMountHelper>(); };
        DesktopController app(o);
        AppLog::install(app.log(), dir.filePath(QStringLiteral("loft.log"))); // the Log tab
        MountConfig c;
        c.name = QStringLiteral("Work Files");
        c.kind = ProviderKind::WebDav;
        c.address = dav.url().toString();
        c.userName = dav.user();
        c.mountPoint = QStringLiteral("/home/alice/Loft/Work Files");
        c.cacheLimitBytes = qint64(256) << 20;
        const QString id = app.settings().save(c);
        bool stored = false;
        app.keychain()->writeSecret(id, dav.password(), [&](bool, const QString &) { stored = true; });
        QTRY_VERIFY_WITH_TIMEOUT(stored, 20000);
        app.settings().setHasSecret(id, true);
        app.start();
        bool done = false;
        app.mountById(id, [&](bool, const QString &, const QString &) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(app.mounts()->find(id)->state, MountState::Mounted, 20000);
        auto write = [&](const QByteArray &path, qint64 size) {
            return test::writeThroughServedMount(o.dataDir, id, app.mounts()->find(id)->port, path,
                                                 pattern(size, char(size)));
        };
        // A report saved earlier: uploaded, and its bytes kept in the cache.
        QString error = write("Reports/Q2 Summary.pdf", qint64(60) << 20);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(app.mounts()->find(id)->cacheUsedBytes >= (qint64(60) << 20)
                                     && app.mounts()->find(id)->queuedUploads == 0, 60000);
        // Now three files: two go on the wire (two uploads at a time), the third waits; the
        // server is slowed down, then held still so the progress stands part way.
        QVERIFY2((error = write("Design/Homepage mockup v4.fig", qint64(48) << 20)).isEmpty(), qPrintable(error));
        QVERIFY2((error = write("Photos/2024-06 Offsite/IMG_4821.jpg", qint64(14) << 20)).isEmpty(), qPrintable(error));
        QVERIFY2((error = write("Notes/Meeting 2024-06-14.md", 12400)).isEmpty(), qPrintable(error));
        dav.throttle(2, 200); // a slow server, until an upload is a third of the way
        auto uploading = [&] {
            const MountSnapshot *s = app.mounts()->find(id);
            for (const UploadItem &u : s->uploads)
                if (u.state == UploadItem::State::Uploading && u.bytesDone * 3 > u.bytesTotal)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(uploading(), 30000);
        dav.throttle(0, 0);
        QVERIFY(dav.setFrozen(true));
        QTest::qWait(1200); // the window catches up

        AppLog::uninstall(); // the log shows the app's lines, not this test's
        StatusWindow &w = *app.statusWindow();
        w.resize(1000, 640);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.selectMount(id);
        w.showUploadsTab();
        w.mountView()->setFocus();
        QTest::qWait(300);
        save(w.grab(), QStringLiteral("status-window.png"));
        w.showLogTab();
        QTest::qWait(300);
        save(w.grab(), QStringLiteral("status-log.png"));
        w.hide();
        QVERIFY(dav.setFrozen(false));
        QTRY_VERIFY_WITH_TIMEOUT(app.mounts()->find(id)->queuedUploads == 0, 60000);
    }

    void statusWindowFedWithValues()
    {
        // The same window over several mounts, from realistic values (for the README).
        StatusWindow w(&mounts_, &log_);
        w.resize(1000, 640);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.selectMount(QStringLiteral("work"));
        w.showUploadsTab();
        w.mountView()->setFocus();
        QTest::qWait(300);
        save(w.grab(), QStringLiteral("status-window-mounts.png"));
    }

    void trayIcons()
    {
        // Every state, light and dark variants, at tray sizes and twice that (high DPI).
        const TrayState states[] = {TrayState::Idle, TrayState::Mounted, TrayState::Transferring, TrayState::Error};
        const int sizes[] = {16, 22, 32, 44};
        QPixmap sheet(4 * 4 * 56 + 16, 2 * 64);
        sheet.fill(Qt::transparent);
        QPainter p(&sheet);
        for (int dark = 0; dark < 2; ++dark) {
            p.fillRect(0, dark * 64, sheet.width(), 64, dark ? QColor(0x2b, 0x30, 0x3b) : QColor(0xf3, 0xf4, 0xf6));
            int x = 12;
            for (TrayState s : states) {
                for (int size : sizes) {
                    p.drawPixmap(x, dark * 64 + (64 - size) / 2, TrayIcons::trayIcon(s, dark).pixmap(size, size));
                    x += size + 10;
                }
                x += 26;
            }
        }
        p.end();
        save(sheet, QStringLiteral("tray-icons.png"));
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
