// The Add/Edit mount dialog driven as a user would: validation as you type, "Test
// connection" (asynchronous, through the app's real tester on a local folder) succeeding
// and failing, the SFTP host-key question, editing an existing mount, keyboard order.
#include "AddressValidator.h"
#include "EnglishPlurals.h"
#include "InlineMessage.h"
#include "MountDialog.h"
#include "TrayIcons.h"
#include "TrayController.h"
#include "gui/SourceConnectionTester.h"
#include "StatusWindow.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QAbstractScrollArea>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace loft;
using namespace loft::ui;

namespace {
// Presses Tab from `start` until focus comes back to it (bounded): the widgets reached,
// in order. Fails the test when the cycle does not close or a widget comes twice.
QList<QWidget *> tabCycle(QWidget *start)
{
    QList<QWidget *> seen;
    start->setFocus(Qt::TabFocusReason);
    if (!QTest::qWaitFor([&] { return start->hasFocus(); }, 2000))
        return seen;
    seen << start;
    for (int i = 0; i < 80; ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QWidget *now = QApplication::focusWidget();
        if (!now || now == start)
            return seen;
        if (seen.contains(now))
            return {}; // a cycle that never comes back: broken order
        seen << now;
    }
    return {};
}

// Every control a keyboard user should reach in `window`: visible, enabled, takes focus.
QList<QWidget *> keyboardControls(QWidget *window)
{
    QList<QWidget *> out;
    for (QWidget *w : window->findChildren<QWidget *>())
        if (w->isVisibleTo(window) && w->isEnabled() && (w->focusPolicy() & Qt::TabFocus)
            && !w->focusProxy() && w->window() == window
            && !qobject_cast<QAbstractScrollArea *>(w->parentWidget())) { // viewports
            // Of a group of radio buttons Tab reaches the checked one; arrows the others.
            if (auto *radio = qobject_cast<QRadioButton *>(w); radio && !radio->isChecked())
                continue;
            out << w;
        }
    return out;
}

QString describe(QWidget *w)
{
    return QStringLiteral("%1(%2)").arg(QString::fromLatin1(w->metaObject()->className()), w->objectName());
}

// Answers like an SFTP server seen for the first time, then like a known one.
class FakeSftpTester : public ConnectionTester {
public:
    bool trusted = false;
    int tests = 0;
    void testConnection(const MountConfig &, const QString &,
                        std::function<void(const ConnectionTestResult &)> done) override
    {
        ++tests;
        ConnectionTestResult r;
        if (!trusted) {
            r.outcome = ConnectionTestResult::Outcome::UnknownHostKey;
            r.host = QStringLiteral("files.example.com:22");
            r.keyType = QStringLiteral("ssh-ed25519");
            r.fingerprint = QStringLiteral("SHA256:Jb3kqV0mHxk4r9ZrZ0f4WwZ8x5o7mH3w1bq2cB7mX1Q");
        } else {
            r.outcome = ConnectionTestResult::Outcome::Success;
            r.message = QStringLiteral("Connected. The folder holds 3 items.");
        }
        QTimer::singleShot(10, [done, r] { done(r); });
    }
    void trustHostKey(const ConnectionTestResult &) override { trusted = true; }
};

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
} // namespace

class TestMountDialog : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        TrayIcons::initResources();
        EnglishPlurals::install();
    }

    void validatesAsYouType()
    {
        QTemporaryDir dir;
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QPushButton *ok = child<QPushButton>(&d, "okButton");
        QLineEdit *name = child<QLineEdit>(&d, "nameEdit");
        QLineEdit *address = child<QLineEdit>(&d, "addressEdit");
        QLineEdit *mountPoint = child<QLineEdit>(&d, "mountPointEdit");
        auto *addressMessage = child<InlineMessage>(&d, "addressMessage");
        QVERIFY(!ok->isEnabled());

        typeInto(name, QStringLiteral("Papers"));
        // The mount point follows the name until the user edits it.
        QCOMPARE(mountPoint->text(), QDir::homePath() + QStringLiteral("/Loft/Papers"));

        typeInto(address, dir.path() + QStringLiteral("/missing"));
        QCOMPARE(addressMessage->kind(), InlineMessage::Kind::Error);
        QCOMPARE(addressMessage->text(), QStringLiteral("There is no folder at this path."));
        QVERIFY(!ok->isEnabled());
        typeInto(address, QStringLiteral("relative/path"));
        QVERIFY(addressMessage->text().startsWith(QLatin1String("Give the full path")));

        typeInto(address, dir.path());
        QCOMPARE(addressMessage->kind(), InlineMessage::Kind::Ok);
        QCOMPARE(addressMessage->text(), QStringLiteral("Folder found."));
        QVERIFY(ok->isEnabled());

        // Names are unique (they are what `loft mount NAME` takes).
        d.setExistingNames({QStringLiteral("papers")});
        QVERIFY(!ok->isEnabled());
        QCOMPARE(child<InlineMessage>(&d, "nameMessage")->text(), QStringLiteral("Another mount already has this name."));
        d.setExistingNames({});
        QVERIFY(ok->isEnabled());

        // A mount point inside the folder it shows would hide it from itself.
        typeInto(mountPoint, dir.path() + QStringLiteral("/inside"));
        QVERIFY(!ok->isEnabled());
        QVERIFY(child<InlineMessage>(&d, "mountPointMessage")->text().contains(QLatin1String("inside the folder")));
    }

    void validatesRemoteAddresses_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("level");
        QTest::addColumn<QString>("normalized");
        const int ok = int(AddressCheck::Level::Ok), warn = int(AddressCheck::Level::Warning),
                  bad = int(AddressCheck::Level::Error);
        const int dav = int(ProviderKind::WebDav), sftp = int(ProviderKind::Sftp);
        QTest::newRow("dav https") << dav << "https://cloud.example.com/remote.php/dav/files/me" << ok << "https://cloud.example.com/remote.php/dav/files/me";
        QTest::newRow("dav no scheme") << dav << "cloud.example.com" << ok << "https://cloud.example.com/";
        QTest::newRow("dav http warns") << dav << "http://nas.example.com/dav" << warn << "http://nas.example.com/dav";
        QTest::newRow("dav loopback http") << dav << "http://127.0.0.1:8080/dav/" << ok << "http://127.0.0.1:8080/dav/";
        QTest::newRow("dav ftp") << dav << "ftp://example.com/" << bad << "";
        QTest::newRow("dav user in url") << dav << "https://me@example.com/" << bad << "";
        QTest::newRow("sftp url") << sftp << "sftp://files.example.com:2222/home/me" << ok << "sftp://files.example.com:2222/home/me";
        QTest::newRow("sftp scp style") << sftp << "files.example.com:/srv/data" << ok << "sftp://files.example.com/srv/data";
        QTest::newRow("sftp bare host") << sftp << "files.example.com" << ok << "sftp://files.example.com/";
        QTest::newRow("sftp wrong scheme") << sftp << "https://files.example.com" << bad << "";
    }

    void validatesRemoteAddresses()
    {
        QFETCH(int, kind);
        QFETCH(QString, text);
        QFETCH(int, level);
        QFETCH(QString, normalized);
        const AddressCheck c = AddressValidator::check(ProviderKind(kind), text);
        QCOMPARE(int(c.level), level);
        QVERIFY(!c.message.isEmpty());
        if (c.acceptable())
            QCOMPARE(c.normalized, normalized);
    }

    void testConnectionSucceedsAndFails()
    {
        QTemporaryDir dir;
        QFile(dir.filePath(QStringLiteral("a.txt"))).open(QIODevice::WriteOnly);
        QDir(dir.path()).mkdir(QStringLiteral("sub"));
        const QString source = dir.filePath(QStringLiteral("source"));
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("source")));
        QFile(source + QStringLiteral("/one.txt")).open(QIODevice::WriteOnly);
        QFile(source + QStringLiteral("/two.txt")).open(QIODevice::WriteOnly);

        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QPushButton *test = child<QPushButton>(&d, "testButton");
        typeInto(child<QLineEdit>(&d, "nameEdit"), QStringLiteral("Source"));
        typeInto(child<QLineEdit>(&d, "addressEdit"), source);
        QVERIFY(test->isEnabled());

        QSignalSpy finished(&d, &MountDialog::testFinished);
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(d.isTesting()); // asynchronous: the dialog stays responsive
        QVERIFY(!test->isEnabled());
        QCOMPARE(d.testResultText(), QStringLiteral("Connecting…"));
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(d.testResultText(), QStringLiteral("Connected. The folder holds 2 items."));
        QVERIFY(test->isEnabled());

        // The folder disappears after the address was checked: the test says so.
        QVERIFY(QDir(source).removeRecursively());
        QTest::mouseClick(test, Qt::LeftButton);
        QTRY_COMPARE(finished.size(), 2);
        QCOMPARE(finished.at(1).at(0).toBool(), false);
        QVERIFY2(d.testResultText().startsWith(QLatin1String("Could not connect: source folder")),
                 qPrintable(d.testResultText()));
        QVERIFY(d.testResultText().contains(QLatin1String("does not exist")));
    }

    void sftpAsksAboutTheHostKeyOnFirstConnection()
    {
        FakeSftpTester tester;
        MountDialog d(&tester);
        QList<ConnectionTestResult> asked;
        d.setHostKeyPrompt([&asked](QWidget *, const ConnectionTestResult &r) {
            asked << r;
            return true; // the user compares the fingerprint and trusts it
        });
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        auto *kind = child<QComboBox>(&d, "kindCombo");
        kind->setCurrentIndex(kind->findData(int(ProviderKind::Sftp)));
        QVERIFY(child<QLineEdit>(&d, "userEdit")->isVisible());
        QVERIFY(child<QRadioButton>(&d, "keyFileRadio")->isVisible());
        QVERIFY(!child<QLineEdit>(&d, "keyFileEdit")->isVisible());
        QTest::mouseClick(child<QRadioButton>(&d, "keyFileRadio"), Qt::LeftButton);
        QVERIFY(child<QLineEdit>(&d, "keyFileEdit")->isVisible());
        QTest::mouseClick(child<QRadioButton>(&d, "passwordRadio"), Qt::LeftButton);
        typeInto(child<QLineEdit>(&d, "addressEdit"), QStringLiteral("files.example.com:/home/me"));
        QSignalSpy finished(&d, &MountDialog::testFinished);
        QTest::mouseClick(child<QPushButton>(&d, "testButton"), Qt::LeftButton);
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.first().fingerprint, QStringLiteral("SHA256:Jb3kqV0mHxk4r9ZrZ0f4WwZ8x5o7mH3w1bq2cB7mX1Q"));
        QVERIFY(tester.trusted);
        QCOMPARE(tester.tests, 2); // asked, trusted, connected again
        QCOMPARE(finished.first().first().toBool(), true);
    }

    void refusingTheHostKeyDoesNotConnect()
    {
        FakeSftpTester tester;
        MountDialog d(&tester);
        d.setHostKeyPrompt([](QWidget *, const ConnectionTestResult &) { return false; });
        d.show();
        auto *kind = child<QComboBox>(&d, "kindCombo");
        kind->setCurrentIndex(kind->findData(int(ProviderKind::Sftp)));
        typeInto(child<QLineEdit>(&d, "addressEdit"), QStringLiteral("sftp://files.example.com/"));
        QSignalSpy finished(&d, &MountDialog::testFinished);
        QTest::mouseClick(child<QPushButton>(&d, "testButton"), Qt::LeftButton);
        QTRY_COMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(!tester.trusted);
        QCOMPARE(d.testResultText(), QStringLiteral("Not connected: the server's key was not trusted."));
    }

    void editsAnExistingMount()
    {
        MountConfig c;
        c.id = QStringLiteral("1b4e28ba-2fa1-11d2-883f-0016d3cca427");
        c.name = QStringLiteral("Team Share");
        c.kind = ProviderKind::WebDav;
        c.address = QStringLiteral("https://dav.example.com/team/");
        c.userName = QStringLiteral("alice");
        c.mountPoint = QDir::homePath() + QStringLiteral("/Loft/Team Share");
        c.readOnly = true;
        c.cacheLimitBytes = 8'000'000'000;
        c.autoMount = true;
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        d.setConfig(c, true);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QCOMPARE(d.windowTitle(), QStringLiteral("Edit “Team Share”"));
        QCOMPARE(child<QPushButton>(&d, "okButton")->text(), QStringLiteral("Save"));
        QCOMPARE(child<QLineEdit>(&d, "secretEdit")->placeholderText(), QStringLiteral("Unchanged (kept in the keychain)"));
        QVERIFY(d.config() == c); // nothing changed, nothing lost
        QVERIFY(!d.secretChanged());

        typeInto(child<QLineEdit>(&d, "nameEdit"), QStringLiteral("Team"));
        // An edited mount point stays put when the name changes.
        QCOMPARE(d.config().mountPoint, c.mountPoint);
        child<QSpinBox>(&d, "cacheSpin")->setValue(20);
        QTest::mouseClick(child<QCheckBox>(&d, "readOnlyCheck"), Qt::LeftButton);
        typeInto(child<QLineEdit>(&d, "secretEdit"), QStringLiteral("new password"));
        const MountConfig edited = d.config();
        QCOMPARE(edited.id, c.id);
        QCOMPARE(edited.name, QStringLiteral("Team"));
        QCOMPARE(edited.cacheLimitBytes, 20'000'000'000LL);
        QVERIFY(!edited.readOnly);
        QVERIFY(d.secretChanged());
        QCOMPARE(d.secret(), QStringLiteral("new password"));
    }

    void trayMenuTogglesAMountWithOneClick()
    {
        MountListModel model;
        MountSnapshot docs;
        docs.id = QStringLiteral("docs");
        docs.name = QStringLiteral("Documents");
        docs.state = MountState::Mounted;
        MountSnapshot photos;
        photos.id = QStringLiteral("photos");
        photos.name = QStringLiteral("Photos");
        model.setSnapshots({docs, photos});
        TrayController tray(&model);
        QCOMPARE(tray.state(), TrayState::Mounted);
        QAction *docsAction = nullptr, *photosAction = nullptr;
        for (QAction *a : tray.menu()->actions()) {
            if (a->data().toString() == QLatin1String("docs"))
                docsAction = a;
            if (a->data().toString() == QLatin1String("photos"))
                photosAction = a;
        }
        QVERIFY(docsAction && photosAction);
        QCOMPARE(docsAction->text(), QStringLiteral("Documents\tMounted"));
        QVERIFY(docsAction->isChecked());
        QCOMPARE(photosAction->text(), QStringLiteral("Photos\tNot mounted"));
        QVERIFY(!photosAction->isChecked());
        QSignalSpy toggled(&tray, &TrayController::toggleMountRequested);
        photosAction->trigger();
        QCOMPARE(toggled.size(), 1);
        QCOMPARE(toggled.first().first().toString(), QStringLiteral("photos"));
        // With one mount mounted, "Open in File Manager" names it.
        QStringList texts;
        for (QAction *a : tray.menu()->actions())
            texts << a->text();
        QVERIFY(texts.contains(QStringLiteral("&Open Documents in File Manager")));
        QVERIFY(texts.contains(QStringLiteral("&Add Mount…")));
        QVERIFY(texts.contains(QStringLiteral("&Status…")));
        QVERIFY(texts.contains(QStringLiteral("&Quit Loft")));
        // An error anywhere shows on the tray icon.
        photos.state = MountState::Error;
        model.setSnapshots({docs, photos});
        QCOMPARE(tray.state(), TrayState::Error);
    }

    void keyboardReachesEveryField()
    {
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        d.activateWindow();
        QTRY_VERIFY(d.isActiveWindow());
        auto *kind = child<QComboBox>(&d, "kindCombo");
        kind->setFocus();
        QTRY_VERIFY(kind->hasFocus());
        QTest::keyClick(kind, Qt::Key_Tab);
        QTRY_VERIFY(child<QLineEdit>(&d, "nameEdit")->hasFocus());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QTRY_VERIFY(child<QLineEdit>(&d, "addressEdit")->hasFocus());
        // Alt+R jumps to "Read-only" (every label has a mnemonic).
        QTest::keyClick(&d, Qt::Key_R, Qt::AltModifier);
        QTRY_VERIFY(child<QCheckBox>(&d, "readOnlyCheck")->hasFocus());
    }

    void tabGoesThroughTheWholeDialogInOrder()
    {
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        auto *kind = child<QComboBox>(&d, "kindCombo");
        kind->setCurrentIndex(kind->findData(int(ProviderKind::WebDav))); // every field shown
        // A complete form, so that Test Connection and Add Mount are enabled too.
        child<QLineEdit>(&d, "nameEdit")->setText(QStringLiteral("Team"));
        child<QLineEdit>(&d, "addressEdit")->setText(QStringLiteral("https://dav.example.com/files/"));
        child<QLineEdit>(&d, "userEdit")->setText(QStringLiteral("alice"));
        child<QLineEdit>(&d, "secretEdit")->setText(QStringLiteral("secret"));
        child<QLineEdit>(&d, "mountPointEdit")->setText(QDir::tempPath() + QStringLiteral("/loft-tab-test"));
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        d.activateWindow();
        QTRY_VERIFY(d.isActiveWindow());
        const QList<QWidget *> cycle = tabCycle(kind);
        QVERIFY2(!cycle.isEmpty(), "Tab does not come back to the first field");
        QStringList order;
        for (QWidget *w : cycle)
            order << describe(w);
        qInfo("tab order: %s", qPrintable(order.join(QStringLiteral(" → "))));
        for (QWidget *w : keyboardControls(&d))
            QVERIFY2(cycle.contains(w), qPrintable(describe(w) + QStringLiteral(" is not reachable with Tab")));
        // Top to bottom as the form reads: each field before the ones below it.
        const char *expected[] = {"kindCombo", "nameEdit", "addressEdit", "userEdit", "secretEdit",
                                  "testButton", "mountPointEdit", "readOnlyCheck", "cacheSpin",
                                  "autoMountCheck", "okButton"};
        int last = -1;
        for (const char *name : expected) {
            const int at = int(cycle.indexOf(child<QWidget>(&d, name)));
            QVERIFY2(at > last, name);
            last = at;
        }
        // Every field's label has a mnemonic (Alt+letter), and every button too.
        for (QLabel *label : d.findChildren<QLabel *>())
            if (label->buddy() && label->isVisibleTo(&d))
                QVERIFY2(label->text().contains(QLatin1Char('&')), qPrintable(label->text()));
        for (QPushButton *b : d.findChildren<QPushButton *>())
            if (b->isVisibleTo(&d) && !b->text().isEmpty() && b->text() != QLatin1String("…"))
                QVERIFY2(b->text().contains(QLatin1Char('&')) || b->objectName() == QLatin1String("okButton")
                             || b->text() == QLatin1String("Cancel"),
                         qPrintable(b->text()));
    }

    void tabGoesThroughTheStatusWindow()
    {
        MountListModel model;
        MountSnapshot s;
        s.id = QStringLiteral("a");
        s.name = QStringLiteral("Docs");
        s.state = MountState::Mounted;
        s.cacheLimitBytes = 1000000;
        s.cacheUsedBytes = 500000;
        model.setSnapshots({s});
        LogModel log(100);
        StatusWindow w(&model, &log);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.activateWindow();
        QTRY_VERIFY(w.isActiveWindow());
        const QList<QWidget *> cycle = tabCycle(child<QWidget>(&w, "addButton"));
        QVERIFY2(!cycle.isEmpty(), "Tab does not come back to the first button");
        for (const char *name : {"addButton", "editButton", "removeButton", "toggleButton", "openButton",
                                 "mountTable", "clearCacheButton", "uploadTable"})
            QVERIFY2(cycle.contains(child<QWidget>(&w, name)), name);
        // Keys work where the focus is: Return on the mount table opens its editor.
        QSignalSpy edit(&w, &StatusWindow::editRequested);
        child<QWidget>(&w, "mountTable")->setFocus();
        QTest::keyClick(child<QWidget>(&w, "mountTable"), Qt::Key_Return);
        QCOMPARE(edit.size(), 1);
    }

    void iconsAreSharpAtHighDpi()
    {
        TrayIcons::initResources();
        // SVG icons render at the device's scale: 2x gives twice the pixels, not a blow-up.
        for (bool dark : {false, true})
            for (TrayState st : {TrayState::Idle, TrayState::Mounted, TrayState::Transferring, TrayState::Error}) {
                const QPixmap px = TrayIcons::trayIcon(st, dark).pixmap(QSize(22, 22), 2.0);
                QCOMPARE(px.size(), QSize(44, 44));
                QCOMPARE(px.devicePixelRatio(), 2.0);
                QVERIFY(!px.toImage().isNull());
            }
        const QPixmap app = TrayIcons::appIcon().pixmap(QSize(64, 64), 3.0);
        QCOMPARE(app.size(), QSize(192, 192));
    }
};

QTEST_MAIN(TestMountDialog)
#include "tst_mount_dialog.moc"
