# battery-outage.sh — the server stops while the guest reads (issue #3, point 3). A busybox
# `cat` of a 32 MiB file is under way when the host stops `loft serve`; what the guest's
# operations do then is what the mount options say: with `hard` (Loft's Linux options) they
# block -- and stay killable, and the rest of the guest runs on -- until the server is back;
# with `soft` they would fail. Once the host starts the server again (same folder, port,
# --state-dir), the blocked reads complete with the right bytes and the mount works again.
# Sourced by the guest's /init in $W.

md5() { md5sum <"$1" | cut -d' ' -f1; }
opts=$(awk -v m="$M" '$2 == m { print $4 }' /proc/mounts)
case ",$opts," in *,soft,*|*,softerr,*) HARD=0 ;; *) HARD=1 ;; esac
note mount_options "$opts"

dd if=/dev/urandom of=/tmp/r32 bs=1M count=32 2>/dev/null
check setup_write sh -c 'cp /tmp/r32 big.bin && echo "other file" >other.txt && mkdir dirB && sync'
drop_caches                                    # so the reads below must go to the server
rm -f /tmp/go /tmp/catA.rc /tmp/sumA /tmp/catB.rc /tmp/outB

# Reader A: busybox cat of big.bin into a pipe whose reader waits for /tmp/go. It starts
# now, reads the first blocks, and is then held by the full pipe -- certainly still in the
# middle of the file when the server stops (deterministic, whatever the speed).
( { cat big.bin; echo $? >/tmp/catA.rc; } |
    { while [ ! -e /tmp/go ]; do usleep 50000; done; md5sum | cut -d' ' -f1 >/tmp/sumA; } ) &
readerA=$!
usleep 500000
check_fails reader_started_not_finished test -e /tmp/catA.rc

# (the host starts the server again by itself after 90 s, should this battery hang)
check server_stop host_request server-stop TERM 90
t_stop=$(now)
touch /tmp/go                                  # let A read on: the rest must come from the server
# Reader B starts while the server is down (other.txt is not cached: LOOKUP, then READ).
( cat other.txt >/tmp/outB; echo $? >/tmp/catB.rc ) &
readerB=$!
# A probe that we kill: a hard mount's waits are killable (TASK_KILLABLE).
stat dirB/nothing-here >/dev/null 2>&1 &
probe=$!
sleep 3

if [ "$HARD" = 1 ]; then
  check reader_blocks_while_down alive "$readerA"
  check_fails reader_no_result_while_down test -e /tmp/catA.rc
  check reader_started_during_outage_blocks alive "$readerB"
  check probe_blocks_while_down alive "$probe"
  kill_probe() { kill -9 "$probe" && wait_gone "$probe" 10; }
  check blocked_probe_is_killable kill_probe
else
  # soft: the operations fail with EIO after timeo x retrans; give them that long.
  soft_fails() { wait_gone "$readerA" 300 && [ "$(cat /tmp/catA.rc)" != 0 ]; }
  check soft_reader_fails soft_fails
fi
# The guest itself is not wedged: local work goes on while the NFS calls wait. (Outside
# the mount: a new shell whose cwd is on it would stat "." and wait like the rest.)
responsive() { cd / && echo alive >/tmp/alive && cat /tmp/alive; }
check_eq guest_responsive alive responsive
mounted() { cd / && grep -c " $M nfs " /proc/mounts; }
check_eq guest_mount_listed 1 mounted
note outage_seconds "$(($(now) - t_stop))"

check server_start host_request server-start
t_start=$(now)
if [ "$HARD" = 1 ]; then
  check reader_resumes wait_gone "$readerA" 120
  note reader_resumed_after "$(($(now) - t_start))"
  check_eq reader_cat_ok 0 cat /tmp/catA.rc
  check_eq reader_checksum "$(md5 /tmp/r32)" cat /tmp/sumA
  check reader_during_outage_resumes wait_gone "$readerB" 120
  check_eq reader_during_outage_ok "0 other file" sh -c 'echo "$(cat /tmp/catB.rc) $(cat /tmp/outB)"'
fi

# The mount works again: new files, listing, read back after a cache drop.
check write_after_restart sh -c 'head -c 65537 /tmp/r32 >after.bin && echo "after the outage" >after.txt'
check mkdir_after_restart mkdir dirC
drop_caches
check_eq read_after_restart "after the outage" cat after.txt
check_eq read_big_after_restart "$(md5 /tmp/r32)" md5 big.bin
check_eq listing_after_restart "after.bin after.txt big.bin dirB dirC other.txt" sh -c 'ls | tr "\n" " " | sed "s/ $//"'
note after_md5 "$(head -c 65537 /tmp/r32 | md5sum | cut -d' ' -f1)"
note big_md5 "$(md5 /tmp/r32)"
rm -f /tmp/r32
host_compare end
