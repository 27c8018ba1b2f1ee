use cosmwasm_std::coin;
use cw_utils::PaymentError;
use twinshare_types::CommonError;

use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{Config, MAX_CLOSE_TIMEOUT_SECS};

fn instantiate(s: &mut Suite, msg: &InstantiateMsg, funds: &[Coin]) -> AnyResult<Addr> {
    // Alice has native coins to (wrongly) send along.
    let alice = s.alice.clone();
    s.app
        .instantiate_contract(s.code_id, alice, msg, funds, "channel", None)
}

fn msg(s: &Suite, min_close_timeout_secs: u64) -> InstantiateMsg {
    InstantiateMsg {
        registry: s.registry.to_string(),
        token: s.token.to_string(),
        min_close_timeout_secs,
    }
}

#[test]
fn stores_the_config_and_the_cw2_version() {
    let s = Suite::new();
    let config: Config = s.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(
        config,
        Config {
            registry: s.registry.clone(),
            token: s.token.clone(),
            min_close_timeout_secs: MIN_TIMEOUT,
            max_close_timeout_secs: MAX_CLOSE_TIMEOUT_SECS,
        }
    );
    let version = cw2::query_contract_info(&s.app.wrap(), s.contract.to_string()).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn min_close_timeout_is_bounded() {
    let mut s = Suite::new();
    for got in [0, MAX_CLOSE_TIMEOUT_SECS + 1] {
        let m = msg(&s, got);
        let err = contract_err(instantiate(&mut s, &m, &[]).unwrap_err());
        assert_eq!(
            err,
            ContractError::InvalidMinCloseTimeout {
                got,
                max: MAX_CLOSE_TIMEOUT_SECS,
            }
        );
    }
    for ok in [1, MAX_CLOSE_TIMEOUT_SECS] {
        let m = msg(&s, ok);
        instantiate(&mut s, &m, &[]).unwrap();
    }
}

#[test]
fn addresses_are_validated() {
    let mut s = Suite::new();
    let mut m = msg(&s, MIN_TIMEOUT);
    m.registry = "Not An Address".to_string();
    let err = contract_err(instantiate(&mut s, &m, &[]).unwrap_err());
    assert!(matches!(
        err,
        ContractError::Common(CommonError::InvalidAddress {
            what: "registry",
            ..
        })
    ));
    let mut m = msg(&s, MIN_TIMEOUT);
    m.token = String::new();
    let err = contract_err(instantiate(&mut s, &m, &[]).unwrap_err());
    assert!(matches!(
        err,
        ContractError::Common(CommonError::InvalidAddress {
            what: "payment token",
            ..
        })
    ));
}

#[test]
fn refuses_funds() {
    let mut s = Suite::new();
    let m = msg(&s, MIN_TIMEOUT);
    let err = contract_err(instantiate(&mut s, &m, &[coin(1, NATIVE)]).unwrap_err());
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
}
