#!/usr/bin/env bash
# Installs the build and test tools a fresh machine lacks, once, into a cache outside the repository
# (keyed by version), and prints the lines to put them on PATH. Idempotent: a second run only checks.
#   eval "$(scripts/tools.sh)"
set -euo pipefail

CACHE="${TWINSHARE_CACHE:-$HOME/.cache/twinshare}"
BINARYEN_VERSION=132.0.0
COSMWASM_CHECK_VERSION=3.0.10
S3S_FS_VERSION=0.14.1
mkdir -p "$CACHE"

log() { printf 'tools: %s\n' "$*" >&2; }

# wasm32 target for the contracts.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown >&2
fi

# wasm-opt from npm's binaryen: Debian's is too old for the lowering passes (DESIGN.md).
BINARYEN_DIR="$CACHE/binaryen-$BINARYEN_VERSION"
if [ ! -x "$BINARYEN_DIR/node_modules/.bin/wasm-opt" ]; then
  log "installing binaryen $BINARYEN_VERSION from npm"
  mkdir -p "$BINARYEN_DIR"
  npm install --prefix "$BINARYEN_DIR" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >&2
fi

# cosmwasm-check: the newest release that builds on rustc 1.95 (about 10 minutes cold).
CHECK_DIR="$CACHE/cosmwasm-check-$COSMWASM_CHECK_VERSION"
if [ ! -x "$CHECK_DIR/bin/cosmwasm-check" ]; then
  log "installing cosmwasm-check $COSMWASM_CHECK_VERSION (cold: about 10 minutes)"
  cargo install cosmwasm-check --version "$COSMWASM_CHECK_VERSION" --locked --root "$CHECK_DIR" >&2
fi

# s3s-fs: a real S3-compatible server for the storage tests, on loopback (0.17 needs rustc 1.96).
S3S_DIR="$CACHE/s3s-fs-$S3S_FS_VERSION"
if [ ! -x "$S3S_DIR/bin/s3s-fs" ]; then
  log "installing s3s-fs $S3S_FS_VERSION (cold: about 2.5 minutes)"
  cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked --root "$S3S_DIR" >&2
fi

# Chromium for the web wallet's browser tests: Debian's package (no browser downloads here).
if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium with apt-get (the web wallet's browser tests drive it)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null; }; } >&2 ||
    { log "could not install chromium; install it (apt-get install chromium) and rerun"; exit 1; }
fi

echo "export PATH=\"$BINARYEN_DIR/node_modules/.bin:$CHECK_DIR/bin:$S3S_DIR/bin:\$PATH\""
