// One handler per NFSv3 procedure (nfs/procs/Nfs<Procedure>.cpp): decode is done by
// NfsProgram's table, each handler resolves handles, calls the provider and answers.
#pragma once

#include "nfs/NfsCall.h"

namespace loft::nfs3 {

void nfsNull(NfsRequest req, NULL3args args, NfsReply<NULL3res> reply);
void nfsGetattr(NfsRequest req, GETATTR3args args, NfsReply<GETATTR3res> reply);
void nfsSetattr(NfsRequest req, SETATTR3args args, NfsReply<SETATTR3res> reply);
void nfsLookup(NfsRequest req, LOOKUP3args args, NfsReply<LOOKUP3res> reply);
void nfsAccess(NfsRequest req, ACCESS3args args, NfsReply<ACCESS3res> reply);
void nfsReadlink(NfsRequest req, READLINK3args args, NfsReply<READLINK3res> reply);
void nfsRead(NfsRequest req, READ3args args, NfsReply<READ3res> reply);
void nfsWrite(NfsRequest req, WRITE3args args, NfsReply<WRITE3res> reply);
void nfsCreate(NfsRequest req, CREATE3args args, NfsReply<CREATE3res> reply);
void nfsMkdir(NfsRequest req, MKDIR3args args, NfsReply<MKDIR3res> reply);
void nfsSymlink(NfsRequest req, SYMLINK3args args, NfsReply<SYMLINK3res> reply);
void nfsMknod(NfsRequest req, MKNOD3args args, NfsReply<MKNOD3res> reply);
void nfsRemove(NfsRequest req, REMOVE3args args, NfsReply<REMOVE3res> reply);
void nfsRmdir(NfsRequest req, RMDIR3args args, NfsReply<RMDIR3res> reply);
void nfsRename(NfsRequest req, RENAME3args args, NfsReply<RENAME3res> reply);
void nfsLink(NfsRequest req, LINK3args args, NfsReply<LINK3res> reply);
void nfsReaddir(NfsRequest req, READDIR3args args, NfsReply<READDIR3res> reply);
void nfsReaddirplus(NfsRequest req, READDIRPLUS3args args, NfsReply<READDIRPLUS3res> reply);
void nfsFsstat(NfsRequest req, FSSTAT3args args, NfsReply<FSSTAT3res> reply);
void nfsFsinfo(NfsRequest req, FSINFO3args args, NfsReply<FSINFO3res> reply);
void nfsPathconf(NfsRequest req, PATHCONF3args args, NfsReply<PATHCONF3res> reply);
void nfsCommit(NfsRequest req, COMMIT3args args, NfsReply<COMMIT3res> reply);

} // namespace loft::nfs3
