# CPack pre-build script (macOS): runs on the staged install before the .dmg is made.
# Puts Qt's frameworks and plugins into Loft.app (macdeployqt), then signs the bundle with
# the identity in MACOS_SIGNING_IDENTITY, or says that it is left unsigned.
file(GLOB apps LIST_DIRECTORIES true "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*.app"
     "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/*/*.app")
if(NOT apps)
  message(FATAL_ERROR "deploy-bundle: no .app under ${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
endif()
foreach(app IN LISTS apps)
  message(STATUS "deploy-bundle: macdeployqt ${app}")
  execute_process(COMMAND "${CPACK_LOFT_MACDEPLOYQT}" "${app}" -verbose=1
                  COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND "${CPACK_LOFT_SIGN_SCRIPT}" sign-app "${app}"
                  COMMAND_ERROR_IS_FATAL ANY)
endforeach()
