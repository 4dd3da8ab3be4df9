#!/usr/bin/env bash
# The release binary for the hosts APIM runs on: x86_64 Linux with glibc 2.17 or later (RHEL/
# CentOS 7, Rocky/RHEL 8 and 9, Ubuntu 18.04+, Debian 10+, SLES 12+). A plain `cargo build
# --release` links against the build machine's glibc (2.36 on Debian 12) and then refuses to
# start on older hosts ("GLIBC_2.34 not found"). This builds with cargo-zigbuild, which links
# against glibc 2.17's symbol versions using zig as the C toolchain, and then checks the result.
#
#   contrib/release/build.sh                 # -> $CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/preflight
#   PREFLIGHT_PROFILE=dev contrib/release/build.sh    # the same link, without optimisation (CI)
#
# Tools, installed when missing (idempotent), under $CARGO_TARGET_DIR (default target/)/release-tools:
#   ziglang (PyPI: zig packaged as a Python wheel) and cargo-zigbuild (crates.io).
# Prints the binary's path on the last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
tools=$target/release-tools
profile=${PREFLIGHT_PROFILE:-release}
glibc=2.17
triple=x86_64-unknown-linux-gnu

if [ ! -x "$tools/venv/bin/python" ] || ! "$tools/venv/bin/python" -m ziglang version >/dev/null 2>&1; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check 'ziglang==0.15.*'
fi
if ! command -v cargo-zigbuild >/dev/null && [ ! -x "$tools/cargo/bin/cargo-zigbuild" ]; then
  cargo install --quiet --locked --root "$tools/cargo" 'cargo-zigbuild@^0.24'
fi
# cargo-zigbuild runs `python3 -m ziglang` when no `zig` is on PATH: the venv's python3 first.
export PATH="$tools/venv/bin:$tools/cargo/bin:$PATH"

cargo zigbuild --locked --profile "$profile" --bin preflight --target "$triple.$glibc" >&2
dir=$profile
[ "$profile" = dev ] && dir=debug
bin=$target/$triple/$dir/preflight
bash contrib/release/check-glibc.sh "$bin" "$glibc" >&2
echo "$bin"
