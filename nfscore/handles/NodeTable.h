// The persistent map between NFS file ids and the objects of one export, each object
// named by (parent file id, name). File ids stay valid across restarts (the table is
// journaled to disk), are never reused for another object, and follow renames.
//
// Owned by the server thread; not thread-safe.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QHash>
#include <QString>
#include <cstdint>
#include <optional>

namespace loft {

class NodeTable {
public:
    static constexpr uint64_t kRootId = 1;

    struct Node {
        uint64_t parent = 0;
        QByteArray name;
        uint64_t identity = 0; // the backend's object identity (inode), 0 when unknown
        uint64_t boundAt = 0;  // changeCount() when it got this name (not journaled)
    };
    static constexpr uint64_t kNow = UINT64_MAX;

    NodeTable();
    ~NodeTable();

    // Loads and compacts the journal at `path`, creating it when missing. With an empty
    // path the table lives in memory only.
    bool open(const QString &path, QString *error);

    const Node *node(uint64_t id) const;
    std::optional<uint64_t> child(uint64_t parent, const QByteArray &name) const;
    // Path relative to the export root ("" for the root); nothing when an ancestor is gone.
    std::optional<QByteArray> path(uint64_t id) const;

    // Grows with every change: a name bound or moved, an id retired. Read it before asking
    // the backend about a name, and pass it to bind() as `observedAt`.
    uint64_t changeCount() const { return changes_; }

    // The id of parent/name, allocating one when new. When the name already has an id
    // but `identity` shows it is another object now, the old id is retired -- unless the
    // name got that id after `observedAt` (a RENAME, or a CREATE after a REMOVE, overtook
    // the backend call that saw the other object): then the answer is out of date,
    // nothing changes, and 0 is returned. Likewise for a name that was removed or renamed
    // away after `observedAt`: a listing from before must not bring it back as a new id.
    uint64_t bind(uint64_t parent, const QByteArray &name, uint64_t identity,
                  uint64_t observedAt = kNow);
    // Records that an id was renamed; whatever had the destination name is retired.
    void move(uint64_t id, uint64_t newParent, const QByteArray &newName);
    // The object is gone; its id will never be used again.
    void retire(uint64_t id);
    void retireChild(uint64_t parent, const QByteArray &name);

    qsizetype size() const { return nodes_.size(); }
    uint64_t nextId() const { return nextId_; }

private:
    static QByteArray key(uint64_t parent, const QByteArray &name);
    void append(const QByteArray &record);
    bool replay(const QByteArray &journal);
    bool compact(QString *error);

    QHash<uint64_t, Node> nodes_;
    QHash<QByteArray, uint64_t> byName_; // key(parent, name) -> id
    // key(parent, name) -> changeCount() when the name stopped naming anything (REMOVE,
    // RENAME away); recent ones only (not journaled: a restart has no calls in flight).
    QHash<QByteArray, uint64_t> departed_;
    void noteDeparted(const QByteArray &key);
    uint64_t nextId_ = kRootId + 1;
    uint64_t changes_ = 0;
    QFile journal_;
    QString path_;
};

} // namespace loft
