#!/usr/bin/env bash
# Writes every contract's cosmwasm-schema output to schema/<contract>/.
#   scripts/schema.sh          regenerate schema/
#   scripts/schema.sh --check  fail when the checked-in schema/ differs from a fresh one
set -euo pipefail
cd "$(dirname "$0")/.."

# The folders under contracts/; each schema is named for its folder.
CONTRACTS=(data-registry storage-payment data-token escrow payment-token payment-channel)
root=$PWD
# The cargo package of contracts/<folder> (a package may be named apart from its folder).
package_of() { sed -n 's/^name = "\(.*\)"$/\1/p' "$root/contracts/$1/Cargo.toml" | head -n 1; }
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT

for c in "${CONTRACTS[@]}"; do
  mkdir -p "$fresh/run-$c"
  # write_api! writes into ./schema of its working directory.
  (cd "$fresh/run-$c" && cargo run --locked --quiet --manifest-path "$root/Cargo.toml" -p "$(package_of "$c")" --bin schema >/dev/null)
  mkdir -p "$fresh/schema"
  mv "$fresh/run-$c/schema" "$fresh/schema/$c"
done

if [ "${1:-}" = "--check" ]; then
  if ! diff -ru schema "$fresh/schema"; then
    echo "schema/ is stale: run scripts/schema.sh and commit the result" >&2
    exit 1
  fi
  echo "schema/ is up to date"
else
  rm -rf schema
  cp -r "$fresh/schema" schema
  echo "wrote schema/ for ${CONTRACTS[*]}"
fi
