#include "MountDialog.h"

#include "AddressValidator.h"
#include "InlineMessage.h"
#include "TrayIcons.h"
#include "UiText.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStorageInfo>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

namespace loft::ui {

namespace {
constexpr qint64 kGB = 1000LL * 1000 * 1000;

QWidget *row(QWidget *parent, std::initializer_list<QWidget *> widgets, int stretchIndex = 0)
{
    auto *w = new QWidget(parent);
    auto *l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(6);
    int i = 0;
    for (QWidget *child : widgets)
        l->addWidget(child, i++ == stretchIndex ? 1 : 0);
    return w;
}
} // namespace

MountDialog::MountDialog(ConnectionTester *tester, QWidget *parent)
    : QDialog(parent), tester_(tester), hostKeyPrompt_(&MountDialog::askAboutHostKey)
{
    setWindowTitle(tr("Add Mount"));
    setWindowIcon(TrayIcons::appIcon());
    setObjectName(QStringLiteral("MountDialog"));

    // --- Where the files are -------------------------------------------------------
    auto *source = new QGroupBox(tr("Storage"), this);
    auto *sourceForm = new QFormLayout(source);
    sourceForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    sourceForm->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    sourceForm->setRowWrapPolicy(QFormLayout::DontWrapRows);

    kindCombo_ = new QComboBox(source);
    kindCombo_->setObjectName(QStringLiteral("kindCombo"));
    kindCombo_->addItem(UiText::providerName(ProviderKind::LocalFolder), int(ProviderKind::LocalFolder));
    kindCombo_->addItem(UiText::providerName(ProviderKind::WebDav), int(ProviderKind::WebDav));
    kindCombo_->addItem(UiText::providerName(ProviderKind::Sftp), int(ProviderKind::Sftp));
    sourceForm->addRow(tr("&Type:"), kindCombo_);

    nameEdit_ = new QLineEdit(source);
    nameEdit_->setObjectName(QStringLiteral("nameEdit"));
    nameEdit_->setMaxLength(64);
    nameMessage_ = new InlineMessage(source);
    nameMessage_->setObjectName(QStringLiteral("nameMessage"));
    sourceForm->addRow(tr("&Name:"), nameEdit_);
    sourceForm->addRow(QString(), nameMessage_);

    addressEdit_ = new QLineEdit(source);
    addressEdit_->setObjectName(QStringLiteral("addressEdit"));
    addressBrowse_ = new QToolButton(source);
    addressBrowse_->setObjectName(QStringLiteral("addressBrowse"));
    addressBrowse_->setText(tr("Choose…"));
    addressBrowse_->setToolTip(tr("Choose the folder to mount"));
    addressMessage_ = new InlineMessage(source);
    addressMessage_->setObjectName(QStringLiteral("addressMessage"));
    sourceForm->addRow(tr("&Address:"), row(source, {addressEdit_, addressBrowse_}));
    sourceForm->addRow(QString(), addressMessage_);

    userEdit_ = new QLineEdit(source);
    userEdit_->setObjectName(QStringLiteral("userEdit"));
    userLabel_ = new QLabel(tr("&User name:"), source);
    userLabel_->setBuddy(userEdit_);
    sourceForm->addRow(userLabel_, userEdit_);

    passwordRadio_ = new QRadioButton(tr("Pass&word"), source);
    passwordRadio_->setObjectName(QStringLiteral("passwordRadio"));
    keyFileRadio_ = new QRadioButton(tr("&Key file"), source);
    keyFileRadio_->setObjectName(QStringLiteral("keyFileRadio"));
    passwordRadio_->setChecked(true);
    authRow_ = new QWidget(source);
    auto *authLayout = new QHBoxLayout(authRow_);
    authLayout->setContentsMargins(0, 0, 0, 0);
    authLayout->addWidget(passwordRadio_);
    authLayout->addWidget(keyFileRadio_);
    authLayout->addStretch(1);
    authLabel_ = new QLabel(tr("Sign in with:"), source);
    sourceForm->addRow(authLabel_, authRow_);

    keyFileEdit_ = new QLineEdit(source);
    keyFileEdit_->setObjectName(QStringLiteral("keyFileEdit"));
    auto *keyBrowse = new QToolButton(source);
    keyBrowse->setText(tr("Choose…"));
    keyBrowse->setToolTip(tr("Choose a private key file"));
    keyFileRow_ = row(source, {keyFileEdit_, keyBrowse});
    keyFileLabel_ = new QLabel(tr("Key &file:"), source);
    keyFileLabel_->setBuddy(keyFileEdit_);
    sourceForm->addRow(keyFileLabel_, keyFileRow_);

    secretEdit_ = new QLineEdit(source);
    secretEdit_->setObjectName(QStringLiteral("secretEdit"));
    secretEdit_->setEchoMode(QLineEdit::Password);
    secretEdit_->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData
                                     | Qt::ImhNoPredictiveText);
    secretLabel_ = new QLabel(tr("&Password:"), source);
    secretLabel_->setBuddy(secretEdit_);
    sourceForm->addRow(secretLabel_, secretEdit_);

    testButton_ = new QPushButton(tr("&Test Connection"), source);
    testButton_->setObjectName(QStringLiteral("testButton"));
    testButton_->setAutoDefault(false);
    testButton_->setMinimumWidth(testButton_->sizeHint().width() + 16);
    testMessage_ = new InlineMessage(source);
    testMessage_->setObjectName(QStringLiteral("testMessage"));
    auto *testRow = new QWidget(source);
    auto *testLayout = new QHBoxLayout(testRow);
    testLayout->setContentsMargins(0, 4, 0, 0);
    testLayout->addWidget(testButton_, 0, Qt::AlignTop);
    testLayout->addWidget(testMessage_, 1, Qt::AlignVCenter);
    sourceForm->addRow(QString(), testRow);

    // --- On this computer ------------------------------------------------------------
    auto *local = new QGroupBox(tr("On This Computer"), this);
    auto *localForm = new QFormLayout(local);
    localForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    localForm->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);

    mountPointEdit_ = new QLineEdit(local);
    mountPointEdit_->setObjectName(QStringLiteral("mountPointEdit"));
    driveCombo_ = new QComboBox(local);
    driveCombo_->setObjectName(QStringLiteral("driveCombo"));
    auto *mountBrowse = new QToolButton(local);
    mountBrowse->setObjectName(QStringLiteral("mountPointBrowse"));
    mountBrowse->setText(tr("Choose…"));
    mountBrowse->setToolTip(tr("Choose the folder where the files appear"));
#ifdef Q_OS_WIN
    for (char letter = 'Z'; letter >= 'D'; --letter) {
        const QString drive = QStringLiteral("%1:").arg(QLatin1Char(letter));
        if (!QStorageInfo(drive + QLatin1Char('\\')).isValid())
            driveCombo_->addItem(drive, drive);
    }
    mountPointEdit_->hide();
    mountBrowse->hide();
    localForm->addRow(tr("&Drive letter:"), driveCombo_);
#else
    driveCombo_->hide();
    localForm->addRow(tr("&Mount point:"), row(local, {mountPointEdit_, mountBrowse}));
#endif
    mountPointMessage_ = new InlineMessage(local);
    mountPointMessage_->setObjectName(QStringLiteral("mountPointMessage"));
    localForm->addRow(QString(), mountPointMessage_);

    readOnlyCheck_ = new QCheckBox(tr("&Read-only (never change anything on the server)"), local);
    readOnlyCheck_->setObjectName(QStringLiteral("readOnlyCheck"));
    localForm->addRow(QString(), readOnlyCheck_);

    cacheSpin_ = new QSpinBox(local);
    cacheSpin_->setObjectName(QStringLiteral("cacheSpin"));
    cacheSpin_->setRange(1, 2000);
    cacheSpin_->setValue(5);
    cacheSpin_->setSuffix(tr(" GB"));
    cacheSpin_->setToolTip(tr("At most this much disk space holds copies of remote files "
                              "and changes waiting to upload."));
    cacheLabel_ = new QLabel(tr("&Cache size limit:"), local);
    cacheLabel_->setBuddy(cacheSpin_);
    auto *cacheRow = new QWidget(local);
    auto *cacheLayout = new QHBoxLayout(cacheRow);
    cacheLayout->setContentsMargins(0, 0, 0, 0);
    cacheLayout->addWidget(cacheSpin_);
    cacheLayout->addStretch(1);
    localForm->addRow(cacheLabel_, cacheRow);

    autoMountCheck_ = new QCheckBox(tr("Mount automatically when I &log in"), local);
    autoMountCheck_->setObjectName(QStringLiteral("autoMountCheck"));
    localForm->addRow(QString(), autoMountCheck_);

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Add Mount"));
    buttons_->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("okButton"));
    for (QAbstractButton *b : buttons_->buttons())
        b->setIcon(QIcon()); // words, as on every other button here

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(12);
    layout->addWidget(source);
    layout->addWidget(local);
    layout->addStretch(1);
    layout->addWidget(buttons_);

    // Keep every label column the same width so the two groups line up.
    const int labelWidth = fontMetrics().horizontalAdvance(tr("Cache size limit:")) + 12;
    for (QFormLayout *form : {sourceForm, localForm})
        for (int r = 0; r < form->rowCount(); ++r)
            if (QLayoutItem *item = form->itemAt(r, QFormLayout::LabelRole))
                if (auto *label = qobject_cast<QLabel *>(item->widget())) {
                    label->setMinimumWidth(labelWidth);
                    label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
                }
    for (QFormLayout *form : {sourceForm, localForm})
        form->setVerticalSpacing(8);
    sourceForm_ = sourceForm;

    const QList<QWidget *> tabOrder = {kindCombo_, nameEdit_, addressEdit_, addressBrowse_, userEdit_,
                                       passwordRadio_, keyFileRadio_, keyFileEdit_, keyBrowse,
                                       secretEdit_, testButton_, mountPointEdit_, mountBrowse,
                                       driveCombo_, readOnlyCheck_, cacheSpin_, autoMountCheck_};
    for (qsizetype i = 0; i + 1 < tabOrder.size(); ++i)
        setTabOrder(tabOrder.at(i), tabOrder.at(i + 1));

    connect(kindCombo_, &QComboBox::currentIndexChanged, this, &MountDialog::onKindChanged);
    connect(nameEdit_, &QLineEdit::textEdited, this, &MountDialog::onNameEdited);
    connect(addressEdit_, &QLineEdit::textChanged, this, &MountDialog::revalidate);
    connect(mountPointEdit_, &QLineEdit::textEdited, this, [this] { mountPointEdited_ = true; });
    connect(mountPointEdit_, &QLineEdit::textChanged, this, &MountDialog::revalidate);
    connect(userEdit_, &QLineEdit::textChanged, this, &MountDialog::revalidate);
    connect(keyFileEdit_, &QLineEdit::textChanged, this, &MountDialog::revalidate);
    connect(secretEdit_, &QLineEdit::textEdited, this, [this] { secretEdited_ = true; });
    connect(passwordRadio_, &QRadioButton::toggled, this, &MountDialog::onKindChanged);
    connect(addressBrowse_, &QToolButton::clicked, this, &MountDialog::browseAddress);
    connect(keyBrowse, &QToolButton::clicked, this, &MountDialog::browseKeyFile);
    connect(mountBrowse, &QToolButton::clicked, this, &MountDialog::browseMountPoint);
    connect(testButton_, &QPushButton::clicked, this, &MountDialog::startTest);
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    onKindChanged();
    setMinimumWidth(560);
}

ProviderKind MountDialog::kind() const
{
    return ProviderKind(kindCombo_->currentData().toInt());
}

void MountDialog::setConfig(const MountConfig &c, bool hasStoredSecret)
{
    id_ = c.id;
    hasStoredSecret_ = hasStoredSecret;
    setWindowTitle(c.id.isEmpty() ? tr("Add Mount") : tr("Edit “%1”").arg(c.name));
    buttons_->button(QDialogButtonBox::Ok)->setText(c.id.isEmpty() ? tr("Add Mount") : tr("Save"));
    kindCombo_->setCurrentIndex(kindCombo_->findData(int(c.kind)));
    nameEdit_->setText(c.name);
    addressEdit_->setText(c.address);
    userEdit_->setText(c.userName);
    keyFileRadio_->setChecked(c.useKeyFile);
    passwordRadio_->setChecked(!c.useKeyFile);
    keyFileEdit_->setText(c.keyFile);
    mountPointEdited_ = !c.mountPoint.isEmpty();
    mountPointEdit_->setText(c.mountPoint);
    if (const int i = driveCombo_->findData(c.mountPoint); i >= 0)
        driveCombo_->setCurrentIndex(i);
    else if (!c.mountPoint.isEmpty() && driveCombo_->count() > 0)
        driveCombo_->insertItem(0, c.mountPoint, c.mountPoint), driveCombo_->setCurrentIndex(0);
    readOnlyCheck_->setChecked(c.readOnly);
    cacheSpin_->setValue(int(std::max<qint64>(1, (c.cacheLimitBytes + kGB / 2) / kGB)));
    autoMountCheck_->setChecked(c.autoMount);
    secretEdit_->clear();
    secretEdited_ = false;
    onKindChanged();
}

MountConfig MountDialog::config() const
{
    MountConfig c;
    c.id = id_;
    c.name = nameEdit_->text().trimmed();
    c.kind = kind();
    const AddressCheck check = AddressValidator::check(c.kind, addressEdit_->text());
    c.address = check.normalized.isEmpty() ? addressEdit_->text().trimmed() : check.normalized;
    if (c.kind != ProviderKind::LocalFolder)
        c.userName = userEdit_->text().trimmed();
    c.useKeyFile = c.kind == ProviderKind::Sftp && keyFileRadio_->isChecked();
    if (c.useKeyFile)
        c.keyFile = keyFileEdit_->text().trimmed();
#ifdef Q_OS_WIN
    c.mountPoint = driveCombo_->currentData().toString();
#else
    QString mp = mountPointEdit_->text().trimmed();
    if (mp == QLatin1String("~") || mp.startsWith(QLatin1String("~/")))
        mp = QDir::homePath() + mp.mid(1);
    c.mountPoint = mp.isEmpty() ? QString() : QDir::cleanPath(mp);
#endif
    c.readOnly = readOnlyCheck_->isChecked();
    c.cacheLimitBytes = c.kind == ProviderKind::LocalFolder ? 0 : cacheSpin_->value() * kGB;
    c.autoMount = autoMountCheck_->isChecked();
    return c;
}

QString MountDialog::secret() const
{
    return secretEdit_->text();
}

void MountDialog::setExistingNames(const QStringList &names)
{
    existingNames_ = names;
    revalidate();
}

void MountDialog::setExistingMountPoints(const QStringList &paths)
{
    existingMountPoints_ = paths;
    revalidate();
}

QString MountDialog::testResultText() const
{
    return testMessage_->text();
}

void MountDialog::onKindChanged()
{
    const ProviderKind k = kind();
    const bool remote = k != ProviderKind::LocalFolder;
    const bool sftp = k == ProviderKind::Sftp;
    const bool keyFile = sftp && keyFileRadio_->isChecked();
    addressEdit_->setPlaceholderText(AddressValidator::placeholder(k));
    addressBrowse_->setVisible(!remote);
    sourceForm_->setRowVisible(userEdit_, remote);
    sourceForm_->setRowVisible(secretEdit_, remote);
    sourceForm_->setRowVisible(authRow_, sftp);
    sourceForm_->setRowVisible(keyFileRow_, keyFile);
    secretLabel_->setText(keyFile ? tr("Key &passphrase:") : tr("&Password:"));
    secretEdit_->setPlaceholderText(hasStoredSecret_ ? tr("Unchanged (kept in the keychain)")
                                    : keyFile        ? tr("Only if the key has one")
                                                     : QString());
    cacheLabel_->setEnabled(remote);
    cacheSpin_->setEnabled(remote);
    testMessage_->clear();
    revalidate();
}

void MountDialog::onNameEdited()
{
#ifndef Q_OS_WIN
    if (!mountPointEdited_)
        mountPointEdit_->setText(defaultMountPoint());
#endif
    revalidate();
}

QString MountDialog::defaultMountPoint() const
{
    QString name = nameEdit_->text().trimmed();
    name.replace(QLatin1Char('/'), QLatin1Char('-'));
    if (name.isEmpty())
        return QString();
    return QDir::homePath() + QStringLiteral("/Loft/") + name;
}

void MountDialog::revalidate()
{
    bool ok = true;
    // Name
    const QString name = nameEdit_->text().trimmed();
    if (name.isEmpty()) {
        nameMessage_->show(InlineMessage::Kind::None, tr("What to call it, e.g. in the tray menu."));
        ok = false;
    } else if (existingNames_.contains(name, Qt::CaseInsensitive)) {
        nameMessage_->show(InlineMessage::Kind::Error, tr("Another mount already has this name."));
        ok = false;
    } else {
        nameMessage_->clear();
    }
    sourceForm_->setRowVisible(nameMessage_, !nameMessage_->text().isEmpty());

    // Address
    const AddressCheck check = AddressValidator::check(kind(), addressEdit_->text());
    if (addressEdit_->text().trimmed().isEmpty())
        addressMessage_->show(InlineMessage::Kind::None, check.message);
    else
        addressMessage_->show(check.level == AddressCheck::Level::Ok        ? InlineMessage::Kind::Ok
                              : check.level == AddressCheck::Level::Warning ? InlineMessage::Kind::Warning
                                                                            : InlineMessage::Kind::Error,
                              check.message);
    ok = ok && check.acceptable();
    if (kind() == ProviderKind::Sftp && keyFileRadio_->isChecked()
        && !QFileInfo(keyFileEdit_->text().trimmed()).isFile())
        ok = false;

    // Mount point
#ifdef Q_OS_WIN
    if (driveCombo_->count() == 0) {
        mountPointMessage_->show(InlineMessage::Kind::Error, tr("Every drive letter is in use."));
        ok = false;
    } else {
        mountPointMessage_->clear();
    }
#else
    QString mp = config().mountPoint;
    const QFileInfo info(mp);
    if (mp.isEmpty()) {
        mountPointMessage_->show(InlineMessage::Kind::None, tr("The folder where the files appear."));
        ok = false;
    } else if (QDir::isRelativePath(mp)) {
        mountPointMessage_->show(InlineMessage::Kind::Error, tr("Give the full path of a folder."));
        ok = false;
    } else if (existingMountPoints_.contains(mp)) {
        mountPointMessage_->show(InlineMessage::Kind::Error, tr("Another mount uses this folder."));
        ok = false;
    } else if (kind() == ProviderKind::LocalFolder
               && (mp == check.normalized || mp.startsWith(check.normalized + QLatin1Char('/')))
               && !check.normalized.isEmpty()) {
        mountPointMessage_->show(InlineMessage::Kind::Error, tr("The mount point cannot be inside the folder it shows."));
        ok = false;
    } else if (info.exists() && !info.isDir()) {
        mountPointMessage_->show(InlineMessage::Kind::Error, tr("This is a file, not a folder."));
        ok = false;
    } else if (info.exists() && !QDir(mp).isEmpty()) {
        mountPointMessage_->show(InlineMessage::Kind::Warning,
                                 tr("This folder is not empty: its files are hidden while mounted."));
    } else if (!info.exists()) {
        mountPointMessage_->show(InlineMessage::Kind::None, tr("Loft creates this folder when it mounts."));
    } else {
        mountPointMessage_->show(InlineMessage::Kind::Ok, tr("Empty folder, ready to use."));
    }
#endif
    testButton_->setEnabled(check.acceptable() && !testing_ && tester_);
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

void MountDialog::startTest()
{
    if (!tester_ || testing_)
        return;
    testing_ = true;
    testButton_->setEnabled(false);
    testMessage_->show(InlineMessage::Kind::Busy, tr("Connecting…"));
    const quint64 generation = ++testGeneration_;
    QPointer<MountDialog> self(this);
    tester_->testConnection(config(), secretEdited_ ? secret() : QString(),
                            [self, generation](const ConnectionTestResult &result) {
                                if (self && generation == self->testGeneration_)
                                    self->onTestResult(result);
                            });
}

void MountDialog::onTestResult(const ConnectionTestResult &result)
{
    testing_ = false;
    using O = ConnectionTestResult::Outcome;
    if (result.outcome == O::UnknownHostKey || result.outcome == O::ChangedHostKey) {
        if (result.outcome == O::UnknownHostKey && hostKeyPrompt_(this, result)) {
            tester_->trustHostKey(result);
            startTest();
            return;
        }
        testMessage_->show(InlineMessage::Kind::Error,
                           result.outcome == O::ChangedHostKey
                               ? result.message
                               : tr("Not connected: the server's key was not trusted."));
        revalidate();
        emit testFinished(false);
        return;
    }
    const bool success = result.outcome == O::Success;
    testMessage_->show(success ? InlineMessage::Kind::Ok : InlineMessage::Kind::Error, result.message);
    revalidate();
    emit testFinished(success);
}

bool MountDialog::askAboutHostKey(QWidget *parent, const ConnectionTestResult &result)
{
    QMessageBox box(QMessageBox::Question, tr("Trust This Server?"),
                    tr("This is the first connection to %1.").arg(result.host), QMessageBox::NoButton,
                    parent);
    box.setInformativeText(
        tr("Its %1 key has the fingerprint\n\n%2\n\nCompare it with the one your server "
           "administrator gave you. Trust it only if they match.")
            .arg(result.keyType, result.fingerprint));
    box.setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPushButton *trust = box.addButton(tr("&Trust and Connect"), QMessageBox::AcceptRole);
    box.addButton(tr("&Cancel"), QMessageBox::RejectRole);
    box.setDefaultButton(qobject_cast<QPushButton *>(box.button(QMessageBox::Cancel)));
    box.exec();
    return box.clickedButton() == trust;
}

void MountDialog::browseAddress()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to Mount"),
                                                          addressEdit_->text());
    if (!dir.isEmpty())
        addressEdit_->setText(QDir::toNativeSeparators(dir));
}

void MountDialog::browseKeyFile()
{
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Private Key"), QDir::homePath() + QStringLiteral("/.ssh"),
        tr("Private keys (id_* *.pem *.key);;All files (*)"));
    if (!file.isEmpty())
        keyFileEdit_->setText(file);
}

void MountDialog::browseMountPoint()
{
    const QString start = mountPointEdit_->text().isEmpty() ? QDir::homePath() : mountPointEdit_->text();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Mount Point"), start);
    if (!dir.isEmpty()) {
        mountPointEdited_ = true;
        mountPointEdit_->setText(dir);
    }
}

} // namespace loft::ui
