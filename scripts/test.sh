#!/usr/bin/env bash
# The test command (README.md). Builds and checks the contract artifacts, makes sure a localnet is
# running with the contracts deployed (wasmd is built once into ~/.cache/twinshare), runs every
# test in the workspace (unit, cw-multi-test, VM, real storage and real chain), then the web
# wallet's tests (scripts/web-test.sh: Vitest and the browser end-to-end tests in chromium), and
# stops the localnet again if it started it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-wasm.sh
localnet/install.sh >/dev/null

# A chain already running (a developer's) is used as it is. Otherwise the tests get a fresh chain
# of their own, so no earlier run's state (balances, leases, sales) can change their outcome.
started=0
if ! curl -sf -m 2 http://127.0.0.1:26657/status >/dev/null 2>&1; then
  export TWINSHARE_LOCALNET_HOME="${TWINSHARE_CACHE:-$HOME/.cache/twinshare}/localnet-test"
  localnet/reset.sh
  localnet/start.sh
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then localnet/stop.sh || true; fi; }
trap cleanup EXIT
localnet/deploy.sh

cargo test --workspace --locked

# The web wallet (web/): its wasm crypto, generated clients, Vitest, and the browser end-to-end
# tests in Debian's chromium against this same chain (they start their own relayer daemon).
scripts/web-test.sh
