# The installable package (`cmake --install`): shared libraries, headers, a
# CMake package (find_package(nightburst) gives nightburst::core,
# nightburst::io and nightburst::c_api) and a pkg-config file for the C API.
#
# The build links its static libraries into the CLI and tests; the installed
# ones are shared, made from those archives whole, so the Halide stages and
# the file-format libraries stay inside and a consumer needs only Halide's
# runtime headers (the public headers use Halide::Runtime::Buffer) and, for
# the C API, nothing at all.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(package_empty_source ${CMAKE_CURRENT_BINARY_DIR}/nightburst_package_empty.cpp)
file(WRITE ${package_empty_source} "// The installed libraries' code comes from the static archives.\n")

# nightburst::core: the pipeline on in-memory frames (C++).
add_library(nightburst_core_shared SHARED ${package_empty_source})
target_link_libraries(nightburst_core_shared
  PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,nightburst_core>"
  INTERFACE Halide::Runtime)
target_include_directories(nightburst_core_shared INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_definitions(nightburst_core_shared INTERFACE NIGHTBURST_VERSION="${PROJECT_VERSION}")

# nightburst::io: raw files in; DNG, PNG, JPEG and TIFF out (C++), over the core.
# Its own objects only (not the archive, whose link interface would bring a
# second copy of the core in ahead of nightburst::core).
add_library(nightburst_io_shared SHARED $<TARGET_OBJECTS:nightburst_io>)
target_link_libraries(nightburst_io_shared
  PUBLIC nightburst_core_shared
  PRIVATE PkgConfig::LIBRAW TIFF::TIFF PNG::PNG JPEG::JPEG Threads::Threads)

# nightburst::c_api: libnightburst.so, the C API and nothing else exported
# (as the Android library is).
add_library(nightburst_c_shared SHARED ${package_empty_source})
target_link_libraries(nightburst_c_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,nightburst_c_api>")
target_include_directories(nightburst_c_shared INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
set(export_map ${PROJECT_SOURCE_DIR}/src/capi/nightburst_c.map)
target_link_options(nightburst_c_shared PRIVATE -Wl,--version-script=${export_map})
set_target_properties(nightburst_c_shared PROPERTIES LINK_DEPENDS ${export_map})

set_target_properties(nightburst_core_shared PROPERTIES OUTPUT_NAME nightburst_core EXPORT_NAME core)
set_target_properties(nightburst_io_shared PROPERTIES OUTPUT_NAME nightburst_io EXPORT_NAME io)
set_target_properties(nightburst_c_shared PROPERTIES OUTPUT_NAME nightburst EXPORT_NAME c_api)
foreach (library nightburst_core_shared nightburst_io_shared nightburst_c_shared)
  set_target_properties(${library} PROPERTIES
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
    # Found next to each other wherever the prefix is.
    INSTALL_RPATH "$ORIGIN")
endforeach ()

install(TARGETS nightburst_core_shared nightburst_io_shared nightburst_c_shared
        EXPORT nightburst_targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# synth.h is the test bed's, not part of the package.
install(FILES
  ${PROJECT_SOURCE_DIR}/include/nightburst/awb_model.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/capture_plan.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/io.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/look.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/nightburst_c.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/pipeline.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/raw_frame.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/status.h
  ${PROJECT_SOURCE_DIR}/include/nightburst/superres_grid.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nightburst)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/nightburst)
install(EXPORT nightburst_targets NAMESPACE nightburst:: DESTINATION ${config_dir}
        FILE nightburst-targets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nightburst-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/nightburst-config.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/nightburst-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nightburst-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/nightburst-config-version.cmake
        DESTINATION ${config_dir})

# pkg-config, for the C API (`pkg-config --cflags --libs nightburst`).
file(RELATIVE_PATH pc_to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(${PROJECT_SOURCE_DIR}/cmake/nightburst.pc.in ${CMAKE_CURRENT_BINARY_DIR}/nightburst.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/nightburst.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The Python module (src/python): built with pybind11 against Debian's
# Python 3, installed on its own as component `python` into
# lib/python3.X/site-packages of the prefix (the user's site with
# `--prefix "$(/usr/bin/python3 -m site --user-base)"`).
install(TARGETS nightburst_python LIBRARY DESTINATION ${NIGHTBURST_PYTHON_SITE} COMPONENT python EXCLUDE_FROM_ALL)
