// Draws a value from 0 to 1 (a model role) as the style's own progress bar with the
// cell's text on it: cache usage in the mount list, per-file upload progress.
#pragma once

#include <QStyledItemDelegate>

namespace loft::ui {

class ProgressBarDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    ProgressBarDelegate(int fractionRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int fractionRole_;
};

} // namespace loft::ui
