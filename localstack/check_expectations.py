#!/usr/bin/env python3
"""check_expectations.py EXPECT.json REPORT.json: every resource the demo seed planted must
have the status it expects from its check. Exits 1 and lists the misses otherwise."""
import json
import sys

expect = json.load(open(sys.argv[1]))["expect"]
report = json.load(open(sys.argv[2]))
# Global resources (IAM) have no region: the seed writes "" for them.
got = {(f["code"], f["resource"].get("region") or "", f["resource"]["id"]): f["status"] for f in report["findings"]}
misses = [e for e in expect if got.get((e["code"], e["region"], e["resource_id"])) != e["status"]]
fails = sum(e["status"] == "fail" for e in expect)
passes = sum(e["status"] == "pass" for e in expect)
for e in misses:
    print(f"MISS {e['code']} {e['region']} {e['resource_id']}: expected {e['status']}, "
          f"got {got.get((e['code'], e['region'], e['resource_id']), 'no finding')} ({e['why']})")
print(f"demo: {len(expect) - len(misses)}/{len(expect)} planted expectations met "
      f"({fails} misconfigurations fail, {passes} look-alikes pass, {len(expect) - fails - passes} "
      f"not assessed where the emulator lacks the API); report: {sys.argv[2]}")
sys.exit(1 if misses else 0)
