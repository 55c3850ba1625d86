mcl_unit_test(test_store SOURCES test_store.c LIBS mcl_store)
mcl_unit_test(test_store_crash SOURCES test_store_crash.c LIBS mcl_store)
