#!/usr/bin/env bash
# The main job: the paper's sharing scenario end to end on the embedded defaults, on a real chain,
# the relayer daemon included.
#
#   1. wasmd, built once into ~/.cache/twinshare (localnet/install.sh; a few minutes the first time)
#   2. a 1-validator localnet on loopback (localnet/start.sh; left alone if already running)
#   3. TwinShare's contracts deployed (localnet/deploy.sh; not redone when up to date)
#   4. the relayer daemon, `twinshare-relayer run` (dev profile, like the CLI) with the dev config:
#      the deployment's escrow, the DEV-ONLY `relayer` account (whose Umbral relayer key the demo
#      lists for the provider), the same `fs` storage the CLI uploads to ($TWINSHARE_STORAGE when
#      set, else the uploader's default folder), its database beside the chain's state
#      (<localnet state dir>/relayer/relayer.redb, so a chain reset also resets it). Its log:
#      <localnet state dir>/logs/relayer.log (~/.cache/twinshare/localnet/logs/relayer.log).
#      The script waits until its /healthz answers (127.0.0.1:9464, or $TWINSHARE_RELAYER_HTTP).
#      A daemon already answering there is used as it is (and left running).
#   5. `twinshare demo`: alice (User A) leases storage, uploads, registers and tokenizes vibration
#      data; bob (User B) buys it; alice grants; the daemon re-encrypts and reports the delivery
#      (the demo waits for it on chain); bob downloads, verifies, confirms.
#   6. the web wallet (scripts/web-serve.sh --background: built once, `vite preview` on
#      127.0.0.1:5173), its URL printed; the relayer daemon then keeps running for its downloads.
#      TWINSHARE_DEMO_WEB=0 skips it.
#
# Without the wallet (TWINSHARE_DEMO_WEB=0), the daemon this script started is stopped (SIGTERM)
# when the script exits, so nothing is left behind but the chain; TWINSHARE_DEMO_KEEP_RELAYER=1
# leaves it running (stop it with
# `kill <pid>`, printed; `twinshare-relayer status` shows its jobs either way).
# Extra arguments go to `twinshare demo` (e.g. `scripts/demo.sh --output json --size 8MiB`);
# with `--in-process-relayer` no daemon is started and the demo does the relayer's step itself.
# The localnet keeps running afterwards (`localnet/stop.sh` stops it); a chain this script
# started is stopped again when TWINSHARE_DEMO_STOP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

log() { printf 'scripts/demo: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

LOCALNET_HOME="${TWINSHARE_LOCALNET_HOME:-$HOME/.cache/twinshare/localnet}"
RELAYER_HTTP="${TWINSHARE_RELAYER_HTTP:-127.0.0.1:9464}"
in_process=0
for a in "$@"; do
  [ "$a" = --in-process-relayer ] && in_process=1
done

cleanup() {
  local rc=$?
  if [ -n "${relayer_pid:-}" ]; then
    if [ "${TWINSHARE_DEMO_KEEP_RELAYER:-0}" = 1 ]; then
      log "the relayer daemon keeps running (pid $relayer_pid, log $relayer_log)"
    elif kill -0 "$relayer_pid" 2>/dev/null; then
      log "stopping the relayer daemon (pid $relayer_pid; log $relayer_log)"
      kill -TERM "$relayer_pid" 2>/dev/null || true
      for _ in $(seq 1 150); do
        kill -0 "$relayer_pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$relayer_pid" 2>/dev/null || true
    fi
  fi
  if [ "${chain_started:-0}" = 1 ] && [ "${TWINSHARE_DEMO_STOP:-0}" = 1 ]; then
    localnet/stop.sh >&2 || true
  fi
  exit "$rc"
}
trap cleanup EXIT

log "wasmd: $(localnet/install.sh)"
chain_started=0
if ! curl -sf -m 2 http://127.0.0.1:26657/status >/dev/null 2>&1; then
  localnet/start.sh >&2
  chain_started=1
fi
localnet/deploy.sh >&2

# The dev profile: quick to build; the demo's work is on chain and in small files.
if [ "$in_process" = 0 ]; then
  build=$(cargo build --locked --quiet -p twinshare-cli -p twinshare-relayer --bin twinshare \
    --bin twinshare-relayer --message-format json-render-diagnostics)
else
  build=$(cargo build --locked --quiet -p twinshare-cli --bin twinshare \
    --message-format json-render-diagnostics)
fi
exe() {
  printf '%s\n' "$build" | sed -n "s|.*\"executable\":\"\\([^\"]*/$1\\)\".*|\\1|p" | tail -n 1
}
twinshare=$(exe twinshare)
[ -x "$twinshare" ] || die "cargo built no twinshare executable"

demo_args=()
if [ "$in_process" = 0 ]; then
  demo_args+=(--relayer-http "$RELAYER_HTTP")
  if curl -sf -m 2 "http://$RELAYER_HTTP/healthz" >/dev/null 2>&1; then
    log "a relayer daemon already answers at http://$RELAYER_HTTP: using it (left running)"
  else
    relayer=$(exe twinshare-relayer)
    [ -x "$relayer" ] || die "cargo built no twinshare-relayer executable"
    mkdir -p "$LOCALNET_HOME/relayer" "$LOCALNET_HOME/logs"
    relayer_config="$LOCALNET_HOME/relayer/relayer.toml"
    relayer_log="$LOCALNET_HOME/logs/relayer.log"
    {
      printf '# Written by scripts/demo.sh: the dev relayer of the localnet.\n'
      printf '[chain]\ndeployment = "%s"\n' "$repo/localnet/deployment.json"
      if [ -n "${TWINSHARE_STORAGE:-}" ]; then
        printf '[storage]\nuri = "%s"\n' "$TWINSHARE_STORAGE"
      fi
      printf '[db]\npath = "%s"\n' "$LOCALNET_HOME/relayer/relayer.redb"
      printf '[http]\nlisten = "%s"\n' "$RELAYER_HTTP"
    } >"$relayer_config"
    printf '\n==== %s scripts/demo.sh starts the relayer\n' "$(date -u +%FT%TZ)" >>"$relayer_log"
    # The dev account's key, not an operator's: no mnemonic or config from the environment.
    env -u TWINSHARE_RELAYER_MNEMONIC -u TWINSHARE_RELAYER_CONFIG \
      RUST_LOG="${RUST_LOG:-info,opendal=warn,tendermint_rpc=warn}" \
      "$relayer" --config "$relayer_config" run </dev/null >>"$relayer_log" 2>&1 &
    relayer_pid=$!
    log "relayer daemon started (pid $relayer_pid, config $relayer_config, log $relayer_log)"
    "$relayer" --config "$relayer_config" identity 2>/dev/null | sed 's/^/scripts\/demo:   /' >&2 || true
    for i in $(seq 1 600); do
      curl -sf -m 2 "http://$RELAYER_HTTP/healthz" >/dev/null 2>&1 && break
      if ! kill -0 "$relayer_pid" 2>/dev/null; then
        tail -n 20 "$relayer_log" >&2
        relayer_pid=
        die "the relayer daemon exited; see $relayer_log (last lines above)"
      fi
      [ "$i" = 600 ] && { tail -n 20 "$relayer_log" >&2; die "the relayer's /healthz did not answer within 60 s; see $relayer_log"; }
      sleep 0.1
    done
    log "relayer daemon healthy at http://$RELAYER_HTTP/healthz"
  fi
fi

"$twinshare" --deployment localnet/deployment.json demo "${demo_args[@]}" "$@"

# 6. The web wallet, served for the same chain and relayer (its downloads come from the relayer's
#    storage endpoint, so a daemon this script started keeps running while the wallet is up).
if [ "$in_process" = 0 ] && [ "${TWINSHARE_DEMO_WEB:-1}" = 1 ]; then
  if url=$(scripts/web-serve.sh --background); then
    TWINSHARE_DEMO_KEEP_RELAYER=1
    log "web wallet: $url  (bob's and alice's dev mnemonics are in localnet/dev-accounts.json; DEV ONLY)"
  else
    log "the web wallet did not start (scripts/web-serve.sh); the demo itself succeeded"
  fi
fi
