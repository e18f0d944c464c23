// The log as a table (time, level, message) with a filter box and a "warnings only"
// switch; follows new lines unless the user scrolled up.
#pragma once

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace loft::ui {

class LogModel;

class LogView : public QWidget {
    Q_OBJECT
public:
    explicit LogView(LogModel *model, QWidget *parent = nullptr);
    QTreeView *view() const { return view_; }

private:
    LogModel *model_;
    QSortFilterProxyModel *proxy_;
    QTreeView *view_;
    QLineEdit *filter_;
    QCheckBox *problemsOnly_;
};

} // namespace loft::ui
