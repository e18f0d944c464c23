#include "ServedMountWriter.h"

#include "NfsTestClient.h"
#include "state/SourceState.h"

#include <nfsc/libnfs.h>

#include <algorithm>

namespace loft::test {

QString writeThroughServedMount(const QString &dataDir, const QString &mountId, quint16 port,
                                const QByteArray &path, const QByteArray &data)
{
    QString error;
    const SourceState state = SourceState::load(QStringLiteral("loft-mount:") + mountId, dataDir, &error);
    if (!state.valid())
        return QStringLiteral("no export for the mount: ") + error;
    NfsTestClient client;
    const QString url = QStringLiteral("nfs://127.0.0.1%1?nfsport=%2&mountport=%2&version=3")
                            .arg(QString::fromLatin1(state.exportPath()))
                            .arg(port);
    if (!client.mount(url))
        return QStringLiteral("libnfs mount failed: ") + client.lastError();
    const QList<QByteArray> parts = path.split('/');
    QByteArray dir;
    for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
        dir += '/' + parts.at(i);
        nfs_mkdir(client.nfs(), dir.constData()); // may exist already
    }
    nfsfh *fh = nullptr;
    if (nfs_creat(client.nfs(), ('/' + path).constData(), 0644, &fh) != 0)
        return QStringLiteral("create failed: ") + client.nfsError();
    constexpr qint64 kChunk = 1 << 20;
    for (qint64 off = 0; off < data.size(); off += kChunk) {
        const qint64 n = std::min(kChunk, data.size() - off);
        if (nfs_pwrite(client.nfs(), fh, uint64_t(off), uint64_t(n), data.constData() + off) != n) {
            error = QStringLiteral("write failed: ") + client.nfsError();
            nfs_close(client.nfs(), fh);
            return error;
        }
    }
    if (nfs_fsync(client.nfs(), fh) != 0)
        error = QStringLiteral("commit failed: ") + client.nfsError();
    nfs_close(client.nfs(), fh);
    return error;
}

} // namespace loft::test
