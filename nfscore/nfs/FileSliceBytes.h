// A READ reply's data left in the file it came from (FsFileSlice) and sent with
// sendfile(2): the bytes go from the page cache to the socket without being copied
// through user space (the server's whole share of the work per byte of a READ).
#pragma once

#include "FileSystem.h"
#include "Xdr.h"

namespace loft::nfs3 {

class FileSliceBytes final : public XdrExternalBytes {
public:
    explicit FileSliceBytes(FsFileSlice slice) : slice_(std::move(slice)) {}
    uint32_t size() const override { return slice_.length; }
    ssize_t sendTo(int fd, uint32_t from) const override;

private:
    FsFileSlice slice_;
};

} // namespace loft::nfs3
