#!/usr/bin/env bash
# The demo: seeds the demo account in the emulator at $AUDITOR_TEST_ENDPOINT, audits it with
# the real binary, prints the table, writes the JSON report, and checks the report against
# what the seed planted; also the HTML review report. Run through `make demo`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
account=111122223333
report="$root/reports/demo-report.json"
review="$root/reports/demo-review.html"
expect="$root/reports/demo-expectations.json"
mkdir -p "$root/reports"
"$here/.venv/bin/python" "$here/seed_demo.py" --endpoint "$AUDITOR_TEST_ENDPOINT" --account "$account" --expect "$expect"
# The emulator's static keys, and none of the user's own AWS setup. moto answers APIs it
# lacks (ECR pull-through cache rules) with HTTP 500, which the SDK retries: two attempts
# are enough here (real audits keep the default of 5).
env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$root/target/debug/auditor" audit --account "$account" --endpoint-url "$AUDITOR_TEST_ENDPOINT" \
    --config "$here/demo.toml" \
    --regions us-east-1,eu-west-1 --output "$report" --output "$review" --fail-on none --max-attempts 2
"$here/.venv/bin/python" "$here/check_expectations.py" "$expect" "$report"
