use cw_multi_test::Executor;

use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::MigrateMsg;

#[test]
fn same_version_migrates() {
    let mut suite = Suite::new();
    let res = suite
        .app
        .migrate_contract(
            suite.admin.clone(),
            suite.registry.clone(),
            &MigrateMsg {},
            suite.registry_code,
        )
        .unwrap();
    assert_eq!(attr(&res, "action").unwrap(), "migrate");
    let version = cw2::query_contract_info(&suite.app.wrap(), &suite.registry).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
    // State survives.
    let config: crate::msg::Config = suite.query(&QueryMsg::Config {}).unwrap();
    assert_eq!(config.admin, suite.admin);
}

#[test]
fn older_version_is_upgraded() {
    let mut suite = Suite::new();
    let old = instantiate_fake(&mut suite, CONTRACT_NAME, "0.0.1");
    suite
        .app
        .migrate_contract(
            suite.admin.clone(),
            old.clone(),
            &MigrateMsg {},
            suite.registry_code,
        )
        .unwrap();
    let version = cw2::query_contract_info(&suite.app.wrap(), &old).unwrap();
    assert_eq!(version.version, CONTRACT_VERSION);
}

#[test]
fn other_contract_is_refused() {
    let mut suite = Suite::new();
    let other = instantiate_fake(&mut suite, "crates.io:twinshare-storage-payment", "0.1.0");
    let err = suite
        .app
        .migrate_contract(
            suite.admin.clone(),
            other,
            &MigrateMsg {},
            suite.registry_code,
        )
        .unwrap_err();
    assert_eq!(
        contract_err(err).to_string(),
        format!("Generic error: Cannot migrate from crates.io:twinshare-storage-payment to {CONTRACT_NAME}")
    );
}

#[test]
fn downgrade_is_refused() {
    let mut suite = Suite::new();
    let newer = instantiate_fake(&mut suite, CONTRACT_NAME, "99.0.0");
    let err = suite
        .app
        .migrate_contract(
            suite.admin.clone(),
            newer,
            &MigrateMsg {},
            suite.registry_code,
        )
        .unwrap_err();
    assert!(contract_err(err)
        .to_string()
        .contains("Cannot migrate from newer version (99.0.0)"));
}
