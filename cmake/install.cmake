# Install and export for embedders: headers under include/sctpkit/, the layer libraries, a CMake
# package (find_package(sctpkit) -> sctpkit::sctpkit) and a pkg-config file.
include(CMakePackageConfigHelpers)

add_library(sctpkit_api INTERFACE)
target_link_libraries(sctpkit_api INTERFACE sctpkit_net)
set_target_properties(sctpkit_api PROPERTIES EXPORT_NAME sctpkit)
add_library(sctpkit::sctpkit ALIAS sctpkit_api)

install(TARGETS sctpkit_api sctpkit_net sctpkit_trace sctpkit_assoc sctpkit_wire
        EXPORT sctpkitTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/sctpkit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(sctpkit_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sctpkit)
install(EXPORT sctpkitTargets NAMESPACE sctpkit:: DESTINATION ${sctpkit_cmake_dir})
configure_package_config_file(cmake/sctpkitConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/sctpkitConfig.cmake
                              INSTALL_DESTINATION ${sctpkit_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sctpkitConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sctpkitConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/sctpkitConfigVersion.cmake
        DESTINATION ${sctpkit_cmake_dir})

file(RELATIVE_PATH SCTPKIT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/sctpkit.pc.in ${CMAKE_CURRENT_BINARY_DIR}/sctpkit.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sctpkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The sans-IO engine (design.md 2; examples/sans_io.cc): assoc::Endpoint and the headers it includes,
# installed under <includedir>/sctpkit/engine and included as <assoc/endpoint.h>, as inside the
# tree. Not the socket-style API's stability promise: the engine's API follows the engine.
set(SCTPKIT_ENGINE_HEADERS assoc/clock.h assoc/config.h assoc/endpoint.h assoc/events.h assoc/random.h
                           assoc/status.h wire/byte_io.h wire/ip_address.h wire/types.h)
foreach(header IN LISTS SCTPKIT_ENGINE_HEADERS)
  get_filename_component(folder ${header} DIRECTORY)
  install(FILES src/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sctpkit/engine/${folder})
endforeach()
target_include_directories(sctpkit_assoc INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/sctpkit/engine>)
