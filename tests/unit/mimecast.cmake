# Tests of src/net, src/mimecast and src/sources/logdef (label "unit").
# fakesrv.c: a scriptable libmicrohttpd server on 127.0.0.1 for client tests.
mcl_unit_test(test_net_http SOURCES test_net_http.c fakesrv.c
              LIBS mcl_net PkgConfig::MHD PkgConfig::CRYPTO Threads::Threads)
mcl_unit_test(test_mc_classify SOURCES test_mc_classify.c LIBS mcl_mimecast)
mcl_unit_test(test_mc_client SOURCES test_mc_client.c fakesrv.c
              LIBS mcl_mimecast PkgConfig::MHD PkgConfig::CRYPTO Threads::Threads)
mcl_unit_test(test_logdef SOURCES test_logdef.c LIBS mcl_sources)

# Micro-benchmark of the per-record cost (parse + key + stored text); not a CTest test.
# Run: build/release/tests/unit/bench_logdef [records-per-page] [rounds]
add_executable(bench_logdef ${CMAKE_CURRENT_LIST_DIR}/bench_logdef.c)
target_link_libraries(bench_logdef PRIVATE mcl_sources)
target_compile_definitions(bench_logdef PRIVATE MCL_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")

# Against mcsim (sim/), when it is part of the build: an independent implementation of the API.
if(TARGET mcsim AND TARGET mcl_testlib)
  mcl_unit_test(test_mc_mcsim SOURCES test_mc_mcsim.c LIBS mcl_sources mcl_testlib)
  target_compile_definitions(test_mc_mcsim PRIVATE MCSIM_PATH="$<TARGET_FILE:mcsim>")
  add_dependencies(test_mc_mcsim mcsim)
endif()
