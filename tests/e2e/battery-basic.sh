# battery-basic.sh — first guest-side battery: the everyday operations on a fresh mount.
# Sourced by the guest's /init in $W (= <served dir>/basic); see guest/lib.sh for helpers.

check_eq read_host_file "written on the host" cat from-host.txt

write_hello() { echo "hello loft" >hello.txt; }
check write_small write_hello
drop_caches
check_eq read_small_after_drop "hello loft" cat hello.txt

# 1 MiB of random data: written through the client, read back after dropping the caches,
# and its checksum handed to the host, which checks the file on disk.
dd if=/dev/urandom of=/tmp/rand.bin bs=64k count=16 2>/dev/null
want=$(md5sum </tmp/rand.bin | cut -d' ' -f1)
check write_1mib cp /tmp/rand.bin big.bin
drop_caches
check_eq read_1mib_after_drop "$want" sh -c 'md5sum <big.bin | cut -d" " -f1'
check_eq size_1mib 1048576 stat -c %s big.bin
note big_md5 "$want"

append_more() { echo "more" >>hello.txt; }
check append append_more
drop_caches
check_eq read_appended "hello loft
more" cat hello.txt

check mkdir mkdir dir1
check_eq stat_dir directory stat -c %F dir1
check rename mv hello.txt dir1/renamed.txt
check_fails old_name_gone cat hello.txt
check_eq read_renamed "hello loft
more" cat dir1/renamed.txt
check_eq ls "big.bin dir1 from-host.txt" sh -c 'ls | tr "\n" " " | sed "s/ $//"'

check create_doomed sh -c 'echo bye >doomed.txt'
check rm rm doomed.txt
check_fails rm_gone stat doomed.txt
check mkdir_tmp mkdir dir2
check rmdir rmdir dir2
check_fails rmdir_gone stat dir2
drop_caches
check_eq ls_after_drop "big.bin dir1 from-host.txt" sh -c 'ls | tr "\n" " " | sed "s/ $//"'
