#!/usr/bin/env bash
# Checks what deploy/ ships, as far as a machine without a cluster or a container engine
# can: the Kubernetes manifests rendered with kustomize and validated against the
# Kubernetes API schemas (kubernetes-validate, pinned, from PyPI), the pod hardening the
# README promises asserted on the rendered objects, and the systemd unit verified by
# systemd-analyze. Part of `make test` (`make deploy-check`).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if ! command -v kubectl >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq kubernetes-client >/dev/null
fi
command -v kubectl >/dev/null 2>&1 || { echo "deploy/check.sh: kubectl is needed to render the manifests (Debian: apt-get install kubernetes-client)" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq systemd >/dev/null
fi
command -v systemd-analyze >/dev/null 2>&1 || { echo "deploy/check.sh: systemd-analyze is needed to verify the unit (Debian: apt-get install systemd)" >&2; exit 1; }

venv="$here/.venv"
if [ ! -x "$venv/bin/kubernetes-validate" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

binary="${AUDITOR_BIN:-$root/target/debug/auditor}"
[ -x "$binary" ] || { echo "deploy/check.sh: $binary is missing: build the auditor first (make build)" >&2; exit 1; }

# A tiny saved inventory: loading a configuration is all the auditor is asked to do.
echo '{"account_id": "111122223333", "services": ["iam"], "iam": {}}' > "$tmp/inventory.json"
for form in daemon cronjob replicas; do
  kubectl kustomize "$here/kubernetes/$form" > "$tmp/$form.yaml"
  "$venv/bin/kubernetes-validate" --strict --kubernetes-version 1.31.0 "$tmp/$form.yaml"
  "$venv/bin/python" "$here/hardening.py" "$tmp/$form.yaml"
  # The configuration the form ships loads without a problem (the daemon's with a token,
  # and the replicas' with a database URL, as their Secrets give them).
  "$venv/bin/python" -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap":
        open(sys.argv[2], "w").write(d["data"]["auditor.toml"])' "$tmp/$form.yaml" "$tmp/$form.toml"
  AUDITOR_DAEMON_TOKEN=6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c \
  AUDITOR_STORE_URL='postgres://auditor:secret@db.internal:5432/auditor' \
    "$binary" audit --quiet --fail-on none --format json \
    --config "$tmp/$form.toml" --from-inventory "$tmp/inventory.json" > /dev/null \
    || { echo "deploy/check.sh: the $form form's auditor.toml does not load (above)" >&2; exit 1; }
done
sed "s#/usr/local/bin/auditor#$binary#" "$here/systemd/auditor.service" > "$tmp/auditor.service"
systemd-analyze verify "$tmp/auditor.service"
echo "deploy/: manifests valid and hardened; systemd unit verified"
