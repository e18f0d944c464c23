// A WebDAV mount against a real Apache (mod_dav) on loopback, driven through the app:
// the dialog's "Test Connection" succeeds with the right password and fails with a wrong
// one; the mount is added (password to the keychain) and served through the cache layer.
#include "ApacheDavServer.h"
#include "MountDialog.h"
#include "config/MountSettings.h"
#include "gui/DesktopController.h"
#include "gui/SourceConnectionTester.h"
#include "models/MountListModel.h"
#include "mount/LinuxMountHelper.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

using namespace loft;

namespace {
void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

void fillWebDav(ui::MountDialog *d, const QString &name, const QUrl &url, const QString &user,
                const QString &password, const QString &mountPoint)
{
    auto *kind = d->findChild<QComboBox *>(QStringLiteral("kindCombo"));
    kind->setCurrentIndex(kind->findData(int(ProviderKind::WebDav)));
    typeInto(d->findChild<QLineEdit *>(QStringLiteral("nameEdit")), name);
    typeInto(d->findChild<QLineEdit *>(QStringLiteral("addressEdit")), url.toString());
    typeInto(d->findChild<QLineEdit *>(QStringLiteral("userEdit")), user);
    typeInto(d->findChild<QLineEdit *>(QStringLiteral("secretEdit")), password);
    typeInto(d->findChild<QLineEdit *>(QStringLiteral("mountPointEdit")), mountPoint);
}

bool runTest(ui::MountDialog *d)
{
    QSignalSpy finished(d, &ui::MountDialog::testFinished);
    QTest::mouseClick(d->findChild<QPushButton *>(QStringLiteral("testButton")), Qt::LeftButton);
    if (!finished.wait(30000) && finished.isEmpty())
        return false;
    return finished.first().first().toBool();
}
} // namespace

class TestWebDavMount : public QObject {
    Q_OBJECT
    std::unique_ptr<test::ApacheDavServer> dav_;

private slots:
    void initTestCase()
    {
        if (!test::ApacheDavServer::available())
            QSKIP("Apache httpd with mod_dav is not installed (scripts/install-deps.sh)");
        dav_ = std::make_unique<test::ApacheDavServer>();
        QVERIFY2(dav_->start(), qPrintable(dav_->errorString() + QLatin1Char('\n') + QString::fromLocal8Bit(dav_->log())));
        for (const char *name : {"report.txt", "notes.md"}) {
            QFile f(dav_->root() + QLatin1Char('/') + QLatin1String(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("content\n");
        }
    }

    void testConnectionAgainstApache()
    {
        QTemporaryDir dir;
        SourceConnectionTester tester(nullptr);
        ui::MountDialog d(&tester);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        fillWebDav(&d, QStringLiteral("Team"), dav_->url(), dav_->user(), dav_->password(),
                   dir.filePath(QStringLiteral("Team")));
        QVERIFY2(runTest(&d), qPrintable(d.testResultText()));
        QVERIFY2(d.testResultText().startsWith(QLatin1String("Connected.")), qPrintable(d.testResultText()));

        typeInto(d.findChild<QLineEdit *>(QStringLiteral("secretEdit")), QStringLiteral("not the password"));
        QVERIFY(!runTest(&d));
        QVERIFY2(d.testResultText().startsWith(QLatin1String("Could not connect:")), qPrintable(d.testResultText()));
    }

    void addAndServeAWebDavMount()
    {
        QTemporaryDir dir;
        QStandardPaths::setTestModeEnabled(true);
        DesktopOptions o;
        o.settingsFile = dir.filePath(QStringLiteral("loft.ini"));
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.keychainService = QStringLiteral("Loft WebDAV test");
        o.showTray = false;
        o.manageAutostart = false;
        DesktopController app(o);
        app.start();
        app.addMount();
        QTRY_VERIFY(app.currentDialog());
        ui::MountDialog *d = app.currentDialog();
        fillWebDav(d, QStringLiteral("Team"), dav_->url(), dav_->user(), dav_->password(),
                   dir.filePath(QStringLiteral("Team")));
        QVERIFY2(runTest(d), qPrintable(d->testResultText()));
        QSignalSpy stored(&app, &DesktopController::secretStored);
        QTest::mouseClick(d->findChild<QPushButton *>(QStringLiteral("okButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 20000);
        QVERIFY(stored.first().at(1).toBool());
        const QString id = stored.first().at(0).toString();
        QCOMPARE(app.settings().find(id)->address, dav_->url().toString());

        // Mount: the password comes back from the keychain and the source opens.
        bool done = false, ok = false;
        QString message;
        app.mountById(id, [&](bool o2, const QString &m, const QString &) { done = true; ok = o2; message = m; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        const MountSnapshot s = app.mounts()->snapshots().first();
        const QString reason = LinuxMountHelper(LinuxMountHelper::detectEnvironment()).unavailableReason();
        if (reason.isEmpty()) {
            QVERIFY2(ok, qPrintable(message));
            QCOMPARE(s.state, MountState::Mounted);
        } else {
            QCOMPARE(message, reason); // served (the source opened), just not mountable here
            QVERIFY(s.port != 0);
        }
        QCOMPARE(s.cacheLimitBytes, qint64(5) * 1000 * 1000 * 1000); // the cache layer is in
        done = false;
        app.unmountById(id, [&](bool, const QString &, const QString &) { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
    }
};

QTEST_MAIN(TestWebDavMount)
#include "tst_webdav_mount.moc"
