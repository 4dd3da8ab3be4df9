#!/usr/bin/env python3
"""The baseline of benches/fleet.sh: the least any script comparing a fleet does — read and parse
every node's facts.json and report.json — plus one comparison (the primary keystore certificate
across nodes) and each node's findings, in plain Python (json from the standard library).
Usage: fleet_baseline.py FLEET_DIR
"""
import json
import os
import sys


def main() -> None:
    root = sys.argv[1]
    certs = {}
    findings = 0
    for name in sorted(os.listdir(root)):
        node = os.path.join(root, name)
        with open(os.path.join(node, "facts.json")) as f:
            facts = json.load(f)["facts"]
        with open(os.path.join(node, "report.json")) as f:
            report = json.load(f)
        cert = json.dumps(facts.get("keystore.primary.cert.sha256"), sort_keys=True)
        certs.setdefault(cert, []).append(name)
        findings += sum(1 for r in report["results"] if r["status"] in ("fail", "error", "warn"))
    print(f"{len(certs)} keystore certificates, {findings} findings")


if __name__ == "__main__":
    main()
