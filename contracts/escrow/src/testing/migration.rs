use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::MigrateMsg;

fn migrate_escrow(suite: &mut Suite) -> AnyResult<AppResponse> {
    let (admin, escrow, code) = (suite.admin.clone(), suite.escrow.clone(), suite.escrow_code);
    suite
        .app
        .migrate_contract(admin, escrow, &MigrateMsg {}, code)
}

fn set_stored_version(suite: &mut Suite, name: &str, version: &str) {
    let escrow = suite.escrow.clone();
    let mut storage = suite.app.contract_storage_mut(&escrow);
    cw2::set_contract_version(storage.as_mut(), name, version).unwrap();
}

#[test]
fn migrates_from_an_older_version_and_keeps_sales() {
    let mut suite = Suite::new();
    let id = suite.bought_native();
    set_stored_version(&mut suite, CONTRACT_NAME, "0.0.1");
    let response = migrate_escrow(&mut suite).unwrap();
    let event = response
        .events
        .iter()
        .find(|e| e.ty == "wasm")
        .expect("a wasm event");
    assert_eq!(attr(event, "from_version"), "0.0.1");
    assert_eq!(attr(event, "to_version"), CONTRACT_VERSION);
    let version = cw2::query_contract_info(&suite.app.wrap(), suite.escrow.to_string()).unwrap();
    assert_eq!(version.version, CONTRACT_VERSION);
    // The open sale survives and carries on.
    suite.submit_rekey(id).unwrap();
}

#[test]
fn same_version_migrates() {
    let mut suite = Suite::new();
    migrate_escrow(&mut suite).unwrap();
}

#[test]
fn refuses_a_downgrade() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, CONTRACT_NAME, "99.0.0");
    let err = contract_err(migrate_escrow(&mut suite));
    assert!(
        err.to_string()
            .contains("Cannot migrate from newer version"),
        "{err}"
    );
}

#[test]
fn refuses_another_contracts_state() {
    let mut suite = Suite::new();
    set_stored_version(&mut suite, "crates.io:cw20-base", "0.0.1");
    let err = contract_err(migrate_escrow(&mut suite));
    assert!(
        err.to_string()
            .contains("Cannot migrate from crates.io:cw20-base to crates.io:twinshare-escrow"),
        "{err}"
    );
}
