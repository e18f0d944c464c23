// Directory listings held between READDIR / READDIRPLUS calls, per directory file id.
//
// A listing (names, file ids, attributes) is read from the provider once and then kept:
// - later pages of it are answered from it (cookies are file ids, see NfsDirListing);
// - a new listing of the same folder (cookie 0) reuses it while the folder's own
//   attributes show no change and it is younger than kReuseMs, so a client listing a big
//   folder again and again does not make Loft re-read and re-stat every entry each time;
// - Loft's own changes are applied to it as they happen (an entry created or removed,
//   the attributes handed out for an object). Each applied change must start from the
//   folder attributes the listing holds (the change's "before"), else someone else changed
//   the folder in between and the listing is dropped.
// What other processes change in an entry (not in the folder) shows up when the listing
// is read again, within kReuseMs: less than the NFS client's own attribute cache time.
// Used on the server thread only.
#pragma once

#include "FileSystem.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>

namespace loft {

class DirSnapshots {
public:
    static constexpr int kReuseMs = 1'000;     // a cookie-0 listing may reuse one this young
    static constexpr int kLifetimeMs = 30'000; // later pages are served from it this long
    static constexpr int kMaxListings = 64;

    struct Entry {
        uint64_t fileId;
        FsDirEntry entry;
    };
    struct Listing {
        QList<Entry> entries; // ascending fileId
        uint64_t verifier = 0;
        FsAttr dirAttr;       // the folder's attributes as of the entries
        QElapsedTimer age;    // since the folder was read
    };

    // The listing to continue paging from, or nullptr when there is none (or too old).
    Listing *find(uint64_t dirId);
    // The listing a new listing may reuse, given the folder's attributes now.
    Listing *findReusable(uint64_t dirId, const FsAttr &dirNow);
    Listing &store(uint64_t dirId, QList<Entry> entries, const FsAttr &dirAttr);
    void invalidate(uint64_t dirId) { listings_.remove(dirId); }

    // Loft's own changes. `dir` is the folder's before/after from the provider.
    void added(uint64_t dirId, uint64_t fileId, uint64_t replacedId, const QByteArray &name,
               const FsAttr &attr, const FsDirChange &dir);
    void removed(uint64_t dirId, uint64_t fileId, const FsDirChange &dir);
    // No listing kept: nothing to patch (lets READ/WRITE replies skip the node lookup).
    bool empty() const { return listings_.isEmpty(); }
    // Attributes of `fileId` (a child of `dirId`) that a call just handed out.
    void attributesSeen(uint64_t dirId, uint64_t fileId, const FsAttr &attr);

private:
    // Moves the listing's folder attributes on by `change`; false when the change did not
    // start from them (the caller drops the listing).
    static bool advance(Listing &l, const FsDirChange &change);
    static qsizetype indexOf(const Listing &l, uint64_t fileId);

    QHash<uint64_t, Listing> listings_;
    uint64_t verifierCounter_ = 0;
};

} // namespace loft
