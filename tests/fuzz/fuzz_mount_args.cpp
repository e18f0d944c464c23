// libFuzzer target: the MOUNT v3 decoders. The first byte picks the type, the rest is
// its XDR encoding: dirpath (the argument of MNT and UMNT; the other procedures take
// none) and the results the XDR visitor builds (mountres3, mountlist, exports), which
// reach the bounded lists and the status-switched union. Every value that decodes must
// round-trip (FuzzXdr.h).
#include "FuzzXdr.h"
#include "mount/MountTypes.h"

using namespace loft;
using namespace loft::mount3;

namespace {
using Check = bool (*)(const uint8_t *, size_t, const char *);
struct Target {
    Check check;
    const char *name;
};
// Index = the selector byte (modulo the count); make_fuzz_seeds uses the same order.
constexpr Target kTypes[] = {
    {&fuzz::checkRoundTrip<dirpath>, "dirpath"},
    {&fuzz::checkRoundTrip<mountres3>, "mountres3"},
    {&fuzz::checkRoundTrip<mountlist>, "mountlist"},
    {&fuzz::checkRoundTrip<exports>, "exports"},
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const Target &t = kTypes[data[0] % std::size(kTypes)];
    t.check(data + 1, size - 1, t.name);
    return 0;
}
