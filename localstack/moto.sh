#!/usr/bin/env bash
# Starts and stops moto servers on 127.0.0.1, one per NAME (default "default"), each on a
# free port, with its pid, port and log under localstack/.run/.
#
#   moto.sh start [NAME]     start (installing the venv first if needed); prints the endpoint
#   moto.sh stop [NAME]      stop it
#   moto.sh endpoint [NAME]  print http://127.0.0.1:PORT of a running server
#   moto.sh status [NAME]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="$here/.run"
cmd="${1:-}"; name="${2:-default}"
pidf="$run/$name.pid"; portf="$run/$name.port"; logf="$run/$name.log"

running() { [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; }

case "$cmd" in
  start)
    if running; then echo "http://127.0.0.1:$(cat "$portf")"; exit 0; fi
    "$here/setup.sh"
    mkdir -p "$run"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    # Loads AWS managed policies (AdministratorAccess, ...) so seeds can attach them.
    # The recorder's file goes to .run/, not into whatever directory this was started from.
    MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_RECORDER_FILEPATH="$run/$name.recording" \
      nohup "$here/moto-server" -H 127.0.0.1 -p "$port" >"$logf" 2>&1 &
    echo $! >"$pidf"; echo "$port" >"$portf"
    for _ in $(seq 1 150); do
      if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
        echo "http://127.0.0.1:$port"; exit 0
      fi
      running || { echo "moto.sh: moto exited at start; see $logf:" >&2; tail -20 "$logf" >&2; exit 1; }
      sleep 0.2
    done
    echo "moto.sh: moto did not answer on port $port within 30 s; see $logf" >&2; exit 1 ;;
  stop)
    if running; then kill "$(cat "$pidf")" 2>/dev/null || true; fi
    rm -f "$pidf" "$portf" ;;
  endpoint)
    running || { echo "moto.sh: no moto server '$name' is running (moto.sh start $name)" >&2; exit 1; }
    echo "http://127.0.0.1:$(cat "$portf")" ;;
  status)
    if running; then echo "moto '$name' running at http://127.0.0.1:$(cat "$portf") (pid $(cat "$pidf"), log $logf)"
    else echo "moto '$name' not running"; exit 1; fi ;;
  *) echo "usage: moto.sh start|stop|endpoint|status [NAME]" >&2; exit 2 ;;
esac
