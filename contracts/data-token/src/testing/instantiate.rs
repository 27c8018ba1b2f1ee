use cosmwasm_std::coins;
use cw_multi_test::{App, Executor};
use cw_utils::PaymentError;
use twinshare_types::CommonError;

use super::{token_contract, Suite, DENOM};
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{Config, InstantiateMsg, QueryMsg, DEFAULT_MAX_ALLOWLIST};
use crate::ContractError;

#[test]
fn defaults_and_cw2_version() {
    let suite = Suite::new();
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(
        config,
        Config {
            registry: suite.registry.clone(),
            max_allowlist: DEFAULT_MAX_ALLOWLIST,
        }
    );
    let version = cw2::query_contract_info(&suite.app.wrap(), suite.token.to_string()).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn custom_max_allowlist() {
    let suite = Suite::with_max(Some(3));
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.max_allowlist, 3);
}

fn instantiate_err(app: &mut App, msg: InstantiateMsg, funds: bool) -> ContractError {
    let code = app.store_code(token_contract());
    let sender = app.api().addr_make("admin");
    if funds {
        app.init_modules(|router, _, storage| {
            router
                .bank
                .init_balance(storage, &sender, coins(100, DENOM))
        })
        .unwrap();
    }
    let funds = if funds { coins(1, DENOM) } else { vec![] };
    app.instantiate_contract(code, sender, &msg, &funds, "data-token", None)
        .unwrap_err()
        .downcast()
        .unwrap()
}

#[test]
fn zero_max_allowlist_is_refused() {
    let mut app = App::default();
    let registry = app.api().addr_make("registry").to_string();
    let err = instantiate_err(
        &mut app,
        InstantiateMsg {
            registry,
            max_allowlist: Some(0),
        },
        false,
    );
    assert_eq!(err, ContractError::ZeroMaxAllowlist);
}

#[test]
fn invalid_registry_address_is_refused() {
    let mut app = App::default();
    let registry = app.api().addr_make("registry").to_string().to_uppercase();
    let err = instantiate_err(
        &mut app,
        InstantiateMsg {
            registry: registry.clone(),
            max_allowlist: None,
        },
        false,
    );
    assert!(matches!(
        err,
        ContractError::Common(CommonError::InvalidAddress { what: "registry", address, .. })
            if address == registry
    ));
}

#[test]
fn instantiate_is_nonpayable() {
    let mut app = App::default();
    let registry = app.api().addr_make("registry").to_string();
    let err = instantiate_err(
        &mut app,
        InstantiateMsg {
            registry,
            max_allowlist: None,
        },
        true,
    );
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
}
