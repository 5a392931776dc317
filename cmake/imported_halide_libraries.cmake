# The Halide stage libraries as another build tree generated them (see
# NIGHTBURST_HALIDE_LIBRARY_DIR): the same target names add_halide_library
# gives, so the rest of the build is unchanged.
set(dir ${NIGHTBURST_HALIDE_LIBRARY_DIR})
if (NOT EXISTS ${dir}/libnb_finish_basic.runtime.a)
  message(FATAL_ERROR "NIGHTBURST_HALIDE_LIBRARY_DIR=${dir} has no generated Halide libraries; build that tree first")
endif ()
add_library(nb_finish_basic.runtime STATIC IMPORTED GLOBAL)
set_target_properties(nb_finish_basic.runtime PROPERTIES IMPORTED_LOCATION ${dir}/libnb_finish_basic.runtime.a)
target_link_libraries(nb_finish_basic.runtime INTERFACE Threads::Threads ${CMAKE_DL_LIBS})
foreach (stage nb_finish_basic nb_finish_rgb nb_align_pyramid nb_align_search nb_merge_planes_u16 nb_merge_planes_f32
               nb_merge_temporal nb_merge_spatial nb_local_tone nb_superres_robustness nb_superres_accumulate)
  add_library(${stage} STATIC IMPORTED GLOBAL)
  set_target_properties(${stage} PROPERTIES
    IMPORTED_LOCATION ${dir}/lib${stage}.a
    INTERFACE_INCLUDE_DIRECTORIES ${dir})
  target_link_libraries(${stage} INTERFACE nb_finish_basic.runtime Halide::Runtime)
endforeach ()
