#include "ProgressBarDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace loft::ui {

ProgressBarDelegate::ProgressBarDelegate(int fractionRole, QObject *parent)
    : QStyledItemDelegate(parent), fractionRole_(fractionRole)
{
}

void ProgressBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                const QModelIndex &index) const
{
    const double fraction = index.data(fractionRole_).toDouble();
    if (fraction < 0) { // nothing to measure (no cache): plain text
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem item = option;
    initStyleOption(&item, index);
    item.text.clear();
    QWidget *widget = const_cast<QWidget *>(option.widget);
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget); // selection background

    QStyleOptionProgressBar bar;
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    const int vMargin = std::max(3, (option.rect.height() - option.fontMetrics.height() - 6) / 2);
    bar.rect = option.rect.adjusted(4, vMargin, -4, -vMargin);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(std::clamp(fraction, 0.0, 1.0) * 1000);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

QSize ProgressBarDelegate::sizeHint(const QStyleOptionViewItem &option,
                                    const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setHeight(std::max(s.height(), option.fontMetrics.height() + 12));
    s.setWidth(std::max(s.width() + 24, 150));
    return s;
}

} // namespace loft::ui
