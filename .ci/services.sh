#!/usr/bin/env bash
# Installs (from Debian's packages), seeds and starts the servers the tests talk to, on loopback:
#   PostgreSQL 127.0.0.1:5432 with TLS on (a test certificate made here),
#   MariaDB    127.0.0.1:3306 (no TLS) and a second MariaDB with TLS on 127.0.0.1:3307,
#   OpenLDAP   127.0.0.1:3389, suffix dc=preflight,dc=test with ou=Users, ou=Groups, a bind user,
#              and a second slapd with the same tree over ldaps:// on 127.0.0.1:3636.
# The TLS servers are separate instances so that the plain ones keep testing "no TLS offered".
# Test accounts (throw-away, loopback only): see tests/live.rs and tests/vault.rs.
# Idempotent: a server already listening is left alone; seeding is re-run harmlessly. Needs root.
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/sbin/slapd ] || need+=(slapd ldap-utils)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# Tools the tests run; under CI a missing one fails its test (tests/common missing_input).
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v groff >/dev/null 2>&1 || need+=(groff-base)
command -v objdump >/dev/null 2>&1 || need+=(binutils)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  for _ in $(seq 1 100); do listening "$1" && return 0; sleep 0.2; done
  echo "$2 did not start on 127.0.0.1:$1" >&2
  exit 1
}
state=/var/lib/preflight-services
mkdir -p "$state"

# --- PostgreSQL, TLS on with a certificate generated here -------------------------------------
version=$(ls /etc/postgresql | sort -V | tail -n 1)
tls="$state/pg-tls"
if [ ! -s "$tls/server.key" ]; then
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -keyout "$tls/server.key" -out "$tls/server.crt" 2>/dev/null
  chown -R postgres:postgres "$tls"
  chmod 600 "$tls/server.key"
fi
conf="/etc/postgresql/$version/main/conf.d/preflight-tls.conf"
if [ ! -f "$conf" ]; then
  printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nlisten_addresses = '127.0.0.1'\n" \
    "$tls/server.crt" "$tls/server.key" >"$conf"
  listening 5432 && pg_ctlcluster "$version" main restart
fi
listening 5432 || pg_ctlcluster "$version" main start
wait_for 5432 PostgreSQL
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'preflight_app') THEN
    CREATE ROLE preflight_app LOGIN PASSWORD 'preflight-app-pw';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'preflight_admin') THEN
    CREATE ROLE preflight_admin LOGIN SUPERUSER PASSWORD 'preflight-admin-pw';
  END IF;
END $$;
SELECT 'CREATE DATABASE preflight_empty OWNER preflight_app'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'preflight_empty') \gexec
SELECT 'CREATE DATABASE preflight_apim OWNER preflight_app'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'preflight_apim') \gexec
SELECT 'CREATE DATABASE preflight_shared OWNER preflight_app'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'preflight_shared') \gexec
SQL

# --- MariaDB -----------------------------------------------------------------------------------
if ! listening 3306; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  (/usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 >"$state/mariadb.log" 2>&1 &)
fi
wait_for 3306 MariaDB
mariadb -uroot <<'SQL'
CREATE USER IF NOT EXISTS 'preflight_app'@'127.0.0.1' IDENTIFIED BY 'preflight-app-pw';
CREATE USER IF NOT EXISTS 'preflight_admin'@'127.0.0.1' IDENTIFIED BY 'preflight-admin-pw';
CREATE DATABASE IF NOT EXISTS preflight_empty;
CREATE DATABASE IF NOT EXISTS preflight_apim;
GRANT ALL PRIVILEGES ON preflight_empty.* TO 'preflight_app'@'127.0.0.1';
GRANT ALL PRIVILEGES ON preflight_apim.* TO 'preflight_app'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'preflight_admin'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL

# --- MariaDB with TLS: a second server of its own (datadir in $state/mariadb-tls) ------------
mtls="$state/mariadb-tls"
if [ ! -d "$mtls/data/mysql" ]; then
  rm -rf "$mtls" && mkdir -p "$mtls/data"
  cp "$tls/server.crt" "$tls/server.key" "$mtls/"
  chown -R mysql:mysql "$mtls" && chmod 600 "$mtls/server.key"
  mariadb-install-db --no-defaults --user=mysql --datadir="$mtls/data" >"$mtls/install.log" 2>&1
fi
if ! listening 3307; then
  (/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$mtls/data" --socket="$mtls/mysqld.sock" \
    --pid-file="$mtls/mysqld.pid" --bind-address=127.0.0.1 --port=3307 \
    --ssl-cert="$mtls/server.crt" --ssl-key="$mtls/server.key" >"$mtls/mariadb.log" 2>&1 &)
fi
wait_for 3307 "MariaDB (TLS)"
mariadb --no-defaults -uroot --socket="$mtls/mysqld.sock" <<'SQL'
CREATE USER IF NOT EXISTS 'preflight_app'@'127.0.0.1' IDENTIFIED BY 'preflight-app-pw';
CREATE DATABASE IF NOT EXISTS preflight_apim;
GRANT ALL PRIVILEGES ON preflight_apim.* TO 'preflight_app'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL

# --- OpenLDAP: slapds of their own (config in $state/ldap, $state/ldaps), each seeded once -------
# seed_ldap DIR [TLS]: the same tree in DIR; with TLS, the PostgreSQL test certificate for ldaps.
seed_ldap() {
  local ldap=$1 tlsconf=""
  [ -f "$ldap/seeded" ] && return 0
  rm -rf "$ldap" && mkdir -p "$ldap/slapd.d" "$ldap/data"
  if [ "${2:-}" = TLS ]; then
    cp "$tls/server.crt" "$tls/server.key" "$ldap/"
    tlsconf=$(printf '\nolcTLSCertificateFile: %s\nolcTLSCertificateKeyFile: %s' \
      "$ldap/server.crt" "$ldap/server.key")
  fi
  cat >"$ldap/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $ldap/slapd.pid$tlsconf

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=preflight,dc=test
olcDbDirectory: $ldap/data
olcRootDN: cn=admin,dc=preflight,dc=test
olcRootPW: preflight-ldap-admin-pw
olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {1}to * by users read by * none
EOF
  cat >"$ldap/data.ldif" <<'EOF'
dn: dc=preflight,dc=test
objectClass: top
objectClass: dcObject
objectClass: organization
o: preflight
dc: preflight

dn: ou=Users,dc=preflight,dc=test
objectClass: organizationalUnit
ou: Users

dn: ou=Groups,dc=preflight,dc=test
objectClass: organizationalUnit
ou: Groups

dn: uid=wso2bind,ou=Users,dc=preflight,dc=test
objectClass: inetOrgPerson
uid: wso2bind
cn: wso2bind
sn: bind
userPassword: preflight-bind-pw
EOF
  slapadd -n 0 -F "$ldap/slapd.d" -l "$ldap/config.ldif"
  slapadd -n 1 -F "$ldap/slapd.d" -l "$ldap/data.ldif"
  chown -R openldap:openldap "$ldap"
  [ -f "$ldap/server.key" ] && chmod 600 "$ldap/server.key"
  touch "$ldap/seeded"
}
seed_ldap "$state/ldap"
if ! listening 3389; then
  /usr/sbin/slapd -F "$state/ldap/slapd.d" -h "ldap://127.0.0.1:3389/" -u openldap -g openldap
fi
wait_for 3389 slapd
seed_ldap "$state/ldaps" TLS
if ! listening 3636; then
  /usr/sbin/slapd -F "$state/ldaps/slapd.d" -h "ldaps://127.0.0.1:3636/" -u openldap -g openldap
fi
wait_for 3636 "slapd (ldaps)"
echo "services: PostgreSQL (TLS) on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306 and with TLS on 3307, OpenLDAP on 127.0.0.1:3389 and ldaps on 3636"
