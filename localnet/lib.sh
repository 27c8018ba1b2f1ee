# shellcheck shell=bash disable=SC2034,SC1091
# Shared settings and helpers of the localnet scripts (sourced, not run).
#
# Layout of the state dir ($LOCALNET_HOME, default ~/.cache/twinshare/localnet, never the repo):
#   localnet.env      chain id and validator count of the chain that lives here
#   node<i>/          wasmd home of validator i (config, data); node0 also holds the test keyring
#                     with every dev account
#   logs/node<i>.log  output of `wasmd start` of validator i
#   pids/node<i>.pid  process id of validator i while it runs
#
# Ports of validator i (i = 0..N-1), offset 10*i so N nodes on loopback never collide:
#   P2P 26656+10i, RPC 26657+10i, ABCI 26658+10i, Prometheus 26660+10i, gRPC 9090+10i,
#   REST API 1317+10i. Validator 0's RPC is therefore http://127.0.0.1:26657.

LOCALNET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LOCALNET_DIR/.." && pwd)"
LOCALNET_HOME="${TWINSHARE_LOCALNET_HOME:-$HOME/.cache/twinshare/localnet}"
ACCOUNTS_FILE="$LOCALNET_DIR/dev-accounts.json"
KEYRING_BACKEND="test"
DENOM=ustake
# Nodes refuse txs paying less than this (app.toml minimum-gas-prices); clients use the same price.
GAS_PRICE="0.025$DENOM"
DEFAULT_CHAIN_ID=twinshare-local

log() { printf '%s: %s\n' "$(basename "$0" .sh | sed 's/^/localnet\//')" "$*" >&2; }
die() { log "error: $*"; exit 1; }

p2p_port() { echo $((26656 + 10 * $1)); }
rpc_port() { echo $((26657 + 10 * $1)); }
abci_port() { echo $((26658 + 10 * $1)); }
prom_port() { echo $((26660 + 10 * $1)); }
grpc_port() { echo $((9090 + 10 * $1)); }
api_port() { echo $((1317 + 10 * $1)); }
node_home() { echo "$LOCALNET_HOME/node$1"; }
rpc_url() { echo "http://127.0.0.1:$(rpc_port "$1")"; }

# The wasmd binary: $WASMD if set, else the one install.sh builds (instant once built).
find_wasmd() {
  if [ -n "${WASMD:-}" ]; then
    [ -x "$WASMD" ] || die "WASMD=$WASMD is not executable"
  else
    WASMD="$("$LOCALNET_DIR/install.sh")"
  fi
}

# jq is needed to read wasmd's JSON; fresh machines (.ci/run) may lack it.
ensure_jq() {
  command -v jq >/dev/null && return 0
  log "installing jq with apt-get"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q jq >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q jq >/dev/null
  } || die "could not install jq; install it and rerun"
}

# Number of validators recorded in the state dir (0 when there is no chain).
state_validators() {
  if [ -f "$LOCALNET_HOME/localnet.env" ]; then
    (. "$LOCALNET_HOME/localnet.env" && echo "$VALIDATORS")
  else
    echo 0
  fi
}

state_chain_id() {
  (. "$LOCALNET_HOME/localnet.env" && echo "$CHAIN_ID")
}

# Whether the process in pids/node<i>.pid is alive and is a wasmd of this state dir.
node_running() {
  local pidf="$LOCALNET_HOME/pids/node$1.pid" pid
  [ -f "$pidf" ] || return 1
  pid="$(cat "$pidf")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  # Empty for a moment while setsid and nohup exec into wasmd: alive, not yet named (a
  # zombie's is empty too: that one has exited).
  if [ -z "$cmd" ]; then
    local stat
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    case "${stat##*) }" in Z* | X*) return 1 ;; esac
    return 0
  fi
  case "$cmd" in *"--home $(node_home "$1") "*) return 0 ;; esac
  return 1
}

# The pid of the wasmd serving validator i's home, or empty (found by its command line: the
# launcher's $! is setsid's own pid when setsid had to fork, under a caller with job control).
node_pid_by_home() {
  local want cmd p
  want="$WASMD start --home $(node_home "$1") "
  for p in /proc/[0-9]*; do
    cmd="$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" || continue
    case "$cmd" in
      "$want"*) echo "${p#/proc/}"; return 0 ;;
    esac
  done
}

# Latest block height seen by validator i, or empty when its RPC does not answer.
node_height() {
  { curl -s --max-time 2 "$(rpc_url "$1")/status" 2>/dev/null |
    jq -r '.result.sync_info.latest_block_height // empty' 2>/dev/null; } || true
}
