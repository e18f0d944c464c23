# The desktop app (issue #7): mount manager, platform mount helpers, settings, keychain,
# single instance, auto-start and the GUI wiring. Included from app/CMakeLists.txt.
find_package(Qt6Keychain REQUIRED)

target_sources(loft_app PRIVATE
    cli/InstanceCommand.h cli/InstanceCommand.cpp
    config/MountSettings.h config/MountSettings.cpp
    config/Keychain.h config/Keychain.cpp
    mount/MountHelper.h mount/MountHelper.cpp
    mount/LinuxMountHelper.h mount/LinuxMountHelper.cpp
    mount/MacMountHelper.h mount/MacMountHelper.cpp
    mount/WindowsMountHelper.h mount/WindowsMountHelper.cpp
    mount/MeteredFileSystem.h mount/MeteredFileSystem.cpp
    mount/SourceOpener.h mount/SourceOpener.cpp
    mount/MountManager.h mount/MountManager.cpp
    gui/AppLog.h gui/AppLog.cpp
    gui/Autostart.h gui/Autostart.cpp
    gui/SingleInstance.h gui/SingleInstance.cpp
    gui/SourceConnectionTester.h gui/SourceConnectionTester.cpp
    gui/DesktopController.h gui/DesktopController.cpp
    gui/TrayApp.h gui/TrayApp.cpp
)
# Where the Linux package installs the privileged mount helper; the polkit action
# (installers/linux) names the same path, and LinuxMountHelper uses the helper when present.
set(LOFT_PRIVILEGED_HELPER "/usr/libexec/loft/loft-mount-helper" CACHE FILEPATH
    "Installed path of loft-mount-helper, run through pkexec (Linux)")
set_property(SOURCE mount/LinuxMountHelper.cpp APPEND PROPERTY
             COMPILE_DEFINITIONS LOFT_PRIVILEGED_HELPER="${LOFT_PRIVILEGED_HELPER}")
target_link_libraries(loft_app
    PUBLIC loft_ui Qt6::Widgets
    PRIVATE loft_provider_cache loft_provider_sftp loft_nfscore Qt6Keychain::Qt6Keychain Qt6::Network)

if(UNIX AND NOT APPLE) # freedesktop menus; macOS and Windows: installers/
  install(FILES ${PROJECT_SOURCE_DIR}/resources/loft.desktop DESTINATION share/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/loft.svg
          DESTINATION share/icons/hicolor/scalable/apps)
endif()
