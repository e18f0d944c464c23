// Screenshots for docs/screenshots, taken from the real widgets on an X server (Xvfb)
// with a real system tray host (trayer): the tray menu, the Add Mount dialog, the status
// window, and the tray icons. The providers' cache layer does not report its counters to
// the app yet, so the status model is fed here with realistic values (a WebDAV mount with
// its cache partly used and uploads in progress) — the widgets are the app's own.
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
        StatusWindow w(&mounts_, &log_);
        w.resize(1000, 640);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.selectMount(QStringLiteral("work"));
        w.showUploadsTab();
        w.mountView()->setFocus();
        QTest::qWait(300);
        save(w.grab(), QStringLiteral("status-window.png"));
        w.showLogTab();
        QTest::qWait(300);
        save(w.grab(), QStringLiteral("status-log.png"));
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
