use cosmwasm_std::coin;
use cw_multi_test::Executor;
use cw_utils::PaymentError;

use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{Config, DEFAULT_MAX_OPEN_LEASES};

#[test]
fn defaults_max_open_leases_and_sets_version() {
    let s = Suite::bare(None);
    let config: Config = s.query(&QueryMsg::Config {});
    assert_eq!(
        config,
        Config {
            max_open_leases: DEFAULT_MAX_OPEN_LEASES
        }
    );
    let version = cw2::query_contract_info(&s.app.wrap(), s.contract.to_string()).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn takes_a_custom_max_open_leases() {
    let s = Suite::bare(Some(3));
    let config: Config = s.query(&QueryMsg::Config {});
    assert_eq!(config.max_open_leases, 3);
}

#[test]
fn refuses_zero_max_open_leases_and_funds() {
    let mut s = Suite::bare(None);
    let admin = s.admin.clone();
    let alice = s.alice.clone();
    let err = s
        .app
        .instantiate_contract(
            s.code_id,
            admin,
            &InstantiateMsg {
                max_open_leases: Some(0),
            },
            &[],
            "bad",
            None,
        )
        .unwrap_err();
    assert_eq!(contract_err(err), ContractError::InvalidMaxOpenLeases {});

    let err = s
        .app
        .instantiate_contract(
            s.code_id,
            alice,
            &InstantiateMsg {
                max_open_leases: None,
            },
            &[coin(1, DENOM)],
            "paid",
            None,
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}
