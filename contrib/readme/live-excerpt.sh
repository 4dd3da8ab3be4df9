#!/usr/bin/env bash
# Produces the README's excerpt of a real run against the CI servers (.ci/services.sh must have
# started them: PostgreSQL with TLS on 127.0.0.1:5432, OpenLDAP on 127.0.0.1:3389). Needs root
# (it makes two databases as the postgres superuser) and the carbon-kernel dbscripts (from
# ../shared/fixtures/wso2 or the carbon-kernel git mirror, as tests/live.rs finds them).
#
# The node: APIM 4.2.0, apim_db on an empty database (its dbscripts were never run), shared_db
# loaded with the product's own dbscripts/postgresql.sql (carbon-kernel 4.8.1, which 4.2.0 ships)
# over TLS, and the LDAP user store. Prints the db and userstore rows of `preflight check`.
#
# Usage: contrib/readme/live-excerpt.sh [PREFLIGHT_BINARY]   (default: target/debug/preflight)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/debug/preflight}
[ -x "$bin" ] || { echo "no preflight binary at $bin (cargo build first)" >&2; exit 2; }

sql=distribution/kernel/carbon-home/dbscripts/postgresql.sql
shared_copy=../shared/fixtures/wso2/wso2-carbon-kernel/v4.8.1/$sql
mirror=${PREFLIGHT_CARBON_KERNEL_GIT:-/work/.mirror/wso2+carbon-kernel/repo}
work=$(mktemp -d)
# Databases of this run's own (the CI servers are shared by concurrent test runs), dropped at exit.
apim=preflight_readme_apim_$$
shared=preflight_readme_shared_$$
drop() {
  for db in "$apim" "$shared"; do
    su postgres -c "psql -q -c 'DROP DATABASE IF EXISTS $db'" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap drop EXIT
if [ -f "$shared_copy" ]; then
  cp "$shared_copy" "$work/kernel.sql"
else
  git -C "$mirror" show "v4.8.1:$sql" >"$work/kernel.sql"
fi

for db in "$apim" "$shared"; do
  su postgres -c "psql -q -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS $db' -c 'CREATE DATABASE $db OWNER preflight_app'" >/dev/null
done
PGPASSWORD=preflight-app-pw psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U preflight_app \
  -d "$shared" -f "$work/kernel.sql" >/dev/null 2>&1

home=$work/wso2am-4.2.0
mkdir -p "$home/bin" "$home/updates" "$home/repository/conf"
echo "WSO2 API Manager v4.2.0" >"$home/bin/version.txt"
echo "wso2am-4.2.0" >"$home/updates/product.txt"
cat >"$home/repository/conf/deployment.toml" <<TOML
[server]
hostname = "apim.example.com"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:5432/$apim"
username = "preflight_app"
password = "\$env{APIM_DB_PASSWORD}"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:5432/$shared?sslmode=require"
username = "preflight_app"
password = "\$env{APIM_DB_PASSWORD}"

[user_store]
type = "read_only_ldap_unique_id"
connection_url = "ldap://127.0.0.1:3389"
connection_name = "uid=wso2bind,ou=Users,dc=preflight,dc=test"
connection_password = "\$env{LDAP_BIND_PASSWORD}"
user_search_base = "ou=Users,dc=preflight,dc=test"
group_search_base = "ou=Groups,dc=preflight,dc=test"
TOML

only=()
for id in db.login db.version.tested db.schema db.privileges db.tls.negotiated \
  userstore.ldap.bind userstore.ldap.base-dn userstore.ldap.server; do
  only+=(--only "$id")
done
echo "\$ preflight check --product-home wso2am-4.2.0 --only db.login … --only userstore.ldap.server"
# The home's path is a temporary folder: shown as wso2am-4.2.0.
APIM_DB_PASSWORD=preflight-app-pw LDAP_BIND_PASSWORD=preflight-bind-pw COLUMNS=110 NO_COLOR=1 \
  "$bin" check --product-home "$home" "${only[@]}" --timeout 30 | sed "s#$work/##g" || true
