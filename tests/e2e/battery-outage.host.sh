# shellcheck shell=bash
# battery-outage.host.sh — host side of battery-outage.sh: the served folder after the
# outage holds what the guest wrote before and after it.

battery_verify() {
  local w=$1
  host_check_eq big_untouched "$(guest_note big_md5)" bash -c "md5sum <'$w/big.bin' | cut -d' ' -f1"
  host_check_eq after_bin "$(guest_note after_md5)" bash -c "md5sum <'$w/after.bin' | cut -d' ' -f1"
  host_check_eq after_txt "after the outage" cat "$w/after.txt"
  host_check dir_after_restart test -d "$w/dirC"
  host_check_manifest manifest_end_after_umount end "$w"
}
