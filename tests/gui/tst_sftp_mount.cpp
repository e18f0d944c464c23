// SFTP through the dialog against a real OpenSSH sshd on loopback: the first "Test
// Connection" shows the server's host key fingerprint and asks; trusting it connects and
// records the key (in a throw-away HOME's known_hosts), so the next test does not ask;
// refusing it does not connect.
#include "EnglishPlurals.h"
#include "MountDialog.h"
#include "SshdServer.h"
#include "TrayIcons.h"
#include "gui/SourceConnectionTester.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QtTest>

using namespace loft;
using namespace loft::ui;

namespace {
void typeInto(QLineEdit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}
} // namespace

class TestSftpMount : public QObject {
    Q_OBJECT
    QTemporaryDir home_;
    std::unique_ptr<SshdServer> sshd_;

    void fill(MountDialog *d)
    {
        auto *kind = d->findChild<QComboBox *>(QStringLiteral("kindCombo"));
        kind->setCurrentIndex(kind->findData(int(ProviderKind::Sftp)));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("nameEdit")), QStringLiteral("Server"));
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("addressEdit")),
                 QStringLiteral("sftp://127.0.0.1:%1%2").arg(sshd_->port()).arg(sshd_->dataDir()));
        QString user = qEnvironmentVariable("USER");
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("userEdit")), user.isEmpty() ? QStringLiteral("root") : user);
        QTest::mouseClick(d->findChild<QRadioButton *>(QStringLiteral("keyFileRadio")), Qt::LeftButton);
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("keyFileEdit")), sshd_->clientKey());
        typeInto(d->findChild<QLineEdit *>(QStringLiteral("mountPointEdit")), home_.filePath(QStringLiteral("Server")));
    }

    bool test(MountDialog *d)
    {
        QSignalSpy finished(d, &MountDialog::testFinished);
        QTest::mouseClick(d->findChild<QPushButton *>(QStringLiteral("testButton")), Qt::LeftButton);
        finished.wait(60000);
        return !finished.isEmpty() && finished.first().first().toBool();
    }

private slots:
    void initTestCase()
    {
        QString why;
        if (!SshdServer::available(&why))
            QSKIP(qPrintable(why));
        // known_hosts goes to $HOME/.ssh: a throw-away one.
        qputenv("HOME", home_.path().toLocal8Bit());
        TrayIcons::initResources();
        EnglishPlurals::install();
        sshd_ = std::make_unique<SshdServer>();
        QString error;
        QVERIFY2(sshd_->start(&error), qPrintable(error + QLatin1Char('\n') + sshd_->log()));
        QFile f(sshd_->dataDir() + QStringLiteral("/readme.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("hello\n");
    }

    void refusingTheKeyDoesNotConnect()
    {
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        int asked = 0;
        d.setHostKeyPrompt([&asked](QWidget *, const ConnectionTestResult &) { ++asked; return false; });
        d.show();
        fill(&d);
        QVERIFY(!test(&d));
        QCOMPARE(asked, 1);
        QCOMPARE(d.testResultText(), QStringLiteral("Not connected: the server's key was not trusted."));
        QVERIFY(!QFile::exists(home_.filePath(QStringLiteral(".ssh/known_hosts")))
                || !QFile(home_.filePath(QStringLiteral(".ssh/known_hosts"))).size());
    }

    void firstConnectionAsksThenRemembers()
    {
        SourceConnectionTester tester(nullptr);
        MountDialog d(&tester);
        QList<ConnectionTestResult> asked;
        d.setHostKeyPrompt([&asked](QWidget *, const ConnectionTestResult &r) { asked << r; return true; });
        d.show();
        fill(&d);
        QVERIFY2(test(&d), qPrintable(d.testResultText()));
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.first().fingerprint, sshd_->hostKeyFingerprint());
        QCOMPARE(asked.first().keyType, QStringLiteral("ssh-ed25519"));
        QCOMPARE(asked.first().host, QStringLiteral("127.0.0.1:%1").arg(sshd_->port()));
        QCOMPARE(d.testResultText(), QStringLiteral("Connected. The folder holds 1 item."));
        QFile knownHosts(home_.filePath(QStringLiteral(".ssh/known_hosts")));
        QVERIFY(knownHosts.open(QIODevice::ReadOnly));
        QVERIFY(knownHosts.readAll().contains("[127.0.0.1]:" + QByteArray::number(sshd_->port())));

        // A new dialog (and tester): the key is known now, nobody is asked.
        SourceConnectionTester again(nullptr);
        MountDialog d2(&again);
        int askedAgain = 0;
        d2.setHostKeyPrompt([&askedAgain](QWidget *, const ConnectionTestResult &) { ++askedAgain; return false; });
        d2.show();
        fill(&d2);
        QVERIFY2(test(&d2), qPrintable(d2.testResultText()));
        QCOMPARE(askedAgain, 0);
    }
};

QTEST_MAIN(TestSftpMount)
#include "tst_sftp_mount.moc"
