#!/usr/bin/env bash
# The kHz anchoring benchmark (issue 9): a release relayer daemon with a fresh anchoring
# database and its own registry channel, beside the running localnet, then
# `twinshare bench anchor` against it; the daemon stops afterwards. Arguments go to the bench:
#
#   scripts/bench-anchor.sh                              # 100 sensors x 1,000 records/s, 60 s
#   scripts/bench-anchor.sh --sensors 10 --rate 100      # a lighter load
#   scripts/bench-anchor.sh --find-max --baseline-senders 0
#
# Needs the localnet (`localnet/start.sh && localnet/deploy.sh`). The daemon's log and config
# stay in the folder printed at the start, with its /metrics at the end (metrics.txt). TWINSHARE_ANCHOR_EXTRA adds lines to its [anchor]
# section (e.g. "max_in_flight = 16"). The daemon signs as the dev `relayer` account (the
# registry's anchorer): do not run it beside tests that start relayer daemons.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
log() { printf 'scripts/bench-anchor: %s\n' "$*" >&2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/twinshare/target}"
rpc="${TWINSHARE_RPC:-http://127.0.0.1:26657}"
port="${TWINSHARE_BENCH_ANCHOR_PORT:-9479}"

if ! curl -sf -m 3 "$rpc/status" >/dev/null; then
  log "no chain answers at $rpc: start it first (localnet/start.sh && localnet/deploy.sh)"
  exit 1
fi
cargo build --release -q -p twinshare-relayer -p twinshare-cli
bin="$CARGO_TARGET_DIR/release"

dir="$(mktemp -d /tmp/twinshare-bench-anchor.XXXXXX)"
log "daemon folder: $dir"
cat >"$dir/relayer.toml" <<EOF
[storage]
uri = "fs://$dir/storage"
[db]
path = "$dir/relayer.redb"
[http]
listen = "127.0.0.1:$((port + 1))"
storage = false
[anchor]
listen = "127.0.0.1:$port"
channel = "bench-anchor-$(date +%s)"
${TWINSHARE_ANCHOR_EXTRA:-}
EOF
RUST_LOG="${RUST_LOG:-info,opendal=warn,tendermint_rpc=warn}" \
  "$bin/twinshare-relayer" --config "$dir/relayer.toml" run 2>"$dir/relayer.log" &
daemon=$!
# The daemon's metrics (ack and anchor latency histograms) are kept beside its log.
trap 'curl -sf -m 5 "http://127.0.0.1:$((port + 1))/metrics" >"$dir/metrics.txt" || true; kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  if curl -sf -m 1 "http://127.0.0.1:$port/anchor/v1/status" >/dev/null; then break; fi
  if ! kill -0 "$daemon" 2>/dev/null; then
    log "the daemon exited; its log:"
    cat "$dir/relayer.log" >&2
    exit 1
  fi
  sleep 0.1
done
"$bin/twinshare" bench anchor --anchor-url "127.0.0.1:$port" --daemon-pid "$daemon" "$@"
