#include "Crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define LOFT_CRC32C_SSE42 1
#endif

namespace loft::cache {

namespace {

constexpr uint32_t kPolynomial = 0x82f63b78u; // reflected Castagnoli

using Tables = std::array<std::array<uint32_t, 256>, 8>;

Tables makeTables()
{
    Tables t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
        t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
        for (int s = 1; s < 8; ++s)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    return t;
}

const Tables &tables()
{
    static const Tables t = makeTables();
    return t;
}

uint32_t crcTable(const unsigned char *p, size_t n, uint32_t crc)
{
    const Tables &t = tables();
    while (n >= 8) {
        uint32_t lo;
        uint32_t hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        lo = __builtin_bswap32(lo);
        hi = __builtin_bswap32(hi);
#endif
        lo ^= crc;
        crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24]
            ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return crc;
}

#ifdef LOFT_CRC32C_SSE42
__attribute__((target("sse4.2"))) uint32_t crcSse42(const unsigned char *p, size_t n,
                                                      uint32_t crc)
{
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = uint32_t(c);
    while (n--)
        c32 = _mm_crc32_u8(c32, *p++);
    return c32;
}

// The crc32 instruction takes 3 cycles but can start one per cycle: three independent
// streams over neighbouring stretches run about three times as fast as one (cached
// blocks are checksummed on every store and every read). The streams' CRCs are joined
// by "shifting" a CRC over kStretch zero bytes, a linear map done with four tables.
constexpr size_t kStretch = 4096;

struct ShiftTables {
    std::array<std::array<uint32_t, 256>, 4> t{};
};

__attribute__((target("sse4.2"))) ShiftTables makeShiftTables()
{
    // The map of each of the 32 state bits, then every byte value by linearity.
    std::array<uint32_t, 32> bit{};
    for (int b = 0; b < 32; ++b) {
        uint64_t c = uint32_t(1) << b;
        for (size_t i = 0; i < kStretch / 8; ++i)
            c = _mm_crc32_u64(c, 0);
        bit[b] = uint32_t(c);
    }
    ShiftTables s;
    for (int k = 0; k < 4; ++k)
        for (uint32_t v = 0; v < 256; ++v) {
            uint32_t r = 0;
            for (int i = 0; i < 8; ++i)
                if (v & (1u << i))
                    r ^= bit[8 * k + i];
            s.t[k][v] = r;
        }
    return s;
}

uint32_t shiftOverStretch(uint32_t crc)
{
    static const ShiftTables s = makeShiftTables();
    return s.t[0][crc & 0xff] ^ s.t[1][(crc >> 8) & 0xff] ^ s.t[2][(crc >> 16) & 0xff]
        ^ s.t[3][crc >> 24];
}

__attribute__((target("sse4.2"))) uint32_t crcSse42ThreeWay(const unsigned char *p, size_t n,
                                                              uint32_t crc)
{
    while (n >= 3 * kStretch) {
        uint64_t a = crc;
        uint64_t b = 0;
        uint64_t c = 0;
        for (size_t i = 0; i < kStretch; i += 8) {
            uint64_t va;
            uint64_t vb;
            uint64_t vc;
            std::memcpy(&va, p + i, 8);
            std::memcpy(&vb, p + kStretch + i, 8);
            std::memcpy(&vc, p + 2 * kStretch + i, 8);
            a = _mm_crc32_u64(a, va);
            b = _mm_crc32_u64(b, vb);
            c = _mm_crc32_u64(c, vc);
        }
        crc = shiftOverStretch(shiftOverStretch(uint32_t(a)) ^ uint32_t(b)) ^ uint32_t(c);
        p += 3 * kStretch;
        n -= 3 * kStretch;
    }
    return crcSse42(p, n, crc);
}

bool hasSse42()
{
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
}
#endif

} // namespace

uint32_t crc32c(const void *data, size_t length, uint32_t crc)
{
    const auto *p = static_cast<const unsigned char *>(data);
    crc = ~crc;
#ifdef LOFT_CRC32C_SSE42
    if (hasSse42())
        return ~crcSse42ThreeWay(p, length, crc);
#endif
    return ~crcTable(p, length, crc);
}

} // namespace loft::cache
