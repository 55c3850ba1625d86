#!/usr/bin/env bash
# House rules that a compiler does not check (docs/CODE_STYLE.md):
#  1. each third-party library is included by its own module only;
#  2. mcsim shares no code with the collector it tests;
#  3. threads are started in one place only (src/engine/);
#  4. banned libc functions.
# Prints every violation as file:line: rule, exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
report() { echo "$1: $2"; fail=1; }

files=$(git ls-files -co --exclude-standard 'src/*.c' 'src/*.h' 'sim/*.c' 'sim/*.h' 2>/dev/null || true)
[ -n "$files" ] || files=$(find src sim -name '*.[ch]')

# header regex -> directories (regex on the path) allowed to include it
rules=(
  '<curl/|src/net/'
  '<sqlite3\.h>|src/store/'
  '<yaml\.h>|src/config/'
  '<microhttpd\.h>|src/server/|sim/'
  '<openssl/|src/core/crypto\.c|sim/'
  '<jansson\.h>|src/(mimecast|sources|pipeline|store|outputs|server|cli|engine)/|sim/'
  '<librdkafka/|src/outputs/kafka'
  '<maxminddb\.h>|src/pipeline/geoip'
  '<zlib\.h>|src/(net|outputs)/'
)
for f in $files; do
  for r in "${rules[@]}"; do
    hdr=${r%%|*}
    allowed=${r#*|}
    while IFS=: read -r ln _; do
      [ -n "$ln" ] || continue
      echo "$f" | grep -Eq "^($allowed)" || report "$f:$ln" "includes $hdr outside its module ($allowed)"
    done < <(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*$hdr" "$f")
  done
  case "$f" in
    sim/*)
      while IFS=: read -r ln _; do
        report "$f:$ln" "mcsim must not include collector code"
      done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"(core|config|mimecast|sources|pipeline|store|outputs|server|cli|engine|net)/' "$f")
      ;;
    src/engine/*) ;;
    *)
      while IFS=: read -r ln _; do
        report "$f:$ln" "threads are started in src/engine/ only"
      done < <(grep -nE '\bpthread_create[[:space:]]*\(' "$f")
      ;;
  esac
  while IFS=: read -r ln rest; do
    report "$f:$ln" "banned function: $(echo "$rest" | grep -oE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|gmtime|localtime|rand|srand)[[:space:]]*\(' | head -1)"
  done < <(grep -nE '(^|[^_a-zA-Z0-9.>])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|gmtime|localtime|rand|srand)[[:space:]]*\(' "$f" | grep -v '^\s*[0-9]*:\s*/\?\*')
done
[ $fail -eq 0 ] && echo "checksrc: ok ($(echo "$files" | wc -w) files)"
exit $fail
