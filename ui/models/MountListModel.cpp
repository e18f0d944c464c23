#include "models/MountListModel.h"

#include "TrayIcons.h"
#include "UiText.h"

#include <QDir>
#include <QSet>

namespace loft::ui {

MountListModel::MountListModel(QObject *parent) : QAbstractTableModel(parent) {}

int MountListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

int MountListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const MountSnapshot *MountListModel::find(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : &rows_.at(row);
}

int MountListModel::rowOf(const QString &id) const
{
    for (int i = 0; i < rows_.size(); ++i)
        if (rows_.at(i).id == id)
            return i;
    return -1;
}

QVariant MountListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const MountSnapshot &s = rows_.at(index.row());
    switch (role) {
    case IdRole: return s.id;
    case StateRole: return int(s.state);
    case SnapshotRole: return QVariant::fromValue(s);
    case CacheFractionRole:
        return s.cacheLimitBytes > 0 ? double(s.cacheUsedBytes) / double(s.cacheLimitBytes) : -1.0;
    default: break;
    }
    const int column = index.column();
    if (role == Qt::DisplayRole) {
        switch (column) {
        case NameColumn: return s.name;
        case StateColumn:
            if (s.state == MountState::Mounted && s.readOnly)
                return tr("Mounted (read-only)");
            return UiText::state(s.state);
        case SourceColumn: return s.source;
        case MountPointColumn: return QDir::toNativeSeparators(s.mountPoint);
        case ThroughputColumn: return UiText::throughput(s);
        case CacheColumn: return UiText::cacheUsage(s.cacheUsedBytes, s.cacheLimitBytes);
        default: return {};
        }
    }
    if (role == Qt::DecorationRole && column == NameColumn)
        return TrayIcons::stateBadge(s.state, s.transferring());
    if (role == Qt::ToolTipRole) {
        if (!s.lastError.isEmpty())
            return s.lastError;
        if (column == MountPointColumn)
            return QDir::toNativeSeparators(s.mountPoint);
        if (column == SourceColumn)
            return s.source;
    }
    if (role == Qt::AccessibleTextRole && column == CacheColumn)
        return UiText::cacheUsage(s.cacheUsedBytes, s.cacheLimitBytes);
    return {};
}

QVariant MountListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Mount");
    case StateColumn: return tr("State");
    case SourceColumn: return tr("Source");
    case MountPointColumn: return tr("Mount point");
    case ThroughputColumn: return tr("Throughput");
    case CacheColumn: return tr("Cache");
    default: return {};
    }
}

void MountListModel::setSnapshots(const QList<MountSnapshot> &snapshots)
{
    // Remove rows that are gone, update the ones that stay, append the new ones.
    QSet<QString> incoming;
    for (const MountSnapshot &s : snapshots)
        incoming.insert(s.id);
    for (int i = int(rows_.size()) - 1; i >= 0; --i) {
        if (!incoming.contains(rows_.at(i).id)) {
            beginRemoveRows({}, i, i);
            rows_.removeAt(i);
            endRemoveRows();
        }
    }
    for (const MountSnapshot &s : snapshots) {
        const int row = rowOf(s.id);
        if (row < 0) {
            beginInsertRows({}, int(rows_.size()), int(rows_.size()));
            rows_.append(s);
            endInsertRows();
            continue;
        }
        if (rows_.at(row) == s)
            continue;
        const MountState before = rows_.at(row).state;
        rows_[row] = s;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        if (before != s.state)
            emit stateChanged(s.id, before, s.state);
    }
}

} // namespace loft::ui
