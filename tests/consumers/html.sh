#!/usr/bin/env bash
# The HTML sign-off sheet in a real browser: Debian's Chromium, headless, loads the sheet of the
# example home and of the golden pack with no console message (errors included), its DOM (after
# the inline script ran) holds every rule id of the JSON report of the same run, a filter preset
# in the URL hides what it should, and a screenshot is produced.
# Installs chromium with apt-get when it is missing. Exits non-zero on any problem.
# Usage: tests/consumers/html.sh [SCREENSHOT.png]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
work=$target/consumers/html
rm -rf "$work"
mkdir -p "$work"
shot=${1:-$work/signoff.png}

if ! command -v chromium >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

cargo build --quiet --bin preflight
bin=$target/debug/preflight

# browse URL ARGS...: runs headless Chromium on URL with a fresh profile; console lines go to
# $work/console.log.
browse() {
  local url=$1
  shift
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" "$url" \
    2>"$work/console.log"
  rm -rf "$profile"
}

# The console check must be able to fail: a page with an error is caught.
printf '<!DOCTYPE html><title>x</title><script>nope();</script>\n' >"$work/broken.html"
browse "file://$work/broken.html" --dump-dom >/dev/null
if ! grep -q 'CONSOLE.*Uncaught ReferenceError' "$work/console.log"; then
  echo "html: the console scan does not see a script error; cannot trust it" >&2
  exit 1
fi

status=0
# sheet NAME EXPECTED_EXIT ARGS...: writes NAME.html and NAME.json from one run, checks them.
sheet() {
  local name=$1 expected=$2
  shift 2
  local code=0
  "$bin" check "$@" --format "html=$work/$name.html" --format "json=$work/$name.json" || code=$?
  if [ "$code" != "$expected" ]; then
    echo "html: $name: preflight exited $code, expected $expected" >&2
    exit 1
  fi
  browse "file://$work/$name.html" --dump-dom >"$work/$name.dom"
  if grep -q 'CONSOLE' "$work/console.log"; then
    echo "html: $name: console messages:" >&2
    grep 'CONSOLE' "$work/console.log" >&2
    status=1
  fi
  local ids missing=0 total=0
  ids=$(python3 -c 'import json,sys; print("\n".join(r["id"] for r in json.load(open(sys.argv[1]))["results"]))' "$work/$name.json")
  for id in $ids; do
    total=$((total + 1))
    if ! grep -q "data-id=\"$id\"" "$work/$name.dom"; then
      echo "html: $name: rule $id is not in the DOM" >&2
      missing=$((missing + 1))
    fi
  done
  # The inline script ran: it counted the rows it shows.
  if ! grep -q "<span id=\"shown\">$total</span>" "$work/$name.dom"; then
    echo "html: $name: the filter script did not count $total rows" >&2
    status=1
  fi
  [ "$missing" = 0 ] || status=1
  echo "html: $name: $total rule ids in the DOM, $missing missing"
}
sheet example 1 --product-home examples/wso2am-4.2.0 --offline
sheet golden 1 --rules tests/golden/pack --facts tests/golden/facts.json --waivers tests/golden/waivers.toml

# Filters: a preset for failures of one category shows only those rows.
browse "file://$work/example.html#status=fail&category=db" --dump-dom >"$work/filtered.dom"
want=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["results"] if r["status"]=="fail" and r["category"]=="db"))' "$work/example.json")
if ! grep -q "<span id=\"shown\">$want</span>" "$work/filtered.dom"; then
  echo "html: the status and category filters do not show the $want failing db rows" >&2
  status=1
fi
shown=$(grep -o '<tr data-id="[^"]*" data-status="[^"]*" data-category="[^"]*"[^>]*>' "$work/filtered.dom" | grep -vc ' hidden=""' || true)
if [ "$shown" != "$want" ]; then
  echo "html: filtered DOM shows $shown rows, expected $want" >&2
  status=1
fi

browse "file://$work/example.html" --hide-scrollbars --window-size=1280,1800 --screenshot="$shot" >/dev/null
if [ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
  echo "html: no PNG screenshot at $shot" >&2
  status=1
fi
echo "html: screenshot $shot ($(wc -c <"$shot") bytes)"
exit $status
