// Directory listings for READDIR and READDIRPLUS.
//
// Entries are ordered by file id and each entry's cookie is derived from its file id,
// so paging resumes after "the entry with this id" rather than "the n-th entry": an
// entry added during a listing gets a larger id and shows up at the end, and no entry
// is lost or repeated however the directory changes between pages. A listing is kept
// (DirSnapshots) so later pages, and new listings of an unchanged folder, do not re-read
// the directory.
#pragma once

#include "nfs/NfsCall.h"

#include <functional>

namespace loft::nfs3 {

// Cookies 1 and 2 are "." and ".."; an entry's cookie is its file id + 2.
constexpr cookie3 kDotCookie = 1;
constexpr cookie3 kDotDotCookie = 2;
inline cookie3 cookieFor(uint64_t fileId) { return fileId + 2; }

struct DirListing {
    DirSnapshots::Listing *snapshot = nullptr;
    FsAttr dirAttr;
    qsizetype firstIndex = 0; // first entry after the cookie
    bool withDots = false;    // cookie 0: "." and ".." come first
    bool withDotDot = false;  // cookie 1: ".." comes first
};

// Finds the listing for a page starting after `cookie` and calls `done` on the server
// thread (immediately when a cached listing fits).
void listDirectory(NfsExport *ex, const Node &dir, cookie3 cookie, const cookieverf3 &verf,
                   std::function<void(FsResult<DirListing>)> done);

cookieverf3 toCookieVerf(uint64_t verifier);

// Bytes an XDR string of `n` bytes takes.
constexpr uint32_t xdrStringSize(qsizetype n) { return 4 + ((uint32_t(n) + 3) & ~3u); }

} // namespace loft::nfs3
