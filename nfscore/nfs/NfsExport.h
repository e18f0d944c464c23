// One exported source as the NFS procedures see it: the provider, the secret export
// path, the persistent file-id table and handle codec, the write verifier, and the way
// back to the server thread for provider completions. Used on the server thread only.
#pragma once

#include "FileSystem.h"
#include "handles/FileHandleCodec.h"
#include "handles/NodeTable.h"
#include "nfs/DirSnapshots.h"
#include "nfs/NfsTypes.h"
#include "server/ThreadMailbox.h"

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

    // Directory listings kept for READDIR / READDIRPLUS (and patched by our own changes).
    DirSnapshots &listings() { return listings_; }

private:
    NfsExportConfig config_;
    FsCapabilities caps_;
    NodeTable nodes_;
    FileHandleCodec codec_;
    nfs3::writeverf3 writeVerifier_;
    uint64_t fsid_ = 0;
    std::shared_ptr<ThreadMailbox> mailbox_;
    DirSnapshots listings_;
};

} // namespace loft
