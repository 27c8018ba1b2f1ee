#!/usr/bin/env bash
# The web wallet's tests (web/): npm ci, the crypto wasm module (scripts/build-web-wasm.sh), the
# generated contract clients checked against schema/ (codegen:check), Vitest, the production
# build, then the browser end-to-end tests (playwright-core driving Debian's /usr/bin/chromium)
# against the running localnet. The e2e tests start and stop their own relayer daemon and
# `vite preview`; they build the `twinshare` and `twinshare-relayer` binaries when stale.
# Assumes a localnet with the contracts deployed (scripts/test.sh starts and deploys one).
#
#   scripts/web-test.sh            # everything
#   scripts/web-test.sh --no-e2e   # no chain needed: wasm, codegen:check, vitest, build
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/twinshare/target}"

log() { printf 'scripts/web-test: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

e2e=1
for a in "$@"; do
  case "$a" in
    --no-e2e) e2e=0 ;;
    *) die "unknown argument $a" ;;
  esac
done

command -v npm >/dev/null || die "npm is missing (Node 20+)"
scripts/build-web-wasm.sh
cd web
npm ci --no-audit --no-fund
npm run codegen:check
npm test
npm run build
if [ "$e2e" = 1 ]; then
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || die "no ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium"
  curl -sf -m 2 http://127.0.0.1:26657/status >/dev/null 2>&1 ||
    die "no chain on 127.0.0.1:26657: localnet/start.sh && localnet/deploy.sh first"
  npm run e2e
fi
log "ok (screenshots in web/test-results/screenshots/)"
