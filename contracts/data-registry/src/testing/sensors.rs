//! Sensor keys (issue 9): registration, renaming, removal and the two queries.

use cosmwasm_std::{HexBinary, StdResult};
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{ProjectivePoint, Scalar};
use twinshare_types::pagination::MAX_LIMIT;

use super::*;
use crate::msg::{Sensor, SensorsResponse};

/// The compressed point kG (k >= 1): a valid key, distinct for each k.
pub fn key_k(k: u64) -> HexBinary {
    let point = (ProjectivePoint::GENERATOR * Scalar::from(k)).to_affine();
    HexBinary::from(point.to_encoded_point(true).as_bytes())
}

pub fn register_sensor(
    suite: &mut Suite,
    owner: &Addr,
    pubkey: &HexBinary,
    name: &str,
) -> AnyResult<AppResponse> {
    let msg = ExecuteMsg::RegisterSensor {
        pubkey: pubkey.clone(),
        name: name.to_string(),
    };
    suite.execute(owner, &msg, &[])
}

pub fn sensor(suite: &Suite, pubkey: &HexBinary) -> StdResult<Sensor> {
    suite.query(&QueryMsg::Sensor {
        pubkey: pubkey.clone(),
    })
}

pub fn sensors_of(
    suite: &Suite,
    owner: &Addr,
    start_after: Option<HexBinary>,
    limit: Option<u32>,
) -> Vec<HexBinary> {
    let res: SensorsResponse = suite
        .query(&QueryMsg::SensorsByOwner {
            owner: owner.to_string(),
            start_after,
            limit,
        })
        .unwrap();
    res.sensors.into_iter().map(|s| s.pubkey).collect()
}

#[test]
fn register_saves_the_sensor_and_indexes_it() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let g = key(KEY_G);
    let res = register_sensor(&mut suite, &alice, &g, "  press-7 vibration ").unwrap();
    assert_eq!(attr(&res, "action").as_deref(), Some("register_sensor"));
    assert_eq!(attr(&res, "pubkey"), Some(g.to_hex()));
    assert_eq!(
        sensor(&suite, &g).unwrap(),
        Sensor {
            pubkey: g.clone(),
            owner: alice.clone(),
            // Trimmed, as party names are.
            name: "press-7 vibration".to_string(),
            registered_at: suite.app.block_info().time,
        }
    );
    assert_eq!(sensors_of(&suite, &alice, None, None), vec![g]);
}

#[test]
fn the_owner_re_registering_renames() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let g = key(KEY_G);
    register_sensor(&mut suite, &alice, &g, "old").unwrap();
    suite.app.update_block(|b| b.time = b.time.plus_seconds(5));
    register_sensor(&mut suite, &alice, &g, "new").unwrap();
    let s = sensor(&suite, &g).unwrap();
    assert_eq!(s.name, "new");
    assert_eq!(s.registered_at, suite.app.block_info().time);
    // Still one entry in the owner's list.
    assert_eq!(sensors_of(&suite, &alice, None, None), vec![g]);
}

#[test]
fn remove_forgets_the_key_and_frees_it() {
    let mut suite = Suite::new();
    let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
    let (g, g2) = (key(KEY_G), key(KEY_2G));
    register_sensor(&mut suite, &alice, &g, "a").unwrap();
    register_sensor(&mut suite, &alice, &g2, "b").unwrap();
    let res = suite
        .execute(&alice, &ExecuteMsg::RemoveSensor { pubkey: g.clone() }, &[])
        .unwrap();
    assert_eq!(attr(&res, "action").as_deref(), Some("remove_sensor"));
    let err = sensor(&suite, &g).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("sensor {} not found", g.to_hex())),
        "{err}"
    );
    assert_eq!(sensors_of(&suite, &alice, None, None), vec![g2]);
    // A removed key may be registered again, by anyone.
    register_sensor(&mut suite, &bob, &g, "bob's now").unwrap();
    assert_eq!(sensor(&suite, &g).unwrap().owner, bob);
}

#[test]
fn sensors_by_owner_pages_by_key_bytes() {
    let mut suite = Suite::new();
    let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
    let keys = [key_k(1), key_k(2), key_k(3)];
    for (i, k) in keys.iter().enumerate() {
        register_sensor(&mut suite, &alice, k, &format!("s{i}")).unwrap();
    }
    let mut sorted = keys.to_vec();
    sorted.sort_by(|a, b| a.as_slice().cmp(b.as_slice()));
    assert_eq!(sensors_of(&suite, &alice, None, None), sorted);
    assert_eq!(
        sensors_of(&suite, &alice, None, Some(2)),
        sorted[..2].to_vec()
    );
    assert_eq!(
        sensors_of(&suite, &alice, Some(sorted[0].clone()), None),
        sorted[1..].to_vec()
    );
    assert_eq!(
        sensors_of(&suite, &alice, Some(sorted[2].clone()), None),
        Vec::<HexBinary>::new()
    );
    assert!(sensors_of(&suite, &bob, None, None).is_empty());
}

#[test]
fn sensors_by_owner_is_capped() {
    let mut suite = Suite::new();
    let alice = suite.alice.clone();
    let n = u64::from(MAX_LIMIT) + 5;
    for k in 1..=n {
        register_sensor(&mut suite, &alice, &key_k(k), "s").unwrap();
    }
    let first = sensors_of(&suite, &alice, None, Some(1_000));
    assert_eq!(first.len(), MAX_LIMIT as usize);
    let rest = sensors_of(&suite, &alice, first.last().cloned(), Some(1_000));
    assert_eq!(rest.len(), 5);
    assert_eq!(sensors_of(&suite, &alice, None, Some(0)).len(), 1);
}
