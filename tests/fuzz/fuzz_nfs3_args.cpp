// libFuzzer target: the argument decoders of all 22 NFSv3 procedures (RFC 1813), as
// NfsProgram's table decodes them. The first byte is the procedure number (modulo 22),
// the rest the arguments' XDR encoding. Every value that decodes must round-trip
// (FuzzXdr.h).
#include "FuzzXdr.h"
#include "nfs/NfsTypes.h"

using namespace loft;
using namespace loft::nfs3;

namespace {
using Check = bool (*)(const uint8_t *, size_t, const char *);
struct Target {
    Check check;
    const char *name;
};
// Indexed by procedure number, like NfsProgram's kProcedures.
constexpr Target kProcedures[] = {
    {&fuzz::checkRoundTrip<NULL3args>, "NULL3args"},
    {&fuzz::checkRoundTrip<GETATTR3args>, "GETATTR3args"},
    {&fuzz::checkRoundTrip<SETATTR3args>, "SETATTR3args"},
    {&fuzz::checkRoundTrip<LOOKUP3args>, "LOOKUP3args"},
    {&fuzz::checkRoundTrip<ACCESS3args>, "ACCESS3args"},
    {&fuzz::checkRoundTrip<READLINK3args>, "READLINK3args"},
    {&fuzz::checkRoundTrip<READ3args>, "READ3args"},
    {&fuzz::checkRoundTrip<WRITE3args>, "WRITE3args"},
    {&fuzz::checkRoundTrip<CREATE3args>, "CREATE3args"},
    {&fuzz::checkRoundTrip<MKDIR3args>, "MKDIR3args"},
    {&fuzz::checkRoundTrip<SYMLINK3args>, "SYMLINK3args"},
    {&fuzz::checkRoundTrip<MKNOD3args>, "MKNOD3args"},
    {&fuzz::checkRoundTrip<REMOVE3args>, "REMOVE3args"},
    {&fuzz::checkRoundTrip<RMDIR3args>, "RMDIR3args"},
    {&fuzz::checkRoundTrip<RENAME3args>, "RENAME3args"},
    {&fuzz::checkRoundTrip<LINK3args>, "LINK3args"},
    {&fuzz::checkRoundTrip<READDIR3args>, "READDIR3args"},
    {&fuzz::checkRoundTrip<READDIRPLUS3args>, "READDIRPLUS3args"},
    {&fuzz::checkRoundTrip<FSSTAT3args>, "FSSTAT3args"},
    {&fuzz::checkRoundTrip<FSINFO3args>, "FSINFO3args"},
    {&fuzz::checkRoundTrip<PATHCONF3args>, "PATHCONF3args"},
    {&fuzz::checkRoundTrip<COMMIT3args>, "COMMIT3args"},
};
static_assert(std::size(kProcedures) == 22, "one entry per NFSv3 procedure");
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const Target &t = kProcedures[data[0] % std::size(kProcedures)];
    t.check(data + 1, size - 1, t.name);
    return 0;
}
