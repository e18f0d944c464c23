#include "LogView.h"

#include "models/LogModel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace loft::ui {

namespace {
class LogFilter : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    bool problemsOnly = false;
    void refresh() { invalidateRowsFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex i = sourceModel()->index(row, LogModel::MessageColumn, parent);
        const auto level = QtMsgType(i.data(LogModel::LevelRole).toInt());
        if (problemsOnly && (level == QtDebugMsg || level == QtInfoMsg))
            return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
};
} // namespace

LogView::LogView(LogModel *model, QWidget *parent) : QWidget(parent), model_(model)
{
    auto *filter = new LogFilter(this);
    proxy_ = filter;
    proxy_->setSourceModel(model);
    proxy_->setFilterKeyColumn(LogModel::MessageColumn);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    filter_ = new QLineEdit(this);
    filter_->setObjectName(QStringLiteral("logFilter"));
    filter_->setPlaceholderText(tr("Filter"));
    filter_->setClearButtonEnabled(true);
    problemsOnly_ = new QCheckBox(tr("&Warnings and errors only"), this);
    auto *copy = new QPushButton(tr("Cop&y Log"), this);
    copy->setAutoDefault(false);

    view_ = new QTreeView(this);
    view_->setObjectName(QStringLiteral("logTable"));
    view_->setModel(proxy_);
    view_->setRootIsDecorated(false);
    view_->setUniformRowHeights(true);
    view_->setAlternatingRowColors(true);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setWordWrap(false);
    view_->setIconSize(QSize(10, 10));
    view_->setTextElideMode(Qt::ElideRight);
    view_->header()->setStretchLastSection(true);
    view_->header()->setSectionResizeMode(LogModel::TimeColumn, QHeaderView::ResizeToContents);
    view_->header()->setSectionResizeMode(LogModel::LevelColumn, QHeaderView::ResizeToContents);

    auto *top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addWidget(problemsOnly_);
    top->addWidget(copy);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(view_, 1);

    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    connect(problemsOnly_, &QCheckBox::toggled, this, [filter](bool on) {
        filter->problemsOnly = on;
        filter->refresh();
    });
    connect(copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(model_->toPlainText());
    });
    // Follow the end of the log while the user is at the end.
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, [this] {
        QScrollBar *bar = view_->verticalScrollBar();
        if (bar->value() >= bar->maximum() - 2)
            QMetaObject::invokeMethod(view_, &QTreeView::scrollToBottom, Qt::QueuedConnection);
    });
}

} // namespace loft::ui
