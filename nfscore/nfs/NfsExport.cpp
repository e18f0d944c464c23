#include "nfs/NfsExport.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace loft {

namespace {
constexpr int kMaxSnapshots = 64;
constexpr int kSnapshotLifetimeMs = 30'000;
} // namespace

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

DirSnapshot *NfsExport::snapshot(uint64_t dirId)
{
    auto it = snapshots_.find(dirId);
    if (it == snapshots_.end())
        return nullptr;
    if (it->age.elapsed() > kSnapshotLifetimeMs) {
        snapshots_.erase(it);
        return nullptr;
    }
    return &it.value();
}

DirSnapshot &NfsExport::storeSnapshot(uint64_t dirId, DirSnapshot snapshot)
{
    if (snapshots_.size() >= kMaxSnapshots && !snapshots_.contains(dirId)) {
        // Drop the oldest listing; a client paging it resumes by file id anyway.
        auto oldest = snapshots_.begin();
        for (auto it = snapshots_.begin(); it != snapshots_.end(); ++it)
            if (it->age.elapsed() > oldest->age.elapsed())
                oldest = it;
        snapshots_.erase(oldest);
    }
    snapshot.age.start();
    return snapshots_.insert(dirId, std::move(snapshot)).value();
}

} // namespace loft
