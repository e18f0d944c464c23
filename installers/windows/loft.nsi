; Loft's Windows installer (NSIS 3). Windows 10/11 Pro, Enterprise or Education: Loft
; mounts through Windows' own "Client for NFS", which Windows Home does not have.
;
;   makensis /DSTAGE=<folder> /DVERSION=x.y.z [/DOUTFILE=setup.exe] loft.nsi
;
; STAGE is what `cmake --install build --prefix <folder>` puts there on Windows:
; bin\loft.exe with the DLLs and Qt plugins windeployqt added, and loft.ico.
; The installer:
;   - checks the Windows edition and explains what Home users can do instead;
;   - checks the "Client for NFS" feature and, with the user's consent, enables it with DISM;
;   - sets the NFS client's anonymous UID/GID (Loft mounts with -o anon);
;   - adds a Start-menu entry and, if chosen, starts Loft at login (the same Run-key value
;     Loft's own "Start at login" switch uses);
;   - the uninstaller first unmounts Loft's drives and stops Loft, then removes it.

Unicode true

!ifndef STAGE
  !error "give the staging folder: makensis /DSTAGE=<cmake --install prefix> /DVERSION=x.y.z loft.nsi"
!endif
!ifndef VERSION
  !error "give the version: /DVERSION=x.y.z"
!endif
!ifndef OUTFILE
  !define OUTFILE "Loft-${VERSION}-Windows-x64-setup.exe"
!endif
; The identity Windows' NFS client uses for anonymous mounts. The Windows C runtime reports
; uid 0 / gid 0 as the owner of every file, so that is what Loft serves; matching it gives
; the mounted drive owner permissions.
!ifndef ANON_UID
  !define ANON_UID 0
!endif
!ifndef ANON_GID
  !define ANON_GID 0
!endif

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Loft"
!define LOFT_KEY "Software\Loft"
!define NFS_CLIENT_KEY "SOFTWARE\Microsoft\ClientForNFS\CurrentVersion\Default"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define NFS_FEATURE "ServicesForNFS-ClientOnly"
!define NFS_FEATURE_INFRA "ClientForNFS-Infrastructure"

!include MUI2.nsh
!include LogicLib.nsh
!include x64.nsh
!include WinVer.nsh

Name "Loft"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Loft"
InstallDirRegKey HKLM "${LOFT_KEY}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "Loft"
VIAddVersionKey /LANG=1033 "FileDescription" "Loft installer"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "The Loft authors"

!define MUI_ICON "${STAGE}\loft.ico"
!define MUI_UNICON "${STAGE}\loft.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\bin\loft.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start Loft now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var Edition          ; EditionID from the registry: "Professional", "Core" (Home), ...
Var NfsClientState   ; "Enabled", "Disabled", or "" when Windows has no such feature

; --- checks ---------------------------------------------------------------------------

; $NfsClientState from DISM (in English, whatever the Windows language).
Function DetectNfsClient
  StrCpy $NfsClientState ""
  ${DisableX64FSRedirection}
  nsExec::ExecToStack `"$SYSDIR\cmd.exe" /c ""$SYSDIR\dism.exe" /English /Online /Get-FeatureInfo /FeatureName:${NFS_FEATURE} | "$SYSDIR\findstr.exe" /B /C:"State : ""`
  Pop $0 ; exit code
  Pop $1 ; "State : Enabled" (or Disabled, ...)
  ${EnableX64FSRedirection}
  ${If} $0 == 0
    StrCpy $2 $1 15
    ${If} $2 == "State : Enabled"
      StrCpy $NfsClientState "Enabled"
    ${Else}
      StrCpy $NfsClientState "Disabled"
    ${EndIf}
  ${EndIf}
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "Loft needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  ${IfNot} ${AtLeastWin10}
    MessageBox MB_ICONSTOP "Loft needs Windows 10 or 11." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64

  ; Home editions are "Core", "CoreN", "CoreSingleLanguage", "CoreCountrySpecific".
  ReadRegStr $Edition HKLM "SOFTWARE\Microsoft\Windows NT\CurrentVersion" "EditionID"
  StrCpy $0 $Edition 4
  ${If} $0 == "Core"
    MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 \
      "This computer runs Windows Home, which does not include $\"Client for NFS$\", the part of Windows that Loft uses to show your storage as a drive. Microsoft offers it only in Windows Pro, Enterprise and Education.$\r$\n$\r$\nWhat you can do instead:$\r$\n  - Upgrade to Windows Pro (Settings > System > Activation), then run this installer again.$\r$\n  - Use Loft in WSL 2: install Loft's Linux package in a Debian distribution (wsl --install -d Debian) and mount there; Explorer reaches the folder at \\wsl.localhost\<distribution>\<folder>.$\r$\n$\r$\nInstall Loft anyway? It will start, but cannot mount on this Windows." \
      /SD IDNO IDYES +2
    Abort
  ${EndIf}

  Call DetectNfsClient
FunctionEnd

; --- install --------------------------------------------------------------------------

Section "Loft" SecLoft
  SectionIn RO
  SetRegView 64
  SetOutPath "$INSTDIR"
  File /r "${STAGE}\*.*"
  File "unmount-loft.cmd"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  WriteRegStr HKLM "${LOFT_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "Loft"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "Loft"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\loft.ico"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "Client for NFS (Windows feature)" SecNfs
  SectionIn RO
  SetRegView 64
  ${If} $NfsClientState == ""
    DetailPrint "This Windows has no Client for NFS feature; Loft cannot mount here."
  ${ElseIf} $NfsClientState == "Disabled"
    MessageBox MB_YESNO|MB_ICONQUESTION \
      "Loft mounts your storage with Windows' own $\"Client for NFS$\", which is not turned on.$\r$\n$\r$\nTurn it on now? Windows' DISM tool adds the feature (no download needed); Windows may ask you to restart afterwards." \
      /SD IDNO IDNO nfs_declined
    DetailPrint "Enabling Client for NFS with DISM..."
    ${DisableX64FSRedirection}
    nsExec::ExecToLog '"$SYSDIR\dism.exe" /Online /Enable-Feature /FeatureName:${NFS_FEATURE} /FeatureName:${NFS_FEATURE_INFRA} /All /NoRestart'
    Pop $0
    ${EnableX64FSRedirection}
    ${If} $0 == 3010
      SetRebootFlag true
      DetailPrint "Client for NFS is enabled; it works after a restart."
    ${ElseIf} $0 == 0
      StrCpy $NfsClientState "Enabled"
      DetailPrint "Client for NFS is enabled."
    ${Else}
      MessageBox MB_ICONEXCLAMATION "DISM could not enable Client for NFS (exit code $0). Turn it on in Control Panel > Programs > Turn Windows features on or off > Services for NFS > Client for NFS." /SD IDOK
    ${EndIf}
    Goto nfs_done
    nfs_declined:
      DetailPrint "Client for NFS left off: Loft cannot mount until it is turned on (Turn Windows features on or off > Services for NFS)."
    nfs_done:
  ${EndIf}

  ; Anonymous UID/GID for the NFS client (read when the client starts), remembering any
  ; earlier values so the uninstaller can put them back.
  ClearErrors
  ReadRegDWORD $0 HKLM "${NFS_CLIENT_KEY}" "AnonymousUid"
  ${IfNot} ${Errors}
    WriteRegDWORD HKLM "${LOFT_KEY}" "PreviousAnonymousUid" $0
  ${EndIf}
  ClearErrors
  ReadRegDWORD $0 HKLM "${NFS_CLIENT_KEY}" "AnonymousGid"
  ${IfNot} ${Errors}
    WriteRegDWORD HKLM "${LOFT_KEY}" "PreviousAnonymousGid" $0
  ${EndIf}
  WriteRegDWORD HKLM "${NFS_CLIENT_KEY}" "AnonymousUid" ${ANON_UID}
  WriteRegDWORD HKLM "${NFS_CLIENT_KEY}" "AnonymousGid" ${ANON_GID}
  DetailPrint "NFS client: anonymous UID ${ANON_UID}, GID ${ANON_GID}."
  ${If} $NfsClientState == "Enabled"
    ; The client reads these when it starts.
    ${DisableX64FSRedirection}
    nsExec::ExecToLog '"$SYSDIR\nfsadmin.exe" client stop'
    Pop $0
    nsExec::ExecToLog '"$SYSDIR\nfsadmin.exe" client start'
    Pop $0
    ${EnableX64FSRedirection}
  ${EndIf}
SectionEnd

Section "Start menu entry" SecStartMenu
  SetShellVarContext all
  CreateShortCut "$SMPROGRAMS\Loft.lnk" "$INSTDIR\bin\loft.exe" "" "$INSTDIR\loft.ico" 0
SectionEnd

Section "Start Loft when I log in" SecLogin
  ; The value Loft's own "Start at login" switch reads and writes (gui/Autostart.cpp).
  WriteRegStr HKCU "${RUN_KEY}" "Loft" '"$INSTDIR\bin\loft.exe"'
SectionEnd

; --- uninstall ------------------------------------------------------------------------

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  ; Unmount first: a drive letter must not outlive the server behind it. NFS drives belong
  ; to the logon session that mounted them, the user's, not this elevated one: Explorer
  ; runs the script as the desktop user; then this session's own drives go too.
  DetailPrint "Unmounting Loft's drives..."
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\unmount-loft.cmd"'
  Sleep 3000
  ${DisableX64FSRedirection}
  nsExec::ExecToLog '"$SYSDIR\cmd.exe" /c "$INSTDIR\unmount-loft.cmd"'
  Pop $0
  ; Then stop Loft: politely, then for good.
  nsExec::ExecToLog '"$SYSDIR\taskkill.exe" /im loft.exe'
  Pop $0
  Sleep 2000
  nsExec::ExecToLog '"$SYSDIR\taskkill.exe" /f /im loft.exe'
  Pop $0
  ${EnableX64FSRedirection}

  DeleteRegValue HKCU "${RUN_KEY}" "Loft"
  SetShellVarContext all
  Delete "$SMPROGRAMS\Loft.lnk"

  ; Put back the NFS client's anonymous IDs as they were before Loft.
  ClearErrors
  ReadRegDWORD $0 HKLM "${LOFT_KEY}" "PreviousAnonymousUid"
  ${If} ${Errors}
    DeleteRegValue HKLM "${NFS_CLIENT_KEY}" "AnonymousUid"
  ${Else}
    WriteRegDWORD HKLM "${NFS_CLIENT_KEY}" "AnonymousUid" $0
  ${EndIf}
  ClearErrors
  ReadRegDWORD $0 HKLM "${LOFT_KEY}" "PreviousAnonymousGid"
  ${If} ${Errors}
    DeleteRegValue HKLM "${NFS_CLIENT_KEY}" "AnonymousGid"
  ${Else}
    WriteRegDWORD HKLM "${NFS_CLIENT_KEY}" "AnonymousGid" $0
  ${EndIf}

  RMDir /r "$INSTDIR\bin"
  Delete "$INSTDIR\loft.ico"
  Delete "$INSTDIR\unmount-loft.cmd"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${LOFT_KEY}"
  DetailPrint "Your settings, cached files and passwords in the Windows Credential Manager are kept."
SectionEnd
