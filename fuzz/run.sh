#!/usr/bin/env bash
# Builds the fuzz targets once, then runs each in turn for SECONDS (default 300) on one core.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Empty corpora are first seeded with real inputs (fuzz/seed.sh). Corpora grow in
# fuzz/corpus/TARGET, crashes land in fuzz/artifacts/TARGET (both ignored by git); reproduce
# one with `fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE`.
# One line per target (runs, coverage, crashes) is appended to fuzz/target/summary.txt.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(rule_compiler condition config_readers keystore urls start_script)
fi
export RUSTC_BOOTSTRAP=1 # cargo-fuzz needs -Z flags; this lets a stable toolchain take them
cargo fuzz build -O --debug-assertions # overflow checks on: a wrapped offset is a bug too
./seed.sh
bin="target/$(rustc -vV | sed -n 's/^host: //p')/release"
mkdir -p target
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="target/$t.log"
    status=0
    # The built binary itself: `cargo fuzz run` would rebuild whenever src/ has changed.
    "$bin/$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" "corpus/$t" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
    crashes=$(find "artifacts/$t" -type f | wc -l)
    line="$(date -u +%FT%TZ) $t: ${secs}s, ${runs:-?} runs, cov ${cov:-?}, exit $status, $crashes artifact(s)"
    echo "$line" | tee -a target/summary.txt
done
