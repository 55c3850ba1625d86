mcl_fuzz_target(fuzz_config SOURCES fuzz_config.c LIBS mcl_config CORPUS config)
