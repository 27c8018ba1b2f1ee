#!/usr/bin/env bash
# The test command (README.md): builds the contract artifacts that the wasm smoke tests load,
# then runs every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build-wasm.sh
cargo test --workspace --locked
