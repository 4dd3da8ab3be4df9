#!/usr/bin/env bash
# Runs contrib/ansible/site.yml with the real Ansible (ansible-core from PyPI, installed into a
# venv under $CARGO_TARGET_DIR (default target/) when missing) on an inventory of four local
# hosts, each with its own staged PRODUCT_HOME and profile. gw2 has another keystore certificate
# and, through its per-host preflight_environment, another JDK: the fleet report must catch both.
# gw3's work folder is on a noexec tmpfs (as /tmp is on hardened hosts): the role must say why
# preflight cannot run there, and the fleet report must fail fleet.complete for gw3, which the
# play passes to `preflight fleet --expect` with the other inventory hosts. The other hosts use
# the role's default work folder, under ansible_remote_tmp: nothing may land in /tmp. gw1 is
# written with the role's old variable names (product_home, profile), which must still work
# and draw one deprecation warning each.
# Then `preflight fleet --expect FILE` is checked against ansible-inventory on an INI and a YAML
# inventory: it must expect exactly the hosts Ansible lists.
#
#   tests/ansible/run.sh            # uses $CARGO_TARGET_DIR/debug/preflight (built if missing)
#   PREFLIGHT_BIN=target/release/preflight tests/ansible/run.sh
# Mounting the noexec tmpfs needs root; without it the noexec case is skipped with a message,
# and under CI=true that is a failure.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
case $target in /*) ;; *) target=$repo/$target ;; esac
venv="$target/ansible-venv"
if [ ! -x "$venv/bin/ansible-playbook" ]; then
  echo "tests/ansible: installing ansible-core into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'ansible-core>=2.16,<2.20'
fi
bin=${PREFLIGHT_BIN:-$target/debug/preflight}
if [ ! -x "$bin" ]; then
  cargo build --quiet
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-ansible.XXXXXX")
mkdir -p "$work/noexec"
noexec=
if mount -t tmpfs -o noexec,size=512m preflight-noexec "$work/noexec" 2>/dev/null; then
  noexec=1
elif [ "${CI:-}" = true ]; then
  echo "tests/ansible: FAIL: cannot mount a noexec tmpfs (needs root) under CI" >&2
  exit 1
else
  echo "tests/ansible: SKIPPED the noexec host: cannot mount a noexec tmpfs (needs root)" >&2
fi
cleanup() {
  [ -z "$noexec" ] || umount "$work/noexec" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# Staged PRODUCT_HOMEs: APIM 4.2.0, one keystore each from tests/fixtures/keystores.
stage() { # name hostname keystore-file password alias
  local home="$work/hosts/$1/wso2am-4.2.0"
  mkdir -p "$home/bin" "$home/updates" "$home/repository/conf" "$home/repository/resources/security"
  echo "WSO2 API Manager v4.2.0" >"$home/bin/version.txt"
  echo "wso2am-4.2.0" >"$home/updates/product.txt"
  cp "tests/fixtures/keystores/$3" "$home/repository/resources/security/$3"
  cat >"$home/repository/conf/deployment.toml" <<TOML
[server]
hostname = "$2"

[keystore.primary]
file_name = "$3"
password = "$4"
alias = "$5"
key_password = "$4"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/apim_db"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/shared_db"
TOML
}
stage cp1 cp.example.com gateway.jks Sup3r-Store gateway
stage gw1 gw1.example.com gateway.jks Sup3r-Store gateway
stage gw2 gw2.example.com tls.p12 changeit-2 tls
stage gw3 gw3.example.com gateway.jks Sup3r-Store gateway

# Fake JDKs: only a release file, which is all the JDK probe reads.
mkdir -p "$work/jdk17" "$work/jdk21"
printf 'JAVA_VERSION="17.0.10"\nIMPLEMENTOR="Eclipse Adoptium"\n' >"$work/jdk17/release"
printf 'JAVA_VERSION="21.0.2"\nIMPLEMENTOR="Oracle Corporation"\n' >"$work/jdk21/release"

cat >"$work/inventory.yml" <<YAML
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: $venv/bin/python
    preflight_binary: $bin
    preflight_offline: true
    # tls.p12 (PBES2/AES-256) is slow to open in a debug build
    preflight_timeout: 60
    preflight_fleet_salt: test-fleet-salt
    # The role's work folder defaults to <ansible_remote_tmp>/preflight-<host>.
    ansible_remote_tmp: $work/remote-tmp
  children:
    control_plane:
      hosts:
        cp1:
          preflight_product_home: $work/hosts/cp1/wso2am-4.2.0
          preflight_profile: control-plane
          preflight_environment: {JAVA_HOME: $work/jdk17}
    gateways:
      hosts:
        gw1:
          # The role's variable names before they were prefixed: still read, with a warning.
          product_home: $work/hosts/gw1/wso2am-4.2.0
          profile: gateway-worker
          preflight_environment: {JAVA_HOME: $work/jdk17}
        gw2:
          preflight_product_home: $work/hosts/gw2/wso2am-4.2.0
          preflight_profile: gateway-worker
          preflight_environment: {JAVA_HOME: $work/jdk21}
YAML
if [ -n "$noexec" ]; then
  cat >>"$work/inventory.yml" <<YAML
        gw3:
          preflight_product_home: $work/hosts/gw3/wso2am-4.2.0
          preflight_profile: gateway-worker
          preflight_environment: {JAVA_HOME: $work/jdk17}
          preflight_remote_dir: $work/noexec/preflight-gw3
YAML
fi

before=$(cd "$work/hosts" && find . -exec stat -c '%n %s %Y' {} + | sort)
set +e
ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
  "$venv/bin/ansible-playbook" -i "$work/inventory.yml" contrib/ansible/site.yml \
  -e "preflight_fleet_dir=$work/fleet" -e "preflight_report_dir=$work/reports" \
  >"$work/play.log" 2>&1
rc=$?
set -e
after=$(cd "$work/hosts" && find . -exec stat -c '%n %s %Y' {} + | sort)

fail() { echo "tests/ansible: FAIL: $*" >&2; sed 's/^/  | /' "$work/play.log" >&2; exit 1; }
[ "$rc" -ne 0 ] || fail "the play succeeded, but the fleet has failures"
grep -q 'preflight fleet found failures (exit 1)' "$work/play.log" || fail "the play did not fail on the fleet report"
[ "$before" = "$after" ] || fail "something under a PRODUCT_HOME changed"
for h in cp1 gw1 gw2; do
  for f in facts.json report.json; do
    [ -s "$work/fleet/$h/$f" ] || fail "fleet/$h/$f was not fetched"
    [ -s "$work/remote-tmp/preflight-$h/$f" ] || fail "$h did not work under ansible_remote_tmp"
  done
done
# gw1 uses the old variable names: warned once per name, the other hosts not at all.
for v in product_home profile; do
  grep -q "\[DEPRECATION WARNING\] gw1 sets \`$v\`; rename it to \`preflight_$v\`" "$work/play.log" ||
    fail "no deprecation warning for gw1's old variable $v"
done
[ "$(grep -c '\[DEPRECATION WARNING\] [a-z0-9]* sets' "$work/play.log")" = 2 ] ||
  fail "deprecation warnings for hosts that use the new names"
if [ -n "$noexec" ]; then
  [ ! -e "$work/fleet/gw3" ] || fail "gw3 sent files although preflight cannot run there"
  grep -q "preflight-gw3/preflight does not run on gw3" "$work/play.log" ||
    fail "the role did not say why preflight cannot run on the noexec mount"
fi
for f in fleet.txt fleet.json fleet.xml fleet.sarif fleet.md; do
  [ -s "$work/reports/$f" ] || fail "reports/$f was not written"
done
python3 - "$work/reports/fleet.json" "$noexec" <<'PY' || fail "the fleet report misses a finding"
import json, sys
report = json.load(open(sys.argv[1]))
noexec = sys.argv[2] == "1"
by_id = {r["id"]: r for r in report["results"]}
ks, jdk = by_id["fleet.same-keystore"], by_id["fleet.same-jdk"]
assert ks["status"] == "fail" and "on gw2" in ks["message"] and "on cp1, gw1" in ks["message"], ks
assert jdk["status"] == "warn" and "among gateway-worker nodes" in jdk["message"] and "21 on gw2" in jdk["message"], jdk
assert by_id["fleet.same-product"]["status"] == "pass", by_id["fleet.same-product"]
for n in ("cp1", "gw1", "gw2"):
    assert by_id["node:" + n]["category"] == "nodes"
complete = by_id["fleet.complete"]
if noexec:
    assert complete["status"] == "fail" and "no report.json from gw3" in complete["message"], complete
else:
    assert complete["status"] == "pass", complete
assert by_id["fleet.redundancy"]["status"] == "warn", by_id["fleet.redundancy"]
assert "control-plane runs only on cp1" in by_id["fleet.redundancy"]["message"]
print("tests/ansible: fleet.complete:", complete["message"])
print("tests/ansible: fleet.same-keystore:", ks["message"])
print("tests/ansible: fleet.same-jdk:", jdk["message"])
PY
# `preflight fleet --expect INVENTORY` expects the hosts real Ansible reads from that file:
# ansible-inventory lists the hosts of an INI and a YAML inventory (ranges with widths, letters
# and strides, a port, nested children, vars sections); a fleet of exactly those nodes passes
# fleet.complete, and one node fewer fails it.
inv=$work/inventories
mkdir -p "$inv"
cat >"$inv/hosts.ini" <<'INI'
# every APIM node
lb.example.com ansible_host=127.0.0.1
[control_plane]
cp[1:2] ansible_user=wso2carbon
[gateways]
gw[01:03].example.com:2222
gw-[a:e:2]
[gateways:vars]
preflight_profile=gateway-worker
[apim:children]
control_plane
gateways
INI
cat >"$inv/hosts.yml" <<'YAML'
all:
  hosts:
    lb.example.com:
  children:
    apim:
      children:
        control_plane:
          hosts:
            cp[1:2]:
              ansible_user: wso2carbon
        gateways:
          hosts:
            gw[08:10].example.com:
            gw-[a:e:2]:
          vars:
            preflight_profile: gateway-worker
YAML
for file in hosts.ini hosts.yml; do
  "$venv/bin/ansible-inventory" -i "$inv/$file" --list >"$inv/$file.json" 2>"$inv/$file.err" ||
    fail "ansible-inventory could not read $file: $(cat "$inv/$file.err")"
  nodes=$inv/fleet-$file
  python3 - "$inv/$file.json" "$work/fleet/cp1" "$nodes" <<'PY' || fail "could not stage the nodes of $file"
import json, os, shutil, sys
listing, source, nodes = sys.argv[1:]
groups = json.load(open(listing))
hosts = sorted({h for g, v in groups.items() if g != "_meta" for h in v.get("hosts", [])})
assert len(hosts) >= 8, hosts
for h in hosts:
    shutil.copytree(source, os.path.join(nodes, h))
print(f"tests/ansible: {len(hosts)} hosts in {os.path.basename(listing)[:-5]}: {' '.join(hosts)}")
PY
  "$bin" fleet "$nodes" --expect "$inv/$file" --format "json=$inv/$file.fleet.json" >/dev/null || true
  python3 - "$inv/$file.fleet.json" pass <<'PY' || fail "--expect $file does not expect the hosts ansible-inventory lists"
import json, sys
r = {x["id"]: x for x in json.load(open(sys.argv[1]))["results"]}["fleet.complete"]
assert r["status"] == sys.argv[2], r
PY
  rm -rf "$nodes/cp2"
  "$bin" fleet "$nodes" --expect "$inv/$file" --format "json=$inv/$file.fleet.json" >/dev/null || true
  python3 - "$inv/$file.fleet.json" fail <<'PY' || fail "--expect $file does not miss a node that sent nothing"
import json, sys
r = {x["id"]: x for x in json.load(open(sys.argv[1]))["results"]}["fleet.complete"]
assert r["status"] == sys.argv[2] and "no report.json from cp2" in r["message"], r
PY
done
echo "tests/ansible: --expect reads the hosts ansible-inventory lists from an INI and a YAML inventory"

hosts="3 local hosts"
[ -z "$noexec" ] || hosts="4 local hosts, one on a noexec mount"
echo "tests/ansible: ok ($hosts; the play failed on the fleet report as it should)"
