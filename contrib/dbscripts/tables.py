#!/usr/bin/env python3
"""Generates rules/wso2-apim/db-schema.toml (the db.schema rule, with the tables each APIM
version's own dbscripts create, as data) and tests/rules/db-schema.toml (its cases per version).

Where the truth comes from:
- product-apim's pom.xml at each release tag names the carbon-kernel version the distribution is
  built on (`carbon.kernel.version`; all-in-one-apim/pom.xml from 4.5.0) and the carbon-apimgt
  version (`carbon.apimgt.version`).
- shared_db (registry and user management): the distribution's dbscripts/<db>.sql is
  carbon-kernel's distribution/kernel/carbon-home/dbscripts/<db>.sql at that kernel tag
  (product-apim modules/distribution/product/src/main/assembly/bin.xml copies
  wso2carbon-core-${carbon.kernel.version}/dbscripts). Every CREATE TABLE of postgresql.sql.
- apim_db: the distribution's dbscripts/apimgt/<db>.sql is built from carbon-apimgt
  features/apimgt/org.wso2.carbon.apimgt.core.feature/src/main/resources/sql/<db>.sql at the
  pom's carbon.apimgt.version. carbon-apimgt is too large to mirror here, and its stored file
  versions cannot be pinned to a release tag, so the per-version text is read from WSO2's
  wso2/docker-apim, whose release tags (v<APIM version>.1, the first image of each release) ship
  the distribution's dbscripts/apimgt/mysql.sql as
  docker-compose/apim-with-analytics/conf/mysql/scripts/mysql_apim.sql. Every CREATE TABLE of it.
  The same repository's mysql_shared.sql holds exactly the tables of carbon-kernel's mysql.sql at
  the pom's kernel version (checked below), and carbon-kernel's mysql/postgresql/oracle/mssql/db2
  scripts of one tag create the same tables (checked below): a DBMS's script names the same set.
  `--apim-sql VERSION=FILE` reads a version's apim_db script from a file instead (for example
  the dbscripts/apimgt/postgresql.sql of an unpacked distribution); the rule then cites that file.

A missing core table (CORE_APIM, CORE_SHARED) fails: the scripts were never run. Any other table
of that version's scripts missing warns: a partial run or an unfinished migration.

Usage: contrib/dbscripts/tables.py [--check] [--root DIR] [--apim-sql VERSION=FILE]...
         [PRODUCT_APIM_GIT_DIR [CARBON_KERNEL_GIT_DIR [DOCKER_APIM_GIT_DIR]]]
(defaults: the bare mirrors under /work/.mirror). Writes both files (under --root, default this
repository); `--check` only compares them with what it would write and exits 1 naming the file
that differs.
"""

import re
import subprocess
import sys
from pathlib import Path

APIM_TAGS = ["v3.2.0", "v4.0.0", "v4.1.0", "v4.2.0", "v4.3.0", "v4.4.0", "v4.5.0", "v4.6.0", "v4.7.0"]
KERNEL_SQL = "distribution/kernel/carbon-home/dbscripts/postgresql.sql"
KERNEL_DBMS = ["mysql", "postgresql", "oracle", "mssql", "db2"]
APIMGT_SQL = "features/apimgt/org.wso2.carbon.apimgt.core.feature/src/main/resources/sql/<db>.sql"
DOCKER_SQL = "docker-compose/apim-with-analytics/conf/mysql/scripts"
CORE_APIM = ["AM_SUBSCRIBER", "AM_APPLICATION", "AM_API", "AM_SUBSCRIPTION", "AM_API_URL_MAPPING",
             "AM_APPLICATION_KEY_MAPPING", "AM_POLICY_SUBSCRIPTION", "AM_KEY_MANAGER"]
CORE_SHARED = ["REG_RESOURCE", "REG_PATH", "REG_CONTENT", "REG_PROPERTY", "REG_RESOURCE_PROPERTY",
               "UM_TENANT", "UM_USER", "UM_ROLE", "UM_USER_ROLE", "UM_PERMISSION", "UM_HYBRID_ROLE",
               "UM_HYBRID_USER_ROLE", "UM_UUID_DOMAIN_MAPPER"]
ROOT = Path(__file__).resolve().parents[2]
OUT = "rules/wso2-apim/db-schema.toml"
CASES = "tests/rules/db-schema.toml"


def git_show(repo, rev, path):
    return subprocess.run(["git", "-C", repo, "show", f"{rev}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def pom_versions(apim, tag):
    for pom in ["pom.xml", "all-in-one-apim/pom.xml"]:
        try:
            text = git_show(apim, tag, pom)
        except subprocess.CalledProcessError:
            continue
        kernel = re.search(r"<carbon\.kernel\.version>([^<]+)<", text)
        apimgt = re.search(r"<carbon\.apimgt\.version>([^<]+)<", text)
        if kernel and apimgt:
            line = text.count("\n", 0, kernel.start()) + 1
            return kernel.group(1), apimgt.group(1), f"{pom}:{line}"
    sys.exit(f"{tag}: no carbon.kernel.version in pom.xml or all-in-one-apim/pom.xml")


def tables(sql):
    """Every CREATE TABLE [IF NOT EXISTS] name, upper case, in file order, once."""
    names = re.findall(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?([A-Za-z_][A-Za-z_0-9]*)",
                       sql, re.IGNORECASE | re.MULTILINE)
    return list(dict.fromkeys(n.upper() for n in names))


def kernel_tables(kernel, kv):
    """shared_db's tables at kernel `kv`, after checking that every DBMS's script has the same."""
    shared = tables(git_show(kernel, f"v{kv}", KERNEL_SQL))
    for db in KERNEL_DBMS:
        other = tables(git_show(kernel, f"v{kv}", KERNEL_SQL.replace("postgresql", db)))
        if set(other) != set(shared):
            sys.exit(f"kernel v{kv}: {db}.sql and postgresql.sql create different tables: "
                     f"{sorted(set(other) ^ set(shared))}")
    return shared


def apim_tables(docker, tag, kernel_shared, override):
    """apim_db's tables for `tag` and where they were read; checks docker-apim's shared script
    against the kernel's so that the copy is known to be the distribution's."""
    if override:
        return tables(Path(override).read_text()), f"{override} (--apim-sql)"
    rev = f"{tag}.1"
    shared = tables(git_show(docker, rev, f"{DOCKER_SQL}/mysql_shared.sql"))
    if set(shared) != set(kernel_shared):
        sys.exit(f"docker-apim {rev} mysql_shared.sql is not the kernel's script: "
                 f"{sorted(set(shared) ^ set(kernel_shared))}")
    path = f"{DOCKER_SQL}/mysql_apim.sql"
    return tables(git_show(docker, rev, path)), f"wso2/docker-apim {rev} {path}"


def quoted(names):
    return "[" + ", ".join(f"'{n}'" for n in names) + "]"


def lacks(fact, names):
    return f"{fact} present and not ({fact} contains all {quoted(names)})"


def case(tag, core, apim, apim_src, shared, kv):
    v = tag.lstrip("v")
    apim_others = [t for t in apim if t not in core]
    shared_others = [t for t in shared if t not in CORE_SHARED]
    fail = f"({lacks('db.apim_db.tables', core)}) or ({lacks('db.shared_db.tables', CORE_SHARED)})"
    warn = (f"({lacks('db.apim_db.tables', apim_others)}) or "
            f"({lacks('db.shared_db.tables', shared_others)})")
    expected = (f"apim_db: the {len(apim)} tables of APIM {v}'s dbscripts/apimgt/<db>.sql ({apim_src}); "
                f"shared_db: the {len(shared)} tables of its dbscripts/<db>.sql (carbon-kernel {kv}). "
                f"Missing core tables fail ({', '.join(core)}; {', '.join(CORE_SHARED)}), "
                f"any other missing table warns")
    return "\n".join([
        f"# APIM {v}: apim_db {len(apim)} tables ({apim_src}), shared_db {len(shared)} tables "
        f"(carbon-kernel {kv} {KERNEL_SQL})",
        "[[rule.case]]",
        f"when = {{ version = \">= {'.'.join(v.split('.')[:2])}\" }}",
        f'fail = "{fail}"',
        f'warn = "{warn}"',
        f'expected = "{expected}"',
    ])


HEADER = '''# GENERATED by contrib/dbscripts/tables.py from the product's own dbscripts: do not edit by hand.
# apim_db: every CREATE TABLE of the distribution's dbscripts/apimgt/mysql.sql (built from
# wso2/carbon-apimgt {apimgt_sql} at the pom's carbon.apimgt.version), as WSO2's
# wso2/docker-apim ships it at the release's first image tag ({docker_sql}/mysql_apim.sql).
# shared_db: every CREATE TABLE of wso2/carbon-kernel {kernel_sql} at the pom's
# carbon.kernel.version (the same tables as its mysql, oracle, mssql and db2 scripts).
# A missing core table fails, any other missing table of that version's scripts warns; the
# message names the missing tables ({{missing}}).
{table}

[[rule]]
id = "db.schema"
title = "apim_db and shared_db hold the product's tables"
category = "db"
# Read after login from the login's schema (PostgreSQL current_schema(), MySQL DATABASE()).
message = "tables of this version's dbscripts are missing ({{missing}})"
pass_message = "apim_db and shared_db hold the tables of this version's dbscripts"
fix = "Create the tables with this version's scripts before the first start: dbscripts/apimgt/<db>.sql on apim_db and dbscripts/<db>.sql on shared_db (after an upgrade, run WSO2's migration for this version)"
rationale = "Without the dbscripts the product starts and then fails on the first API call (`relation \\"am_api\\" does not exist`, DB2 SQLCODE=-204, api-manager#751); a table missing from a partial run or an unfinished migration fails the feature that uses it."
docs = ["https://apim.docs.wso2.com/en/latest/install-and-setup/setup/setting-up-databases/overview/"]
sources = [
{sources}
]
'''

CASES_HEADER = '''# GENERATED by contrib/dbscripts/tables.py with rules/wso2-apim/db-schema.toml: do not edit by hand.
# Per APIM version: every table of its scripts passes; the newest non-core table of its apim_db
# script missing warns (so a version's own list is what is checked); a core table missing fails;
# the previous version's full apim_db list under this version warns (an unfinished migration).
'''


def cases_text(versions):
    out = [CASES_HEADER]
    prev = None
    for tag, core, apim, shared in versions:
        v = tag.lstrip("v")
        newest = [t for t in apim if t not in core and (prev is None or t not in prev)]
        dropped = newest[-1] if newest else [t for t in apim if t not in core][-1]
        rows = [("pass", apim, shared, None, "every table of its apim_db and shared_db scripts"),
                ("warn", [t for t in apim if t != dropped], shared, dropped,
                 f"{dropped} (not a core table) missing from apim_db"),
                ("fail", [t for t in apim if t != core[-1]], shared, core[-1],
                 f"core table {core[-1]} missing from apim_db"),
                ("fail", apim, [t for t in shared if t != "UM_TENANT"], "UM_TENANT",
                 "core table UM_TENANT missing from shared_db")]
        if prev is not None and [t for t in apim if t not in prev] and set(prev) >= set(core):
            gone = [t for t in apim if t not in prev][0]
            rows.append(("warn", prev, shared, gone,
                         "the previous version's apim_db tables only: a migration not run"))
        for expect, a, s, missing, why in rows:
            out.append("[[case]]\nrule = \"db.schema\"\n"
                       f"expect = \"{expect}\"\n# APIM {v}: {why}.\n"
                       f"facts = {{ \"product.version\" = \"{v}\", \"db.apim_db.tables\" = {toml_list(a)}, "
                       f"\"db.shared_db.tables\" = {toml_list(s)} }}\n"
                       + (f"message_contains = \"{missing}\"\n" if missing else ""))
        prev = apim
    return "\n".join(out)


def toml_list(names):
    return "[" + ", ".join(f'"{n}"' for n in names) + "]"


def options(argv):
    out, rest, root, i = {}, [], ROOT, 0
    while i < len(argv):
        if argv[i] == "--apim-sql" and i + 1 < len(argv):
            version, _, path = argv[i + 1].partition("=")
            out["v" + version.lstrip("v")] = path
            i += 2
        elif argv[i] == "--root" and i + 1 < len(argv):
            root = Path(argv[i + 1])
            i += 2
        elif argv[i] != "--check":
            rest.append(argv[i])
            i += 1
        else:
            i += 1
    return out, rest, root


def generate(apim, kernel, docker, files):
    rows, sources, cases, versions = [], [], [], []
    for tag in APIM_TAGS:
        kv, av, pom = pom_versions(apim, tag)
        shared = kernel_tables(kernel, kv)
        core = CORE_APIM + (["AM_REVISION"] if tag >= "v4.0.0" else [])
        apim_list, apim_src = apim_tables(docker, tag, shared, files.get(tag))
        for name, have, want in [("apim_db", apim_list, core), ("shared_db", shared, CORE_SHARED)]:
            if [t for t in want if t not in have]:
                sys.exit(f"{tag}: core {name} tables {[t for t in want if t not in have]} not in its script")
        rows.append(f"#   {tag:7} {pom:29} carbon.kernel.version {kv:8} carbon.apimgt.version {av:9} "
                    f"apim_db {len(apim_list)} tables, shared_db {len(shared)} tables")
        sources += [f'    "wso2/product-apim {tag} {pom} (carbon.kernel.version {kv}, carbon.apimgt.version {av})",',
                    f'    "{apim_src} (apim_db, APIM {tag.lstrip("v")})",',
                    f'    "wso2/carbon-kernel v{kv} {KERNEL_SQL} (shared_db)",']
        cases.append(case(tag, core, apim_list, apim_src, shared, kv))
        versions.append((tag, core, apim_list, shared))
    sources.append('    "wso2/product-apim v4.7.0 all-in-one-apim/modules/distribution/product/src/main/assembly/bin.xml (dbscripts from wso2carbon-core-${carbon.kernel.version})",')
    sources.append('    "https://github.com/wso2/api-manager/issues/751",')
    text = HEADER.format(kernel_sql=KERNEL_SQL, apimgt_sql=APIMGT_SQL, docker_sql=DOCKER_SQL,
                         table="\n".join(rows), sources="\n".join(dict.fromkeys(sources)))
    for c in reversed(cases):
        text += "\n" + c + "\n"
    return text, cases_text(versions)


def main():
    files, args, root = options(sys.argv[1:])
    mirrors = ["/work/.mirror/wso2+product-apim/repo", "/work/.mirror/wso2+carbon-kernel/repo",
               "/work/.mirror/wso2+docker-apim/repo"]
    apim, kernel, docker = (args + mirrors[len(args):])[:3]
    rule, cases = generate(apim, kernel, docker, files)
    for path, text in [(root / OUT, rule), (root / CASES, cases)]:
        if "--check" in sys.argv:
            if not path.exists() or path.read_text() != text:
                sys.exit(f"{path} differs from what {sys.argv[0]} generates")
        else:
            path.write_text(text)
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
