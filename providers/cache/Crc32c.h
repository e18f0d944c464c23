// CRC-32C (Castagnoli), used to check journal records and cached blocks. Uses the SSE4.2
// instruction where the CPU has it, else a slicing-by-8 table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loft::cache {

uint32_t crc32c(const void *data, size_t length, uint32_t crc = 0);

} // namespace loft::cache
