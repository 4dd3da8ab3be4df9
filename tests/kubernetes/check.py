"""Checks contrib/kubernetes against the Kubernetes schemas and wso2/helm-apim's names.

Usage: check.py DIR   (kubernetes-validate on PATH)

The chart facts below were read from wso2/helm-apim (the line numbers are at the tags named):
  gateway       tag gateway-4.7.0-1, distributed/gateway/Chart.yaml (name wso2am-universal-gw)
                and templates/gateway/wso2am-gateway-deployment.yaml: Deployment
                "<fullname>-deployment" (l.15), container wso2am-gateway (l.73), env JVM_MEM_OPTS
                (l.90), volumes wso2am-gateway-conf = ConfigMap <fullname>-conf (l.289-291),
                wso2am-gateway-log4j2 = ConfigMap <fullname>-conf-log4j2 (l.297-299),
                wso2am-gateway-keystores = Secret jksSecretName (l.329-331)
  control plane tag control-plane-4.7.0-1, distributed/control-plane/Chart.yaml (name wso2am-acp)
                and templates/control-plane/instance-1/wso2am-cp-deployment.yaml: Deployment
                "<fullname>-deployment-1" (l.15), container wso2am-control-plane (l.72), env
                JVM_MEM_OPTS (l.89), volumes wso2am-control-plane-conf = ConfigMap <fullname>-conf-1
                (l.300-302), wso2am-control-plane-log4j2 = ConfigMap <fullname>-conf-log4j2
                (l.308-310), wso2am-control-plane-keystores = Secret jksSecretName (l.355-357)
  values.yaml   (both charts) jksSecretName "apim-keystore-secret", truststore
                "client-truststore.jks", keystores "wso2carbon.jks", jvm memory xms/xmx "2048m";
                the release is called "apim" here, so <fullname> is apim-<chart name>.
"""

import copy
import subprocess
import sys
import tempfile

import yaml

RELEASE = "apim"
JVM_MEM_OPTS = "-Xms2048m -Xmx2048m"
KEYSTORES = ["client-truststore.jks", "wso2carbon.jks"]
CHARTS = {
    "gateway-worker": {
        "deployment": f"{RELEASE}-wso2am-universal-gw-deployment",
        "container": "wso2am-gateway",
        "image": "wso2/wso2am-universal-gw:4.7.0",
        "home": "/home/wso2carbon/wso2am-universal-gw-4.7.0",
        "volumes": {
            "wso2am-gateway-conf": ("configMap", f"{RELEASE}-wso2am-universal-gw-conf", ["deployment.toml"]),
            "wso2am-gateway-log4j2": ("configMap", f"{RELEASE}-wso2am-universal-gw-conf-log4j2", ["log4j2.properties"]),
            "wso2am-gateway-keystores": ("secret", "apim-keystore-secret", KEYSTORES),
        },
    },
    "control-plane": {
        "deployment": f"{RELEASE}-wso2am-acp-deployment-1",
        "container": "wso2am-control-plane",
        "image": "wso2/wso2am-acp:4.7.0",
        "home": "/home/wso2carbon/wso2am-acp-4.7.0",
        "volumes": {
            "wso2am-control-plane-conf": ("configMap", f"{RELEASE}-wso2am-acp-conf-1", ["deployment.toml"]),
            "wso2am-control-plane-log4j2": ("configMap", f"{RELEASE}-wso2am-acp-conf-log4j2", ["log4j2.properties"]),
            "wso2am-control-plane-keystores": ("secret", "apim-keystore-secret", KEYSTORES),
        },
    },
}
# Where each key of a chart volume is read under PRODUCT_HOME.
PLACES = {
    "deployment.toml": "repository/conf/deployment.toml",
    "log4j2.properties": "repository/conf/log4j2.properties",
    "client-truststore.jks": "repository/resources/security/client-truststore.jks",
    "wso2carbon.jks": "repository/resources/security/wso2carbon.jks",
}

problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def validate(docs, what, expect_ok=True):
    """kubernetes-validate --strict on the documents; True when they pass."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump_all(docs, f)
        f.flush()
        run = subprocess.run(["kubernetes-validate", "--strict", "--quiet", f.name],
                             capture_output=True, text=True)
    ok = run.returncode == 0
    if ok != expect_ok:
        problems.append(f"{what}: kubernetes-validate {'failed' if expect_ok else 'passed'}:\n"
                        f"{run.stdout}{run.stderr}")
    return ok


def chart_deployment(profile):
    """The Deployment as the chart renders it, reduced to what the patch meets."""
    c = CHARTS[profile]
    volumes = [{"name": n, kind: ({"name": obj} if kind == "configMap" else {"secretName": obj})}
               for n, (kind, obj, _) in c["volumes"].items()]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": c["deployment"]},
        "spec": {
            "selector": {"matchLabels": {"app": c["container"]}},
            "template": {
                "metadata": {"labels": {"app": c["container"]}},
                "spec": {
                    "containers": [{"name": c["container"], "image": c["image"],
                                    "env": [{"name": "JVM_MEM_OPTS", "value": JVM_MEM_OPTS}]}],
                    "volumes": volumes,
                },
            },
        },
    }


def merge_by_name(base, patch):
    out = list(base)
    for item in patch:
        out = [b for b in out if b["name"] != item["name"]] + [item]
    return out


def apply_patch(deployment, patch):
    """A strategic merge patch's effect on the pod spec lists it touches (merge key: name)."""
    d = copy.deepcopy(deployment)
    pod = d["spec"]["template"]["spec"]
    ppod = patch["spec"]["template"]["spec"]
    for key in ("volumes", "initContainers", "containers"):
        if key in ppod:
            pod[key] = merge_by_name(pod.get(key, []), ppod[key])
    return d


def env(container, name):
    return next((e.get("value") for e in container.get("env", []) if e["name"] == name), None)


def check_pod(pod, profile, what, chart_objects):
    """Every mount names a volume of the pod; the chart's volumes are mounted where PRODUCT_HOME
    reads them, with keys the chart's objects hold; JVM_MEM_OPTS is the chart's."""
    c = CHARTS[profile]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for v in pod["volumes"]:
        for kind in ("configMap", "secret"):
            if kind in v and chart_objects:
                obj = v[kind].get("name") or v[kind].get("secretName")
                known = {(k, o) for (k, o, _) in c["volumes"].values()}
                check((kind, obj) in known, f"{what}: volume {v['name']} uses {kind} {obj}, not one of the chart's {sorted(known)}")
    checked = [x for x in pod.get("initContainers", []) + pod["containers"]
               if x.get("image", "").startswith("wso2/")]
    check(checked, f"{what}: no container runs the APIM image")
    for ctr in checked:
        if ctr["name"] == c["container"]:
            continue
        check(env(ctr, "JVM_MEM_OPTS") == JVM_MEM_OPTS,
              f"{what}: {ctr['name']} does not pass JVM_MEM_OPTS={JVM_MEM_OPTS!r} as the chart does")
        check(c["home"] in " ".join(ctr.get("args", [])), f"{what}: {ctr['name']} does not check {c['home']}")
        mounted = set()
        for m in ctr.get("volumeMounts", []):
            check(m["name"] in volumes, f"{what}: {ctr['name']} mounts {m['name']}, which the pod does not have")
            chart_name = m["name"] if m["name"] in c["volumes"] else None
            if chart_objects and m["name"] in volumes:
                # A Job's own volume: find the chart volume by the object it references.
                v = volumes[m["name"]]
                obj = (v.get("configMap") or {}).get("name") or (v.get("secret") or {}).get("secretName")
                chart_name = next((n for n, (_, o, keys) in c["volumes"].items()
                                   if o == obj and m.get("subPath") in keys), chart_name)
            if chart_name is None:
                continue
            keys = c["volumes"][chart_name][2]
            sub = m.get("subPath")
            check(sub in keys, f"{what}: {m['name']} subPath {sub!r} is not a key of the chart's {chart_name} ({keys})")
            if sub in PLACES:
                check(m["mountPath"] == f"{c['home']}/{PLACES[sub]}",
                      f"{what}: {sub} is mounted at {m['mountPath']}, not where the server reads it")
                check(m.get("readOnly") is True, f"{what}: {m['mountPath']} is not read-only")
                mounted.add(sub)
        for key in ("deployment.toml", *KEYSTORES):
            check(key in mounted, f"{what}: {ctr['name']} does not mount the chart's {key}")


def main(folder):
    patch = yaml.safe_load(open(f"{folder}/init-container.yaml"))
    patched = apply_patch(chart_deployment("gateway-worker"), patch)
    validate([patched], "the gateway Deployment with init-container.yaml applied")
    check_pod(patched["spec"]["template"]["spec"], "gateway-worker", "init-container.yaml", False)

    docs = [d for d in yaml.safe_load_all(open(f"{folder}/job.yaml")) if d]
    validate(docs, "job.yaml")
    jobs = [d for d in docs if d["kind"] == "Job"]
    nodes = {}
    fleet = None
    for job in jobs:
        pod = job["spec"]["template"]["spec"]
        text = " ".join(a for ctr in pod["containers"] for a in ctr.get("args", []))
        if "preflight fleet" in text or pod["containers"][0].get("args", [""])[0] == "fleet":
            fleet = job
            continue
        profile = next((p for p in CHARTS if f"--profile {p}" in text), None)
        check(profile, f"job {job['metadata']['name']}: no --profile of a chart")
        if profile:
            check_pod(pod, profile, f"job {job['metadata']['name']}", True)
        out = next((w.split("=", 1)[1] for w in text.split() if w.startswith("OUT=/reports/")), None)
        check(out and "touch \"$OUT/done\"" in text, f"job {job['metadata']['name']}: writes no done marker")
        if out:
            nodes[out.removeprefix("/reports/")] = job["metadata"]["name"]
    check(fleet is not None, "job.yaml: no fleet Job")
    check(set(CHARTS) <= {p for j in jobs for p in CHARTS
                          if f"--profile {p}" in str(j)}, "job.yaml: a chart has no node Job")
    if fleet:
        pod = fleet["spec"]["template"]["spec"]
        ctr = pod["containers"][0]
        check(["--expect", "$(NODES)"] == ctr["args"][2:4], "the fleet Job does not pass --expect $(NODES)")
        wanted = sorted(nodes)
        check(sorted(env(ctr, "NODES").split(",")) == wanted,
              f"the fleet Job expects {env(ctr, 'NODES')}, the node Jobs write {wanted}")
        waits = pod.get("initContainers", [])
        check(waits and "done" in " ".join(waits[0].get("args", []))
              and sorted(env(waits[0], "NODES").split(",")) == wanted,
              "the fleet Job does not wait for every node Job's done marker")

    # The validator itself must refuse what Kubernetes refuses.
    broken = copy.deepcopy(jobs[0])
    broken["spec"]["template"]["spec"]["containers"][0]["volumeMount"] = []
    validate([broken], "a Job with a misspelled field", expect_ok=False)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"kubernetes: {len(problems)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print(f"kubernetes: init-container.yaml and job.yaml ({len(jobs)} Jobs, nodes {sorted(nodes)}) "
          "valid (kubernetes-validate --strict) and consistent with wso2/helm-apim 4.7.0-1: ok")


main(sys.argv[1])
