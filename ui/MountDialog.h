// Add or edit one mount: provider, address (checked as you type), user name, password
// or key file, "Test connection" (asynchronous), mount point, read-only, cache size and
// auto-mount at login. The password goes back to the app through secret(), which stores
// it in the OS keychain; the dialog never writes it anywhere.
#pragma once

#include "ConnectionTester.h"
#include "models/MountConfig.h"

#include <QDialog>
#include <functional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QToolButton;

namespace loft::ui {

class InlineMessage;

class MountDialog : public QDialog {
    Q_OBJECT
public:
    explicit MountDialog(ConnectionTester *tester, QWidget *parent = nullptr);

    // Edit an existing mount; `hasStoredSecret` shows that a password is in the keychain.
    void setConfig(const MountConfig &config, bool hasStoredSecret);
    MountConfig config() const;
    // The password or key passphrase as typed. Empty with secretChanged() false: keep the
    // stored one.
    QString secret() const;
    bool secretChanged() const { return secretEdited_; }

    // Names already used by other mounts (a name must be unique: `loft mount NAME`).
    void setExistingNames(const QStringList &names);
    // Folders already used as mount points by other mounts.
    void setExistingMountPoints(const QStringList &paths);

    // How to ask about an unknown SFTP host key; the default shows a message box.
    using HostKeyPrompt = std::function<bool(QWidget *parent, const ConnectionTestResult &)>;
    void setHostKeyPrompt(HostKeyPrompt prompt) { hostKeyPrompt_ = std::move(prompt); }
    static bool askAboutHostKey(QWidget *parent, const ConnectionTestResult &result);

    bool isTesting() const { return testing_; }
    QString testResultText() const;

signals:
    void testFinished(bool success);

private:
    void onKindChanged();
    void onNameEdited();
    void revalidate();
    void startTest();
    void onTestResult(const ConnectionTestResult &result);
    void browseAddress();
    void browseKeyFile();
    void browseMountPoint();
    QString defaultMountPoint() const;
    ProviderKind kind() const;

    ConnectionTester *tester_;
    HostKeyPrompt hostKeyPrompt_;
    QString id_;
    QStringList existingNames_;
    QStringList existingMountPoints_;
    bool hasStoredSecret_ = false;
    bool secretEdited_ = false;
    bool mountPointEdited_ = false;
    bool testing_ = false;
    quint64 testGeneration_ = 0;

    QFormLayout *sourceForm_ = nullptr;
    QComboBox *kindCombo_;
    QLineEdit *nameEdit_;
    InlineMessage *nameMessage_;
    QLineEdit *addressEdit_;
    QToolButton *addressBrowse_;
    InlineMessage *addressMessage_;
    QLabel *userLabel_;
    QLineEdit *userEdit_;
    QLabel *authLabel_;
    QWidget *authRow_;
    QRadioButton *passwordRadio_;
    QRadioButton *keyFileRadio_;
    QLabel *keyFileLabel_;
    QWidget *keyFileRow_;
    QLineEdit *keyFileEdit_;
    QLabel *secretLabel_;
    QLineEdit *secretEdit_;
    QPushButton *testButton_;
    InlineMessage *testMessage_;
    QLineEdit *mountPointEdit_;
    QComboBox *driveCombo_;
    InlineMessage *mountPointMessage_;
    QCheckBox *readOnlyCheck_;
    QLabel *cacheLabel_;
    QSpinBox *cacheSpin_;
    QCheckBox *autoMountCheck_;
    QDialogButtonBox *buttons_;
};

} // namespace loft::ui
