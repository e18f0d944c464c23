// Settings of the cache layer (CachingFileSystem), with the defaults `loft serve` uses.
#pragma once

#include <QString>
#include <chrono>
#include <cstdint>
#include <optional>

namespace loft {

struct CacheConfig {
    // The folder of this source's cache: blocks, the index, staged files, the upload queue.
    // One CachingFileSystem per folder at a time (a lock file enforces it).
    QString directory;
    // Cached blocks plus staged files stay at or under this; staged (not yet uploaded)
    // files are never evicted, so only they can push the total above it.
    uint64_t maxBytes = uint64_t(10) << 30;
    // Attributes and listings are trusted this long, unless our own change invalidates them.
    std::chrono::milliseconds metadataTtl{5000};
    // A staged file is uploaded once it has not changed for this long.
    std::chrono::milliseconds uploadDelay{5000};
    // Retry of a failed upload: the first wait, doubled per failure up to the maximum.
    std::chrono::milliseconds retryMin{1000};
    std::chrono::milliseconds retryMax{60000};
    // Sequential readers get up to this many blocks fetched ahead, in parallel, in runs
    // of up to 4 blocks per remote read (BlockFetcher::prefetchAhead).
    int readAheadBlocks = 16;
    // Remote reads in flight for read-ahead (demand reads are never held back).
    int maxPrefetches = 8;
    int maxParallelUploads = 2;
    int diskThreads = 4;
    // Only honoured when the inner provider has randomWrites (SFTP): a store that can only
    // replace whole files (WebDAV) always gets both. Write-back over a random-write store
    // is opt-in: its uploads go through upload() or, lacking it, WRITEs + truncate + COMMIT.
    bool dataCache = true;
    bool writeBack = false;
};

// "10G", "500M", "64k", "1048576", "1.5G" (binary units) -> bytes; nullopt when malformed.
std::optional<uint64_t> parseByteSize(const QString &text);
// The default base folder of caches: the user's cache directory + "/loft".
QString defaultCacheBaseDir();
// The cache folder of one source under `baseDir`: a subfolder named from a hash of the
// source's canonical identity, so that sources never share blocks.
QString cacheDirForSource(const QString &baseDir, const QString &canonicalSource);

} // namespace loft
