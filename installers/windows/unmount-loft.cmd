@echo off
rem Unmounts every drive of Windows' NFS client that points at Loft's server on
rem 127.0.0.1 (mount.exe lists them as "Z:  \\127.0.0.1\EXPORT ..."). The uninstaller
rem runs it before removing Loft, so no drive letter is left pointing at nothing.
setlocal
set "SYS=%SystemRoot%\System32"
rem A 32-bit caller sees SysWOW64 as System32; the NFS tools live in the 64-bit one.
if exist "%SystemRoot%\Sysnative\mount.exe" set "SYS=%SystemRoot%\Sysnative"
if not exist "%SYS%\mount.exe" exit /b 0
for /f "tokens=1" %%d in ('"%SYS%\mount.exe" ^| "%SYS%\findstr.exe" /c:"127.0.0.1"') do (
  echo Unmounting %%d
  "%SYS%\umount.exe" -f %%d
)
exit /b 0
