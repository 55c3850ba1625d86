# collect_bench: `mclog once` into an empty store beside a fetch-only walk.
add_executable(collect_bench ${CMAKE_CURRENT_SOURCE_DIR}/collect_bench.c)
target_link_libraries(collect_bench PRIVATE mcl_testlib)
target_compile_definitions(collect_bench PRIVATE MCSIM_PATH="$<TARGET_FILE:mcsim>"
                                                 MCLOG_PATH="$<TARGET_FILE:mclog>")
add_dependencies(collect_bench mcsim mclog)
