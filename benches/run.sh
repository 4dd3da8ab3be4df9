#!/usr/bin/env bash
# Whole-run benchmarks for docs/PERFORMANCE.md, all measured in one run on this machine:
#  (a) the full pack, --offline, on a staged APIM 4.2.0 home, table and json
#  (b) ../shared/bench/baseline.sh (a shell go-live script) on the same home, as the baseline
#  (c) 1,000 / 5,000 / 10,000 synthetic rules (compile + evaluate from a facts file)
#  (d) a PRODUCT_HOME with 50,000 files and 300 jars
#  (e) the hardened APIM 4.7.0 home of tests/fixtures/homes (two password-protected PKCS#12
#      stores, four [secrets]), without and with Secure Vault's keystore password, interleaved
#      with baseline.sh on that home
# (a)/(b) and (e) run interleaved (benches/ab.py), so their ratios are immune to the machine's
# drift; (c) and (d) use hyperfine. Every figure carries the load average (1/5/15 min) taken
# around its measurement. Prints a Markdown report on stdout (progress on stderr). Needs python3,
# hyperfine, strace and GNU time (Debian: hyperfine, strace, time).
# Usage: benches/run.sh [RUNS]      (docs/PERFORMANCE.md quotes `benches/run.sh 100`)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-30}
root=$PWD
shared=$root/../shared
for tool in hyperfine strace python3 /usr/bin/time; do
  command -v $tool >/dev/null || { echo "benches/run.sh needs $tool (Debian: apt-get install hyperfine strace time python3)" >&2; exit 2; }
done
cargo build --release -q
target=${CARGO_TARGET_DIR:-$PWD/target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
bin=$target/release/preflight
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- a staged APIM 4.2.0 home: real WSO2 files when ../shared is here, else the example home
stage_42() {
  local home=$1
  mkdir -p "$home"/{bin,updates,repository/conf/tomcat,repository/conf/security,repository/resources/security,repository/components/lib,repository/components/dropins}
  echo "WSO2 API Manager v4.2.0" > "$home/bin/version.txt"
  echo "wso2am-4.2.0" > "$home/updates/product.txt"
  local fx=$shared/fixtures/wso2
  if [ -d "$fx" ]; then
    local p=$fx/wso2-product-apim/v4.2.0/modules/distribution/product/src/main
    cp "$p/conf/deployment.toml" "$home/repository/conf/"
    cp "$p/startup-scripts/api-manager.sh" "$home/bin/"
    cp "$p/conf/catalina-server.xml" "$home/repository/conf/tomcat/"
    cp "$p/conf/log4j2.properties" "$home/repository/conf/"
    cp "$p/conf/security/Owasp.CsrfGuard.Carbon.properties" "$home/repository/conf/security/"
    cp "$fx/wso2-carbon-kernel/v4.8.1/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks" "$home/repository/resources/security/"
    cp "$p/resources/client-truststore.jks" "$home/repository/resources/security/"
  else
    cp -r "$root/examples/wso2am-4.2.0/." "$home/"
  fi
}
home=$work/wso2am-4.2.0
stage_42 "$home"

# The load average when a measurement starts and when it ends: "start → end".
load() { cut -d' ' -f1-3 /proc/loadavg; }
during() { echo "$1 → $(load)"; }
# ab.py prints "WALL ms wall CPU ms cpu  CMD" per command: field 1 is wall, field 4 CPU.
ab_field() { awk -v f="$2" '{print $f}' "$1" | tr '\n' ' '; }
ratio() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2" 2>/dev/null || echo "n/a"; }
median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.2f' % (x['median']*1000) for x in r))" "$1"; }
peak_rss_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }

# (a) and (b) interleaved, round after round: the VM's speed drifts by tens of percent over
# minutes, and back-to-back runs would put that drift into the ratio.
echo "(a)/(b): $runs interleaved rounds" >&2
load_ab=$(load)
python3 benches/ab.py "$runs" \
  "$bin check --offline --product-home $home --format table" \
  "$bin check --offline --product-home $home --format json" \
  "bash $shared/bench/baseline.sh $home" >"$work/ab.txt"
load_ab=$(during "$load_ab")
cat "$work/ab.txt" >&2
read -r a_table a_json b_shell <<<"$(ab_field "$work/ab.txt" 1)"
read -r a_table_cpu a_json_cpu b_shell_cpu <<<"$(ab_field "$work/ab.txt" 4)"
rss_a=$(peak_rss_kib "$bin" check --offline --product-home "$home" --format json)
rules_total=$("$bin" rules list --format json | python3 -c "import json,sys; print(len(json.load(sys.stdin)['rules']))")
baseline_checks=$(bash "$shared/bench/baseline.sh" "$home" 2>/dev/null | grep -cE '^(PASS|WARN|FAIL)' || true)
jvm_started=$(strace -f -e trace=execve -o "$work/exec.log" "$bin" check --offline --product-home "$home" --format json >/dev/null 2>&1; grep -c 'bin/java"' "$work/exec.log" 2>/dev/null; true)

# ---- (c) synthetic rule packs
"$bin" facts --product-home "$home" --offline --output "$work/facts.json"
synth() {
  local n=$1 dir=$work/synth-$1
  mkdir -p "$dir"
  python3 - "$n" "$dir/rules.toml" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
kinds = [
    ('host.memory.total', '< {i}MiB'),
    ('deployment.server.hostname', "in ['localhost', 'host{i}']"),
    ('host.cpu.cores', '< {m}'),
    ('deployment.database.apim_db.type', "missing or == 't{i}'"),
]
with open(out, 'w') as f:
    for i in range(n):
        fact, cond = kinds[i % len(kinds)]
        f.write(f'[[rule]]\nid = "synthetic.r{i}"\ntitle = "Synthetic rule {i}"\ncategory = "synthetic"\n'
                f'fact = "{fact}"\nfail = "{cond.format(i=i, m=i % 64 + 1)}"\nmessage = "observed {{observed}}"\n\n')
PY
}
for n in 1000 5000 10000; do synth $n; done
echo "(c): synthetic rule packs" >&2
load_c=$(load)
hyperfine -N -i --warmup 2 --runs 10 --export-json "$work/c.json" \
  "$bin check --facts $work/facts.json --rules $work/synth-1000 --format json" \
  "$bin check --facts $work/facts.json --rules $work/synth-5000 --format json" \
  "$bin check --facts $work/facts.json --rules $work/synth-10000 --format json" >&2
load_c=$(during "$load_c")
read -r c1 c5 c10 <<<"$(median "$work/c.json")"
rss_c=$(peak_rss_kib "$bin" check --facts "$work/facts.json" --rules "$work/synth-10000" --format json)

# ---- (d) a large home: 50,000 files and 300 jars
big=$work/big
stage_42 "$big"
python3 - "$big" <<'PY'
import os, sys, zipfile
home = sys.argv[1]
for d in range(500):
    p = os.path.join(home, 'repository/deployment/server/webapps', f'app{d}')
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(os.path.join(p, f'f{f}.txt'), 'w') as fh:
            fh.write('x')
lib = os.path.join(home, 'repository/components/dropins')
for j in range(300):
    with zipfile.ZipFile(os.path.join(lib, f'bundle{j}.jar'), 'w') as z:
        for c in range(50):
            z.writestr(f'org/example/b{j}/C{c}.class', b'\xca\xfe\xba\xbe')
        if j == 299:
            z.writestr('org/postgresql/Driver.class', b'\xca\xfe\xba\xbe')
PY
echo "(d): a home with 50,000 files" >&2
load_d=$(load)
hyperfine -N -i --warmup 2 --runs 10 --export-json "$work/d.json" "$bin check --offline --product-home $big --format json" >&2
load_d=$(during "$load_d")
d_big=$(median "$work/d.json")
rss_d=$(peak_rss_kib "$bin" check --offline --product-home "$big" --format json)

# ---- (e) the hardened 4.7.0 home: PKCS#12 keystores under passwords, [secrets] encrypted
hard=$work/apim-4.7.0-hardened
cp -r "$root/tests/fixtures/homes/apim-4.7.0-hardened" "$hard"
chmod 600 "$hard"/repository/resources/security/*
printf 'Hardened-KS-47\n' >"$work/vault-password"
export APIM_KEYSTORE_PASSWORD=Hardened-KS-47 APIM_TRUSTSTORE_PASSWORD=Hardened-TS-47
echo "(e): $runs interleaved rounds" >&2
load_e=$(load)
python3 benches/ab.py "$runs" \
  "$bin check --offline --product-home $hard --format json" \
  "$bin check --offline --product-home $hard --format json --keystore-password-file $work/vault-password" \
  "bash $shared/bench/baseline.sh $hard" >"$work/e.txt"
load_e=$(during "$load_e")
cat "$work/e.txt" >&2
read -r e_plain e_vault e_shell <<<"$(ab_field "$work/e.txt" 1)"
read -r e_plain_cpu e_vault_cpu e_shell_cpu <<<"$(ab_field "$work/e.txt" 4)"
rss_e_plain=$(peak_rss_kib "$bin" check --offline --product-home "$hard" --format json)
rss_e=$(peak_rss_kib "$bin" check --offline --product-home "$hard" --format json --keystore-password-file "$work/vault-password")
e_decrypt=$("$bin" check --offline --product-home "$hard" --format json --keystore-password-file "$work/vault-password" --only config.secrets.decrypt | python3 -c "import json,sys; print([r['status'] for r in json.load(sys.stdin)['results'] if r['id']=='config.secrets.decrypt'][0])")
e_passed=$("$bin" check --offline --product-home "$hard" --format json | python3 -c "import json,sys; r=json.load(sys.stdin)['results']; print(sum(x['status']=='pass' for x in r), 'of', len(r), 'pass')")

cat <<MD
Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), \`benches/run.sh $runs\`:
$runs interleaved rounds for (a)/(b) and (e), 10 hyperfine runs for (c) and (d). Load average
(1/5/15 min) at the start → end of each measurement.

| case | median wall | median CPU | peak RSS | load average |
|---|---|---|---|---|
| (a) full pack ($rules_total rules), --offline, APIM 4.2.0 home, table | ${a_table} ms | ${a_table_cpu} ms | | ${load_ab} |
| (a) same, json | **${a_json} ms** | ${a_json_cpu} ms | $((rss_a / 1024)) MiB | |
| (b) baseline.sh ($baseline_checks checks) on the same home | ${b_shell} ms | ${b_shell_cpu} ms | | |
| (b) ratio baseline / preflight json | **$(ratio "$b_shell" "$a_json")×** | $(ratio "$b_shell_cpu" "$a_json_cpu")× | | |
| (c) 1,000 synthetic rules + pack, from a facts file | ${c1} ms | | | ${load_c} |
| (c) 5,000 synthetic rules | ${c5} ms | | | |
| (c) 10,000 synthetic rules | **${c10} ms** | | $((rss_c / 1024)) MiB | |
| (d) home with 50,000 files and 300 jars, --offline | ${d_big} ms | | $((rss_d / 1024)) MiB | ${load_d} |
| (e) hardened 4.7.0 home (2 PKCS#12 stores under passwords), full pack, json ($e_passed) | **${e_plain} ms** | ${e_plain_cpu} ms | $((rss_e_plain / 1024)) MiB | ${load_e} |
| (e) same, with Secure Vault's password (4 [secrets] decrypted: config.secrets.decrypt ${e_decrypt}) | ${e_vault} ms | ${e_vault_cpu} ms | $((rss_e / 1024)) MiB | |
| (e) baseline.sh on the hardened home | ${e_shell} ms | ${e_shell_cpu} ms | | |
| (e) ratio baseline / preflight, without the vault password | **$(ratio "$e_shell" "$e_plain")×** | $(ratio "$e_shell_cpu" "$e_plain_cpu")× | | |
| (e) ratio baseline / preflight, with the vault password | $(ratio "$e_shell" "$e_vault")× | $(ratio "$e_shell_cpu" "$e_vault_cpu")× | | |

JVM processes started by (a) when \$JAVA_HOME/release exists: ${jvm_started}
Machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal:/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(. /etc/os-release; echo "$PRETTY_NAME")
MD
