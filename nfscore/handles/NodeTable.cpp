#include "handles/NodeTable.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace loft {

namespace {
// Journal records: a tag byte, then big-endian fields.
//   'N' next id u64                      (first record after compaction)
//   'B' id u64, parent u64, identity u64, name length u16, name
//   'M' id u64, parent u64, name length u16, name
//   'R' id u64
void putU64(QByteArray &out, uint64_t v)
{
    for (int shift = 56; shift >= 0; shift -= 8)
        out.append(char(v >> shift));
}
void putU16(QByteArray &out, uint16_t v)
{
    out.append(char(v >> 8));
    out.append(char(v));
}

struct Cursor {
    const QByteArray &data;
    qsizetype pos = 0;
    bool ok = true;
    bool need(qsizetype n)
    {
        ok = ok && pos + n <= data.size();
        return ok;
    }
    uint64_t u64()
    {
        if (!need(8))
            return 0;
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | uint8_t(data[pos + i]);
        pos += 8;
        return v;
    }
    uint16_t u16()
    {
        if (!need(2))
            return 0;
        const uint16_t v = uint16_t((uint8_t(data[pos]) << 8) | uint8_t(data[pos + 1]));
        pos += 2;
        return v;
    }
    QByteArray bytes(qsizetype n)
    {
        if (!need(n))
            return {};
        QByteArray v = data.mid(pos, n);
        pos += n;
        return v;
    }
};

QByteArray bindRecord(uint64_t id, const NodeTable::Node &n)
{
    QByteArray r;
    r.append('B');
    putU64(r, id);
    putU64(r, n.parent);
    putU64(r, n.identity);
    putU16(r, uint16_t(n.name.size()));
    r.append(n.name);
    return r;
}
} // namespace

NodeTable::NodeTable()
{
    nodes_.insert(kRootId, Node{});
}

NodeTable::~NodeTable() = default;

QByteArray NodeTable::key(uint64_t parent, const QByteArray &name)
{
    QByteArray k;
    k.reserve(8 + name.size());
    putU64(k, parent);
    k.append(name);
    return k;
}

bool NodeTable::open(const QString &path, QString *error)
{
    path_ = path;
    if (path.isEmpty())
        return true;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile in(path);
    if (in.exists()) {
        if (!in.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1: %2").arg(path, in.errorString());
            return false;
        }
        replay(in.readAll()); // a torn last record (crash mid-append) is ignored
    }
    return compact(error);
}

bool NodeTable::replay(const QByteArray &journal)
{
    Cursor c{journal};
    while (c.ok && c.pos < journal.size()) {
        const char tag = journal[c.pos++];
        if (tag == 'N') {
            const uint64_t next = c.u64();
            if (c.ok)
                nextId_ = std::max(nextId_, next);
        } else if (tag == 'B') {
            const uint64_t id = c.u64();
            Node n;
            n.parent = c.u64();
            n.identity = c.u64();
            n.name = c.bytes(c.u16());
            if (!c.ok || id == kRootId)
                break;
            byName_.insert(key(n.parent, n.name), id);
            nodes_.insert(id, std::move(n));
            nextId_ = std::max(nextId_, id + 1);
        } else if (tag == 'M') {
            const uint64_t id = c.u64();
            const uint64_t parent = c.u64();
            const QByteArray name = c.bytes(c.u16());
            if (!c.ok)
                break;
            auto it = nodes_.find(id);
            if (it == nodes_.end())
                continue;
            byName_.remove(key(it->parent, it->name));
            it->parent = parent;
            it->name = name;
            byName_.insert(key(parent, name), id);
        } else if (tag == 'R') {
            const uint64_t id = c.u64();
            if (!c.ok)
                break;
            auto it = nodes_.find(id);
            if (it != nodes_.end() && id != kRootId) {
                const QByteArray k = key(it->parent, it->name);
                if (byName_.value(k) == id)
                    byName_.remove(k);
                nodes_.erase(it);
            }
        } else {
            return false; // unknown tag: stop at the damage
        }
    }
    return c.ok;
}

bool NodeTable::compact(QString *error)
{
    // Rewrite only live nodes; drop ids whose name now belongs to another id.
    QByteArray out;
    out.append('N');
    putU64(out, nextId_);
    for (auto it = nodes_.cbegin(); it != nodes_.cend(); ++it) {
        if (it.key() == kRootId)
            continue;
        out.append(bindRecord(it.key(), it.value()));
    }
    QSaveFile save(path_);
    if (!save.open(QIODevice::WriteOnly) || save.write(out) != out.size() || !save.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path_, save.errorString());
        return false;
    }
    journal_.setFileName(path_);
    if (!journal_.open(QIODevice::Append | QIODevice::Unbuffered)) {
        *error = QStringLiteral("cannot append to %1: %2").arg(path_, journal_.errorString());
        return false;
    }
    return true;
}

void NodeTable::append(const QByteArray &record)
{
    // One write(2) per record: the kernel keeps it across a crash of Loft.
    if (journal_.isOpen())
        journal_.write(record);
}

const NodeTable::Node *NodeTable::node(uint64_t id) const
{
    auto it = nodes_.constFind(id);
    return it == nodes_.cend() ? nullptr : &it.value();
}

std::optional<uint64_t> NodeTable::child(uint64_t parent, const QByteArray &name) const
{
    auto it = byName_.constFind(key(parent, name));
    if (it == byName_.cend())
        return std::nullopt;
    return it.value();
}

std::optional<QByteArray> NodeTable::path(uint64_t id) const
{
    if (id == kRootId)
        return QByteArray();
    uint64_t cur = id;
    qsizetype total = 0;
    QList<const QByteArray *> chain;
    while (cur != kRootId) {
        const Node *n = node(cur);
        if (!n)
            return std::nullopt;
        chain.append(&n->name);
        total += n->name.size() + 1;
        cur = n->parent;
        if (chain.size() > 4096)
            return std::nullopt; // a cycle would be a bug; refuse rather than spin
    }
    QByteArray out;
    out.reserve(total);
    for (qsizetype i = chain.size() - 1; i >= 0; --i) {
        if (!out.isEmpty())
            out.append('/');
        out.append(*chain[i]);
    }
    return out;
}

uint64_t NodeTable::bind(uint64_t parent, const QByteArray &name, uint64_t identity,
                         uint64_t observedAt)
{
    const QByteArray k = key(parent, name);
    auto it = byName_.constFind(k);
    if (it != byName_.cend()) {
        const uint64_t id = it.value();
        Node &n = nodes_[id];
        if (identity == 0 || n.identity == identity)
            return id;
        if (observedAt < n.boundAt)
            return 0; // seen before the name was given to this id: out of date
        if (n.identity == 0) { // learned the identity now
            n.identity = identity;
            append(bindRecord(id, n));
            return id;
        }
        retire(id); // the name now names another object
    } else if (auto d = departed_.constFind(k); d != departed_.cend() && observedAt < d.value()) {
        return 0; // seen before the name was removed or renamed away: out of date
    }
    const uint64_t id = nextId_++;
    Node n{parent, name, identity, ++changes_};
    append(bindRecord(id, n));
    byName_.insert(k, id);
    nodes_.insert(id, std::move(n));
    return id;
}

void NodeTable::move(uint64_t id, uint64_t newParent, const QByteArray &newName)
{
    if (id == kRootId || !nodes_.contains(id))
        return;
    // Retire whatever had the destination name first: erasing from a QHash may move its
    // other entries, so an iterator into nodes_ is only taken after that.
    if (auto other = child(newParent, newName); other && *other != id)
        retire(*other);
    auto it = nodes_.find(id);
    const QByteArray oldKey = key(it->parent, it->name);
    byName_.remove(oldKey);
    it->parent = newParent;
    it->name = newName;
    it->boundAt = ++changes_;
    noteDeparted(oldKey);
    byName_.insert(key(newParent, newName), id);
    QByteArray r;
    r.append('M');
    putU64(r, id);
    putU64(r, newParent);
    putU16(r, uint16_t(newName.size()));
    r.append(newName);
    append(r);
}

void NodeTable::retire(uint64_t id)
{
    auto it = nodes_.find(id);
    if (it == nodes_.end() || id == kRootId)
        return;
    const QByteArray k = key(it->parent, it->name);
    if (byName_.value(k) == id)
        byName_.remove(k);
    nodes_.erase(it);
    ++changes_;
    noteDeparted(k);
    QByteArray r;
    r.append('R');
    putU64(r, id);
    append(r);
}

void NodeTable::noteDeparted(const QByteArray &key)
{
    // Only calls in flight can carry older answers; a bounded memory of names is plenty.
    if (departed_.size() >= 65536)
        departed_.clear();
    departed_.insert(key, changes_);
}

void NodeTable::retireChild(uint64_t parent, const QByteArray &name)
{
    if (auto id = child(parent, name))
        retire(*id);
}

} // namespace loft
