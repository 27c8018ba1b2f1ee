#!/usr/bin/env bash
# Stops the localnet and deletes its state dir (every block, key and log of the chain), plus
# localnet/deployment.json when it describes that chain. The next localnet/start.sh creates a
# fresh chain.
set -euo pipefail
# shellcheck source=localnet/lib.sh
. "$(dirname "$0")/lib.sh"

case "${1:-}" in
  -h|--help)
    cat <<EOF2
Usage: localnet/reset.sh

Runs localnet/stop.sh, then deletes the state dir $LOCALNET_HOME
(\$TWINSHARE_LOCALNET_HOME or ~/.cache/twinshare/localnet) and the stale localnet/deployment.json.
EOF2
    exit 0 ;;
  "") ;;
  *) die "unknown argument: $1 (see --help)" ;;
esac

"$LOCALNET_DIR/stop.sh"

# Refuse to delete anything that does not look like a localnet state dir.
home_real="$(realpath -m "$LOCALNET_HOME")"
case "$home_real" in
  / | "$(realpath -m "$HOME")" | "$REPO_DIR" | "$REPO_DIR"/*) die "refusing to delete $home_real" ;;
esac
if [ -d "$home_real" ]; then
  if [ -f "$home_real/localnet.env" ] || [ -d "$home_real/node0" ] || [ -z "$(ls -A "$home_real")" ]; then
    rm -rf "$home_real"
    log "deleted $home_real"
  else
    die "$home_real does not look like a localnet state dir (no localnet.env); delete it yourself"
  fi
else
  log "no state dir at $home_real"
fi

dep="$LOCALNET_DIR/deployment.json"
if [ -f "$dep" ] && command -v jq >/dev/null &&
  [ "$(jq -r '.home // ""' "$dep")" = "$home_real" ]; then
  rm -f "$dep"
  log "deleted $dep (it described the deleted chain)"
fi
