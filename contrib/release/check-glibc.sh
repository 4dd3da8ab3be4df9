#!/usr/bin/env bash
# Fails unless BINARY needs at most glibc MAX (default 2.17): the highest GLIBC_x.y version among
# the symbols it imports (objdump -T, the dynamic symbol table), or a static binary.
#
#   contrib/release/check-glibc.sh target/x86_64-unknown-linux-gnu/release/preflight 2.17
set -euo pipefail
bin=${1:?usage: check-glibc.sh BINARY [MAX]}
max=${2:-2.17}
[ -x "$bin" ] || { echo "check-glibc: $bin: no such executable" >&2; exit 1; }
if ! objdump -T "$bin" >/dev/null 2>&1; then
  if file "$bin" 2>/dev/null | grep -q 'statically linked'; then
    echo "check-glibc: $bin is static: no glibc needed"
    exit 0
  fi
  echo "check-glibc: objdump -T cannot read $bin" >&2
  exit 1
fi
# Imported symbols only (*UND*): a version the binary defines itself does not bind the host.
needed=$(objdump -T "$bin" | awk '/\*UND\*/' | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -u -V)
highest=$(printf '%s\n' "$needed" | tail -n 1)
if [ -z "$highest" ]; then
  echo "check-glibc: $bin imports no versioned glibc symbol" >&2
  exit 1
fi
if [ "$(printf '%s\n%s\n' "$highest" "$max" | sort -V | tail -n 1)" != "$max" ]; then
  echo "check-glibc: FAIL: $bin needs glibc $highest (> $max) for:" >&2
  objdump -T "$bin" | awk '/\*UND\*/' | grep -F "GLIBC_$highest)" >&2 || true
  exit 1
fi
echo "check-glibc: $bin needs at most glibc $highest (limit $max): ok"
