"""Reads preflight's JUnit with junitparser, validates its SARIF against the SARIF 2.1.0 schema
and reads the GitHub rules' verdict on it, and renders its Markdown with a CommonMark renderer.

Usage: check.py SARIF_SCHEMA REPORT_DIR NAME...
  (NAME.json, NAME.xml, NAME.sarif and NAME.md from one run; NAME.sarif-gh.sarif is the SARIF
  Multitool's `validate --rule-kind "Sarif;Gh"` log of NAME.sarif)
"""

import json
import sys

import jsonschema
from junitparser import Error, Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt

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


def multitool(name):
    """The SARIF Multitool's findings at level error or warning on NAME.sarif: there must be none."""
    log = json.load(open(f"{out}/{name}.sarif-gh.sarif"))
    found = [r for run in log["runs"] for r in run.get("results", [])
             if r.get("level", "warning") in ("error", "warning")]
    for r in found[:10]:
        problems.append(f"{name}.sarif: {r['ruleId']} ({r.get('level', 'warning')}): {r['message'].get('text', r['message'])}")
    rules = {r["ruleId"] for r in found}
    print(f"sarif {name}: SARIF Multitool (Sarif;Gh rules): {len(found)} errors/warnings {sorted(rules)}")


COMMONMARK = MarkdownIt("commonmark")


def code_spans(text):
    """The code text of every code span CommonMark sees in `text`."""
    spans = []
    for tok in COMMONMARK.parse(text):
        for child in tok.children or []:
            if child.type == "code_inline":
                spans.append(child.content)
    return spans


def markdown(name, report):
    """Every code span of a rule's text, and every value and location, renders as that text."""
    rendered = set(code_spans(open(f"{out}/{name}.md").read()))
    checked = 0
    for r in report["results"]:
        wanted = []
        if r["status"] in ("fail", "error", "warn"):
            wanted += [r["id"]] + code_spans(r["message"]) + code_spans(r["fix"] or "")
            wanted += [v.replace("\n", " ") for v in (r["observed"], r["expected"]) if v is not None]
            if r["location"]:
                loc = r["location"]
                wanted.append(f"{loc['file']}:{loc['line']}:{loc['column']}")
        elif r["status"] == "manual" or r.get("attestation"):
            wanted += [r["id"]] + code_spans(r["title"]) + code_spans(r["message"])
        for w in wanted:
            checked += 1
            check(w in rendered, f"{name}.md: {r['id']}: code `{w}` does not render as itself")
    html = COMMONMARK.render(open(f"{out}/{name}.md").read())
    check("&amp;lt;" not in html and "&amp;gt;" not in html, f"{name}.md: an escaped entity shows as text")
    print(f"markdown {name}: {checked} code spans render as the rule's text (CommonMark, markdown-it-py)")


schema_path, out, *names = sys.argv[1:]
schema = json.load(open(schema_path))
validator = jsonschema.validators.validator_for(schema)(schema)
validator.check_schema(schema)
for name in names:
    report = json.load(open(f"{out}/{name}.json"))
    junit(name, report)
    sarif(name, report, validator)
    multitool(name)
    markdown(name, report)
if problems:
    print("\n".join(problems), file=sys.stderr)
    print(f"consumers: {len(problems)} problem(s)", file=sys.stderr)
    sys.exit(1)
print("consumers: JUnit read by junitparser, SARIF valid against the SARIF 2.1.0 schema and "
      "GitHub's rules, Markdown code spans render as the rules' text: ok")
