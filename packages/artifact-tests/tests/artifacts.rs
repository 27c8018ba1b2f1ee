//! Each artifact in `artifacts/` runs instantiate, one execute and one query in cosmwasm-vm 3.0.10,
//! the VM of wasmd v0.61. Build the artifacts first: `scripts/build-wasm.sh` (scripts/test.sh does).

use std::path::PathBuf;

use cosmwasm_vm::testing::{
    execute, instantiate, mock_env, mock_info, mock_instance_with_gas_limit, query, MockApi,
    MockQuerier, MockStorage,
};
use cosmwasm_vm::Instance;
use serde_json::{json, Value};
use std3::{Binary, ContractResult, Response, SystemResult, WasmQuery};
use twinshare_crypto::SensorKey;
use twinshare_testing::keys::pubkey;
use twinshare_types::claims::{batch_digest, Voucher};

const GAS_LIMIT: u64 = 5_000_000_000_000;

fn artifact(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../artifacts")
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; build the artifacts with scripts/build-wasm.sh",
            path.display()
        )
    })
}

type Vm = Instance<MockApi, MockStorage, MockQuerier>;

fn addr(name: &str) -> String {
    MockApi::default().addr_make(name)
}

fn init(vm: &mut Vm, sender: &str, msg: Value) -> Response {
    let res: ContractResult<Response> = instantiate(vm, mock_env(), mock_info(sender, &[]), msg);
    res.unwrap()
}

fn exec(vm: &mut Vm, sender: &str, msg: Value) -> Response {
    let res: ContractResult<Response> = execute(vm, mock_env(), mock_info(sender, &[]), msg);
    res.unwrap()
}

fn ask(vm: &mut Vm, msg: Value) -> Value {
    let bin = query(vm, mock_env(), msg).unwrap();
    serde_json::from_slice(bin.as_slice()).unwrap()
}

fn attribute(res: &Response, key: &str) -> String {
    res.attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}

#[test]
fn payment_token_transfers() {
    let mut vm = mock_instance_with_gas_limit(&artifact("payment-token"), GAS_LIMIT);
    let (alice, bob) = (addr("alice"), addr("bob"));
    init(
        &mut vm,
        &alice,
        json!({"name": "TwinShare Payment", "symbol": "TWIN", "decimals": 6,
               "initial_balances": [{"address": alice, "amount": "1000"}]}),
    );
    exec(
        &mut vm,
        &alice,
        json!({"transfer": {"recipient": bob, "amount": "250"}}),
    );
    let balance = ask(&mut vm, json!({"balance": {"address": bob}}));
    assert_eq!(balance["balance"], "250");
}

#[test]
fn data_registry_registers_a_party_and_a_sensor() {
    let mut vm = mock_instance_with_gas_limit(&artifact("data-registry"), GAS_LIMIT);
    let alice = addr("alice");
    init(
        &mut vm,
        &alice,
        json!({"admin": null, "storage_payment": addr("storage"), "fee_collector": addr("fees"),
               "fee_denom": "ustake", "anchorers": []}),
    );
    // Validates the key as a secp256k1 point inside the VM.
    exec(
        &mut vm,
        &alice,
        json!({"register_party": {"pubkey": pubkey(1).to_hex(), "name": "robot A"}}),
    );
    let party = ask(&mut vm, json!({"party": {"address": alice}}));
    assert_eq!(party["name"], "robot A");
    assert_eq!(party["pubkey"], pubkey(1).to_hex());
    exec(
        &mut vm,
        &alice,
        json!({"register_sensor": {"pubkey": pubkey(2).to_hex(), "name": "press-7"}}),
    );
    let sensor = ask(&mut vm, json!({"sensor": {"pubkey": pubkey(2).to_hex()}}));
    assert_eq!(sensor["owner"], alice);
}

#[test]
fn storage_payment_lists_a_provider() {
    let mut vm = mock_instance_with_gas_limit(&artifact("storage-payment"), GAS_LIMIT);
    let provider = addr("provider");
    init(&mut vm, &provider, json!({"max_open_leases": null}));
    exec(
        &mut vm,
        &provider,
        json!({"register_provider": {"price_per_byte_second": "0.000001",
               "denom": {"native": "ustake"}, "relayer": null,
               "relayer_pubkey": pubkey(9).to_hex(), "endpoint": "fs:///data"}}),
    );
    let quote = ask(
        &mut vm,
        json!({"quote": {"provider": provider, "bytes": 1_000_000, "duration_secs": 10}}),
    );
    assert_eq!(quote["amount"], "10");
}

#[test]
fn data_token_tokenizes_a_record() {
    let mut vm = mock_instance_with_gas_limit(&artifact("data-token"), GAS_LIMIT);
    let (alice, registry) = (addr("alice"), addr("registry"));
    let record = json!({"id": 1, "owner": alice, "channel": "welding",
        "hash": "ab".repeat(32), "size": 1024, "level": "low", "locator": "assets/1",
        "stream": null, "client_timestamp": 1, "provider": addr("provider"),
        "registered_at": "1", "height": 1});
    // The registry's answers, as the real registry gives them.
    vm.with_querier(|q| {
        q.update_wasm(move |req| {
            let WasmQuery::Smart { msg, .. } = req else {
                panic!("unexpected query {req:?}")
            };
            let msg: Value = serde_json::from_slice(msg.as_slice()).unwrap();
            let answer = if msg.get("record").is_some() {
                record.clone()
            } else {
                json!({"is_member": true})
            };
            SystemResult::Ok(ContractResult::Ok(Binary::from(
                serde_json::to_vec(&answer).unwrap(),
            )))
        });
        Ok(())
    })
    .unwrap();
    init(
        &mut vm,
        &alice,
        json!({"registry": registry, "max_allowlist": null}),
    );
    let res = exec(
        &mut vm,
        &alice,
        json!({"tokenize": {"record_id": 1,
            "price": {"amount": "500", "denom": {"native": "ustake"}},
            "openness": "public",
            "metadata": {"data_kind": "vibration", "equipment": null, "sampling_rate_hz": 1000,
                         "time_range": null, "schema": null, "description": "one shift"}}}),
    );
    let id: u64 = attribute(&res, "asset_id").parse().unwrap();
    let asset = ask(&mut vm, json!({"asset": {"id": id}}));
    assert_eq!(asset["owner"], alice);
    assert_eq!(asset["price"]["amount"], "500");
}

#[test]
fn escrow_updates_its_config() {
    let mut vm = mock_instance_with_gas_limit(&artifact("escrow"), GAS_LIMIT);
    let admin = addr("admin");
    init(
        &mut vm,
        &admin,
        json!({"admin": null, "data_token": addr("token"), "storage_payment": addr("storage"),
               "arbiter": addr("arbiter"), "relayer_fee_bps": 500, "rekey_timeout_secs": 60,
               "delivery_timeout_secs": 60, "dispute_window_secs": 600,
               "max_kfrags_bytes": null}),
    );
    exec(
        &mut vm,
        &admin,
        json!({"update_config": {"admin": null, "arbiter": null, "relayer_fee_bps": 250,
               "rekey_timeout_secs": null, "delivery_timeout_secs": null,
               "dispute_window_secs": null, "max_kfrags_bytes": null}}),
    );
    let config = ask(&mut vm, json!({"config": {}}));
    assert_eq!(config["relayer_fee_bps"], 250);
}

#[test]
fn payment_channel_redeems_a_signed_voucher() {
    let mut vm = mock_instance_with_gas_limit(&artifact("payment-channel"), GAS_LIMIT);
    let (alice, provider, token, registry) = (
        addr("alice"),
        addr("provider"),
        addr("token"),
        addr("registry"),
    );
    let sensor = SensorKey::from_bytes(&[5u8; 32]).unwrap();
    let sensor_hex = hex(&sensor.public_key());
    // The registry's answer to `sensor`, as the real registry gives it.
    let answer =
        json!({"pubkey": sensor_hex, "owner": alice, "name": "press", "registered_at": "1"});
    vm.with_querier(|q| {
        q.update_wasm(move |req| {
            let WasmQuery::Smart { msg, .. } = req else {
                panic!("unexpected query {req:?}")
            };
            let msg: Value = serde_json::from_slice(msg.as_slice()).unwrap();
            assert!(msg.get("sensor").is_some(), "unexpected query {msg}");
            SystemResult::Ok(ContractResult::Ok(Binary::from(
                serde_json::to_vec(&answer).unwrap(),
            )))
        });
        Ok(())
    })
    .unwrap();
    init(
        &mut vm,
        &alice,
        json!({"registry": registry, "token": token, "min_close_timeout_secs": 10}),
    );
    // The token contract calls Receive for alice's Send.
    let open = json!({"open": {"payee": provider, "close_timeout_secs": 60}});
    let res = exec(
        &mut vm,
        &token,
        json!({"receive": {"sender": alice, "amount": "1000",
               "msg": Binary::from(serde_json::to_vec(&open).unwrap())}}),
    );
    let id: u64 = attribute(&res, "channel_id").parse().unwrap();
    let body = [3u8; 32];
    let digest = batch_digest(
        &body,
        Some(&Voucher {
            channel: id,
            cumulative: 400u128.into(),
        }),
    );
    // Verifies the signature with the VM's secp256k1_verify.
    let res = exec(
        &mut vm,
        &provider,
        json!({"redeem": {"channel": id, "cumulative": "400", "body_hash": hex(&body),
               "sensor_pubkey": sensor_hex, "signature": hex(&sensor.sign_digest(&digest).unwrap())}}),
    );
    assert_eq!(attribute(&res, "paid"), "400");
    assert_eq!(res.messages.len(), 1, "one cw20 transfer to the payee");
    let channel = ask(&mut vm, json!({"channel": {"id": id}}));
    assert_eq!(channel["redeemed"], "400");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
