// The application log as the GUI shows it: a bounded list of timestamped lines. The app
// feeds it (on the GUI thread) from its message handler; passwords never reach it.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>

namespace loft::ui {

struct LogEntry {
    QDateTime time;
    QtMsgType level = QtInfoMsg;
    QString category;
    QString message;
};

class LogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, LevelColumn, MessageColumn, ColumnCount };
    enum Role { LevelRole = Qt::UserRole + 1 };

    explicit LogModel(int maxEntries = 5000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const QList<LogEntry> &entries() const { return entries_; }
    QString toPlainText() const;

public slots:
    void append(const loft::ui::LogEntry &entry);
    void clear();

private:
    QList<LogEntry> entries_;
    int maxEntries_;
};

QString logLevelName(QtMsgType level);

} // namespace loft::ui

Q_DECLARE_METATYPE(loft::ui::LogEntry)
