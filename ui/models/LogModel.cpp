#include "models/LogModel.h"

#include <QIcon>

namespace loft::ui {

QString logLevelName(QtMsgType level)
{
    switch (level) {
    case QtDebugMsg: return LogModel::tr("Debug");
    case QtInfoMsg: return LogModel::tr("Info");
    case QtWarningMsg: return LogModel::tr("Warning");
    case QtCriticalMsg: return LogModel::tr("Error");
    case QtFatalMsg: return LogModel::tr("Fatal");
    }
    return {};
}

LogModel::LogModel(int maxEntries, QObject *parent)
    : QAbstractTableModel(parent), maxEntries_(maxEntries)
{
}

int LogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(entries_.size());
}

int LogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= entries_.size())
        return {};
    const LogEntry &e = entries_.at(index.row());
    if (role == LevelRole)
        return int(e.level);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn: return e.time.toString(QStringLiteral("HH:mm:ss"));
        case LevelColumn: return logLevelName(e.level);
        case MessageColumn: return e.message;
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole)
        return e.time.toString(Qt::ISODateWithMs) + QLatin1Char(' ') + e.category;
    if (role == Qt::DecorationRole && index.column() == LevelColumn) {
        if (e.level == QtWarningMsg)
            return QIcon(QStringLiteral(":/icons/status-busy.svg"));
        if (e.level == QtCriticalMsg || e.level == QtFatalMsg)
            return QIcon(QStringLiteral(":/icons/status-error.svg"));
        return QIcon(QStringLiteral(":/icons/status-none.svg"));
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case LevelColumn: return tr("Level");
    case MessageColumn: return tr("Message");
    default: return {};
    }
}

QString LogModel::toPlainText() const
{
    QString out;
    for (const LogEntry &e : entries_)
        out += e.time.toString(Qt::ISODateWithMs) + QLatin1Char(' ') + logLevelName(e.level)
             + QLatin1Char(' ') + e.message + QLatin1Char('\n');
    return out;
}

void LogModel::append(const LogEntry &entry)
{
    if (entries_.size() >= maxEntries_) {
        const int drop = int(entries_.size()) - maxEntries_ + 1;
        beginRemoveRows({}, 0, drop - 1);
        entries_.remove(0, drop);
        endRemoveRows();
    }
    beginInsertRows({}, int(entries_.size()), int(entries_.size()));
    entries_.append(entry);
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    entries_.clear();
    endResetModel();
}

} // namespace loft::ui
