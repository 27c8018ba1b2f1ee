use cosmwasm_std::StdError;
use cw_multi_test::Executor;

use super::{token_contract, Suite};
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{MigrateMsg, Openness};
use crate::ContractError;

/// Rewrites the token's cw2 entry, as an older (or foreign) code would have left it.
fn set_stored_version(suite: &mut Suite, name: &str, version: &str) {
    let token = suite.token.clone();
    let mut storage = suite.app.contract_storage_mut(&token);
    cw2::set_contract_version(storage.as_mut(), name, version).unwrap();
}

fn migrate(suite: &mut Suite) -> Result<cw_multi_test::AppResponse, ContractError> {
    let new_code = suite.app.store_code(token_contract());
    suite
        .app
        .migrate_contract(
            suite.admin.clone(),
            suite.token.clone(),
            &MigrateMsg {},
            new_code,
        )
        .map_err(|e| e.downcast().unwrap())
}

#[test]
fn migrates_from_an_older_version_and_keeps_state() {
    let mut suite = Suite::new();
    let id = suite.listed(Openness::Public);
    let asset = suite.asset(id);
    set_stored_version(&mut suite, CONTRACT_NAME, "0.0.1");

    let res = migrate(&mut suite).unwrap();
    let attrs: Vec<_> = res
        .events
        .iter()
        .filter(|e| e.ty == "wasm")
        .flat_map(|e| e.attributes.iter())
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert!(attrs.contains(&("action", "migrate")));
    assert!(attrs.contains(&("from_version", "0.0.1")));
    assert!(attrs.contains(&("to_version", CONTRACT_VERSION)));

    let version = cw2::query_contract_info(&suite.app.wrap(), suite.token.to_string()).unwrap();
    assert_eq!(version.version, CONTRACT_VERSION);
    assert_eq!(suite.asset(id), asset);
    assert_eq!(suite.public_assets(None, None), vec![id]);
    // New ids continue after the old ones.
    assert_eq!(suite.listed(Openness::Public), id + 1);
}

#[test]
fn migrating_to_the_same_version_is_a_no_op() {
    let mut suite = Suite::new();
    migrate(&mut suite).unwrap();
    let version = cw2::query_contract_info(&suite.app.wrap(), suite.token.to_string()).unwrap();
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn downgrade_is_refused() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, CONTRACT_NAME, "99.0.0");
    let err = migrate(&mut suite).unwrap_err();
    assert_eq!(
        err,
        ContractError::Std(StdError::generic_err(format!(
            "Cannot migrate from newer version (99.0.0) to older ({CONTRACT_VERSION})"
        )))
    );
}

#[test]
fn another_contracts_state_is_refused() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, "crates.io:cw20-base", "0.0.1");
    let err = migrate(&mut suite).unwrap_err();
    assert_eq!(
        err,
        ContractError::Std(StdError::generic_err(format!(
            "Cannot migrate from crates.io:cw20-base to {CONTRACT_NAME}"
        )))
    );
}

#[test]
fn only_the_wasm_admin_may_migrate() {
    let mut suite = Suite::new();
    let new_code = suite.app.store_code(token_contract());
    let owner = suite.owner.clone();
    let token = suite.token.clone();
    assert!(suite
        .app
        .migrate_contract(owner, token, &MigrateMsg {}, new_code)
        .is_err());
}
