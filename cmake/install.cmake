# Installing and packaging exportscreen (included from the top CMakeLists.txt).
#
#   cmake --install build [--prefix P]   P/bin/exportscreen, P/share/exportscreen/ (the
#                                        bundled lists and data files), a man page per
#                                        command, bash completion, systemd units (not enabled)
#   cmake --install build --component dev   P/include/exportscreen.h (the public header,
#                                        one self-contained file) and P/lib/libexportscreen.a
#   scripts/package.sh                   the Debian package (CPack DEB)
#
# The program finds share/exportscreen relative to its own location, so the
# prefix may be moved after installing (es_install.h).

# Man pages and completion come from the program's own option tables (the ones
# --help prints), regenerated after every build of the executable.
add_custom_target(es_docs ALL
  COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:exportscreen> -DOUT=${CMAKE_BINARY_DIR}
          -P ${CMAKE_SOURCE_DIR}/cmake/gen-docs.cmake
  DEPENDS exportscreen
  COMMENT "man pages and bash completion from the option tables")

# The public header, with the private headers it needs inlined.
file(GLOB_RECURSE ES_LIB_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/lib/*.h)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/include/exportscreen.h
  COMMAND python3 ${CMAKE_SOURCE_DIR}/cmake/amalgamate.py ${CMAKE_SOURCE_DIR}/src/lib
          ${CMAKE_BINARY_DIR}/include/exportscreen.h
  DEPENDS ${ES_LIB_HEADERS} ${CMAKE_SOURCE_DIR}/cmake/amalgamate.py
  COMMENT "one installable exportscreen.h")
add_custom_target(es_public_header ALL DEPENDS ${CMAKE_BINARY_DIR}/include/exportscreen.h)

install(TARGETS exportscreen RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${ES_LISTS_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/exportscreen)
install(DIRECTORY ${CMAKE_BINARY_DIR}/man-gz/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_BINARY_DIR}/completion/exportscreen
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

# systemd units, shipped but not enabled; ExecStart names the installed binary,
# so they are written at install time, when the prefix is known.
set(ES_UNITS exportscreen-fetch.service exportscreen-fetch.timer exportscreen-serve.service)
foreach(u ${ES_UNITS})
  install(CODE "
    set(bindir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
    configure_file(\"${CMAKE_SOURCE_DIR}/packaging/systemd/${u}.in\" \"${CMAKE_BINARY_DIR}/systemd/${u}\" @ONLY)")
  install(FILES ${CMAKE_BINARY_DIR}/systemd/${u} DESTINATION lib/systemd/system)
endforeach()

set_target_properties(es PROPERTIES OUTPUT_NAME exportscreen)
install(TARGETS es ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_BINARY_DIR}/include/exportscreen.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT dev EXCLUDE_FROM_ALL)

# The Debian package: what a plain `cmake --install` installs, under /usr;
# Depends computed by dpkg-shlibdeps from the binary's libraries.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME exportscreen)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "exportscreen maintainers <exportscreen@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "export-control screening of orders against denied-party and sanctions lists")
set(CPACK_PACKAGE_DESCRIPTION "Screens every party of an order against the public denied-party and
sanctions lists (OFAC, trade.gov CSL, UN, EU, UK) and every destination against
embargoes and licence rules, and writes each order back with a decision and
cited reasons. Ships a snapshot of the lists; 'exportscreen fetch' (a systemd
timer is included, not enabled) keeps them current.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# loaded with dlopen when fetch or serve first needs them (es_dl.h), so
# shlibdeps cannot see them: named here, by the SONAME es_curl.c and
# es_mhd.c open
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcurl4 (>= 7.80), libmicrohttpd12")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_STRIP_FILES OFF)
include(CPack)
