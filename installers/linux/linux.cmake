# Linux: the .deb. Besides the program, the desktop entry and the SVG icon (app/gui.cmake):
# rendered PNG icons, the privileged mount helper with its polkit action, a system-wide
# autostart entry, and the Debian docs. Files under /etc and /usr/share/polkit-1 have fixed
# system paths; they are in the "system" component, so a user-prefix install can leave
# them out with `cmake --install build --component Unspecified`.

# hicolor PNGs beside the scalable SVG, for panels and menus that do not render SVG.
set(LOFT_ICON_FILES)
foreach(size 16 22 24 32 48 64 128 256 512)
  set(png ${CMAKE_CURRENT_BINARY_DIR}/hicolor/${size}x${size}/apps/loft.png)
  loft_render_icon_file(${png} ${size})
  list(APPEND LOFT_ICON_FILES ${png})
  install(FILES ${png} DESTINATION share/icons/hicolor/${size}x${size}/apps)
endforeach()

# The helper Loft runs through pkexec; the policy names its path (LOFT_PRIVILEGED_HELPER
# from app/gui.cmake, which LinuxMountHelper looks for).
get_filename_component(LOFT_PRIVILEGED_HELPER_DIR ${LOFT_PRIVILEGED_HELPER} DIRECTORY)
get_filename_component(LOFT_PRIVILEGED_HELPER_NAME ${LOFT_PRIVILEGED_HELPER} NAME)
install(PROGRAMS linux/loft-mount-helper DESTINATION ${LOFT_PRIVILEGED_HELPER_DIR}
        RENAME ${LOFT_PRIVILEGED_HELPER_NAME} COMPONENT system)
configure_file(linux/org.loft.mount.policy.in org.loft.mount.policy @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/org.loft.mount.policy
        DESTINATION /usr/share/polkit-1/actions COMPONENT system)
install(FILES linux/loft-autostart.desktop DESTINATION /etc/xdg/autostart
        RENAME loft.desktop COMPONENT system)

# Debian docs and the man page: gzipped without a timestamp (gzip -n), as policy asks.
string(TIMESTAMP LOFT_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(linux/changelog.in changelog @ONLY)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
    COMMAND gzip -9nc ${CMAKE_CURRENT_BINARY_DIR}/changelog > ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/changelog)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/loft.1.gz
    COMMAND gzip -9nc ${CMAKE_CURRENT_SOURCE_DIR}/linux/loft.1 > ${CMAKE_CURRENT_BINARY_DIR}/loft.1.gz
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/linux/loft.1)
add_custom_target(loft_linux_package_files ALL
    DEPENDS ${LOFT_ICON_FILES} ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz ${CMAKE_CURRENT_BINARY_DIR}/loft.1.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz linux/copyright DESTINATION share/doc/loft)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/loft.1.gz DESTINATION share/man/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # loft_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Qt 6, QtKeychain, libssh and the rest come from the binary's own links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not linked but loaded: Qt's SVG image and icon plugins draw the tray and status icons.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "nfs-common, libqt6svg6")
# pkexec asks for the mount password; a Secret Service keeps the passwords.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pkexec, gnome-keyring | kwalletmanager | keepassxc, qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_SOURCE_DIR}/linux/conffiles)
