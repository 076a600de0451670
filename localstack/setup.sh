#!/usr/bin/env bash
# Creates localstack/.venv with the pinned moto server. Idempotent: a venv whose
# installed requirements match requirements.txt is left alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "setup.sh: $python not found; install Python 3.9+ (or set PYTHON)" >&2; exit 1; }
echo "setup.sh: creating $venv with $(cat "$here/requirements.txt" | grep -v '^#')" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "$want" > "$stamp"
