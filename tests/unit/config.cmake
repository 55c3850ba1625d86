mcl_unit_test(test_config SOURCES test_config.c LIBS mcl_config)
mcl_unit_test(test_config_yaml SOURCES test_config_yaml.c LIBS mcl_config)
mcl_unit_test(test_config_opt SOURCES test_config_opt.c LIBS mcl_config)
