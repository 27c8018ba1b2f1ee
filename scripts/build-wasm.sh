#!/usr/bin/env bash
# Builds every contract for wasm32, lowers and shrinks it with binaryen's wasm-opt, checks it with
# cosmwasm-check, and writes artifacts/<contract>.wasm plus artifacts/checksums.txt.
#
# Why the lowering: Rust 1.95's wasm32 std uses bulk-memory, sign-extension and non-trapping
# float-to-int instructions, which CosmWasm's VM rejects; wasm-opt rewrites them into MVP code
# (DESIGN.md, "Building contracts that wasmd accepts").
set -euo pipefail
cd "$(dirname "$0")/.."

# The folders under contracts/; each artifact is named for its folder.
CONTRACTS=(data-registry storage-payment data-token escrow payment-token payment-channel)
OUT=artifacts
eval "$(scripts/tools.sh)"

# The cargo package of contracts/<folder> (a package may be named apart from its folder).
package_of() { sed -n 's/^name = "\(.*\)"$/\1/p' "contracts/$1/Cargo.toml" | head -n 1; }

args=()
for c in "${CONTRACTS[@]}"; do args+=(-p "$(package_of "$c")"); done
cargo build --locked --target wasm32-unknown-unknown --profile contract --lib "${args[@]}"

mkdir -p "$OUT"
for c in "${CONTRACTS[@]}"; do
  pkg="$(package_of "$c")"
  raw="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/contract/${pkg//-/_}.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --llvm-memory-copy-fill-lowering --signext-lowering --llvm-nontrapping-fptoint-lowering \
    --strip-debug --strip-producers "$raw" -o "$OUT/$c.wasm"
  printf '%-16s %8d bytes (before wasm-opt %8d)\n' "$c" "$(stat -c %s "$OUT/$c.wasm")" "$(stat -c %s "$raw")"
done

cosmwasm-check "$OUT"/*.wasm
(cd "$OUT" && sha256sum ./*.wasm > checksums.txt)
