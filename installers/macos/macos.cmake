# macOS: Loft.app, a tray-only bundle (LSUIElement: no Dock icon), with Loft.icns rendered
# from the SVG at build time. CPack's DragNDrop generator makes the .dmg (with the
# /Applications link); before it packs, deploy-bundle.cmake runs macdeployqt and, when an
# identity is given, signs the bundle (sign-and-notarize.sh). Notarizing the .dmg is a
# step after cpack (see .github/workflows/macos.yml and docs/packaging.md).
set(LOFT_ICONSET ${CMAKE_CURRENT_BINARY_DIR}/Loft.iconset)
set(LOFT_ICNS ${CMAKE_CURRENT_BINARY_DIR}/Loft.icns)
set(LOFT_ICONSET_FILES)
foreach(size 16 32 128 256 512)
  math(EXPR double "${size} * 2")
  loft_render_icon_file(${LOFT_ICONSET}/icon_${size}x${size}.png ${size})
  loft_render_icon_file(${LOFT_ICONSET}/icon_${size}x${size}@2x.png ${double})
  list(APPEND LOFT_ICONSET_FILES ${LOFT_ICONSET}/icon_${size}x${size}.png
       ${LOFT_ICONSET}/icon_${size}x${size}@2x.png)
endforeach()
add_custom_command(OUTPUT ${LOFT_ICNS}
    COMMAND iconutil -c icns -o ${LOFT_ICNS} ${LOFT_ICONSET}
    DEPENDS ${LOFT_ICONSET_FILES}
    VERBATIM)
add_custom_target(loft_icns DEPENDS ${LOFT_ICNS})
add_dependencies(loft loft_icns)

target_sources(loft PRIVATE ${LOFT_ICNS})
set_source_files_properties(${LOFT_ICNS} TARGET_DIRECTORY loft PROPERTIES
    GENERATED TRUE MACOSX_PACKAGE_LOCATION Resources)
set_target_properties(loft PROPERTIES
    MACOSX_BUNDLE TRUE
    OUTPUT_NAME Loft
    MACOSX_BUNDLE_INFO_PLIST ${PROJECT_SOURCE_DIR}/resources/Info.plist.in
    MACOSX_BUNDLE_GUI_IDENTIFIER org.loft.Loft
    MACOSX_BUNDLE_BUNDLE_NAME Loft
    MACOSX_BUNDLE_BUNDLE_VERSION ${PROJECT_VERSION}
    MACOSX_BUNDLE_SHORT_VERSION_STRING ${PROJECT_VERSION}
    MACOSX_BUNDLE_ICON_FILE Loft.icns)

find_program(LOFT_MACDEPLOYQT macdeployqt HINTS "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}" REQUIRED)
set(CPACK_GENERATOR DragNDrop)
set(CPACK_DMG_VOLUME_NAME Loft)
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_FILE_NAME "Loft-${PROJECT_VERSION}-macOS")
# CPack hands every CPACK_* variable to the pre-build script.
set(CPACK_LOFT_MACDEPLOYQT ${LOFT_MACDEPLOYQT})
set(CPACK_LOFT_SIGN_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/macos/sign-and-notarize.sh)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/macos/deploy-bundle.cmake)
