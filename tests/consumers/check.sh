#!/usr/bin/env bash
# Independent consumers of preflight's CI reports:
#   - JUnit XML is read with junitparser (PyPI) and its counts checked against the JSON report
#     of the same run;
#   - SARIF is validated against the SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, shipped in
#     the npm package @microsoft/jest-sarif) with jsonschema (PyPI), and with the SARIF Multitool
#     (npm @microsoft/sarif-multitool) `validate --rule-kind "Sarif;Gh"`: the rules GitHub code
#     scanning applies on upload; any error or warning fails;
#   - Markdown is rendered with markdown-it-py (PyPI, CommonMark) and every code span checked to
#     render as the rule's own text (no `&lt;` in a command to copy).
# The node reports of `check` and the fleet report of `fleet` (three nodes) go through all four.
# Everything is installed under $CARGO_TARGET_DIR (default target/)/consumers/; reports come from
# the debug binary.
# Usage: tests/consumers/check.sh            (from anywhere; exits non-zero on any problem)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
work=$target/consumers
mkdir -p "$work"

# --- the consumers ---------------------------------------------------------------------------
venv=$work/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  'junitparser>=3,<6' 'jsonschema>=4.18,<5' 'markdown-it-py>=3,<5'

schema=$work/sarif-2.1.0-rtm.5.json
if [ ! -s "$schema" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  tar -xzf "$tmp"/microsoft-jest-sarif-*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
  rm -rf "$tmp"
fi

# The SARIF Multitool's npm package carries a self-contained Linux build (no .NET needed).
multitool=$work/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -x "$multitool" ]; then
  npm install --silent --no-audit --no-fund --prefix "$work/npm" @microsoft/sarif-multitool@5.7.0
fi

# --- the reports -----------------------------------------------------------------------------
# The debug binary `cargo test` just built (a release binary could be stale).
cargo build --quiet --bin preflight
bin=$target/debug/preflight
out=$work/reports
rm -rf "$out"
mkdir -p "$out"

# run NAME EXPECTED_EXIT ARGS...: writes NAME.{json,xml,sarif} from one run.
run() {
  local name=$1 expected=$2
  shift 2
  local code=0
  "$bin" check "$@" \
    --format "json=$out/$name.json" --format "junit=$out/$name.xml" \
    --format "sarif=$out/$name.sarif" --format "markdown=$out/$name.md" || code=$?
  if [ "$code" != "$expected" ]; then
    echo "consumers: $name: preflight exited $code, expected $expected" >&2
    exit 1
  fi
}
golden=(--rules tests/golden/pack --facts tests/golden/facts.json)
run golden 1 "${golden[@]}"
run waived 1 "${golden[@]}" --waivers tests/golden/waivers.toml
run clean 0 "${golden[@]}" --only host.memory.total --only jdk.version
run example 1 --product-home examples/wso2am-4.2.0 --offline
run bare 1 --offline --facts tests/golden/facts.json

# The fleet report of three nodes of the example home (gw2 with another keystore certificate),
# and a fourth node the inventory names that sent nothing: fleet rules, node summaries and node
# findings in every format.
fleet=$out/fleet-nodes
"$bin" facts --offline --product-home examples/wso2am-4.2.0 --output "$out/node-facts.json"
"$bin" check --offline --product-home examples/wso2am-4.2.0 --format "json=$out/node-report.json" || true
python3 - "$out" "$fleet" <<'PY'
import json, os, sys
out, fleet = sys.argv[1:]
for name, profile, cert in [("cp1", "control-plane", "AA:01"), ("gw1", "gateway-worker", "AA:01"),
                            ("gw2", "gateway-worker", "BB:02")]:
    facts = json.load(open(f"{out}/node-facts.json"))
    f = facts["facts"]
    f["product.profile"] = {"value": {"type": "str", "value": profile}, "duration_ms": 0}
    f["keystore.primary.cert.sha256"] = {"value": {"type": "str", "value": cert}, "duration_ms": 0}
    os.makedirs(f"{fleet}/{name}")
    json.dump(facts, open(f"{fleet}/{name}/facts.json", "w"))
    open(f"{fleet}/{name}/report.json", "w").write(open(f"{out}/node-report.json").read())
PY
code=0
"$bin" fleet "$fleet" --expect cp1,gw1,gw2,gw3 \
  --format "json=$out/fleet.json" --format "junit=$out/fleet.xml" \
  --format "sarif=$out/fleet.sarif" --format "markdown=$out/fleet.md" || code=$?
if [ "$code" != 1 ]; then
  echo "consumers: fleet: preflight exited $code, expected 1" >&2
  exit 1
fi

# The Multitool exits 0 whatever it finds: check.py reads its log.
for name in golden waived clean example bare fleet; do
  "$multitool" validate --rule-kind "Sarif;Gh" --level "Error;Warning" --log ForceOverwrite \
    --output "$out/$name.sarif-gh.sarif" "$out/$name.sarif" >"$out/$name.sarif-gh.txt" 2>&1 || {
    echo "consumers: the SARIF Multitool could not validate $name.sarif:" >&2
    cat "$out/$name.sarif-gh.txt" >&2
    exit 1
  }
done

"$venv/bin/python" tests/consumers/check.py "$schema" "$out" golden waived clean example bare fleet
