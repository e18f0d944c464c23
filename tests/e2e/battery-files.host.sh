# shellcheck shell=bash
# battery-files.host.sh — host side of battery-files.sh: after the guest powered off and the
# server stopped, every file the battery wrote is compared with what the guest wrote.

md5_of() { md5sum <"$1" | cut -d' ' -f1; }
export -f md5_of

battery_verify() {
  local w=$1 n k
  for n in 0 1 4095 4096 65537 1048579 67108864; do
    host_check_eq "size_$n" "$n $(guest_note "md5_$n")" \
      bash -c "echo \"\$(stat -c %s '$w/size-$n.bin') \$(md5_of '$w/size-$n.bin')\""
  done
  host_check_eq overwrite_middle "$(guest_note mid_md5)" md5_of "$w/mid.bin"
  host_check_eq overwrite_page_boundary "$(guest_note mid2_md5)" md5_of "$w/mid2.bin"
  host_check_eq append "$(guest_note append_md5)" md5_of "$w/append.txt"
  host_check_eq truncate_shrink "5000 $(guest_note shrink_md5)" \
    bash -c "echo \"\$(stat -c %s '$w/shrink.bin') \$(md5_of '$w/shrink.bin')\""
  host_check_eq truncate_grow "200000 $(guest_note grow_md5)" \
    bash -c "echo \"\$(stat -c %s '$w/grow.bin') \$(md5_of '$w/grow.bin')\""
  host_check_eq truncate_zero 0 stat -c %s "$w/zero.bin"
  host_check_eq sparse "3000003 $(printf 'end')" \
    bash -c "echo \"\$(stat -c %s '$w/sparse.bin') \$(tail -c 3 '$w/sparse.bin')\""
  host_check sparse_zeros cmp -n 3000000 "$w/sparse.bin" /dev/zero
  for k in 1 2 3 4; do
    host_check_eq "parallel_$k" "$(guest_note "par${k}_md5")" md5_of "$w/par$k.bin"
  done
  host_check_eq parallel_one_file "$(guest_note shared_md5)" md5_of "$w/shared.bin"
  host_check_eq safe_save "$(printf 'version 2\nsaved safely')" cat "$w/doc.txt"
  host_check safe_save_no_leftovers bash -c "! ls -A '$w' | grep -E '^(\.doc\.txt\.swp|\.nfs.*)$'"
  # The guest's whole view (manifest "end", printed just before it finished) still matches.
  host_check_manifest manifest_end_after_umount end "$w"
}
