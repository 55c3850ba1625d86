# Warnings are errors everywhere; the same flags for gcc and clang.
add_compile_definitions(_GNU_SOURCE)
add_compile_options(
  -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
  -Wvla -Wpointer-arith -Wundef -Wno-unused-parameter -fno-common)
if(MCL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(MCL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
