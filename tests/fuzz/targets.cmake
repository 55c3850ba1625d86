mcl_fuzz_target(fuzz_config SOURCES fuzz_config.c LIBS mcl_config CORPUS config)
mcl_fuzz_target(fuzz_json SOURCES fuzz_json.c LIBS mcl_core PkgConfig::JANSSON CORPUS json)
