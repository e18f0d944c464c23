# shellcheck shell=bash
# battery-restart.host.sh — host side of battery-restart.sh: after two server restarts
# (SIGTERM, then SIGKILL mid-stream) the served folder holds everything the guest wrote.

battery_verify() {
  local w=$1
  host_check_eq a_bin "$(guest_note a_md5)" bash -c "md5sum <'$w/a.bin' | cut -d' ' -f1"
  host_check_eq before_txt "$(printf 'written before the restart\nappended after')" cat "$w/before.txt"
  host_check_eq after_txt "written after the restart" cat "$w/after.txt"
  host_check_eq renamed_dir "deep" cat "$w/sub/renamed/x.txt"
  host_check old_dir_name_gone bash -c "[[ ! -e '$w/sub/deeper' ]]"
  host_check_eq stream_after_kill "67108864 $(guest_note stream_md5)" \
    bash -c "echo \$(stat -c %s '$w/stream.bin') \$(md5sum <'$w/stream.bin' | cut -d' ' -f1)"
  host_check_eq more_bin 1048579 stat -c %s "$w/more.bin"
  host_check_manifest manifest_end_after_umount end "$w"
}
