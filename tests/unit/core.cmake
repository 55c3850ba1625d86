mcl_unit_test(test_core_time SOURCES test_core_time.c LIBS mcl_core)
mcl_unit_test(test_core_misc SOURCES test_core_misc.c LIBS mcl_core)
