// Tells sequential readers from random ones, per file, and says which blocks to fetch
// ahead. The Linux client sends many READs in parallel, so they arrive slightly out of
// order: a read counts as sequential when its first block is near the furthest block read
// so far (up to 16 blocks behind it, or a window's worth ahead). After two sequential reads in a row the window
// opens at two blocks and doubles with every further sequential read up to the maximum;
// a random read closes it (random readers fetch only the blocks they touch).
// Thread-safe; remembers a bounded number of files (least recently read forgotten).
#pragma once

#include <QByteArray>
#include <QHash>
#include <cstdint>
#include <list>
#include <mutex>
#include <vector>

namespace loft::cache {

class ReadAhead {
public:
    explicit ReadAhead(int maxWindowBlocks, int maxFiles = 256);

    // A read of blocks [first, last] of `path`, of a file with `blockCount` blocks.
    // Returns the blocks to fetch ahead: the whole window each time; the caller skips the
    // blocks already cached or in flight.
    std::vector<uint32_t> onRead(const QByteArray &path, uint32_t first, uint32_t last,
                                 uint32_t blockCount);
    void forget(const QByteArray &path);

private:
    struct State {
        uint32_t furthest = 0;  // last block of the furthest read
        int streak = 0;         // sequential reads in a row
        uint32_t window = 0;    // blocks ahead currently wanted
        std::list<QByteArray>::iterator lru;
    };
    std::mutex mutex_;
    int maxWindow_;
    int maxFiles_;
    QHash<QByteArray, State> files_;
    std::list<QByteArray> lru_; // front: most recent
};

} // namespace loft::cache
