// libFuzzer target: the portmapper v2 decoders. The first byte picks the type, the rest
// is its XDR encoding: the arguments of SET/UNSET/GETPORT (mapping) and CALLIT
// (call_args), and the lists the XDR visitor builds for DUMP (pmaplist) and CALLIT's
// result. Every value that decodes must round-trip (FuzzXdr.h).
#include "FuzzXdr.h"
#include "portmap/PortmapTypes.h"

using namespace loft;
using namespace loft::portmap;

namespace {
using Check = bool (*)(const uint8_t *, size_t, const char *);
struct Target {
    Check check;
    const char *name;
};
// Index = the selector byte (modulo the count); make_fuzz_seeds uses the same order.
constexpr Target kTypes[] = {
    {&fuzz::checkRoundTrip<mapping>, "mapping"},
    {&fuzz::checkRoundTrip<call_args>, "call_args"},
    {&fuzz::checkRoundTrip<pmaplist>, "pmaplist"},
    {&fuzz::checkRoundTrip<call_result>, "call_result"},
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
