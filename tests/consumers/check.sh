#!/usr/bin/env bash
# Independent consumers of preflight's CI reports:
#   - JUnit XML is read with junitparser (PyPI) and its counts checked against the JSON report
#     of the same run;
#   - SARIF is validated against the SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json, shipped in
#     the npm package @microsoft/jest-sarif) with jsonschema (PyPI).
# Everything is installed under target/consumers/; reports come from the debug binary.
# Usage: tests/consumers/check.sh            (from anywhere; exits non-zero on any problem)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$root/target/consumers
mkdir -p "$work"

# --- the consumers ---------------------------------------------------------------------------
venv=$work/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  'junitparser>=3,<6' 'jsonschema>=4.18,<5'

schema=$work/sarif-2.1.0-rtm.5.json
if [ ! -s "$schema" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
  tar -xzf "$tmp"/microsoft-jest-sarif-*.tgz -C "$tmp" package/lib/schemas/sarif-2.1.0-rtm.5.json
  mv "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$schema"
  rm -rf "$tmp"
fi

# --- the reports -----------------------------------------------------------------------------
# The debug binary `cargo test` just built (a release binary could be stale).
cargo build --quiet --bin preflight
bin=$root/target/debug/preflight
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

"$venv/bin/python" tests/consumers/check.py "$schema" "$out" golden waived clean example bare
