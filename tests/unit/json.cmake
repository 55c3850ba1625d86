mcl_unit_test(test_core_json SOURCES test_core_json.c LIBS mcl_core PkgConfig::JANSSON)
