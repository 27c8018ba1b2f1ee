#!/usr/bin/env bash
# Deploys TwinShare's contracts on the running localnet, wired as packages/testing's `Suite::new`
# wires them: stores payment-token (cw20-base), storage-payment, data-registry, data-token, escrow
# and payment-channel, instantiates them in that order, makes the dev account `relayer` (the
# anchoring daemon) an anchorer of data-registry, and writes localnet/deployment.json (chain,
# endpoints, accounts, code ids, addresses, checksums, gas, height). Builds the artifacts first
# (scripts/build-wasm.sh) when they are missing or older than the contract sources.
#
# Idempotent: when deployment.json describes contracts that exist on the running chain with the
# recorded code checksums (and those are the current artifacts), it prints "already deployed" and
# exits 0; otherwise it deploys afresh (reusing code already stored with the same checksum, so
# an interrupted deployment is simply run again).
#
# Every contract is instantiated with `--admin` = the dev account `admin`, so that account can
# `wasmd tx wasm migrate` them later; it is also the contracts' own configuration admin (the
# instantiate messages leave `admin` unset, which defaults to the sender).
set -euo pipefail
# shellcheck source=localnet/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
  cat <<EOF
Usage: localnet/deploy.sh [--force] [--out FILE]

  --force     deploy afresh even when deployment.json matches the running chain
  --out FILE  where to write the deployment (default localnet/deployment.json)

Needs a running localnet (localnet/start.sh). Signs with the dev account 'admin' from the test
keyring of validator 0 ($LOCALNET_HOME/node0), paying $GAS_PRICE per gas.
EOF
}

FORCE=0 OUT="$LOCALNET_DIR/deployment.json"
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    --out) OUT="${2:?--out needs a file}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

ensure_jq
find_wasmd
t_start=$(date +%s.%N)

# ---------------------------------------------------------------- the running chain
RPC="$(rpc_url 0)"
status="$(curl -s --max-time 3 "$RPC/status" || true)"
[ -n "$status" ] || die "no localnet answers at $RPC; start it with localnet/start.sh"
CHAIN_ID="$(jq -r '.result.node_info.network' <<<"$status")"
KEYHOME="$(node_home 0)"
[ -d "$KEYHOME/keyring-test" ] ||
  die "no keyring in $KEYHOME: is the chain at $RPC the one localnet/start.sh made in $LOCALNET_HOME?"
KEYS=(--keyring-backend "$KEYRING_BACKEND" --home "$KEYHOME")
addr_of() { "$WASMD" keys show "$1" -a "${KEYS[@]}"; }
q() { "$WASMD" q "$@" --node "$RPC" --output json; }

# ---------------------------------------------------------------- artifacts
# Order of store and instantiate, as in Suite::new (code ids 1..6 on a fresh chain).
CONTRACTS=(payment-token storage-payment data-registry data-token escrow payment-channel)
ART="$REPO_DIR/artifacts"
stale=""
for c in "${CONTRACTS[@]}"; do [ -f "$ART/$c.wasm" ] || stale="artifacts/$c.wasm is missing"; done
if [ -z "$stale" ]; then
  newer="$(cd "$REPO_DIR" && find contracts packages/types Cargo.toml Cargo.lock scripts/build-wasm.sh \
    -type f -newer artifacts/checksums.txt -not -path '*/target/*' 2>/dev/null | head -n 1)"
  [ -f "$ART/checksums.txt" ] || newer="artifacts/checksums.txt missing"
  [ -z "$newer" ] || stale="$newer is newer than the artifacts"
fi
if [ -n "$stale" ]; then
  log "building the contracts ($stale): scripts/build-wasm.sh"
  "$REPO_DIR/scripts/build-wasm.sh" >&2
fi
declare -A SUM
for c in "${CONTRACTS[@]}"; do SUM[$c]="$(sha256sum "$ART/$c.wasm" | cut -d' ' -f1)"; done

# ---------------------------------------------------------------- already deployed?
deployed_matches() {
  [ -f "$OUT" ] || return 1
  [ "$(jq -r '.chain_id' "$OUT")" = "$CHAIN_ID" ] || return 1
  local c addr code sum info
  for c in "${CONTRACTS[@]}"; do
    addr="$(jq -r --arg c "$c" '.contracts[$c] // empty' "$OUT")"
    code="$(jq -r --arg c "$c" '.code_ids[$c] // empty' "$OUT")"
    sum="$(jq -r --arg c "$c" '.checksums[$c] // empty' "$OUT")"
    [ -n "$addr" ] && [ -n "$code" ] && [ "$sum" = "${SUM[$c]}" ] || return 1
    info="$(q wasm contract "$addr" 2>/dev/null)" || return 1
    [ "$(jq -r '.contract_info.code_id' <<<"$info")" = "$code" ] || return 1
    info="$(q wasm code-info "$code" 2>/dev/null)" || return 1
    [ "$(jq -r '.checksum | ascii_downcase' <<<"$info")" = "$sum" ] || return 1
  done
}
if [ "$FORCE" -eq 0 ] && deployed_matches; then
  log "already deployed on $CHAIN_ID (height $(jq -r .height "$OUT")): $OUT"
  jq -r '.contracts | to_entries[] | "  \(.key)\t\(.value)"' "$OUT" >&2
  exit 0
fi

# ---------------------------------------------------------------- transactions
TXS="[]"
# run_tx STEP NAME wasmd-tx-args...: signs as admin, broadcasts, waits until the tx is in a block
# and succeeded; leaves the included tx (JSON) in $TX and appends its gas to $TXS.
run_tx() {
  local step="$1" name="$2" out err hash code deadline
  shift 2
  err="$(mktemp)"
  out="$("$WASMD" tx "$@" --from admin "${KEYS[@]}" --chain-id "$CHAIN_ID" --node "$RPC" \
    --gas auto --gas-adjustment 1.3 --gas-prices "$GAS_PRICE" --broadcast-mode sync \
    --output json -y 2>"$err")" || { cat "$err" >&2; rm -f "$err"; die "$step $name: wasmd tx failed"; }
  rm -f "$err"
  code="$(jq -r '.code' <<<"$out")"
  [ "$code" = 0 ] || die "$step $name: rejected by CheckTx (code $code): $(jq -r '.raw_log' <<<"$out")"
  hash="$(jq -r '.txhash' <<<"$out")"
  deadline=$(($(date +%s) + 60))
  until TX="$(q tx "$hash" 2>/dev/null)"; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$step $name: tx $hash not included within 60s"
    sleep 0.1
  done
  # Keep the result, drop the tx body (a store carries the whole wasm).
  TX="$(jq -c '{txhash, height, code, raw_log, gas_used, gas_wanted, events}' <<<"$TX")"
  code="$(jq -r '.code' <<<"$TX")"
  [ "$code" = 0 ] || die "$step $name: tx $hash failed (code $code): $(jq -r '.raw_log' <<<"$TX")"
  TXS="$(jq --arg s "$step" --arg n "$name" --argjson tx "$TX" \
    '. + [{step: $s, contract: $n, txhash: $tx.txhash, height: ($tx.height | tonumber),
           gas_used: ($tx.gas_used | tonumber), gas_wanted: ($tx.gas_wanted | tonumber)}]' <<<"$TXS")"
  log "$(printf '%-11s %-16s gas used %9s (wanted %9s), height %s' "$step" "$name" \
    "$(jq -r .gas_used <<<"$TX")" "$(jq -r .gas_wanted <<<"$TX")" "$(jq -r .height <<<"$TX")")"
}
event_attr() { # event_attr TYPE KEY: the first value of KEY in events of TYPE of $TX
  jq -r --arg t "$1" --arg k "$2" \
    '[.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value][0] // empty' <<<"$TX"
}

declare -A ADDR CODE
mapfile -t ACCOUNT_NAMES < <(jq -r ".accounts[].name" "$ACCOUNTS_FILE")
for a in "${ACCOUNT_NAMES[@]}"; do ADDR[$a]="$(addr_of "$a")"; done
log "deploying on $CHAIN_ID at $RPC as admin ${ADDR[admin]}"

# Code already on the chain with the same checksum (an earlier or interrupted deployment) is reused
# rather than stored again.
codes="$(q wasm list-code --limit 10000 | jq -c '[.code_infos[] | {id: .code_id, sum: (.data_hash | ascii_downcase)}]')"
for c in "${CONTRACTS[@]}"; do
  CODE[$c]="$(jq -r --arg s "${SUM[$c]}" '[.[] | select(.sum == $s) | .id | tonumber] | min // empty' <<<"$codes")"
  if [ -n "${CODE[$c]}" ]; then
    log "$(printf '%-11s %-16s reusing code %s (same checksum already stored)' store "$c" "${CODE[$c]}")"
    continue
  fi
  run_tx store "$c" wasm store "$ART/$c.wasm"
  CODE[$c]="$(event_attr store_code code_id)"
  [ -n "${CODE[$c]}" ] || die "store $c: no code_id in the tx events"
  sum="$(event_attr store_code code_checksum)"
  [ "${sum,,}" = "${SUM[$c]}" ] || die "store $c: chain checksum $sum differs from the artifact's ${SUM[$c]}"
done

# Instantiate messages, as in Suite::new (packages/testing/src/suite.rs) except the escrow
# timeouts, shortened for a localnet (rekey 600 s, delivery 600 s, dispute window 3600 s).
declare -A MSG CONTRACT
INITIAL_CW20=1000000000
MSG[payment-token]="$(jq -nc --arg amt "$INITIAL_CW20" \
  --arg admin "${ADDR[admin]}" --arg alice "${ADDR[alice]}" --arg bob "${ADDR[bob]}" \
  --arg mallory "${ADDR[mallory]}" --arg provider "${ADDR[provider]}" --arg relayer "${ADDR[relayer]}" \
  '{name: "TwinShare Payment", symbol: "TWIN", decimals: 6,
    initial_balances: [$admin, $alice, $bob, $mallory, $provider, $relayer]
      | map({address: ., amount: $amt}),
    mint: null, marketing: null}')"
MSG[storage-payment]='{"max_open_leases":null}'

instantiate() { # instantiate NAME: instantiates CODE[NAME] with MSG[NAME], label NAME
  local c="$1"
  run_tx instantiate "$c" wasm instantiate "${CODE[$c]}" "${MSG[$c]}" --label "$c" --admin "${ADDR[admin]}"
  CONTRACT[$c]="$(event_attr instantiate _contract_address)"
  [ -n "${CONTRACT[$c]}" ] || die "instantiate $c: no contract address in the tx events"
}
instantiate payment-token
instantiate storage-payment
MSG[data-registry]="$(jq -nc --arg sp "${CONTRACT[storage-payment]}" --arg fc "${ADDR[fee-collector]}" \
  --arg denom "$DENOM" --arg relayer "${ADDR[relayer]}" \
  '{admin: null, storage_payment: $sp, fee_collector: $fc, fee_denom: $denom, anchorers: [$relayer]}')"
instantiate data-registry
MSG[data-token]="$(jq -nc --arg reg "${CONTRACT[data-registry]}" '{registry: $reg, max_allowlist: null}')"
instantiate data-token
MSG[escrow]="$(jq -nc --arg dt "${CONTRACT[data-token]}" --arg sp "${CONTRACT[storage-payment]}" \
  --arg arb "${ADDR[arbiter]}" \
  '{admin: null, data_token: $dt, storage_payment: $sp, arbiter: $arb, relayer_fee_bps: 500,
    rekey_timeout_secs: 600, delivery_timeout_secs: 600, dispute_window_secs: 3600,
    max_kfrags_bytes: null}')"
instantiate escrow
# Channels may close after 10 s at the least on the localnet, so tests of the close path are quick.
MSG[payment-channel]="$(jq -nc --arg reg "${CONTRACT[data-registry]}" --arg tok "${CONTRACT[payment-token]}" \
  '{registry: $reg, token: $tok, min_close_timeout_secs: 10}')"
instantiate payment-channel
HEIGHT="$(jq -r .height <<<"$TX")"

# The anchoring daemon signs AnchorBatch as the dev account `relayer`. The instantiate message
# already lists it; the check keeps it so should that message change.
anchorers="$(q wasm contract-state smart "${CONTRACT[data-registry]}" '{"config":{}}' | jq -c '.data.anchorers')"
if ! jq -e --arg r "${ADDR[relayer]}" 'any(.[]; . == $r)' <<<"$anchorers" >/dev/null; then
  run_tx execute data-registry wasm execute "${CONTRACT[data-registry]}" \
    "$(jq -nc --arg r "${ADDR[relayer]}" '{update_anchorers: {add: [$r], remove: []}}')"
  HEIGHT="$(jq -r .height <<<"$TX")"
fi
log "anchorers of data-registry: $(q wasm contract-state smart "${CONTRACT[data-registry]}" '{"config":{}}' | jq -c '.data.anchorers')"

# ---------------------------------------------------------------- deployment.json
to_obj() { # to_obj ASSOC-NAME: a JSON object of the CONTRACTS entries of an associative array
  local -n arr="$1"
  local c
  for c in "${CONTRACTS[@]}"; do printf '%s\t%s\n' "$c" "${arr[$c]}"; done |
    jq -Rn '[inputs | split("\t") | {key: .[0], value: .[1]}] | from_entries'
}
accounts_obj="$(for a in "${ACCOUNT_NAMES[@]}"; do printf '%s\t%s\n' "$a" "${ADDR[$a]}"; done |
  jq -Rn '[inputs | split("\t") | {key: .[0], value: .[1]}] | from_entries')"
msgs_obj="$(for c in "${CONTRACTS[@]}"; do printf '%s\t%s\n' "$c" "${MSG[$c]}"; done |
  jq -Rn '[inputs | split("\t") | {key: .[0], value: (.[1] | fromjson)}] | from_entries')"
mkdir -p "$(dirname "$OUT")"
jq -n --arg chain_id "$CHAIN_ID" --arg rpc "$RPC" --arg grpc "http://127.0.0.1:$(grpc_port 0)" \
  --arg api "http://127.0.0.1:$(api_port 0)" --arg denom "$DENOM" --arg gas_price "$GAS_PRICE" \
  --arg home "$(realpath -m "$LOCALNET_HOME")" --arg keyhome "$KEYHOME" \
  --argjson height "$HEIGHT" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --argjson accounts "$accounts_obj" --argjson code_ids "$(to_obj CODE | jq 'map_values(tonumber)')" \
  --argjson contracts "$(to_obj CONTRACT)" --argjson checksums "$(to_obj SUM)" \
  --argjson msgs "$msgs_obj" --argjson txs "$TXS" \
  '{chain_id: $chain_id, rpc: $rpc, grpc: $grpc, api: $api, denom: $denom, fee_denom: $denom,
    gas_price: $gas_price, bech32_prefix: "wasm", home: $home,
    keyring: {backend: "test", home: $keyhome},
    admin: $accounts.admin, accounts: $accounts,
    code_ids: $code_ids, contracts: $contracts, checksums: $checksums,
    height: $height, deployed_at: $at, instantiate_msgs: $msgs, txs: $txs}' >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"

elapsed="$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
log "deployed on $CHAIN_ID in ${elapsed}s (height $HEIGHT); wrote $OUT"
jq -r '.contracts | to_entries[] | "  \(.key)\t\(.value)"' "$OUT" >&2
jq -r '"  total gas: \([.txs[].gas_used] | add)"' "$OUT" >&2
