#include "nfs/NfsHandlers.h"

namespace loft::nfs3 {

void nfsNull(NfsRequest, NULL3args, NfsReply<NULL3res> reply)
{
    reply(NULL3res{});
}

} // namespace loft::nfs3
