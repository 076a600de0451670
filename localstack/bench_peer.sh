#!/usr/bin/env bash
# `make bench-peer`'s peer: runs Prowler (pinned, from PyPI) over the bench account on a
# seeded moto server and reports what it cost, as auditor-bench does for the auditor: wall
# time, CPU, peak RSS, API requests (moto's request recorder) and findings. Prints one JSON
# object and writes it to --out. auditor-bench (`--peer`) calls it on the same moto, right
# after auditing the account itself, and prints the ratios.
#
#   bench_peer.sh --endpoint URL --out FILE.json
# Options: --regions us-east-1,eu-west-1 (default)   --services "ec2 vpc iam ..." (default below)
#          --keep-output (keep Prowler's OCSF file; it is ~9 KB per finding)
#
# The endpoint must serve nobody else during the run: the recorder counts every request.
# Start moto with MOTO_EC2_LOAD_DEFAULT_AMIS=false (auditor-bench does): otherwise moto's
# ~1,300 AMI snapshots per region are "owned" by the account and Prowler audits each one.
#
# Prowler is installed on first use into localstack/.prowler-venv (PROWLER_VENV), pinned to
# PROWLER_VERSION with every dependency pinned by localstack/prowler-constraints.txt (its
# `pip freeze`; about 3 minutes and 2.3 GB; Python >=3.10,<3.14, PYTHON to choose).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROWLER_VERSION="${PROWLER_VERSION:-5.46.0}"
venv="${PROWLER_VENV:-$here/.prowler-venv}"
constraints="$here/prowler-constraints.txt"

endpoint="" out="" keep=0
regions="us-east-1,eu-west-1"
# Prowler's services for what the auditor checks (CHECKS.md): EC2 and VPC (security groups,
# NACLs, flow logs, IMDS, EBS encryption), IAM, ECR, S3, EKS, ELBv2, GuardDuty, CloudTrail.
services="ec2 vpc iam ecr s3 eks elbv2 guardduty cloudtrail"
die() { echo "bench_peer.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --endpoint) endpoint="${2:?--endpoint URL}"; shift 2 ;;
    --out) out="${2:?--out FILE}"; shift 2 ;;
    --regions) regions="${2:?--regions R1,R2}"; shift 2 ;;
    --services) services="${2:?--services \"S1 S2\"}"; shift 2 ;;
    --keep-output) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out FILE is required"
[ -n "$endpoint" ] || die "--endpoint URL (a seeded moto server) is required"

# --- Prowler, installed once per pin (a venv whose stamp matches is left alone).
want="prowler==$PROWLER_VERSION $( [ -f "$constraints" ] && sha256sum "$constraints" | cut -d' ' -f1 )"
stamp="$venv/.bench-peer-stamp"
if ! { [ -x "$venv/bin/prowler" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
  python=""
  for p in ${PYTHON:-} python3.12 python3.11 python3.13 python3.10 python3; do
    # pyenv shims exist for versions that are not installed: ask the interpreter itself.
    if "$p" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
      python="$p"; break
    fi
  done
  [ -n "$python" ] || die "prowler $PROWLER_VERSION needs Python >=3.10,<3.14 (set PYTHON)"
  echo "bench_peer.sh: installing prowler==$PROWLER_VERSION into $venv with $("$python" -V) (about 3 min, 2.3 GB)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  cargs=(); [ -f "$constraints" ] && cargs=(-c "$constraints")
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "${cargs[@]}" "prowler==$PROWLER_VERSION"
  echo "$want" > "$stamp"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/bench-peer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

outdir="${out%.json}.prowler"
rm -rf "$outdir"; mkdir -p "$outdir" "$work/home" "$work/shim"

# Loaded by the prowler process only (PYTHONPATH). botocore's S3 Control endpoint rules put
# the account id in front of a custom endpoint's host (http://123456789012.127.0.0.1:5077/
# v20180820/...), a name no resolver knows, where AWS's DNS answers for every
# ACCOUNT.s3-control.REGION.amazonaws.com. Without this, GetPublicAccessBlock (account),
# ListAccessPoints and ListMultiRegionAccessPoints fail after retries and the checks that
# need them report nothing. Nothing else changes.
cat >"$work/shim/sitecustomize.py" <<'PY'
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback_subdomains(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith((".127.0.0.1", ".localhost")):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_subdomains
PY

# --- The measured run, from the prowler venv's Python (its boto3 does the snapshot check).
BP_ENDPOINT="$endpoint" BP_OUT="$out" BP_OUTDIR="$outdir" BP_WORK="$work" BP_VENV="$venv" \
BP_REGIONS="$regions" BP_SERVICES="$services" BP_KEEP="$keep" BP_VERSION="$PROWLER_VERSION" \
  "$venv/bin/python" - <<'PY'
import base64, collections, json, os, re, resource, socketserver, subprocess, sys, threading, time
import urllib.request

E = os.environ
ep, out, outdir, work = E["BP_ENDPOINT"].rstrip("/"), E["BP_OUT"], E["BP_OUTDIR"], E["BP_WORK"]
regions = [r for r in E["BP_REGIONS"].split(",") if r]
services = E["BP_SERVICES"].split()
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def recorder(action, post=True):
    req = urllib.request.Request(f"{ep}/moto-api/recorder/{action}", data=b"" if post else None,
                                 method="POST" if post else "GET")
    with direct.open(req, timeout=120) as r:
        return r.read()


# moto's default AMIs come with snapshots "owned" by the account: Prowler would audit them all.
ami_snapshots = 0
try:
    import boto3
    for region in regions:
        ec2 = boto3.client("ec2", region_name=region, endpoint_url=ep,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        for page in ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"]):
            ami_snapshots += sum(1 for s in page["Snapshots"]
                                 if s.get("Description", "").startswith("Auto-created snapshot for AMI"))
except Exception as e:  # the measurement does not depend on it
    print(f"bench_peer.sh: could not count moto's AMI snapshots: {e}", file=sys.stderr)
if ami_snapshots:
    print(f"bench_peer.sh: warning: {ami_snapshots} snapshots of moto's default AMIs belong to the "
          "account; Prowler audits each (start moto with MOTO_EC2_LOAD_DEFAULT_AMIS=false)", file=sys.stderr)

# Any request for the internet goes to this proxy, which refuses it and notes where it went.
internet = []


class Deny(socketserver.StreamRequestHandler):
    def handle(self):
        internet.append(self.rfile.readline(4096).decode("latin-1").strip())
        self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True


proxy = Server(("127.0.0.1", 0), Deny)
threading.Thread(target=proxy.serve_forever, daemon=True).start()
proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"

env = {
    "PATH": E.get("PATH", "/usr/bin:/bin"), "HOME": f"{work}/home", "LANG": "C.UTF-8",
    "PYTHONPATH": f"{work}/shim",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": regions[0], "AWS_REGION": regions[0],
    "AWS_ENDPOINT_URL": ep,  # botocore >= 1.31 sends every service there (sts too)
    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    "HTTP_PROXY": proxy_url, "HTTPS_PROXY": proxy_url, "http_proxy": proxy_url, "https_proxy": proxy_url,
    "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
}
cmd = [f"{E['BP_VENV']}/bin/prowler", "aws", "--region", *regions, "--service", *services,
       "--output-formats", "json-ocsf", "--output-directory", outdir, "--output-filename", "prowler",
       "--no-banner", "--ignore-exit-code-3", "--log-level", "ERROR", "--log-file", f"{outdir}/prowler.log"]

recorder("reset-recording")
recorder("start-recording")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
with open(f"{outdir}/stdout.txt", "wb") as so, open(f"{outdir}/stderr.txt", "wb") as se:
    code = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=so, stderr=se).returncode
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # prowler is this script's only child
recorder("stop-recording")
recording = recorder("download-recording", post=False).decode()
proxy.shutdown()


def service_of(line):
    h = {k.lower(): v for k, v in (json.loads(line).get("headers") or {}).items()}
    m = re.search(r"Credential=[^/]*/[^/]*/[^/]*/([^/]*)/", h.get("authorization", ""))
    return m.group(1) if m else "unsigned"


lines = [l for l in recording.splitlines() if l.strip()]
by_service = collections.Counter(service_of(l) for l in lines)

findings, by_status, by_check_service = None, {}, {}
ocsf = f"{outdir}/prowler.ocsf.json"
if os.path.exists(ocsf):
    with open(ocsf) as f:
        data = json.load(f)
    findings = len(data)
    by_status = dict(collections.Counter(x.get("status_code") for x in data))
    by_check_service = dict(collections.Counter(
        ((x.get("resources") or [{}])[0].get("group") or {}).get("name", "?") for x in data).most_common())
    del data
    if E["BP_KEEP"] != "1":
        os.remove(ocsf)
# Prowler's --log-file is JSON lines: the errors (mostly moto's missing operations) by module.
errors = collections.Counter()
if os.path.exists(f"{outdir}/prowler.log"):
    with open(f"{outdir}/prowler.log", errors="replace") as f:
        # A record's message may span lines (an HTML error page): match the fixed prefix.
        for m in re.finditer(r'"level": "(?:ERROR|CRITICAL)", "module": "([^"]*)"', f.read()):
            errors[m.group(1)] += 1

result = {
    "tool": "prowler", "version": E["BP_VERSION"], "python": sys.version.split()[0],
    "endpoint": ep, "regions": regions, "services": services,
    "exit_code": code,
    "wall_s": round(wall, 2),
    "user_cpu_s": round(ru.ru_utime - before.ru_utime, 2),
    "sys_cpu_s": round(ru.ru_stime - before.ru_stime, 2),
    "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),  # MiB: Linux reports KiB
    "requests": len(lines), "requests_by_service": dict(by_service.most_common()),
    "findings": findings, "findings_by_status": by_status, "findings_by_service": by_check_service,
    "errors_logged": sum(errors.values()), "errors_by_module": dict(errors.most_common()),
    "internet_requests_refused": internet,
    "moto_ami_snapshots_in_account": ami_snapshots,
    "output_dir": outdir,
}
text = json.dumps(result, indent=1)
with open(out, "w") as f:
    f.write(text + "\n")
print(text)
sys.exit(0 if code == 0 else 1)
PY
