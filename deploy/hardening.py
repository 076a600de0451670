"""Asserts on rendered manifests what deploy/README.md promises of every pod: non-root,
read-only root filesystem, no privilege escalation, every capability dropped, the runtime's
seccomp profile, resource requests and limits, no service-account token mounted, and a
NetworkPolicy that lets out only DNS and HTTPS, plus the Pod Identity agent and, for the
replicas, PostgreSQL (TCP 5432) to a private range only. One line per problem; exit 1 on
any."""
import ipaddress
import sys

import yaml

problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
pods = []
for d in docs:
    kind, name = d["kind"], d["metadata"]["name"]
    spec = None
    if kind == "Deployment":
        spec = d["spec"]["template"]["spec"]
    elif kind == "CronJob":
        spec = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if spec is not None:
        pods.append((f"{kind}/{name}", spec))

need(pods, "no workload rendered")
for where, spec in pods:
    psc = spec.get("securityContext", {})
    need(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot")
    need(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: pod seccomp RuntimeDefault")
    need(spec.get("automountServiceAccountToken") is False, f"{where}: service account token mounted")
    for c in spec["containers"]:
        at = f"{where}/{c['name']}"
        sc = c.get("securityContext", {})
        need(sc.get("readOnlyRootFilesystem") is True, f"{at}: readOnlyRootFilesystem")
        need(sc.get("allowPrivilegeEscalation") is False, f"{at}: allowPrivilegeEscalation false")
        need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{at}: drop ALL capabilities")
        need(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{at}: seccomp RuntimeDefault")
        res = c.get("resources", {})
        need(res.get("requests") and res.get("limits"), f"{at}: resource requests and limits")

# Replicas: a disruption budget, so that a drain never takes them all at once.
for d in docs:
    if d["kind"] == "Deployment" and d["spec"].get("replicas", 1) > 1:
        labels = d["spec"]["selector"]["matchLabels"]
        need(any(p["kind"] == "PodDisruptionBudget"
                 and p["spec"]["selector"].get("matchLabels") == labels
                 and p["spec"].get("maxUnavailable") is not None for p in docs),
             f"Deployment/{d['metadata']['name']}: {d['spec']['replicas']} replicas without a PodDisruptionBudget")

policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
need(len(policies) == 1, "one NetworkPolicy")
for p in policies:
    need(set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}, "NetworkPolicy governs ingress and egress")
    egress = p["spec"].get("egress", [])
    need(all(rule.get("ports") for rule in egress), "every egress rule names its ports")
    anywhere = {(x.get("protocol", "TCP"), x["port"]) for rule in egress if not rule.get("to") for x in rule.get("ports", [])}
    need(anywhere == {("UDP", 53), ("TCP", 53), ("TCP", 443)}, f"egress anywhere only DNS and HTTPS, got {sorted(anywhere)}")
    for rule in (r for r in egress if r.get("to")):
        cidrs = [t.get("ipBlock", {}).get("cidr") for t in rule["to"]]
        ports = [(x.get("protocol", "TCP"), x["port"]) for x in rule["ports"]]
        if ports == [("TCP", 5432)]:
            need(cidrs and all(c and ipaddress.ip_network(c).is_private for c in cidrs),
                 f"PostgreSQL egress only to private ranges, got {cidrs}")
            continue
        need(cidrs == ["169.254.170.23/32"], f"the only other addressed egress is the Pod Identity agent, got {cidrs}")
        need(ports == [("TCP", 80)], "the Pod Identity agent on TCP 80 only")
    ingress = p["spec"].get("ingress", [])
    inports = {(x.get("protocol", "TCP"), x["port"]) for rule in ingress for x in rule.get("ports", [])}
    need(inports == {("TCP", 9477)} and all(rule.get("ports") for rule in ingress), f"ingress only to the API port, got {sorted(inports)}")

for p in problems:
    print(f"{sys.argv[1]}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
