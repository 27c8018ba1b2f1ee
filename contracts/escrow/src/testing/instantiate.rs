use cosmwasm_std::coin;
use cw_utils::PaymentError;
use twinshare_types::CommonError;

use super::*;
use crate::msg::{Config, DEFAULT_MAX_KFRAGS_BYTES};

fn config(suite: &Suite) -> Config {
    suite
        .app
        .wrap()
        .query_wasm_smart(&suite.escrow, &QueryMsg::Config {})
        .unwrap()
}

fn instantiate_err(edit: impl FnOnce(&mut InstantiateMsg)) -> ContractError {
    let mut suite = Suite::without_escrow();
    let mut msg = default_instantiate_msg(&suite);
    edit(&mut msg);
    suite
        .instantiate_escrow(&msg, &[])
        .unwrap_err()
        .downcast()
        .unwrap()
}

#[test]
fn defaults_admin_to_sender_and_kfrags_bound() {
    let suite = Suite::new();
    assert_eq!(
        config(&suite),
        Config {
            admin: suite.admin.clone(),
            data_token: suite.data_token.clone(),
            storage_payment: suite.storage_payment.clone(),
            arbiter: suite.arbiter.clone(),
            relayer_fee_bps: FEE_BPS,
            rekey_timeout_secs: REKEY_TIMEOUT,
            delivery_timeout_secs: DELIVERY_TIMEOUT,
            dispute_window_secs: DISPUTE_WINDOW,
            max_kfrags_bytes: DEFAULT_MAX_KFRAGS_BYTES,
        }
    );
    let version = cw2::query_contract_info(&suite.app.wrap(), suite.escrow.to_string()).unwrap();
    assert_eq!(version.contract, "crates.io:twinshare-escrow");
    assert_eq!(version.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn explicit_admin_and_limits() {
    let mut suite = Suite::without_escrow();
    let mut msg = default_instantiate_msg(&suite);
    msg.admin = Some(suite.stranger.to_string());
    msg.max_kfrags_bytes = Some(1);
    msg.relayer_fee_bps = 10_000;
    suite.escrow = suite.instantiate_escrow(&msg, &[]).unwrap();
    let config = config(&suite);
    assert_eq!(config.admin, suite.stranger);
    assert_eq!(config.max_kfrags_bytes, 1);
    assert_eq!(config.relayer_fee_bps, 10_000);
}

#[test]
fn refuses_fee_above_100_percent() {
    assert_eq!(
        instantiate_err(|m| m.relayer_fee_bps = 10_001),
        ContractError::InvalidFeeBps { bps: 10_001 }
    );
}

#[test]
fn refuses_zero_timeouts() {
    assert_eq!(
        instantiate_err(|m| m.rekey_timeout_secs = 0),
        ContractError::ZeroTimeout {
            field: "rekey_timeout_secs"
        }
    );
    assert_eq!(
        instantiate_err(|m| m.delivery_timeout_secs = 0),
        ContractError::ZeroTimeout {
            field: "delivery_timeout_secs"
        }
    );
    assert_eq!(
        instantiate_err(|m| m.dispute_window_secs = 0),
        ContractError::ZeroTimeout {
            field: "dispute_window_secs"
        }
    );
}

#[test]
fn refuses_zero_kfrags_bound() {
    assert_eq!(
        instantiate_err(|m| m.max_kfrags_bytes = Some(0)),
        ContractError::ZeroMaxKfrags {}
    );
}

#[test]
fn refuses_invalid_addresses() {
    for (what, edit) in [
        (
            "data-token",
            Box::new(|m: &mut InstantiateMsg| m.data_token = m.data_token.to_uppercase())
                as Box<dyn FnOnce(&mut InstantiateMsg)>,
        ),
        (
            "storage-payment",
            Box::new(|m: &mut InstantiateMsg| m.storage_payment = "nope".to_string()),
        ),
        (
            "arbiter",
            Box::new(|m: &mut InstantiateMsg| m.arbiter = m.arbiter.to_uppercase()),
        ),
        (
            "admin",
            Box::new(|m: &mut InstantiateMsg| m.admin = Some(String::new())),
        ),
    ] {
        match instantiate_err(edit) {
            ContractError::Common(CommonError::InvalidAddress { what: got, .. }) => {
                assert_eq!(got, what)
            }
            other => panic!("expected an invalid {what} address, got {other:?}"),
        }
    }
}

#[test]
fn refuses_funds() {
    let mut suite = Suite::without_escrow();
    let msg = default_instantiate_msg(&suite);
    let err: ContractError = suite
        .instantiate_escrow(&msg, &[coin(1, OTHER_DENOM)])
        .unwrap_err()
        .downcast()
        .unwrap();
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
}
