#!/usr/bin/env bash
# `preflight fleet` on 1,000 nodes: one real facts.json + report.json pair (from the example
# home) copied into 1,000 node folders with their own hostname, profile and, on every 100th node,
# another keystore certificate; then `preflight fleet DIR --expect INVENTORY --format json=FILE`
# and the baseline benches/fleet_baseline.py (Python reading and parsing every node file, one
# comparison) run interleaved, round after round (benches/ab.py), so the ratio is like for like
# on this drifting machine. Prints both medians and the ratio on the last line. Needs python3.
# Usage: benches/fleet.sh [NODES] [RUNS]      (PREFLIGHT_BIN=FILE: time that binary, no build)
set -eu
cd "$(dirname "$0")/.."
nodes=${1:-1000}
runs=${2:-20}
target=${CARGO_TARGET_DIR:-$PWD/target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
# PREFLIGHT_BIN=path times that binary as it is (e.g. one built earlier from the same commit).
if [ -n "${PREFLIGHT_BIN:-}" ]; then
  bin=$PREFLIGHT_BIN
else
  cargo build --release -q
  bin=$target/release/preflight
fi
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# One real node: the example home (no network), facts for every rule and the fleet.
"$bin" facts --offline --product-home examples/wso2am-4.2.0 --output "$work/facts.json"
"$bin" check --offline --product-home examples/wso2am-4.2.0 --format "json=$work/report.json" || true

profiles=(control-plane gateway-worker gateway-worker traffic-manager key-manager)
python3 - "$work" "$nodes" "${profiles[@]}" <<'PY'
import json, os, sys
work, n, profiles = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
facts = json.load(open(os.path.join(work, "facts.json")))
report = open(os.path.join(work, "report.json")).read()
for i in range(n):
    name = f"node{i:04d}"
    d = os.path.join(work, "fleet", name)
    os.makedirs(d)
    f = facts["facts"]
    f["product.profile"] = {"value": {"type": "str", "value": profiles[i % len(profiles)]}, "duration_ms": 0}
    f["deployment.server.hostname"] = {"value": {"type": "str", "value": f"{name}.example.com"}, "duration_ms": 0}
    cert = "AA:BB" if i % 100 else "CC:DD"
    f["keystore.primary.cert.sha256"] = {"value": {"type": "str", "value": cert}, "duration_ms": 0}
    json.dump(facts, open(os.path.join(d, "facts.json"), "w"), indent=2)
    open(os.path.join(d, "report.json"), "w").write(report)
PY
# The inventory the nodes came from, as Ansible's INI: fleet.complete reads it.
python3 -c "import sys; print('[apim]'); print('\n'.join(f'node{i:04d}' for i in range(int(sys.argv[1]))))" "$nodes" >"$work/inventory.ini"
size=$(du -sh "$work/fleet" | cut -f1)
echo "$nodes nodes, $size of facts.json + report.json ($(nproc) CPUs)"
python3 benches/ab.py "$runs" \
  "$bin fleet $work/fleet --expect $work/inventory.ini --format json=$work/fleet.json" \
  "python3 benches/fleet_baseline.py $work/fleet" >"$work/ab.txt"
cat "$work/ab.txt" >&2
read -r ours base <<<"$(awk '{print $1}' "$work/ab.txt" | tr '\n' ' ')"
python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'preflight fleet median {a:.0f} ms, baseline {b:.0f} ms: {b / a:.1f}x faster than the baseline')" "$ours" "$base"
