// NFS file handles: an opaque, unforgeable token for a file id within one export.
//
// Layout (25 bytes): version (1) | file id (8, big-endian) | MAC (16).
// The MAC is HMAC-SHA256 over (export id | version | file id) with a key kept per
// installation, truncated to 128 bits, so a local process that never mounted the
// export cannot make up a handle, and a handle of one export is not valid in another.
#pragma once

#include <QByteArray>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>

namespace loft {

class FileHandleCodec {
public:
    static constexpr int kSize = 25;
    static constexpr uint8_t kVersion = 1;

    // `key`: the installation's secret (>= 32 bytes). `exportId`: distinguishes exports.
    FileHandleCodec(QByteArray key, QByteArray exportId);

    QByteArray encode(uint64_t fileId) const;
    // The file id, or nothing when the handle is malformed or its MAC does not verify.
    std::optional<uint64_t> decode(const QByteArray &handle) const;

private:
    QByteArray mac(uint64_t fileId) const;

    // Recently made or verified handles, so the MAC is computed once per file id rather
    // than once per call. Only handles that verified (or that we made) are kept, so a
    // forged handle can only hit an entry by being byte-identical to a genuine one.
    // Direct-mapped by file id; not thread-safe (the codec lives on the server thread).
    // File ids are handed out consecutively, so 64Ki slots hold every handle of a
    // directory of up to 64Ki entries at once (READDIRPLUS makes one per entry): 2.6 MB.
    struct CacheEntry {
        uint64_t fileId = 0;
        bool valid = false;
        std::array<char, kSize> bytes{};
    };
    static constexpr size_t kCacheSlots = 65536;
    CacheEntry *slot(uint64_t fileId) const { return &(*cache_)[fileId % kCacheSlots]; }

    QByteArray key_;
    QByteArray exportId_;
    std::unique_ptr<std::array<CacheEntry, kCacheSlots>> cache_;
};

} // namespace loft
