mcl_unit_test(test_engine SOURCES test_engine.c LIBS mcl_engine)
