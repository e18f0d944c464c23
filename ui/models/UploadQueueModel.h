// The upload queue of one mount (the one selected in the status window): one row per
// file waiting for or in upload, with its progress.
#pragma once

#include "models/MountSnapshot.h"

#include <QAbstractTableModel>

namespace loft::ui {

class UploadQueueModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { FileColumn, ProgressColumn, SizeColumn, ColumnCount };
    enum Role { FractionRole = Qt::UserRole + 1 };

    explicit UploadQueueModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    void setUploads(const QList<UploadItem> &uploads);

private:
    QList<UploadItem> rows_;
};

} // namespace loft::ui
