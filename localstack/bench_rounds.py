#!/usr/bin/env python3
"""Rounds of daemon replicas sharing a PostgreSQL store, timed: `make bench-rounds`.

Runs under localstack/with-moto.sh (AUDITOR_TEST_ENDPOINT) and tests/pg/with-postgres.sh
(AUDITOR_TEST_POSTGRES). For each number of accounts (30, 100: ROUND_ACCOUNTS) and of
replicas (1, 2, 3: ROUND_REPLICAS), a fresh database and fresh emulator accounts: the
replicas start together, and the round's wall time is from their start to the moment
`auditor rounds` says every account is finished. Also measured: each replica's peak RSS
(VmHWM) and CPU, and the emulator's CPU over the round (where the time goes). Prints a
Markdown table; writes target/bench/rounds.json.
"""
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUDITOR = os.environ.get("AUDITOR_BIN", os.path.join(ROOT, "target/release/auditor"))
ENDPOINT = os.environ["AUDITOR_TEST_ENDPOINT"]
PG = os.environ["AUDITOR_TEST_POSTGRES"]
# ECR is left out by default: moto answers DescribePullThroughCacheRules with a 500, and the
# SDK's retry back-off then waits about 6 s per account, which would time the back-off,
# not the rounds (ROUND_SERVICES=ec2,iam,s3,eks,ecr to include it).
SERVICES = os.environ.get("ROUND_SERVICES", "ec2,iam,s3,eks").split(",")
TOKEN = "6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c"
TICKS = os.sysconf("SC_CLK_TCK")


def psql():
    for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) + [shutil.which("psql") or ""]:
        if p and os.access(p, os.X_OK):
            return p
    sys.exit("bench_rounds: psql is needed (Debian: apt-get install -y postgresql-client)")


def sql(url, statement):
    subprocess.run([psql(), url, "-qAtc", statement], check=True, stdout=subprocess.DEVNULL)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime, and those of waited-for children
    return sum(int(x) for x in fields[11:15]) / TICKS


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def moto_pid():
    with open(os.path.join(ROOT, "localstack/.run/bench-rounds.pid")) as f:
        pid = int(f.read().strip())
    # The launcher may have a Python child that serves.
    kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return int(kids[0]) if kids else pid


def one(accounts, replicas, moto):
    name = f"rounds_{accounts}_{replicas}_{random.randrange(10**9)}"
    sql(PG, f"CREATE DATABASE {name}")
    url = PG.rsplit("/", 1)[0] + "/" + name
    ids = [f"{random.randrange(10**11, 10**12)}" for _ in range(accounts)]
    work = tempfile.mkdtemp(prefix="bench-rounds-")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": "/nonexistent",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AUDITOR_STORE_URL": url,
        "AUDITOR_LOG": "warn",
    }
    procs = []
    moto_before = cpu_seconds(moto)
    start = time.monotonic()
    for i in range(replicas):
        cfg = os.path.join(work, f"replica-{i}.toml")
        with open(cfg, "w") as f:
            f.write(
                f'[aws]\nendpoint_url = "{ENDPOINT}"\nregions = ["us-east-1"]\n'
                f"[audit]\nservices = {json.dumps(SERVICES)}\n"
                f"[daemon]\naccounts = {json.dumps(ids)}\ninterval = \"24h\"\n"
                f'store_env = "AUDITOR_STORE_URL"\nlease = "30s"\n'
                f'reports_dir = "{work}/reports-{i}"\nlisten = "127.0.0.1:0"\ntoken = "{TOKEN}"\n'
            )
        procs.append(
            subprocess.Popen(
                [AUDITOR, "--quiet", "daemon", "--config", cfg],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(work, f"replica-{i}.log"), "w"),
            )
        )
    progress = {}
    while True:
        time.sleep(0.25)
        out = subprocess.run(
            [AUDITOR, "rounds", "--format", "json", "--last", "1"],
            env={**env, "AUDITOR_STORE": url},
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            rounds = json.loads(out.stdout)["rounds"]
            if rounds and rounds[0]["pending"] == 0 and rounds[0]["running"] == 0:
                progress = rounds[0]
                break
        for p in procs:
            if p.poll() is not None:
                sys.exit(f"bench_rounds: a replica exited early; see {work}")
    wall = time.monotonic() - start
    moto_cpu = cpu_seconds(moto) - moto_before
    per = [(peak_rss_mib(p.pid), cpu_seconds(p.pid)) for p in procs]
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)
    shutil.rmtree(work, ignore_errors=True)
    return {
        "accounts": accounts,
        "replicas": replicas,
        "wall_seconds": round(wall, 2),
        "complete": progress.get("complete"),
        "failed": progress.get("failed"),
        "replica_peak_rss_mib": [round(r, 1) for r, _ in per],
        "replica_cpu_seconds": [round(c, 2) for _, c in per],
        "emulator_cpu_seconds": round(moto_cpu, 2),
    }


def main():
    moto = moto_pid()
    results = []
    for accounts in [int(x) for x in os.environ.get("ROUND_ACCOUNTS", "30,100").split(",")]:
        for replicas in [int(x) for x in os.environ.get("ROUND_REPLICAS", "1,2,3").split(",")]:
            r = one(accounts, replicas, moto)
            print(json.dumps(r), flush=True)
            results.append(r)
    os.makedirs(os.path.join(ROOT, "target/bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target/bench/rounds.json"), "w") as f:
        json.dump({"services": SERVICES, "results": results}, f, indent=2)
    print(f"\nservices {','.join(SERVICES)}, region us-east-1, one moto server\n")
    print("| accounts | replicas | round wall | accounts/min | complete/failed | peak RSS per replica | CPU per replica | emulator CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['accounts']} | {r['replicas']} | {r['wall_seconds']:.1f} s | "
            f"{60 * r['accounts'] / r['wall_seconds']:.0f} | {r['complete']}/{r['failed']} | "
            f"{', '.join(f'{x:.0f}' for x in r['replica_peak_rss_mib'])} MiB | "
            f"{', '.join(f'{x:.1f}' for x in r['replica_cpu_seconds'])} s | {r['emulator_cpu_seconds']:.1f} s |"
        )


if __name__ == "__main__":
    main()
