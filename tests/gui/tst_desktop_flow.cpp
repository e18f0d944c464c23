// The desktop app end to end on a local folder: the status window's "Add Mount…" opens
// the dialog, "Test Connection" works, the mount is saved and listed; edit; mount (for
// real where this machine can; otherwise the one-sentence explanation and the manual
// command); `loft list` / `loft mount NAME` talking to the running instance; remove.
#include "InlineMessage.h"
#include "MountDialog.h"
#include "StatusWindow.h"
#include "TrayController.h"
#include "mount/MountHelper.h"
#include "config/MountSettings.h"
#include "gui/AppLog.h"
#include "gui/DesktopController.h"
#include "gui/SingleInstance.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"
#include "mount/LinuxMountHelper.h"

#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

using namespace loft;
using namespace loft::ui;

namespace {
template <class T>
T *child(QWidget *w, const char *name)
{
    T *c = w->findChild<T *>(QLatin1String(name));
    if (!c)
        qFatal("no child %s", name);
    return c;
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

QPushButton *buttonWithText(QMessageBox *box, const QString &text)
{
    for (QAbstractButton *b : box->buttons())
        if (b->text().remove(QLatin1Char('&')) == text)
            return qobject_cast<QPushButton *>(b);
    return nullptr;
}
} // namespace

class TestDesktopFlow : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<DesktopController> app_;
    QString source_;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        source_ = dir_.filePath(QStringLiteral("Documents"));
        QVERIFY(QDir().mkpath(source_));
        QFile f(source_ + QStringLiteral("/hello.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hello from loft\n");
        f.close();
        DesktopOptions o;
        o.settingsFile = dir_.filePath(QStringLiteral("loft.ini"));
        o.dataDir = dir_.filePath(QStringLiteral("data"));
        o.showTray = false;
        o.manageAutostart = false;
        app_ = std::make_unique<DesktopController>(o);
        AppLog::install(app_->log(), dir_.filePath(QStringLiteral("loft.log")));
        app_->start();
        app_->showStatus();
        QVERIFY(QTest::qWaitForWindowExposed(app_->statusWindow()));
    }

    void cleanupTestCase()
    {
        AppLog::uninstall();
        app_.reset();
    }

    void addMountFromTheStatusWindow()
    {
        StatusWindow *w = app_->statusWindow();
        QTest::mouseClick(child<QPushButton>(w, "addButton"), Qt::LeftButton);
        QTRY_VERIFY(app_->currentDialog() != nullptr);
        MountDialog *d = app_->currentDialog();
        QVERIFY(QTest::qWaitForWindowExposed(d));
        typeInto(child<QLineEdit>(d, "nameEdit"), QStringLiteral("Documents"));
        typeInto(child<QLineEdit>(d, "addressEdit"), source_);
        typeInto(child<QLineEdit>(d, "mountPointEdit"), dir_.filePath(QStringLiteral("mnt/Documents")));

        QSignalSpy tested(d, &MountDialog::testFinished);
        QTest::mouseClick(child<QPushButton>(d, "testButton"), Qt::LeftButton);
        QTRY_COMPARE(tested.size(), 1);
        QVERIFY2(tested.first().first().toBool(), qPrintable(d->testResultText()));
        QCOMPARE(d->testResultText(), QStringLiteral("Connected. The folder holds 1 item."));

        QSignalSpy saved(app_.get(), &DesktopController::mountSaved);
        QTest::mouseClick(child<QPushButton>(d, "okButton"), Qt::LeftButton);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(app_->settings().mounts().size(), 1);
        QCOMPARE(app_->settings().mounts().first().address, source_);
        // The manager (on its thread) publishes the new mount back to the GUI.
        QTRY_COMPARE(app_->mounts()->rowCount(), 1);
        const MountSnapshot s = app_->mounts()->snapshots().first();
        QCOMPARE(s.name, QStringLiteral("Documents"));
        QCOMPARE(s.state, MountState::Unmounted);
        QCOMPARE(s.source, QStringLiteral("Local folder · ") + source_);
        QCOMPARE(w->currentId(), s.id);
        QTRY_VERIFY(app_->log()->toPlainText().contains(QLatin1String("Added mount Documents")));
    }

    void editTheMount()
    {
        StatusWindow *w = app_->statusWindow();
        QTest::mouseClick(child<QPushButton>(w, "editButton"), Qt::LeftButton);
        QTRY_VERIFY(app_->currentDialog() != nullptr);
        MountDialog *d = app_->currentDialog();
        QCOMPARE(child<QLineEdit>(d, "nameEdit")->text(), QStringLiteral("Documents"));
        typeInto(child<QLineEdit>(d, "nameEdit"), QStringLiteral("My Documents"));
        QTest::mouseClick(child<QPushButton>(d, "okButton"), Qt::LeftButton);
        QTRY_COMPARE(app_->mounts()->snapshots().first().name, QStringLiteral("My Documents"));
        QCOMPARE(app_->settings().mounts().size(), 1);
        QCOMPARE(app_->settings().mounts().first().name, QStringLiteral("My Documents"));
    }

    void mountOrExplainWhyNot()
    {
        StatusWindow *w = app_->statusWindow();
        const QString reason = LinuxMountHelper(LinuxMountHelper::detectEnvironment()).unavailableReason();
        QTest::mouseClick(child<QPushButton>(w, "toggleButton"), Qt::LeftButton);
        if (reason.isEmpty()) {
            // This machine has an NFS client and the rights: a real mount.
            QTRY_COMPARE_WITH_TIMEOUT(app_->mounts()->snapshots().first().state, MountState::Mounted, 60000);
            const QString mp = app_->mounts()->snapshots().first().mountPoint;
            QFile hello(mp + QStringLiteral("/hello.txt"));
            QVERIFY(hello.open(QIODevice::ReadOnly));
            QCOMPARE(hello.readAll(), QByteArray("hello from loft\n"));
            hello.close();
            QTest::mouseClick(child<QPushButton>(w, "toggleButton"), Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(app_->mounts()->snapshots().first().state, MountState::Unmounted, 60000);
            return;
        }
        // No NFS client here: one clear sentence, and the command to run by hand.
        QTRY_VERIFY_WITH_TIMEOUT(app_->currentMessage() != nullptr && app_->currentMessage()->isVisible(), 20000);
        QMessageBox *box = app_->currentMessage();
        QCOMPARE(box->text(), reason);
        QVERIFY2(box->informativeText().contains(QLatin1String("mount.nfs 127.0.0.1:/")), qPrintable(box->informativeText()));
        QVERIFY(buttonWithText(box, QStringLiteral("Copy Command")));
        const MountSnapshot s = app_->mounts()->snapshots().first();
        QCOMPARE(s.state, MountState::Error);
        QVERIFY(s.lastError.startsWith(reason));
        QVERIFY(s.port != 0); // still served, so the manual command works
        QVERIFY(child<QLabel>(w, "errorLabel")->text().contains(reason));
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Close")), Qt::LeftButton);
    }

    void commandLineTalksToTheRunningApp()
    {
        SingleInstance instance(dir_.filePath(QStringLiteral("loft.sock")));
        QString error;
        QVERIFY2(instance.listen(&error), qPrintable(error));
        instance.setHandler([this](const QJsonObject &request, SingleInstance::Reply reply) {
            app_->handleInstanceRequest(request, std::move(reply));
        });
        auto run = [this](const QStringList &args, QString *out, QString *err) -> int {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("LOFT_INSTANCE_SOCKET"), dir_.filePath(QStringLiteral("loft.sock")));
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(LOFT_BINARY), args);
            // The GUI thread keeps answering while the command runs.
            QElapsedTimer clock;
            clock.start();
            while (p.state() != QProcess::NotRunning && clock.elapsed() < 60000)
                QTest::qWait(20);
            *out = QString::fromUtf8(p.readAllStandardOutput());
            *err = QString::fromUtf8(p.readAllStandardError());
            return p.exitCode();
        };
        QString out, err;
        QCOMPARE(run({QStringLiteral("list")}, &out, &err), 0);
        QVERIFY2(out.startsWith(QLatin1String("NAME")), qPrintable(out));
        QVERIFY(out.contains(QLatin1String("My Documents")));
        QVERIFY(out.contains(source_));

        QCOMPARE(run({QStringLiteral("unmount"), QStringLiteral("My Documents")}, &out, &err), 0);
        QTRY_COMPARE(app_->mounts()->snapshots().first().state, MountState::Unmounted);
        QCOMPARE(app_->mounts()->snapshots().first().port, quint16(0)); // no longer served

        QCOMPARE(run({QStringLiteral("mount"), QStringLiteral("Nope")}, &out, &err), 1);
        QVERIFY2(err.contains(QStringLiteral("There is no mount called “Nope”")), qPrintable(err));

        const QString reason = LinuxMountHelper(LinuxMountHelper::detectEnvironment()).unavailableReason();
        const int code = run({QStringLiteral("mount"), QStringLiteral("My Documents")}, &out, &err);
        if (reason.isEmpty()) {
            QCOMPARE(code, 0);
            QCOMPARE(run({QStringLiteral("unmount"), QStringLiteral("My Documents")}, &out, &err), 0);
        } else {
            QCOMPARE(code, 1);
            QVERIFY2(err.startsWith(QLatin1String("loft: ") + reason), qPrintable(err));
            QVERIFY(err.contains(QLatin1String("To mount it yourself, run:\n  sudo mount.nfs 127.0.0.1:/")));
            QCOMPARE(run({QStringLiteral("unmount"), QStringLiteral("My Documents")}, &out, &err), 0);
        }
        QTRY_COMPARE(app_->mounts()->snapshots().first().state, MountState::Unmounted);
    }

    void servedPortIsStableAcrossRestarts()
    {
        // Serving twice gives the same port (persisted), so a mount the OS kept across a
        // crash finds its server again.
        const QString reason = LinuxMountHelper(LinuxMountHelper::detectEnvironment()).unavailableReason();
        if (reason.isEmpty())
            QSKIP("this machine mounts for real; covered by mountOrExplainWhyNot");
        const QString id = app_->mounts()->snapshots().first().id;
        quint16 ports[2] = {0, 0};
        for (quint16 &port : ports) {
            bool done = false;
            app_->mountById(id, [&done](bool, const QString &, const QString &) { done = true; });
            QTRY_VERIFY(done);
            port = app_->mounts()->snapshots().first().port;
            QVERIFY(port != 0);
            done = false;
            app_->unmountById(id, [&done](bool, const QString &, const QString &) { done = true; });
            QTRY_VERIFY(done);
        }
        QCOMPARE(ports[0], ports[1]);
    }

    void removeTheMount()
    {
        StatusWindow *w = app_->statusWindow();
        QTest::mouseClick(child<QPushButton>(w, "removeButton"), Qt::LeftButton);
        QTRY_VERIFY(app_->currentMessage() != nullptr && app_->currentMessage()->isVisible());
        QMessageBox *box = app_->currentMessage();
        QCOMPARE(box->text(), QStringLiteral("Remove “My Documents”?"));
        QSignalSpy removed(app_.get(), &DesktopController::mountRemoved);
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Remove")), Qt::LeftButton);
        QCOMPARE(removed.size(), 1);
        QVERIFY(app_->settings().mounts().isEmpty());
        QTRY_COMPARE(app_->mounts()->rowCount(), 0);
        QVERIFY(!child<QPushButton>(w, "editButton")->isEnabled());
        QVERIFY(QFileInfo::exists(source_ + QStringLiteral("/hello.txt"))); // nothing deleted
    }

    void quitOffersToWaitForUploads()
    {
        // A mount with files still uploading (as the cache layer reports them).
        MountSnapshot busy;
        busy.id = QStringLiteral("busy");
        busy.name = QStringLiteral("Busy");
        busy.state = MountState::Mounted;
        busy.uploads = {{QStringLiteral("a.txt"), 10, 100, UploadItem::State::Uploading},
                        {QStringLiteral("b.txt"), 0, 50, UploadItem::State::Waiting}};
        busy.queuedUploads = 2;
        app_->mounts()->setSnapshots({busy});
        QSignalSpy quit(app_.get(), &DesktopController::quitReady);
        app_->requestQuit();
        QTRY_VERIFY(app_->currentMessage() && app_->currentMessage()->isVisible());
        QMessageBox *box = app_->currentMessage();
        QCOMPARE(box->text(), QStringLiteral("2 files are still uploading."));
        QVERIFY(buttonWithText(box, QStringLiteral("Wait for Uploads")));
        QTest::mouseClick(buttonWithText(box, QStringLiteral("Wait for Uploads")), Qt::LeftButton);
        QTest::qWait(200);
        QCOMPARE(quit.size(), 0); // still waiting
        busy.uploads.clear();     // the uploads finish
        busy.queuedUploads = 0;
        app_->mounts()->setSnapshots({busy});
        QTRY_COMPARE(quit.size(), 1); // then it unmounts everything and quits
    }

    void mountedAndUnmountedAreNotified()
    {
        // This kernel has no NFS client, so the OS mount step is stood in for by `true`
        // (the server, the state changes and the tray are real); the notifications go
        // through the tray icon on Xvfb + trayer and are recorded by TrayController::notified.
        if (!QSystemTrayIcon::isSystemTrayAvailable())
            QSKIP("no system tray (run through tests/gui/run-desktop.sh, which starts trayer)");
        struct TrueMountHelper final : MountHelper {
            QString platformName() const override { return QStringLiteral("linux"); }
            QStringList mountCommand(const MountRequest &) const override { return {QStringLiteral("true")}; }
            QStringList unmountCommand(const QString &, bool) const override { return {QStringLiteral("true")}; }
            QList<ActiveMount> activeMounts() const override { return {}; }
        };
        QTemporaryDir dir;
        DesktopOptions o;
        o.settingsFile = dir.filePath(QStringLiteral("loft.ini"));
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.manageAutostart = false;
        o.makeHelper = [] { return std::make_unique<TrueMountHelper>(); };
        DesktopController app(o);
        QVERIFY(app.tray());
        MountConfig c;
        c.name = QStringLiteral("Notes");
        c.address = source_;
        c.mountPoint = dir.filePath(QStringLiteral("Notes"));
        const QString id = app.settings().save(c);
        app.start();
        QSignalSpy notified(app.tray(), &TrayController::notified);
        bool done = false;
        app.mountById(id, [&](bool, const QString &, const QString &) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 1, 10000);
        QCOMPARE(notified.at(0).at(0).value<TrayController::Notice>(), TrayController::Notice::Mounted);
        QCOMPARE(notified.at(0).at(1).toString(), QStringLiteral("Notes is mounted"));
        QVERIFY2(notified.at(0).at(3).toBool(), "the tray did not take the notification");
        done = false;
        app.unmountById(id, [&](bool, const QString &, const QString &) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(notified.size(), 2, 10000);
        QCOMPARE(notified.at(1).at(0).value<TrayController::Notice>(), TrayController::Notice::Unmounted);
        QCOMPARE(notified.at(1).at(1).toString(), QStringLiteral("Notes is unmounted"));
        // On an XEmbed tray Qt draws the message itself: a balloon window on the screen.
        bool balloon = false;
        for (QWidget *w : QApplication::topLevelWidgets())
            balloon = balloon || (w->isVisible() && QByteArray(w->metaObject()->className()) == "QBalloonTip");
        QVERIFY2(balloon, "no notification balloon on the screen");
    }
};

QTEST_MAIN(TestDesktopFlow)
#include "tst_desktop_flow.moc"
