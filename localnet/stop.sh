#!/usr/bin/env bash
# Stops every node of the localnet (SIGTERM, then SIGKILL after --timeout seconds) and waits until
# they have exited. The chain's state stays in the state dir: localnet/start.sh resumes it.
set -euo pipefail
# shellcheck source=localnet/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF2
Usage: localnet/stop.sh [--timeout SECS]

Stops the nodes whose pids are in <state dir>/pids/ (state dir: $LOCALNET_HOME) and keeps the
chain's state. --timeout: seconds to wait after SIGTERM before SIGKILL (default 20).
EOF2
}

TIMEOUT=20
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

shopt -s nullglob
pidfiles=("$LOCALNET_HOME"/pids/node*.pid)
stopping=()
for f in "${pidfiles[@]}"; do
  i="${f##*/node}" i="${i%.pid}"
  if node_running "$i"; then
    kill -TERM "$(cat "$f")" 2>/dev/null || true
    stopping+=("$i")
  else
    rm -f "$f"
  fi
done
if [ "${#stopping[@]}" -eq 0 ]; then
  log "not running (state dir $LOCALNET_HOME)"
  exit 0
fi

deadline=$(($(date +%s) + TIMEOUT))
for i in "${stopping[@]}"; do
  while node_running "$i"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "validator $i did not exit within ${TIMEOUT}s; killing it"
      kill -KILL "$(cat "$LOCALNET_HOME/pids/node$i.pid")" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
  done
  rm -f "$LOCALNET_HOME/pids/node$i.pid"
done
log "stopped ${#stopping[@]} node(s); state kept in $LOCALNET_HOME"
