#!/usr/bin/env bash
# The main job: the paper's sharing scenario end to end on the embedded defaults, on a real chain.
#
#   1. wasmd, built once into ~/.cache/twinshare (localnet/install.sh; a few minutes the first time)
#   2. a 1-validator localnet on loopback (localnet/start.sh; left alone if already running)
#   3. TwinShare's contracts deployed (localnet/deploy.sh; not redone when up to date)
#   4. `twinshare demo`: alice (User A) leases storage, uploads, registers and tokenizes vibration
#      data; bob (User B) buys it; alice grants; the relayer step runs in process with the
#      relayer's dev key (until the relayer daemon exists); bob downloads, verifies, confirms.
#
# Extra arguments go to `twinshare demo` (e.g. `scripts/demo.sh --output json --size 8MiB`).
# The localnet keeps running afterwards (`localnet/stop.sh` stops it); a chain this script
# started is stopped again when TWINSHARE_DEMO_STOP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'scripts/demo: %s\n' "$*" >&2; }

log "wasmd: $(localnet/install.sh)"
started=0
if ! curl -sf -m 2 http://127.0.0.1:26657/status >/dev/null 2>&1; then
  localnet/start.sh >&2
  started=1
fi
if [ "$started" = 1 ] && [ "${TWINSHARE_DEMO_STOP:-0}" = 1 ]; then
  trap 'localnet/stop.sh >&2 || true' EXIT
fi
localnet/deploy.sh >&2

# The dev profile: quick to build; the demo's work is on chain and in small files.
cargo run --locked --quiet -p twinshare-cli -- --deployment localnet/deployment.json demo "$@"
