#!/usr/bin/env bash
# Builds the web wallet's crypto module (packages/crypto-wasm) into web/src/wasm/ (generated,
# gitignored): cargo for wasm32-unknown-unknown with the small `web` profile, wasm-bindgen
# --target web, then wasm-opt -Oz. Prints the sizes, raw and gzipped.
#
# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock; it is installed once
# into ~/.cache/twinshare/wasm-bindgen-<version> (about 2.5 minutes), without --locked: its own
# lockfile names a dependency version the registry no longer serves (DESIGN.md, "Crypto in the
# browser"). Idempotent: when the cargo output did not change, nothing after cargo runs.
#
#   scripts/build-web-wasm.sh          # build (fast when nothing changed)
#   scripts/build-web-wasm.sh --check  # then load it in Node and run scripts/web-wasm-check.mjs
#   scripts/build-web-wasm.sh --bench [MiB]  # then Download throughput, native vs Node (default
#                                      # 100 MiB; the fixture goes to a temporary folder)
set -euo pipefail
SELF="$(realpath "$0")"
cd "$(dirname "$SELF")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/twinshare/target}"
CACHE="${TWINSHARE_CACHE:-$HOME/.cache/twinshare}"
CRATE=twinshare-crypto-wasm
NAME=twinshare_crypto_wasm
OUT=web/src/wasm
log() { printf 'build-web-wasm: %s\n' "$*" >&2; }

# The wasm-bindgen the crate links against; the CLI must be the same version.
VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
[ -n "$VERSION" ] || { log "no wasm-bindgen in Cargo.lock"; exit 1; }
BINDGEN_DIR="$CACHE/wasm-bindgen-$VERSION"
BINDGEN="$BINDGEN_DIR/bin/wasm-bindgen"
if [ ! -x "$BINDGEN" ]; then
  log "installing wasm-bindgen-cli $VERSION into $BINDGEN_DIR (cold: about 2.5 minutes)"
  cargo install wasm-bindgen-cli --version "$VERSION" --root "$BINDGEN_DIR" >&2
fi
"$BINDGEN" --version | grep -qF "$VERSION" || { log "$BINDGEN is not version $VERSION"; exit 1; }

# wasm32 target and binaryen's wasm-opt (a no-op when installed).
eval "$(scripts/tools.sh)"

cargo build --locked --target wasm32-unknown-unknown --profile web --lib -p "$CRATE" >&2
RAW="$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/$NAME.wasm"

# The stamp names the cargo output and this script: either changing rebuilds the JS module.
STAMP="$OUT/.stamp"
want="$(cat "$RAW" "$SELF" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$OUT/$NAME.js" ] && [ -f "$OUT/${NAME}_bg.wasm" ]; then
  log "$OUT is up to date"
else
  rm -rf "$OUT.tmp"
  "$BINDGEN" --target web --out-dir "$OUT.tmp" --out-name "$NAME" "$RAW"
  BG="$OUT.tmp/${NAME}_bg.wasm"
  bindgen_size="$(stat -c %s "$BG")"
  # Features every current browser and Node 20 accept, and which rustc's wasm32 target emits.
  wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers "$BG" -o "$BG.opt"
  mv "$BG.opt" "$BG"
  rm -rf "$OUT"
  mv "$OUT.tmp" "$OUT"
  echo "$want" > "$STAMP"
  gz() { gzip -9 -c "$1" | wc -c; }
  printf 'cargo (web profile) %8d bytes, gzipped %8d\n' "$(stat -c %s "$RAW")" "$(gz "$RAW")" >&2
  printf 'wasm-bindgen        %8d bytes\n' "$bindgen_size" >&2
  printf 'wasm-opt -Oz        %8d bytes, gzipped %8d  (%s)\n' \
    "$(stat -c %s "$OUT/${NAME}_bg.wasm")" "$(gz "$OUT/${NAME}_bg.wasm")" "$OUT/${NAME}_bg.wasm" >&2
  printf 'JS glue             %8d bytes, gzipped %8d\n' "$(stat -c %s "$OUT/$NAME.js")" "$(gz "$OUT/$NAME.js")" >&2
fi

case "${1:-}" in
  --check) node scripts/web-wasm-check.mjs ;;
  --bench)
    fixture="$(mktemp -d)"
    trap 'rm -rf "$fixture"' EXIT
    cargo run --locked --release -q -p "$CRATE" --example download_bench -- "$fixture" "${2:-100}"
    node scripts/web-wasm-check.mjs --bench "$fixture" | grep -v '^web-wasm-check'
    ;;
esac
