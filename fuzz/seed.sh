#!/usr/bin/env bash
# Seeds each empty fuzz corpus with real inputs: the shipped rules and their conditions,
# deployment.toml/XML/properties files, the test keystores, start scripts and JDBC/LDAP URLs
# (from the repository and, when present, WSO2's files in ../shared/fixtures/wso2).
set -euo pipefail
cd "$(dirname "$0")"
repo=..
wso2=../../shared/fixtures/wso2
seed() { # seed TARGET FILE...
    local t=$1
    shift
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "corpus/$t/seed-$(sha1sum "$f" | cut -c1-16)"
    done
}
fixtures() { # fixtures FIND-ARGS...
    [ -d "$wso2" ] && find "$wso2" -type f "$@" -size -256k || true
}
empty() { [ -z "$(ls -A "corpus/$1" 2>/dev/null)" ]; }
mkdir -p corpus/{rule_compiler,condition,config_readers,keystore,urls,start_script}

if empty rule_compiler; then
    seed rule_compiler "$repo"/rules/*/*.toml "$repo"/tests/rules/*.toml
fi
if empty condition; then
    i=0
    grep -h -E '^(fail|warn|when|applies|pass) *= *"' "$repo"/rules/*/*.toml |
        sed -E 's/^[a-z_]+ *= *"(.*)"$/\1/' | sort -u | while IFS= read -r c; do
        i=$((i + 1))
        printf '%s' "$c" >"corpus/condition/seed-$i"
    done
fi
if empty config_readers; then
    seed config_readers "$repo"/examples/*/repository/conf/deployment.toml
    # shellcheck disable=SC2046
    seed config_readers $(fixtures \( -name deployment.toml -o -name 'carbon.xml*' \
        -o -name 'catalina-server.xml*' -o -name 'log4j2.properties*' -o -name '*.properties' \))
fi
if empty keystore; then
    seed keystore "$repo"/tests/fixtures/keystores/*.jks "$repo"/tests/fixtures/keystores/*.p12
    # shellcheck disable=SC2046
    seed keystore $(fixtures \( -name '*.jks' -o -name '*.p12' \))
fi
if empty start_script; then
    # shellcheck disable=SC2046
    seed start_script $(fixtures -name '*.sh')
    printf 'JAVA_VERSION="17.0.6"\nIMPLEMENTOR="Eclipse Adoptium"\n' >corpus/start_script/seed-release
    printf 'openjdk version "17.0.6" 2023-01-17\nOpenJDK Runtime Environment Temurin-17.0.6+10 (build 17.0.6+10)\n' \
        >corpus/start_script/seed-java-version
fi
if empty urls; then
    i=0
    for u in 'jdbc:mysql://db.example.com:3306/am?useSSL=true&amp;user=x' \
        'jdbc:postgresql://a:5432,b:5433/apim?sslmode=disable' \
        'jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=apim)))' \
        'jdbc:oracle:thin:@//ora.example.com:1521/apim' 'jdbc:sqlserver://ms:1433;databaseName=apim;encrypt=false' \
        'jdbc:db2://db2:50000/apim' 'jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE' \
        'jdbc:mariadb://[::1]:3306/apim' 'ldaps://ldap1.example.com:636 ldap://ldap2:389' 'ldap://[fe80::1%eth0]:10389'; do
        i=$((i + 1))
        printf '%s' "$u" >"corpus/urls/seed-$i"
    done
fi
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) inputs"; done
