"""Reads preflight's JUnit with junitparser and validates its SARIF against the SARIF 2.1.0 schema.

Usage: check.py SARIF_SCHEMA REPORT_DIR NAME...  (NAME.json, NAME.xml and NAME.sarif from one run)
"""

import json
import sys

import jsonschema
from junitparser import Error, Failure, JUnitXml, Skipped

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def junit(name, report):
    xml = JUnitXml.fromfile(f"{out}/{name}.xml")
    results = report["results"]
    s = report["summary"]
    waived_failing = sum(
        1 for r in results if r["waiver"] and r["status"] in ("fail", "error")
    )
    cases = failures = errors = skipped = 0
    names = set()
    for suite in xml:
        suite_cases = list(suite)
        check(suite.tests == len(suite_cases), f"{name}: suite {suite.name} tests attribute")
        for case in suite_cases:
            cases += 1
            names.add(case.name)
            check(case.classname.startswith("preflight."), f"{name}: classname {case.classname}")
            kinds = {type(r) for r in case.result}
            failures += Failure in kinds
            errors += Error in kinds
            skipped += Skipped in kinds
        check(
            suite.failures == sum(1 for c in suite_cases if any(isinstance(r, Failure) for r in c.result)),
            f"{name}: suite {suite.name} failures attribute",
        )
    check(cases == s["total"], f"{name}: {cases} testcases, {s['total']} rules")
    check(failures == s["fail"] - sum(1 for r in results if r["waiver"] and r["status"] == "fail"),
          f"{name}: {failures} failures vs summary {s}")
    check(errors == s["error"] - sum(1 for r in results if r["waiver"] and r["status"] == "error"),
          f"{name}: {errors} errors vs summary {s}")
    check(skipped == s["skip"] + s["manual"] + waived_failing, f"{name}: {skipped} skipped vs summary {s}")
    for r in results:
        check(f"{r['title']} ({r['id']})" in names, f"{name}: no testcase for {r['id']}")
    print(f"junit {name}: {cases} testcases, {failures} failures, {errors} errors, {skipped} skipped: ok")


def sarif(name, report, validator):
    log = json.load(open(f"{out}/{name}.sarif"))
    errs = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    for e in errs[:10]:
        problems.append(f"{name}.sarif: {'/'.join(map(str, e.path))}: {e.message}")
    run = log["runs"][0]
    expected = [r for r in report["results"] if r["status"] in ("fail", "warn", "error")]
    check("results" in run, f"{name}.sarif: no results array")
    check(len(run.get("results", [])) == len(expected),
          f"{name}.sarif: {len(run.get('results', []))} results, {len(expected)} fail/warn/error")
    rules = run["tool"]["driver"]["rules"]
    for res in run.get("results", []):
        check(rules[res["ruleIndex"]]["id"] == res["ruleId"], f"{name}.sarif: ruleIndex of {res['ruleId']}")
    print(f"sarif {name}: {len(run.get('results', []))} results, schema-valid: {'no' if errs else 'yes'}")


schema_path, out, *names = sys.argv[1:]
schema = json.load(open(schema_path))
validator = jsonschema.validators.validator_for(schema)(schema)
validator.check_schema(schema)
for name in names:
    report = json.load(open(f"{out}/{name}.json"))
    junit(name, report)
    sarif(name, report, validator)
if problems:
    print("\n".join(problems), file=sys.stderr)
    print(f"consumers: {len(problems)} problem(s)", file=sys.stderr)
    sys.exit(1)
print("consumers: JUnit read by junitparser, SARIF valid against the SARIF 2.1.0 schema: ok")
