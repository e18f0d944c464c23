// Shared by the XDR fuzz targets: decode a type from fuzzer bytes and check that what
// decodes survives the round trip decode -> encode -> decode unchanged.
#pragma once

#include "Xdr.h"

#include <concepts>
#include <cstdio>
#include <cstdlib>

namespace loft::fuzz {

[[noreturn]] inline void propertyFailed(const char *what, const char *type)
{
    std::fprintf(stderr, "fuzz property failed: %s (%s)\n", what, type);
    std::abort(); // libFuzzer reports the input as a crash and saves it
}

// Decodes a T from the bytes; when they decode, re-encodes and checks that
//  - the encoding is exactly as long as what the decoder consumed (nothing skipped or
//    invented; only the values of pad bytes may differ from the input),
//  - decoding the encoding gives the same value and consumes all of it,
//  - encoding that value again gives the same bytes.
// Returns whether the bytes decoded (as the server's decodeArgs would see them: no
// stray bytes after the value).
template <class T>
bool checkRoundTrip(const uint8_t *data, size_t size, const char *type)
{
    T value;
    XdrReader reader(reinterpret_cast<const char *>(data), qsizetype(size));
    reader(value);
    if (!reader.ok())
        return false;
    const qsizetype consumed = qsizetype(size) - reader.remaining();
    const QByteArray encoded = xdrEncode(value);
    if (encoded.size() != consumed)
        propertyFailed("encoded size differs from the decoded size", type);
    T again;
    if (!xdrDecode(encoded, again))
        propertyFailed("the encoding does not decode", type);
    if constexpr (std::equality_comparable<T>) {
        if (!(again == value))
            propertyFailed("decode(encode(v)) != v", type);
    }
    if (xdrEncode(again) != encoded)
        propertyFailed("encode(decode(encode(v))) != encode(v)", type);
    return reader.remaining() == 0;
}

} // namespace loft::fuzz
