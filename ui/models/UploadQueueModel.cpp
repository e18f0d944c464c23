#include "models/UploadQueueModel.h"

#include "UiText.h"

#include <QFileInfo>

namespace loft::ui {

UploadQueueModel::UploadQueueModel(QObject *parent) : QAbstractTableModel(parent) {}

int UploadQueueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

int UploadQueueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UploadQueueModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const UploadItem &u = rows_.at(index.row());
    using State = UploadItem::State;
    const bool uploading = u.state == State::Uploading;
    const double fraction = u.bytesTotal > 0 ? double(u.bytesDone) / double(u.bytesTotal)
                                             : (uploading ? 1.0 : 0.0);
    if (role == FractionRole) // waiting and retrying files show words, not an empty bar
        return uploading ? fraction : -1.0;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case FileColumn:
            return u.conflict ? tr("%1 (conflict copy)").arg(u.path) : u.path;
        case ProgressColumn:
            if (u.state == State::Retrying)
                return tr("Failed — will retry");
            if (u.state == State::Waiting)
                return tr("Waiting");
            return tr("%1%").arg(int(fraction * 100));
        case SizeColumn:
            if (!uploading)
                return UiText::bytes(u.bytesTotal);
            return tr("%1 of %2").arg(UiText::bytes(u.bytesDone), UiText::bytes(u.bytesTotal));
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        QStringList tip{u.path};
        if (u.conflict)
            tip << tr("This file changed on the server too: your version is uploaded as a "
                      "conflict copy beside it.");
        if (u.state == State::Retrying && !u.error.isEmpty())
            tip << u.error;
        return tip.join(QLatin1Char('\n'));
    }
    if (role == Qt::TextAlignmentRole && index.column() == SizeColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::TextAlignmentRole && index.column() == ProgressColumn)
        return int(Qt::AlignCenter);
    return {};
}

QVariant UploadQueueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case FileColumn: return tr("File");
    case ProgressColumn: return tr("Progress");
    case SizeColumn: return tr("Uploaded");
    default: return {};
    }
}

void UploadQueueModel::setUploads(const QList<UploadItem> &uploads)
{
    if (uploads == rows_)
        return;
    if (uploads.size() == rows_.size()) {
        bool samePaths = true;
        for (int i = 0; i < rows_.size() && samePaths; ++i)
            samePaths = rows_.at(i).path == uploads.at(i).path;
        if (samePaths) {
            rows_ = uploads;
            emit dataChanged(index(0, 0), index(int(rows_.size()) - 1, ColumnCount - 1));
            return;
        }
    }
    beginResetModel();
    rows_ = uploads;
    endResetModel();
}

} // namespace loft::ui
