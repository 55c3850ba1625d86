#!/usr/bin/env bash
# The demo, on a fresh Debian 12 machine: installs what is missing, builds the
# release preset, starts mcsim (the Mimecast API simulator) with a week of data
# for one account, collects all six log types with `mclog once`, shows the
# counts per log type and an example query, then leaves mcsim and the daemon
# (`mclog run`) running in the background and says where to look.
# `scripts/demo.sh stop` stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/out/demo
bin=$root/build/release
mclog=$bin/src/cli/mclog

stop_demo() {
  for name in mclog mcsim; do
    if [ -f "$out/$name.pid" ]; then
      kill "$(cat "$out/$name.pid")" 2>/dev/null || true
      rm -f "$out/$name.pid"
    fi
  done
}
if [ "${1:-}" = stop ]; then
  stop_demo
  echo "demo stopped"
  exit 0
fi

./scripts/install-deps.sh
cmake --workflow --preset release
stop_demo
rm -rf "$out"
mkdir -p "$out"

# mcsim on an ephemeral port; its first stdout line says which one.
setsid "$bin/sim/mcsim" --port 0 --period 7d >"$out/mcsim.out" 2>"$out/mcsim.log" </dev/null &
echo $! >"$out/mcsim.pid"
for _ in $(seq 1 100); do
  grep -q 'listening on' "$out/mcsim.out" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/^mcsim listening on \(.*\)$/http:\/\/\1/p' "$out/mcsim.out")
[ -n "$base" ] || { echo "mcsim did not start; see $out/mcsim.log" >&2; exit 1; }

cat >"$out/mclog.yaml" <<YAML
# Demo configuration: one Mimecast account (API 2.0) served by mcsim on loopback.
store: { path: $out/mclog.db }
log: { level: info }
accounts:
  - name: demo
    api: v2
    base_url: $base
    client_id: demo-client-id
    client_secret: demo-client-secret
    logs: [audit, dlp, rejection, ttp_url, ttp_impersonation, ttp_attachment]
    lookback: 7d
    interval: 1m
    page_size: 500
    internal_domains: [demo.example.com]
    internal_networks: [10.0.0.0/8]
YAML

run() { echo; echo "\$ mclog $*"; "$mclog" "$@"; }
echo
echo "== mcsim is serving a week of Mimecast logs at $base"
run validate -c "$out/mclog.yaml"
run check -c "$out/mclog.yaml"
run once -c "$out/mclog.yaml" 2>"$out/once.log"
run status -c "$out/mclog.yaml"
run query -c "$out/mclog.yaml" --log ttp_url --since 7d --limit 5 --format table
echo
echo "\$ mclog query -c $out/mclog.yaml --log ttp_attachment --limit 1    # NDJSON"
"$mclog" query -c "$out/mclog.yaml" --log ttp_attachment --limit 1

# The daemon keeps collecting new events every minute.
setsid "$mclog" run -c "$out/mclog.yaml" >"$out/mclog.log" 2>&1 </dev/null &
echo $! >"$out/mclog.pid"

cat <<MSG

The daemon is running (pid $(cat "$out/mclog.pid")) and polls each log type every minute.
Where to look:
  status          $mclog status -c $out/mclog.yaml
  events          $mclog query -c $out/mclog.yaml --since 1h --format table
  daemon log      $out/mclog.log
  simulator       $base  (docs/MCSIM.md; ground truth: $base/_sim/stats)
  configuration   $out/mclog.yaml  (docs/CONFIG.md)
  stop the demo   ./scripts/demo.sh stop
MSG
