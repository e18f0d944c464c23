#include "nfs/NfsCall.h"

namespace loft::nfs3 {

std::variant<Node, nfsstat3> resolve(NfsExport &ex, const nfs_fh3 &fh)
{
    const auto id = ex.codec().decode(fh.data.bytes);
    if (!id)
        return nfsstat3::NFS3ERR_BADHANDLE;
    auto path = ex.nodes().path(*id);
    if (!path)
        return nfsstat3::NFS3ERR_STALE;
    return Node{*id, std::move(*path)};
}

nfs_fh3 handleFor(const NfsExport &ex, uint64_t id)
{
    nfs_fh3 fh;
    fh.data.bytes = ex.codec().encode(id);
    return fh;
}

nfsstat3 checkNewName(const NfsExport &ex, const QByteArray &name)
{
    if (name == "." || name == "..")
        return nfsstat3::NFS3ERR_EXIST;
    if (name.isEmpty() || name.contains('/') || name.contains('\0'))
        return nfsstat3::NFS3ERR_INVAL;
    if (uint32_t(name.size()) > ex.capabilities().maxNameBytes)
        return nfsstat3::NFS3ERR_NAMETOOLONG;
    return nfsstat3::NFS3_OK;
}

nfsstat3 checkExistingName(const NfsExport &ex, const QByteArray &name)
{
    if (name.isEmpty() || name == "." || name == ".." || name.contains('/')
        || name.contains('\0'))
        return nfsstat3::NFS3ERR_INVAL;
    if (uint32_t(name.size()) > ex.capabilities().maxNameBytes)
        return nfsstat3::NFS3ERR_NAMETOOLONG;
    return nfsstat3::NFS3_OK;
}

nfsstat3 checkIdentity(NfsExport &ex, const Node &node, const FsAttr &attr)
{
    const NodeTable::Node *n = ex.nodes().node(node.id);
    if (!n)
        return nfsstat3::NFS3ERR_STALE;
    if (n->identity == 0 || attr.identity == 0 || n->identity == attr.identity)
        return nfsstat3::NFS3_OK;
    if (movedMeanwhile(ex, node))
        return nfsstat3::NFS3ERR_JUKEBOX;
    ex.nodes().retire(node.id);
    return nfsstat3::NFS3ERR_STALE;
}

fattr3 attributesFor(NfsExport &ex, uint64_t id, const FsAttr &attr)
{
    if (ex.listings().empty())
        return toFattr3(attr, id, ex.fsid());
    if (const NodeTable::Node *n = ex.nodes().node(id); n && id != NodeTable::kRootId)
        ex.listings().attributesSeen(n->parent, id, attr);
    return toFattr3(attr, id, ex.fsid());
}

post_op_attr postOpAttr(NfsExport &ex, uint64_t id, const FsAttr &attr)
{
    return attributesFor(ex, id, attr);
}

wcc_data objectWcc(NfsExport &ex, uint64_t id, const FsAttr &before, const FsAttr &after)
{
    wcc_data w;
    w.before = toWccAttr(before);
    w.after = attributesFor(ex, id, after);
    return w;
}

wcc_data folderWcc(NfsExport &ex, uint64_t dirId, const FsDirChange &change)
{
    wcc_data w;
    if (change.before)
        w.before = toWccAttr(*change.before);
    if (change.after)
        w.after = attributesFor(ex, dirId, *change.after);
    return w;
}

} // namespace loft::nfs3
