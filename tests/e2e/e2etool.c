/* e2etool OP ARG...
 *
 * Guest-side helper for the Linux-kernel-client end-to-end suite: one system call, with its
 * outcome printed as one word on stdout -- "OK" or the errno's symbolic name (EEXIST,
 * ENOTEMPTY, ENAMETOOLONG, ...) -- so a battery can assert the exact error, which busybox's
 * applets either hide or cannot produce (busybox has nothing that opens with O_EXCL).
 * Exit status: 0 when the call succeeded, 1 when it failed, 2 on bad usage.
 *
 *   e2etool excl PATH [MODE]     open(PATH, O_WRONLY|O_CREAT|O_EXCL, MODE (octal, 0644))
 *   e2etool creat PATH [MODE]    open(PATH, O_WRONLY|O_CREAT|O_TRUNC, MODE)
 *   e2etool open PATH            open(PATH, O_RDONLY)
 *   e2etool mkdir PATH [MODE]    mkdir(PATH, MODE (0755))
 *   e2etool rmdir PATH           rmdir(PATH)
 *   e2etool unlink PATH          unlink(PATH)
 *   e2etool rename OLD NEW       rename(OLD, NEW)
 *   e2etool link OLD NEW         link(OLD, NEW)
 *   e2etool symlink TARGET PATH  symlink(TARGET, PATH)
 *   e2etool fsync PATH           open(PATH, O_RDWR) + fsync
 *
 * Built with `gcc -static` by prepare-guest.sh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *errno_name(int e)
{
    switch (e) {
#define E(x) case x: return #x;
        E(EPERM) E(ENOENT) E(EIO) E(ENXIO) E(EBADF) E(EAGAIN) E(ENOMEM) E(EACCES) E(EBUSY)
        E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL) E(EFBIG) E(ENOSPC)
        E(ESPIPE) E(EROFS) E(EMLINK) E(ENAMETOOLONG) E(ENOTEMPTY) E(ELOOP) E(ESTALE)
        E(EREMOTEIO) E(EDQUOT) E(ETIMEDOUT) E(ENOTSUP) E(EOVERFLOW) E(ETXTBSY) E(EINTR)
        E(ENOSYS) E(ESRCH)
#undef E
    }
    static char buf[32];
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

static int done(int rc, const char *what, const char *path)
{
    if (rc == 0) {
        puts("OK");
        return 0;
    }
    int e = errno;
    puts(errno_name(e));
    fprintf(stderr, "e2etool: %s %s: %s\n", what, path, strerror(e));
    return 1;
}

static mode_t mode_arg(int argc, char **argv, int i, mode_t fallback)
{
    return argc > i ? (mode_t)strtoul(argv[i], NULL, 8) : fallback;
}

static int open_and_close(const char *path, int flags, mode_t mode, int do_fsync)
{
    int fd = open(path, flags, mode);
    if (fd < 0)
        return -1;
    int rc = do_fsync ? fsync(fd) : 0;
    int saved = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: e2etool OP ARG... (see the source)\n");
        return 2;
    }
    const char *op = argv[1], *a = argv[2], *b = argc > 3 ? argv[3] : NULL;
    if (!strcmp(op, "excl"))
        return done(open_and_close(a, O_WRONLY | O_CREAT | O_EXCL, mode_arg(argc, argv, 3, 0644), 0), op, a);
    if (!strcmp(op, "creat"))
        return done(open_and_close(a, O_WRONLY | O_CREAT | O_TRUNC, mode_arg(argc, argv, 3, 0644), 0), op, a);
    if (!strcmp(op, "open"))
        return done(open_and_close(a, O_RDONLY, 0, 0), op, a);
    if (!strcmp(op, "fsync"))
        return done(open_and_close(a, O_RDWR, 0, 1), op, a);
    if (!strcmp(op, "mkdir"))
        return done(mkdir(a, mode_arg(argc, argv, 3, 0755)), op, a);
    if (!strcmp(op, "rmdir"))
        return done(rmdir(a), op, a);
    if (!strcmp(op, "unlink"))
        return done(unlink(a), op, a);
    if (b && !strcmp(op, "rename"))
        return done(rename(a, b), op, a);
    if (b && !strcmp(op, "link"))
        return done(link(a, b), op, a);
    if (b && !strcmp(op, "symlink"))
        return done(symlink(a, b), op, b);
    fprintf(stderr, "e2etool: unknown operation or missing argument: %s\n", op);
    return 2;
}
