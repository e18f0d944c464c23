// Passwords through the real OS keychain (Secret Service from gnome-keyring; run through
// run-with-keyring.sh / run-desktop.sh), and proof that a password typed into the dialog
// reaches the keychain and nowhere else: not the settings file, not the log file, not
// the log view.
#include "MountDialog.h"
#include "config/Keychain.h"
#include "config/MountSettings.h"
#include "gui/AppLog.h"
#include "gui/DesktopController.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"

#include <QComboBox>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QUuid>
#include <QtTest>

using namespace loft;

namespace {
struct ReadResult {
    bool done = false, found = false;
    QString secret, error;
};

ReadResult readBack(Keychain &k, const QString &key)
{
    ReadResult r;
    k.readSecret(key, [&r](bool found, const QString &secret, const QString &error) {
        r = {true, found, secret, error};
    });
    QElapsedTimer clock;
    clock.start();
    while (!r.done && clock.elapsed() < 20000)
        QTest::qWait(20);
    return r;
}

void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}
} // namespace

class TestKeychain : public QObject {
    Q_OBJECT
    const QString service_ = QStringLiteral("Loft test ") + QUuid::createUuid().toString(QUuid::WithoutBraces);

private slots:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
            QFAIL("no D-Bus session: run this test through tests/gui/run-with-keyring.sh");
    }

    void roundTrip()
    {
        Keychain keychain(service_);
        const QString key = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString secret = QStringLiteral("pässwörd ✓ %1").arg(QRandomGenerator::global()->generate());
        bool written = false, ok = false;
        QString error;
        keychain.writeSecret(key, secret, [&](bool o, const QString &e) { written = true; ok = o; error = e; });
        QTRY_VERIFY_WITH_TIMEOUT(written, 20000);
        QVERIFY2(ok, qPrintable(error));

        ReadResult r = readBack(keychain, key);
        QVERIFY2(r.found, qPrintable(r.error));
        QCOMPARE(r.secret, secret);

        bool deleted = false;
        keychain.deleteSecret(key, [&](bool o, const QString &) { deleted = o; });
        QTRY_VERIFY_WITH_TIMEOUT(deleted, 20000);
        r = readBack(keychain, key);
        QVERIFY(!r.found);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error)); // "not found" is not an error
    }

    void passwordGoesToTheKeychainOnly()
    {
        QTemporaryDir dir;
        QStandardPaths::setTestModeEnabled(true);
        const QString password = QStringLiteral("Tr0ub4dor&3-%1").arg(QRandomGenerator::global()->generate());
        DesktopOptions o;
        o.settingsFile = dir.filePath(QStringLiteral("loft.ini"));
        o.dataDir = dir.filePath(QStringLiteral("data"));
        o.keychainService = service_;
        o.showTray = false;
        o.manageAutostart = false;
        DesktopController app(o);
        const QString logFile = dir.filePath(QStringLiteral("loft.log"));
        AppLog::install(app.log(), logFile);
        app.start();

        // Add a WebDAV mount with a password, through the dialog.
        app.addMount();
        QTRY_VERIFY(app.currentDialog());
        ui::MountDialog *d = app.currentDialog();
        auto *kind = d->findChild<QComboBox *>(QStringLiteral("kindCombo"));
        kind->setCurrentIndex(kind->findData(int(ProviderKind::WebDav)));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("nameEdit")), QStringLiteral("Team"));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("addressEdit")), QStringLiteral("https://dav.example.com/team/"));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("userEdit")), QStringLiteral("alice"));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("secretEdit")), password);
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("mountPointEdit")), dir.filePath(QStringLiteral("Team")));
        QSignalSpy stored(&app, &DesktopController::secretStored);
        QTest::mouseClick(d->findChild<QPushButton *>(QStringLiteral("okButton")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(stored.size(), 1, 20000);
        QVERIFY(stored.first().at(1).toBool());
        const QString id = stored.first().at(0).toString();
        QVERIFY(app.settings().hasSecret(id));

        // In the keychain...
        Keychain keychain(service_);
        const ReadResult r = readBack(keychain, id);
        QVERIFY2(r.found, qPrintable(r.error));
        QCOMPARE(r.secret, password);

        // ...and nowhere else, even after a mount attempt logged its steps.
        bool mounted = false;
        app.mountById(id, [&](bool, const QString &, const QString &) { mounted = true; });
        QTRY_VERIFY_WITH_TIMEOUT(mounted, 30000);
        qInfo("a line after the mount attempt");
        QTRY_VERIFY(app.log()->toPlainText().contains(QLatin1String("a line after the mount attempt")));
        app.settings().sync();
        QFile settingsFile(o.settingsFile);
        QVERIFY(settingsFile.open(QIODevice::ReadOnly));
        const QByteArray settingsText = settingsFile.readAll();
        QVERIFY(settingsText.contains("dav.example.com")); // the right file
        QVERIFY(settingsText.contains("hasSecret=true"));
        QVERIFY2(!settingsText.contains(password.toUtf8()), "password in the settings file");
        QVERIFY2(!settingsText.contains(QUrl::toPercentEncoding(password)), "password in the settings file");
        QFile log(logFile);
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray logText = log.readAll();
        QVERIFY(logText.contains("Added mount Team"));
        QVERIFY2(!logText.contains(password.toUtf8()), "password in the log file");
        QVERIFY2(!app.log()->toPlainText().contains(password), "password in the log view");

        // Editing without retyping keeps the stored password.
        app.editMount(id);
        QTRY_VERIFY(app.currentDialog());
        QVERIFY(!app.currentDialog()->secretChanged());
        QTest::mouseClick(app.currentDialog()->findChild<QPushButton *>(QStringLiteral("okButton")), Qt::LeftButton);
        QCOMPARE(readBack(keychain, id).secret, password);

        // Removing the mount removes its password too.
        app.removeMount(id);
        QTRY_VERIFY(app.currentMessage());
        for (QAbstractButton *b : app.currentMessage()->buttons())
            if (b->text().remove(QLatin1Char('&')) == QLatin1String("Remove"))
                QTest::mouseClick(b, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!readBack(keychain, id).found, 20000);
        AppLog::uninstall();
    }
};

QTEST_MAIN(TestKeychain)
#include "tst_keychain.moc"
