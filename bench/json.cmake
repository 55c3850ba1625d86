# json_bench: core/json vs jansson on Mimecast pages (bench/README.md).
# Not a CTest test; run build/release/bench/json_bench [PAGE.json ...].
add_executable(json_bench ${CMAKE_CURRENT_LIST_DIR}/json_bench.c)
# jansson is the baseline measured in the same run.
target_link_libraries(json_bench PRIVATE mcl_core PkgConfig::JANSSON)
target_compile_definitions(json_bench PRIVATE MCL_SAMPLES_DIR="${PROJECT_SOURCE_DIR}/../shared/mimecast/samples")
