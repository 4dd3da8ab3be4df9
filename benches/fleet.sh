#!/usr/bin/env bash
# `preflight fleet` on 1,000 nodes: one real facts.json + report.json pair (from the example
# home) copied into 1,000 node folders with their own hostname, profile and, on every 100th node,
# another keystore certificate; then hyperfine times `preflight fleet DIR --format json=FILE`.
# Prints the median on the last line. Needs hyperfine (Debian: apt-get install hyperfine).
# Usage: benches/fleet.sh [NODES] [RUNS]
set -eu
cd "$(dirname "$0")/.."
nodes=${1:-1000}
runs=${2:-20}
command -v hyperfine >/dev/null || { echo "benches/fleet.sh needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release -q
target=${CARGO_TARGET_DIR:-$PWD/target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
bin=$target/release/preflight
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
size=$(du -sh "$work/fleet" | cut -f1)
echo "$nodes nodes, $size of facts.json + report.json ($(nproc) CPUs)"
hyperfine --warmup 2 --runs "$runs" -N --export-json "$work/h.json" \
  --command-name "preflight fleet ($nodes nodes)" \
  "$bin fleet $work/fleet --format json=$work/fleet.json" \
  -i >&2
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"median {r['median']*1000:.0f} ms (mean {r['mean']*1000:.0f} ± {r['stddev']*1000:.0f} ms, min {r['min']*1000:.0f} ms) over {len(r['times'])} runs\")" "$work/h.json"
