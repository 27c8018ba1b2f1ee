#!/usr/bin/env bash
# Installs the build tools a fresh machine lacks, once, into a cache outside the repository
# (keyed by version), and prints the lines to put them on PATH. Idempotent: a second run only checks.
#   eval "$(scripts/tools.sh)"
set -euo pipefail

CACHE="${TWINSHARE_CACHE:-$HOME/.cache/twinshare}"
BINARYEN_VERSION=132.0.0
COSMWASM_CHECK_VERSION=3.0.10
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

echo "export PATH=\"$BINARYEN_DIR/node_modules/.bin:$CHECK_DIR/bin:\$PATH\""
