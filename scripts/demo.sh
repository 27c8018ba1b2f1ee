#!/usr/bin/env bash
# The main job: the paper's sharing scenario end to end on the embedded defaults.
# Until the localnet lands (issue 4) it runs over the real contract code in process (cw-multi-test).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --locked --quiet -p twinshare-testing --example paper_workflow
