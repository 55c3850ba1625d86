#!/usr/bin/env bash
# The demo, on a fresh Debian 12 machine: installs what is missing, builds the
# release preset, starts mcsim (the Mimecast API simulator) with a week of data
# for one account, and shows the API at work: an OAuth token, a page of TTP URL
# click logs, and mclog validating its demo configuration.
# `scripts/demo.sh stop` stops the background simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/out/demo
bin=$root/build/release

stop_demo() {
  if [ -f "$out/mcsim.pid" ]; then
    kill "$(cat "$out/mcsim.pid")" 2>/dev/null || true
    rm -f "$out/mcsim.pid"
  fi
}
if [ "${1:-}" = stop ]; then
  stop_demo
  echo "demo stopped"
  exit 0
fi

./scripts/install-deps.sh
cmake --workflow --preset release
stop_demo
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
# Demo configuration: one Mimecast account served by mcsim on loopback.
store: { path: $out/mclog.db }
accounts:
  - name: demo
    api: v2
    base_url: $base
    client_id: demo-client-id
    client_secret: demo-client-secret
    logs: [audit, dlp, rejection, ttp_url, ttp_impersonation, ttp_attachment]
    lookback: 7d
    interval: 1m
    internal_domains: [demo.example.com]
    internal_networks: [10.0.0.0/8]
YAML

echo
echo "== mcsim is serving a week of Mimecast logs at $base"
echo "== API 2.0: POST /oauth/token"
token=$(curl -sS "$base/oauth/token" \
  -d 'client_id=demo-client-id&client_secret=demo-client-secret&grant_type=client_credentials' |
  sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
echo "token issued (${#token} characters)"
echo "== POST /api/ttp/url/get-logs, pageSize 2"
curl -sS "$base/api/ttp/url/get-logs" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d '{"meta":{"pagination":{"pageSize":2}},"data":[{"from":"2020-01-01T00:00:00+0000","oldestFirst":true}]}'
echo
echo "== events per log type in the simulator: GET /_sim/stats"
curl -sS "$base/_sim/stats"
echo
echo "== mclog validate -c $out/mclog.yaml"
"$bin/src/cli/mclog" validate -c "$out/mclog.yaml"
cat <<MSG

Where to look:
  simulator       $base  (docs/MCSIM.md; its log: $out/mcsim.log)
  configuration   $out/mclog.yaml  (docs/CONFIG.md)
  stop the demo   ./scripts/demo.sh stop
MSG
