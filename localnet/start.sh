#!/usr/bin/env bash
# Starts a wasmd chain on loopback: 1 validator by default, or a BFT network of N validators
# (gentxs collected into one genesis, persistent peers wired). The first run creates the chain
# under the state dir; later runs restart it from the kept state; if it already runs, it says so
# and exits 0. Returns once every node has produced a new block.
#
# Chain: wasmd built by localnet/install.sh; keyring-backend test; denom ustake for staking, fees
# and gas; nodes demand minimum-gas-prices 0.025ustake; blocks about every 200 ms
# (timeout_commit 200ms); consensus max_gas -1 (no block gas limit, so a ~370 KB contract store
# fits); wasm code upload open to everybody. Every account of dev-accounts.json (DEV-ONLY
# mnemonics) is funded in genesis and imported into the keyring of validator 0.
set -euo pipefail
# shellcheck source=localnet/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: localnet/start.sh [--validators N] [--chain-id ID] [--timeout SECS]

  --validators N   number of validators on loopback (default 1; a new chain only)
  --chain-id ID    chain id (default $DEFAULT_CHAIN_ID; a new chain only)
  --timeout SECS   how long to wait for blocks (default 90)

State dir: \$TWINSHARE_LOCALNET_HOME or ~/.cache/twinshare/localnet (now: $LOCALNET_HOME).
Validator i listens on RPC 127.0.0.1:\$((26657+10*i)), gRPC \$((9090+10*i)), API \$((1317+10*i)),
P2P \$((26656+10*i)). Logs: <state dir>/logs/node<i>.log. Stop: localnet/stop.sh;
delete the chain: localnet/reset.sh.
EOF
}

VALIDATORS="" CHAIN_ID="" TIMEOUT=90 ALREADY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --validators) VALIDATORS="${2:?--validators needs a number}"; shift 2 ;;
    --validators=*) VALIDATORS="${1#*=}"; shift ;;
    --chain-id) CHAIN_ID="${2:?--chain-id needs a value}"; shift 2 ;;
    --chain-id=*) CHAIN_ID="${1#*=}"; shift ;;
    --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
if [ -n "$VALIDATORS" ]; then
  if ! [[ "$VALIDATORS" =~ ^[1-9][0-9]*$ ]] || [ "$VALIDATORS" -gt 20 ]; then
    die "--validators must be 1..20"
  fi
fi

ensure_jq
find_wasmd

# ---------------------------------------------------------------- an existing chain, maybe running
existing="$(state_validators)"
if [ "$existing" -gt 0 ]; then
  have_id="$(state_chain_id)"
  if { [ -n "$VALIDATORS" ] && [ "$VALIDATORS" != "$existing" ]; } ||
    { [ -n "$CHAIN_ID" ] && [ "$CHAIN_ID" != "$have_id" ]; }; then
    die "$LOCALNET_HOME holds chain '$have_id' with $existing validator(s), not what was asked;" \
      "run localnet/reset.sh first (or point TWINSHARE_LOCALNET_HOME elsewhere)"
  fi
  VALIDATORS="$existing" CHAIN_ID="$have_id"
  running=0
  for ((i = 0; i < VALIDATORS; i++)); do node_running "$i" && running=$((running + 1)); done
  if [ "$running" -eq "$VALIDATORS" ]; then
    ALREADY=1 # still checked below: blocks must be coming
  else
    log "restarting chain $CHAIN_ID ($VALIDATORS validator(s)) from the state in $LOCALNET_HOME"
  fi
else
  VALIDATORS="${VALIDATORS:-1}" CHAIN_ID="${CHAIN_ID:-$DEFAULT_CHAIN_ID}"
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for ((i = 0; i < VALIDATORS; i++)); do
  node_running "$i" && continue
  for p in $(p2p_port "$i") $(rpc_port "$i") $(grpc_port "$i") $(api_port "$i"); do
    port_busy "$p" && die "port $p (validator $i) is already in use: another localnet or program?"
  done
done

# ---------------------------------------------------------------- a new chain
# set_toml FILE SECTION KEY VALUE: sets KEY (already present) in [SECTION] ("" = top level);
# VALUE is written as given (quote strings yourself).
set_toml() {
  local file="$1" section="$2" key="$3" value="$4" tmp
  tmp="$(mktemp)"
  awk -v sec="$section" -v key="$key" -v val="$value" '
    /^\[/ { cur = $0; gsub(/^\[|\]$/, "", cur) }
    { if (cur == sec && $0 ~ "^" key "[ ]*=") { print key " = " val; done = 1; next } print }
    END { if (!done) exit 3 }
  ' "$file" >"$tmp" || { rm -f "$tmp"; die "no key $key in [$section] of $file"; }
  mv "$tmp" "$file"
}

accounts() { jq -r '.accounts[] | "\(.name) \(.mnemonic)"' "$ACCOUNTS_FILE"; }

configure_node() {
  local i="$1" h cfg app
  h="$(node_home "$i")" cfg="$(node_home "$i")/config/config.toml" app="$(node_home "$i")/config/app.toml"
  set_toml "$cfg" "" proxy_app "\"tcp://127.0.0.1:$(abci_port "$i")\""
  set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$(rpc_port "$i")\""
  set_toml "$cfg" rpc cors_allowed_origins '["*"]'
  set_toml "$cfg" rpc max_body_bytes 10485760
  set_toml "$cfg" rpc pprof_laddr '""'
  set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$(p2p_port "$i")\""
  set_toml "$cfg" p2p addr_book_strict false
  set_toml "$cfg" p2p allow_duplicate_ip true
  # Loopback peers: flush messages and gossip every 10 ms instead of 100 ms, which otherwise
  # stretches each BFT round of several validators to about 0.5 s.
  set_toml "$cfg" p2p flush_throttle_timeout '"10ms"'
  set_toml "$cfg" consensus peer_gossip_sleep_duration '"10ms"'
  set_toml "$cfg" mempool max_tx_bytes 4194304
  # Fast blocks: a 200 ms pause after each commit; the other timeouts only matter when a round
  # fails (a validator down), kept short so a BFT test recovers quickly.
  set_toml "$cfg" consensus timeout_propose '"500ms"'
  set_toml "$cfg" consensus timeout_propose_delta '"100ms"'
  set_toml "$cfg" consensus timeout_prevote '"200ms"'
  set_toml "$cfg" consensus timeout_prevote_delta '"100ms"'
  set_toml "$cfg" consensus timeout_precommit '"200ms"'
  set_toml "$cfg" consensus timeout_precommit_delta '"100ms"'
  set_toml "$cfg" consensus timeout_commit '"200ms"'
  set_toml "$cfg" instrumentation prometheus_listen_addr "\"127.0.0.1:$(prom_port "$i")\""
  set_toml "$app" "" minimum-gas-prices "\"$GAS_PRICE\""
  set_toml "$app" api enable true
  set_toml "$app" api address "\"tcp://127.0.0.1:$(api_port "$i")\""
  set_toml "$app" api enabled-unsafe-cors true
  set_toml "$app" grpc address "\"127.0.0.1:$(grpc_port "$i")\""
}

create_chain() {
  [ -f "$ACCOUNTS_FILE" ] || die "missing $ACCOUNTS_FILE"
  local nfixed i h addr name mn
  nfixed="$(jq '.validators | length' "$ACCOUNTS_FILE")"
  rm -rf "$LOCALNET_HOME"
  mkdir -p "$LOCALNET_HOME/logs" "$LOCALNET_HOME/pids"
  log "creating chain $CHAIN_ID with $VALIDATORS validator(s) in $LOCALNET_HOME"
  local k=(--keyring-backend "$KEYRING_BACKEND")
  local genesis0
  genesis0="$(node_home 0)/config/genesis.json"

  for ((i = 0; i < VALIDATORS; i++)); do
    h="$(node_home "$i")"
    "$WASMD" init "validator$i" --chain-id "$CHAIN_ID" --default-denom "$DENOM" --home "$h" >/dev/null 2>&1 ||
      die "wasmd init failed for validator $i"
    configure_node "$i"
    # Validator operator key: fixed DEV-ONLY mnemonics for the first ones, fresh ones beyond.
    if [ "$i" -lt "$nfixed" ]; then
      mn="$(jq -r ".validators[$i].mnemonic" "$ACCOUNTS_FILE")"
      echo "$mn" | "$WASMD" keys add "validator$i" --recover "${k[@]}" --home "$h" >/dev/null 2>&1 ||
        die "could not import validator$i"
    else
      "$WASMD" keys add "validator$i" "${k[@]}" --home "$h" --output json >"$h/validator-key.json" 2>&1 ||
        die "could not create validator$i"
    fi
  done

  # Dev accounts live in validator 0's keyring (deploy.sh and `wasmd tx --home <state>/node0`).
  while read -r name mn; do
    echo "$mn" | "$WASMD" keys add "$name" --recover "${k[@]}" --home "$(node_home 0)" >/dev/null 2>&1 ||
      die "could not import dev account $name"
    addr="$("$WASMD" keys show "$name" -a "${k[@]}" --home "$(node_home 0)")"
    "$WASMD" genesis add-genesis-account "$addr" "$(jq -r --arg n "$name" \
      '.accounts[] | select(.name == $n) | .genesis_balance' "$ACCOUNTS_FILE")" --home "$(node_home 0)"
  done < <(accounts)
  for ((i = 0; i < VALIDATORS; i++)); do
    addr="$("$WASMD" keys show "validator$i" -a "${k[@]}" --home "$(node_home "$i")")"
    "$WASMD" genesis add-genesis-account "$addr" "$(jq -r '.validator_genesis_balance' "$ACCOUNTS_FILE")" \
      --home "$(node_home 0)"
  done

  # No block gas limit (a ~370 KB store needs a few million gas); code upload and instantiation
  # open to every account (wasmd's default, set explicitly).
  jq '.consensus.params.block.max_gas = "-1"
      | .app_state.wasm.params.code_upload_access = {"permission": "Everybody", "addresses": []}
      | .app_state.wasm.params.instantiate_default_permission = "Everybody"' \
    "$genesis0" >"$genesis0.tmp" && mv "$genesis0.tmp" "$genesis0"

  # One gentx per validator, each signed in its own home against the same pre-genesis.
  mkdir -p "$(node_home 0)/config/gentx"
  for ((i = 0; i < VALIDATORS; i++)); do
    h="$(node_home "$i")"
    [ "$i" -eq 0 ] || cp "$genesis0" "$h/config/genesis.json"
    "$WASMD" genesis gentx "validator$i" "$(jq -r '.validator_self_delegation' "$ACCOUNTS_FILE")" \
      --chain-id "$CHAIN_ID" "${k[@]}" --home "$h" --ip 127.0.0.1 --p2p-port "$(p2p_port "$i")" \
      --moniker "validator$i" --output-document "$(node_home 0)/config/gentx/gentx-$i.json" >/dev/null 2>&1 ||
      die "gentx of validator $i failed"
  done
  "$WASMD" genesis collect-gentxs --home "$(node_home 0)" >/dev/null 2>&1 || die "collect-gentxs failed"
  "$WASMD" genesis validate --home "$(node_home 0)" >/dev/null || die "the genesis does not validate"

  # Every node gets the final genesis and every other node as a persistent peer.
  local peers=() id
  for ((i = 0; i < VALIDATORS; i++)); do
    id="$("$WASMD" comet show-node-id --home "$(node_home "$i")")"
    peers+=("$id@127.0.0.1:$(p2p_port "$i")")
  done
  for ((i = 0; i < VALIDATORS; i++)); do
    [ "$i" -eq 0 ] || cp "$genesis0" "$(node_home "$i")/config/genesis.json"
    local others=()
    for ((j = 0; j < VALIDATORS; j++)); do [ "$j" -eq "$i" ] || others+=("${peers[$j]}"); done
    set_toml "$(node_home "$i")/config/config.toml" p2p persistent_peers "\"$(IFS=,; echo "${others[*]}")\""
  done
  printf 'CHAIN_ID=%q\nVALIDATORS=%q\n' "$CHAIN_ID" "$VALIDATORS" >"$LOCALNET_HOME/localnet.env"
}

[ "$existing" -gt 0 ] || create_chain

# ---------------------------------------------------------------- start and wait for blocks
mkdir -p "$LOCALNET_HOME/logs" "$LOCALNET_HOME/pids"
t0=$(date +%s.%N)
for ((i = 0; i < VALIDATORS; i++)); do
  node_running "$i" && continue
  logf="$LOCALNET_HOME/logs/node$i.log"
  printf '\n=== %s wasmd start (validator %s)\n' "$(date -Is)" "$i" >>"$logf"
  # setsid + nohup: the node outlives this script and its caller's process group.
  setsid nohup "$WASMD" start --home "$(node_home "$i")" --log_no_color >>"$logf" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 50); do
    found="$(node_pid_by_home "$i")"
    if [ -n "$found" ]; then pid=$found; break; fi
    sleep 0.1
  done
  echo "$pid" >"$LOCALNET_HOME/pids/node$i.pid"
done

first=() deadline=$(($(date +%s) + TIMEOUT))
for ((i = 0; i < VALIDATORS; i++)); do first+=(""); done
while :; do
  done_nodes=0
  for ((i = 0; i < VALIDATORS; i++)); do
    node_running "$i" || {
      tail -n 20 "$LOCALNET_HOME/logs/node$i.log" >&2
      die "validator $i exited; see $LOCALNET_HOME/logs/node$i.log (last lines above)"
    }
    h="$(node_height "$i")"
    [ -n "$h" ] || continue
    [ -n "${first[$i]}" ] || first[i]="$h"
    if [ "$h" -gt "${first[$i]}" ] && [ "$h" -ge 2 ]; then done_nodes=$((done_nodes + 1)); fi
  done
  [ "$done_nodes" -eq "$VALIDATORS" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    for ((i = 0; i < VALIDATORS; i++)); do
      printf -- '--- validator %s (height %s):\n' "$i" "$(node_height "$i")" >&2
      tail -n 8 "$LOCALNET_HOME/logs/node$i.log" >&2
    done
    die "no new blocks within ${TIMEOUT}s; see the logs in $LOCALNET_HOME/logs/ (stop: localnet/stop.sh)"
  fi
  sleep 0.2
done
if [ "$ALREADY" -eq 1 ]; then
  log "already running: chain $CHAIN_ID, $VALIDATORS validator(s), height $(node_height 0), RPC $(rpc_url 0)"
  exit 0
fi
elapsed="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
log "running: chain $CHAIN_ID, $VALIDATORS validator(s), height $(node_height 0) after ${elapsed}s;" \
  "RPC $(rpc_url 0), gRPC 127.0.0.1:$(grpc_port 0), API http://127.0.0.1:$(api_port 0);" \
  "logs in $LOCALNET_HOME/logs/"
