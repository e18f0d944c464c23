# battery-files.sh — file contents through the kernel client: sizes around page and block
# boundaries up to 64 MiB, overwrite in the middle, append, truncate, sparse writes, four
# parallel writers, an editor-style safe save. Every file is read back after a cache drop
# (so the bytes come from the server), and the host compares the served folder afterwards
# (battery-files.host.sh). Sourced by the guest's /init in $W; helpers in guest/lib.sh.

md5() { md5sum <"$1" | cut -d' ' -f1; }   # md5 of one file
# 64 MiB of random data; every other test file is a slice of it, taken at its own offset.
dd if=/dev/urandom of=/tmp/r64 bs=1M count=64 2>/dev/null
slice() { tail -c +$(($1 + 1)) /tmp/r64 | head -c "$2"; }   # OFFSET LENGTH

# --- sizes: 0, 1, 4095, 4096, 65537, 1 MiB + 3, 64 MiB ------------------------------------
SIZES="0 1 4095 4096 65537 1048579 67108864"
i=0
for n in $SIZES; do
  if [ "$n" = 67108864 ]; then src=/tmp/r64; else src=/tmp/size-$n; slice $((i * 7919)) "$n" >"$src"; fi
  check "write_$n" cp "$src" "size-$n.bin"
  note "md5_$n" "$(md5 "$src")"
  i=$((i + 1))
done
drop_caches
for n in $SIZES; do
  src=/tmp/size-$n; [ "$n" = 67108864 ] && src=/tmp/r64
  check_eq "size_$n" "$n" stat -c %s "size-$n.bin"
  check_eq "read_$n" "$(md5 "$src")" md5 "size-$n.bin"
done
rm -f /tmp/size-*

# --- overwrite in the middle (not truncating) ----------------------------------------------
# 5000 bytes at offset 30000 of a 65537-byte file; 10000 bytes across a page boundary
# (offset 4090) and 3 bytes at 1 MiB of a 1 MiB + 3 file. The expected result is built the
# same way in /tmp (tmpfs).
slice 100000 65537 >/tmp/mid.bin
slice 300000 5000 >/tmp/patch1
cp /tmp/mid.bin mid.bin
overwrite_mid() {
  dd if=/tmp/patch1 of=mid.bin bs=1000 seek=30 conv=notrunc 2>/dev/null &&
    dd if=/tmp/patch1 of=/tmp/mid.bin bs=1000 seek=30 conv=notrunc 2>/dev/null
}
check overwrite_middle overwrite_mid
slice 400000 1048579 >/tmp/mid2.bin
slice 2000000 10000 >/tmp/patch2
cp /tmp/mid2.bin mid2.bin
overwrite_mid2() {
  for f in mid2.bin /tmp/mid2.bin; do
    dd if=/tmp/patch2 of=$f bs=1 seek=4090 conv=notrunc 2>/dev/null &&
      printf 'XYZ' | dd of=$f bs=1 seek=1048576 conv=notrunc 2>/dev/null || return 1
  done
}
check overwrite_page_boundary overwrite_mid2
drop_caches
check_eq overwrite_middle_read "$(md5 /tmp/mid.bin)" md5 mid.bin
check_eq overwrite_middle_size 65537 stat -c %s mid.bin
check_eq overwrite_page_boundary_read "$(md5 /tmp/mid2.bin)" md5 mid2.bin
note mid_md5 "$(md5 /tmp/mid.bin)"
note mid2_md5 "$(md5 /tmp/mid2.bin)"

# --- append ------------------------------------------------------------------------------
append_all() {
  echo "first line" >append.txt &&
    echo "second line" >>append.txt &&
    slice 5000000 4097 >>append.txt &&
    dd if=/tmp/patch1 of=append.txt oflag=append conv=notrunc 2>/dev/null
}
{ echo "first line"; echo "second line"; slice 5000000 4097; cat /tmp/patch1; } >/tmp/append.txt
check append append_all
drop_caches
check_eq append_read "$(md5 /tmp/append.txt)" md5 append.txt
check_eq append_size $((11 + 12 + 4097 + 5000)) stat -c %s append.txt
note append_md5 "$(md5 /tmp/append.txt)"

# --- truncate: shrink, grow (zero-filled), to zero --------------------------------------
slice 6000000 65537 >/tmp/trunc.bin
cp /tmp/trunc.bin shrink.bin
cp /tmp/trunc.bin grow.bin
cp /tmp/trunc.bin zero.bin
check truncate_shrink truncate -s 5000 shrink.bin
check truncate_grow_prepare truncate -s 3000 grow.bin
check truncate_grow truncate -s 200000 grow.bin
check truncate_zero sh -c ': >zero.bin'
drop_caches
check_eq truncate_shrink_size 5000 stat -c %s shrink.bin
check_eq truncate_shrink_read "$(head -c 5000 /tmp/trunc.bin | md5sum | cut -d' ' -f1)" md5 shrink.bin
check_eq truncate_grow_size 200000 stat -c %s grow.bin
{ head -c 3000 /tmp/trunc.bin; head -c 197000 /dev/zero; } >/tmp/grow.bin
check_eq truncate_grow_read "$(md5 /tmp/grow.bin)" md5 grow.bin
check_eq truncate_zero_size 0 stat -c %s zero.bin
note grow_md5 "$(md5 /tmp/grow.bin)"
note shrink_md5 "$(md5 shrink.bin)"

# --- sparse: a write far beyond the end leaves zeros in between ------------------------
check sparse_write sh -c 'printf end | dd of=sparse.bin bs=1 seek=3000000 conv=notrunc 2>/dev/null'
drop_caches
check_eq sparse_size 3000003 stat -c %s sparse.bin
{ head -c 3000000 /dev/zero; printf end; } >/tmp/sparse.bin
check_eq sparse_read "$(md5 /tmp/sparse.bin)" md5 sparse.bin
rm -f /tmp/sparse.bin /tmp/grow.bin /tmp/trunc.bin

# --- four parallel writers: four files at once, then four regions of one file at once ---
for k in 1 2 3 4; do slice $((k * 9000000)) 8388608 >/tmp/par$k; done
parallel_files() {
  pids=
  for k in 1 2 3 4; do dd if=/tmp/par$k of=par$k.bin bs=64k 2>/dev/null & pids="$pids $!"; done
  rc=0
  for p in $pids; do wait "$p" || rc=1; done
  return $rc
}
check parallel_writers_files parallel_files
parallel_regions() {
  pids=
  for k in 1 2 3 4; do
    dd if=/tmp/par$k of=shared.bin bs=1M count=2 seek=$(((k - 1) * 2)) conv=notrunc 2>/dev/null &
    pids="$pids $!"
  done
  rc=0
  for p in $pids; do wait "$p" || rc=1; done
  return $rc
}
check parallel_writers_one_file parallel_regions
for k in 1 2 3 4; do head -c 2097152 /tmp/par$k; done >/tmp/shared.bin
drop_caches
for k in 1 2 3 4; do
  check_eq "parallel_read_$k" "$(md5 /tmp/par$k)" md5 par$k.bin
  note "par${k}_md5" "$(md5 /tmp/par$k)"
done
check_eq parallel_one_file_read "$(md5 /tmp/shared.bin)" md5 shared.bin
note shared_md5 "$(md5 /tmp/shared.bin)"
rm -f /tmp/par? /tmp/shared.bin

# --- editor-style safe save --------------------------------------------------------------
# Write a temp file, fsync it, rename it over the original -- while another process still
# has the original open (the client keeps it alive as .nfsXXXX until that process closes).
printf 'version 1\n' >doc.txt
exec 5<doc.txt
safe_save() {
  printf 'version 2\nsaved safely\n' >.doc.txt.swp &&
    sync .doc.txt.swp &&
    mv -f .doc.txt.swp doc.txt
}
check safe_save safe_save
check_eq safe_save_old_reader "version 1" sh -c 'cat <&5'
exec 5<&-
drop_caches
check_eq safe_save_content "version 2
saved safely" cat doc.txt
check_fails safe_save_temp_gone stat .doc.txt.swp
# After the last close the client removes its silly-renamed .nfsXXXX file.
no_nfs_leftovers() {
  i=0
  while ls -A | grep -q '^\.nfs'; do
    [ $i -lt 50 ] || { ls -A | grep '^\.nfs'; return 1; }
    usleep 100000; i=$((i + 1))
  done
}
check safe_save_no_silly_leftover no_nfs_leftovers

# --- the whole folder, guest's view vs host's view -------------------------------------
rm -f /tmp/r64 /tmp/mid.bin /tmp/mid2.bin /tmp/patch? /tmp/append.txt
host_compare end
