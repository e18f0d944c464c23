/* nfsmount SOURCE TARGET [OPTIONS]
 *
 * Guest-side helper for the Linux-kernel-client end-to-end suite: a bare mount(2) of an
 * NFS export with the kernel's own text options, so no nfs-utils (mount.nfs) is needed in
 * the initramfs. Example:
 *   nfsmount 10.0.2.2:/export /mnt/loft vers=3,proto=tcp,port=2049,mountport=2049,...,addr=10.0.2.2
 * Built with `gcc -static` by prepare-guest.sh. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s SOURCE TARGET [OPTIONS]\n", argv[0]);
        return 2;
    }
    const char *options = argc == 4 ? argv[3] : "";
    if (mount(argv[1], argv[2], "nfs", 0, options) != 0) {
        int err = errno;
        fprintf(stderr, "nfsmount: mount(%s, %s, nfs, \"%s\"): %s (errno %d)\n", argv[1], argv[2],
                options, strerror(err), err);
        return 1;
    }
    return 0;
}
