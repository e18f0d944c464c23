#include "nfs/NfsExport.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace loft {

NfsExport::NfsExport(NfsExportConfig config, QObject *serverThreadObject)
    : config_(std::move(config)), caps_(config_.fs->capabilities()),
      codec_(config_.handleKey, config_.exportId),
      mailbox_(std::make_shared<ThreadMailbox>(serverThreadObject))
{
    // A fresh verifier on every start: clients resend UNSTABLE writes not yet committed.
    const quint64 v = QRandomGenerator::system()->generate64();
    for (int i = 0; i < 8; ++i)
        writeVerifier_.bytes[i] = uint8_t(v >> (8 * i));
    // fsid: stable for the export, distinct between exports.
    const QByteArray h = QCryptographicHash::hash(config_.exportId, QCryptographicHash::Sha256);
    for (int i = 0; i < 8; ++i)
        fsid_ = (fsid_ << 8) | uint8_t(h[i]);
}

NfsExport::~NfsExport()
{
    close();
}

bool NfsExport::open(QString *error)
{
    return nodes_.open(config_.journalPath, error);
}

void NfsExport::close()
{
    mailbox_->close();
}

} // namespace loft
