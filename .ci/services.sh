#!/usr/bin/env bash
# Installs (from Debian's packages) and starts PostgreSQL and OpenLDAP on loopback for the tests.
# Idempotent: a server already listening is left alone. Needs root (as CI and sessions run).
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd ldap-utils)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! listening 5432; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster "$version" main start
fi
if ! listening 3389; then
  /usr/sbin/slapd -h "ldap://127.0.0.1:3389/" -u openldap -g openldap
fi
for _ in $(seq 1 50); do
  listening 5432 && listening 3389 && break
  sleep 0.2
done
listening 5432 || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
listening 3389 || { echo "slapd did not start on 127.0.0.1:3389" >&2; exit 1; }
echo "services: PostgreSQL on 127.0.0.1:5432, OpenLDAP on 127.0.0.1:3389"
