#include "StatusWindow.h"

#include "LogView.h"
#include "ProgressBarDelegate.h"
#include "TrayIcons.h"
#include "UiText.h"
#include "models/LogModel.h"
#include "models/MountListModel.h"
#include "models/UploadQueueModel.h"

#include <QAction>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeView>
#include <QVBoxLayout>

namespace loft::ui {

StatusWindow::StatusWindow(MountListModel *mounts, LogModel *log, QWidget *parent)
    : QWidget(parent, Qt::Window), mounts_(mounts), uploads_(new UploadQueueModel(this))
{
    setObjectName(QStringLiteral("StatusWindow"));
    setWindowTitle(tr("Loft Status"));
    setWindowIcon(TrayIcons::appIcon());

    addButton_ = new QPushButton(tr("&Add Mount…"), this);
    addButton_->setObjectName(QStringLiteral("addButton"));
    editButton_ = new QPushButton(tr("&Edit…"), this);
    editButton_->setObjectName(QStringLiteral("editButton"));
    removeButton_ = new QPushButton(tr("&Remove"), this);
    removeButton_->setObjectName(QStringLiteral("removeButton"));
    toggleButton_ = new QPushButton(tr("&Mount"), this);
    toggleButton_->setObjectName(QStringLiteral("toggleButton"));
    openButton_ = new QPushButton(tr("&Open Folder"), this);
    openButton_->setObjectName(QStringLiteral("openButton"));
    for (QPushButton *b : {addButton_, editButton_, removeButton_, toggleButton_, openButton_})
        b->setAutoDefault(false);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(addButton_);
    buttons->addWidget(editButton_);
    buttons->addWidget(removeButton_);
    buttons->addStretch(1);
    buttons->addWidget(toggleButton_);
    buttons->addWidget(openButton_);

    mountView_ = new QTreeView(this);
    mountView_->setObjectName(QStringLiteral("mountTable"));
    mountView_->setModel(mounts);
    mountView_->setRootIsDecorated(false);
    mountView_->setUniformRowHeights(true);
    mountView_->setAllColumnsShowFocus(true);
    mountView_->setSelectionBehavior(QAbstractItemView::SelectRows);
    mountView_->setSelectionMode(QAbstractItemView::SingleSelection);
    mountView_->setItemDelegateForColumn(
        MountListModel::CacheColumn,
        new ProgressBarDelegate(MountListModel::CacheFractionRole, mountView_));
    mountView_->setIconSize(QSize(12, 12));
    mountView_->header()->setStretchLastSection(false);
    mountView_->header()->setSectionResizeMode(QHeaderView::Interactive);
    mountView_->header()->setSectionResizeMode(MountListModel::SourceColumn, QHeaderView::Stretch);
    mountView_->setColumnWidth(MountListModel::NameColumn, 130);
    mountView_->setColumnWidth(MountListModel::StateColumn, 110);
    mountView_->setColumnWidth(MountListModel::MountPointColumn, 170);
    mountView_->setColumnWidth(MountListModel::ThroughputColumn, 180);
    mountView_->setColumnWidth(MountListModel::CacheColumn, 170);

    // Details of the selected mount.
    details_ = new QGroupBox(this);
    details_->setObjectName(QStringLiteral("details"));
    auto *form = new QFormLayout(details_);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    cacheBar_ = new QProgressBar(details_);
    cacheBar_->setObjectName(QStringLiteral("cacheBar"));
    cacheBar_->setRange(0, 1000);
    cacheBar_->setTextVisible(true);
    cacheBar_->setAlignment(Qt::AlignCenter);
    cacheBar_->setMinimumWidth(220);
    cacheInfo_ = new QLabel(details_);
    cacheInfo_->setObjectName(QStringLiteral("cacheInfo"));
    clearCacheButton_ = new QPushButton(tr("&Clear Cache…"), details_);
    clearCacheButton_->setObjectName(QStringLiteral("clearCacheButton"));
    clearCacheButton_->setAutoDefault(false);
    clearCacheButton_->setToolTip(tr("Remove cached copies of remote files. Changes that "
                                     "have not been uploaded yet are always kept."));
    auto *cacheRow = new QHBoxLayout;
    cacheRow->addWidget(cacheBar_, 2);
    cacheRow->addWidget(cacheInfo_, 1);
    cacheRow->addWidget(clearCacheButton_);
    form->addRow(tr("Cache:"), cacheRow);
    trafficLabel_ = new QLabel(details_);
    trafficLabel_->setObjectName(QStringLiteral("trafficLabel"));
    form->addRow(tr("Transfers:"), trafficLabel_);
    errorLabel_ = new QLabel(details_);
    errorLabel_->setObjectName(QStringLiteral("errorLabel"));
    errorLabel_->setWordWrap(true);
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Last error:"), errorLabel_);

    uploadView_ = new QTreeView(this);
    uploadView_->setObjectName(QStringLiteral("uploadTable"));
    uploadView_->setModel(uploads_);
    uploadView_->setRootIsDecorated(false);
    uploadView_->setUniformRowHeights(true);
    uploadView_->setAlternatingRowColors(true);
    uploadView_->setSelectionMode(QAbstractItemView::NoSelection);
    uploadView_->setItemDelegateForColumn(
        UploadQueueModel::ProgressColumn,
        new ProgressBarDelegate(UploadQueueModel::FractionRole, uploadView_));
    uploadView_->header()->setStretchLastSection(false);
    uploadView_->header()->setSectionResizeMode(UploadQueueModel::FileColumn, QHeaderView::Stretch);
    uploadView_->setColumnWidth(UploadQueueModel::ProgressColumn, 200);
    uploadView_->setColumnWidth(UploadQueueModel::SizeColumn, 170);
    logView_ = new LogView(log, this);

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("tabs"));
    tabs_->addTab(uploadView_, tr("Uploads"));
    auto *logPage = new QWidget(this);
    auto *logLayout = new QVBoxLayout(logPage);
    logLayout->setContentsMargins(6, 6, 6, 6);
    logLayout->addWidget(logView_);
    tabs_->addTab(logPage, tr("Log"));

    auto *lower = new QWidget(this);
    auto *lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(details_);
    lowerLayout->addWidget(tabs_, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    split->addWidget(mountView_);
    split->addWidget(lower);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(split, 1);

    // Keyboard: the usual shortcuts work anywhere in the window.
    auto addShortcut = [this](const QKeySequence &keys, auto slot) {
        auto *a = new QAction(this);
        a->setShortcut(keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
    };
    addShortcut(QKeySequence::New, [this] { emit addRequested(); });
    addShortcut(QKeySequence::Close, [this] { close(); });
    addShortcut(QKeySequence(Qt::Key_Delete), [this] {
        if (!currentId().isEmpty() && mountView_->hasFocus())
            emit removeRequested(currentId());
    });

    connect(addButton_, &QPushButton::clicked, this, &StatusWindow::addRequested);
    connect(editButton_, &QPushButton::clicked, this, [this] { emit editRequested(currentId()); });
    connect(removeButton_, &QPushButton::clicked, this, [this] { emit removeRequested(currentId()); });
    connect(toggleButton_, &QPushButton::clicked, this, [this] { emit toggleMountRequested(currentId()); });
    connect(openButton_, &QPushButton::clicked, this, [this] { emit openRequested(currentId()); });
    connect(clearCacheButton_, &QPushButton::clicked, this, [this] { emit clearCacheRequested(currentId()); });
    connect(mountView_, &QTreeView::doubleClicked, this, [this] { emit openRequested(currentId()); });
    connect(mountView_, &QTreeView::activated, this, [this] {
        if (!currentId().isEmpty())
            emit editRequested(currentId());
    });
    connect(mountView_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &StatusWindow::refreshDetails);
    connect(mounts, &QAbstractItemModel::dataChanged, this, &StatusWindow::refreshDetails);
    connect(mounts, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &, int first) {
        if (currentId().isEmpty())
            mountView_->setCurrentIndex(mounts_->index(first, 0));
        refreshDetails();
    });
    connect(mounts, &QAbstractItemModel::rowsRemoved, this, &StatusWindow::refreshDetails);
    connect(mounts, &QAbstractItemModel::modelReset, this, &StatusWindow::refreshDetails);
    if (mounts->rowCount() > 0)
        mountView_->setCurrentIndex(mounts->index(0, 0));
    refreshDetails();
}

QSize StatusWindow::sizeHint() const
{
    return {940, 620};
}

QString StatusWindow::currentId() const
{
    const QModelIndex i = mountView_->currentIndex();
    return i.isValid() ? i.data(MountListModel::IdRole).toString() : QString();
}

void StatusWindow::selectMount(const QString &id)
{
    const int row = mounts_->rowOf(id);
    if (row >= 0)
        mountView_->setCurrentIndex(mounts_->index(row, 0));
}

void StatusWindow::showLogTab()
{
    tabs_->setCurrentIndex(1);
}

void StatusWindow::showUploadsTab()
{
    tabs_->setCurrentIndex(0);
}

void StatusWindow::refreshDetails()
{
    const MountSnapshot *s = mounts_->find(currentId());
    const bool has = s != nullptr;
    for (QWidget *w : {static_cast<QWidget *>(editButton_), static_cast<QWidget *>(removeButton_),
                       static_cast<QWidget *>(toggleButton_), static_cast<QWidget *>(details_)})
        w->setEnabled(has);
    openButton_->setEnabled(has && s->state == MountState::Mounted);
    if (!has) {
        details_->setTitle(tr("No mount selected"));
        uploads_->setUploads({});
        tabs_->setTabText(0, tr("Uploads"));
        cacheBar_->setValue(0);
        cacheBar_->setFormat(QString());
        cacheInfo_->clear();
        trafficLabel_->clear();
        errorLabel_->clear();
        return;
    }
    const bool busy = s->state == MountState::Starting || s->state == MountState::Mounting
        || s->state == MountState::Unmounting;
    toggleButton_->setText(s->state == MountState::Mounted ? tr("Un&mount") : tr("&Mount"));
    toggleButton_->setEnabled(!busy);
    details_->setTitle(s->name);

    const bool hasCache = s->cacheLimitBytes > 0;
    cacheBar_->setEnabled(hasCache);
    cacheBar_->setValue(hasCache ? int(std::clamp(double(s->cacheUsedBytes) / double(s->cacheLimitBytes), 0.0, 1.0) * 1000) : 0);
    cacheBar_->setFormat(hasCache ? UiText::cacheUsage(s->cacheUsedBytes, s->cacheLimitBytes)
                                  : tr("No cache (local folder)"));
    QStringList info;
    if (s->cacheHitRatio >= 0)
        info << tr("%1% served from cache").arg(int(s->cacheHitRatio * 100 + 0.5));
    cacheInfo_->setText(info.join(QStringLiteral(" · ")));
    clearCacheButton_->setEnabled(hasCache && s->cacheUsedBytes > 0);

    QString traffic = UiText::throughput(*s);
    if (s->bytesInTotal || s->bytesOutTotal)
        traffic += tr("  ·  %1 uploaded, %2 downloaded since start")
                       .arg(UiText::bytes(qint64(s->bytesInTotal)), UiText::bytes(qint64(s->bytesOutTotal)));
    trafficLabel_->setText(traffic);

    if (s->lastError.isEmpty()) {
        errorLabel_->setText(tr("None"));
    } else {
        const QString when = s->lastErrorTime.isValid()
            ? QLocale().toString(s->lastErrorTime.time(), QLocale::ShortFormat) + QStringLiteral(" — ")
            : QString();
        errorLabel_->setText(when + s->lastError);
    }
    uploads_->setUploads(s->uploads);
    tabs_->setTabText(0, s->pendingUploads() == 0 ? tr("Uploads")
                                                  : tr("Uploads (%1)").arg(s->pendingUploads()));
}

} // namespace loft::ui
