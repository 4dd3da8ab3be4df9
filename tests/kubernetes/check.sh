#!/usr/bin/env bash
# Offline checks of contrib/kubernetes: every manifest (and the gateway Deployment as the
# init-container patch leaves it) validated with kubernetes-validate (PyPI, strict: unknown
# fields fail) against the Kubernetes schemas it ships, and the names checked against
# wso2/helm-apim's charts (tests/kubernetes/check.py lists them with their sources).
# Installs into $CARGO_TARGET_DIR (default target/)/kubernetes-venv when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
venv=$target/kubernetes-venv
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'kubernetes-validate>=1.30,<2' 'PyYAML>=6,<7'
fi
PATH=$venv/bin:$PATH "$venv/bin/python" tests/kubernetes/check.py contrib/kubernetes
