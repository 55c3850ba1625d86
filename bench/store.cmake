# store_bench: page commits vs a bare SQLite insert baseline (docs/STORE.md).
# Not a CTest test; run build/release/bench/store_bench [events] [dir].
add_executable(store_bench ${CMAKE_CURRENT_LIST_DIR}/store_bench.c)
# The baseline talks to SQLite directly: the floor under the store's figures.
target_link_libraries(store_bench PRIVATE mcl_store PkgConfig::SQLITE)
