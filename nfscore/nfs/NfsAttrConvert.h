// Conversions between the provider's attributes and NFSv3's wire attributes.
#pragma once

#include "FileSystem.h"
#include "nfs/NfsTypes.h"

namespace loft::nfs3 {

fattr3 toFattr3(const FsAttr &a, uint64_t fileId, uint64_t fsid);
wcc_attr toWccAttr(const FsAttr &a);
FsSetAttr fromSattr3(const sattr3 &s);
nfstime3 toNfsTime(const FsTime &t);

} // namespace loft::nfs3
