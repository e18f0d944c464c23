// One exported source as the NFS procedures see it: the provider, the secret export
// path, the persistent file-id table and handle codec, the write verifier, and the way
// back to the server thread for provider completions. Used on the server thread only.
#pragma once

#include "FileSystem.h"
#include "handles/FileHandleCodec.h"
#include "handles/NodeTable.h"
#include "nfs/NfsTypes.h"
#include "server/ThreadMailbox.h"

#include <QElapsedTimer>
#include <QHash>
#include <memory>

namespace loft {

struct NfsExportConfig {
    std::shared_ptr<FileSystem> fs;
    QByteArray exportPath; // "/<secret>", what MOUNT must be asked for
    QByteArray exportId;   // binds handles to this export
    QByteArray handleKey;  // the installation's MAC key
    QString journalPath;   // the node table's journal; empty keeps it in memory
    bool readOnly = false;
};

// A directory listing held between READDIR pages, ordered by file id (see NfsReaddir).
struct DirSnapshot {
    struct Entry {
        uint64_t fileId;
        FsDirEntry entry;
    };
    QList<Entry> entries; // ascending fileId
    uint64_t verifier = 0;
    QElapsedTimer age;
};

class NfsExport {
public:
    NfsExport(NfsExportConfig config, QObject *serverThreadObject);
    ~NfsExport();

    bool open(QString *error);
    void close();

    FileSystem &fs() { return *config_.fs; }
    const FsCapabilities &capabilities() const { return caps_; }
    bool readOnly() const { return config_.readOnly || caps_.readOnly; }
    const QByteArray &exportPath() const { return config_.exportPath; }
    QByteArray rootHandle() const { return codec_.encode(NodeTable::kRootId); }
    NodeTable &nodes() { return nodes_; }
    const FileHandleCodec &codec() const { return codec_; }
    const nfs3::writeverf3 &writeVerifier() const { return writeVerifier_; }
    uint64_t fsid() const { return fsid_; }

    // Wraps a server-thread continuation as a provider completion.
    template <class T, class F>
    FsDone<T> then(F &&continuation)
    {
        auto mailbox = mailbox_;
        auto shared = std::make_shared<std::decay_t<F>>(std::forward<F>(continuation));
        return [mailbox, shared](FsResult<T> result) {
            auto r = std::make_shared<FsResult<T>>(std::move(result));
            mailbox->post([shared, r] { (*shared)(std::move(*r)); });
        };
    }

    // READDIR paging state, per directory file id.
    DirSnapshot *snapshot(uint64_t dirId);
    DirSnapshot &storeSnapshot(uint64_t dirId, DirSnapshot snapshot);
    void invalidateSnapshot(uint64_t dirId) { snapshots_.remove(dirId); }
    uint64_t nextVerifier() { return ++verifierCounter_; }

private:
    NfsExportConfig config_;
    FsCapabilities caps_;
    NodeTable nodes_;
    FileHandleCodec codec_;
    nfs3::writeverf3 writeVerifier_;
    uint64_t fsid_ = 0;
    std::shared_ptr<ThreadMailbox> mailbox_;
    QHash<uint64_t, DirSnapshot> snapshots_;
    uint64_t verifierCounter_ = 0;
};

} // namespace loft
