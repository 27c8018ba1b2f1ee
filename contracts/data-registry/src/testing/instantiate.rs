use cosmwasm_std::{Addr, Coin};
use cw_multi_test::error::AnyResult;
use cw_multi_test::Executor;

use twinshare_types::CommonError;

use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{Config, MAX_ANCHORERS};

fn instantiate_msg(suite: &Suite) -> InstantiateMsg {
    InstantiateMsg {
        admin: None,
        storage_payment: suite.storage.to_string(),
        fee_collector: suite.collector.to_string(),
        fee_denom: FEE_DENOM.to_string(),
        anchorers: vec![],
    }
}

fn instantiate_registry(
    suite: &mut Suite,
    sender: &Addr,
    msg: &InstantiateMsg,
    funds: &[Coin],
) -> AnyResult<Addr> {
    let code = suite.registry_code;
    suite
        .app
        .instantiate_contract(code, sender.clone(), msg, funds, "registry-2", None)
}

#[test]
fn admin_defaults_to_the_sender() {
    let suite = Suite::new();
    let config: Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(
        config,
        Config {
            admin: suite.admin.clone(),
            storage_payment: suite.storage.clone(),
            fee_collector: suite.collector.clone(),
            fee_denom: FEE_DENOM.to_string(),
            anchorers: vec![suite.anchorer.clone()],
        }
    );
    let version = cw2::query_contract_info(&suite.app.wrap(), &suite.registry).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn explicit_admin_and_anchorers_deduped() {
    let mut suite = Suite::new();
    let (a, b) = (suite.addr("a1"), suite.addr("a2"));
    let mut msg = instantiate_msg(&suite);
    msg.admin = Some(suite.carol.to_string());
    msg.anchorers = vec![a.to_string(), b.to_string(), a.to_string()];
    let alice = suite.alice.clone();
    let registry = instantiate_registry(&mut suite, &alice, &msg, &[]).unwrap();
    let config: Config = suite
        .app
        .wrap()
        .query_wasm_smart(&registry, &QueryMsg::Config {})
        .unwrap();
    assert_eq!(config.admin, suite.carol);
    assert_eq!(config.anchorers, vec![a, b]);
}

#[test]
fn refuses_bad_config() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();

    let mut msg = instantiate_msg(&suite);
    msg.fee_denom = "u fee".to_string();
    let err = instantiate_registry(&mut suite, &alice, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidDenom {
            denom: "u fee".to_string()
        })
    );

    let mut msg = instantiate_msg(&suite);
    msg.fee_collector = suite.collector.as_str().to_uppercase();
    let err = instantiate_registry(&mut suite, &alice, &msg, &[]).unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "fee collector",
            ..
        })
    ));

    let mut msg = instantiate_msg(&suite);
    msg.storage_payment = "storage".to_string();
    let err = instantiate_registry(&mut suite, &alice, &msg, &[]).unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Common(CommonError::InvalidAddress {
            what: "storage payment",
            ..
        })
    ));

    let mut msg = instantiate_msg(&suite);
    msg.anchorers = (0..=MAX_ANCHORERS)
        .map(|i| suite.addr(&format!("anchorer{i}")).to_string())
        .collect();
    let err = instantiate_registry(&mut suite, &alice, &msg, &[]).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::TooManyAnchorers {
            max: MAX_ANCHORERS,
            got: MAX_ANCHORERS + 1
        }
    );

    let msg = instantiate_msg(&suite);
    let err = instantiate_registry(&mut suite, &alice, &msg, &fee(1)).unwrap_err();
    assert_eq!(
        contract_err(err),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {})
    );
}
