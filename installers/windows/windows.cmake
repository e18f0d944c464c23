# Windows: `cmake --install build --prefix stage` lays out what loft.nsi packs:
# bin\loft.exe, Qt's DLLs and plugins (windeployqt), the other DLLs loft.exe loads
# (QtKeychain, libssh, OpenSSL, zlib, found in LOFT_WINDOWS_DLL_DIRS) and loft.ico.
set(LOFT_ICO ${CMAKE_CURRENT_BINARY_DIR}/loft.ico)
loft_render_icon_file(${LOFT_ICO} 16 20 24 32 40 48 64 256)
add_custom_target(loft_ico ALL DEPENDS ${LOFT_ICO})
install(FILES ${LOFT_ICO} DESTINATION .)
# The same icon and version information inside loft.exe.
configure_file(${PROJECT_SOURCE_DIR}/resources/loft.rc.in loft.rc @ONLY)
target_sources(loft PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/loft.rc)
add_dependencies(loft loft_ico)

find_program(LOFT_WINDEPLOYQT windeployqt HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}" REQUIRED)
set(LOFT_WINDOWS_DLL_DIRS "" CACHE STRING
    "Folders (;-separated) holding the non-Qt DLLs loft.exe needs: QtKeychain, libssh and theirs")
# As quoted CMake paths (forward slashes: a "\b" in C:\...\bin would be an escape).
set(LOFT_DLL_DIRS_QUOTED "")
foreach(dir IN LISTS LOFT_WINDOWS_DLL_DIRS)
  string(REPLACE "\\" "/" dir "${dir}")
  string(APPEND LOFT_DLL_DIRS_QUOTED " \"${dir}\"")
endforeach()
configure_file(windows/deploy.cmake.in deploy.cmake @ONLY)
install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/deploy.cmake)
