// One row per mount, fed with snapshots from the mount manager. The tray menu and the
// status window both read it; nothing in the GUI keeps its own copy of mount state.
#pragma once

#include "models/MountSnapshot.h"

#include <QAbstractTableModel>

namespace loft::ui {

class MountListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, SourceColumn, MountPointColumn, ThroughputColumn,
                  CacheColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, StateRole, CacheFractionRole, SnapshotRole };

    explicit MountListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    const QList<MountSnapshot> &snapshots() const { return rows_; }
    const MountSnapshot *find(const QString &id) const;
    int rowOf(const QString &id) const;

public slots:
    // Replaces the whole list; rows keep their identity (by id) so selections survive.
    void setSnapshots(const QList<loft::MountSnapshot> &snapshots);

signals:
    // A mount changed state (for notifications): old and new state.
    void stateChanged(const QString &id, loft::MountState from, loft::MountState to);

private:
    QList<MountSnapshot> rows_;
};

} // namespace loft::ui
