use super::*;
use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::MigrateMsg;

fn stored_version(s: &Suite) -> cw2::ContractVersion {
    cw2::query_contract_info(&s.app.wrap(), s.contract.to_string()).unwrap()
}

fn set_version(s: &mut Suite, name: &str, version: &str) {
    let contract = s.contract.clone();
    let mut storage = s.app.contract_storage_mut(&contract);
    cw2::set_contract_version(storage.as_mut(), name, version).unwrap();
}

fn migrate(s: &mut Suite) -> AnyResult<AppResponse> {
    s.app.migrate_contract(
        s.admin.clone(),
        s.contract.clone(),
        &MigrateMsg {},
        s.code_id,
    )
}

#[test]
fn migrates_from_an_older_version_and_keeps_state() {
    let mut s = Suite::new();
    let id = s.open_alice(1_000);
    s.redeem(&sensor(1), id, 10).unwrap();
    set_version(&mut s, CONTRACT_NAME, "0.0.1");
    migrate(&mut s).unwrap();
    assert_eq!(stored_version(&s).version, CONTRACT_VERSION);
    assert_eq!(s.channel(id).redeemed, Uint128::new(10));
    // The same version migrates as a no-op.
    migrate(&mut s).unwrap();
}

#[test]
fn refuses_a_downgrade_and_other_contracts_state() {
    let mut s = Suite::new();
    set_version(&mut s, CONTRACT_NAME, "99.0.0");
    let err = migrate(&mut s).unwrap_err();
    assert!(
        matches!(contract_err(err), ContractError::Std(e) if e.to_string().contains("newer version"))
    );
    set_version(&mut s, "crates.io:twinshare-storage-payment", "0.0.1");
    let err = migrate(&mut s).unwrap_err();
    assert!(matches!(
        contract_err(err),
        ContractError::Std(e) if e.to_string().contains("Cannot migrate from crates.io:twinshare-storage-payment")
    ));
}

#[test]
fn only_the_admin_migrates() {
    let mut s = Suite::new();
    let mallory = s.mallory.clone();
    let err = s
        .app
        .migrate_contract(mallory, s.contract.clone(), &MigrateMsg {}, s.code_id)
        .unwrap_err();
    assert!(err
        .root_cause()
        .to_string()
        .contains("Only admin can migrate"));
}
