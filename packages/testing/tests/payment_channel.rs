//! Anchoring fees across the real contracts (issue 9): sensor keys registered in `data-registry`
//! sign vouchers that `payment-channel` checks by querying the registry, and the money adds up.

use cosmwasm_std::{HexBinary, Uint128};
use twinshare_crypto::SensorKey;
use twinshare_payment_channel::ContractError;
use twinshare_testing::Suite;
use twinshare_types::channel::ExecuteMsg;
use twinshare_types::claims::{batch_digest, body_hash, ClaimLevel, ClaimRecord, Voucher};

const DEPOSIT: u128 = 10_000;
const TIMEOUT: u64 = 600;

/// The contract error at the root of a failed execution.
fn root(err: anyhow::Error) -> ContractError {
    err.downcast::<ContractError>()
        .unwrap_or_else(|err| panic!("unexpected error: {err:?}"))
}

/// One claim batch of `owner` paying `fee_per_record`, as the anchoring daemon receives it.
fn batch_body(owner: &str, first_seq: u64) -> [u8; 32] {
    let records: Vec<ClaimRecord> = (first_seq..first_seq + 10)
        .map(|seq| ClaimRecord {
            stream: "press-7/vibration".into(),
            seq,
            timestamp: 1_700_000_000_000 + seq,
            size: 64,
            hash: HexBinary::from([seq as u8; 32]),
        })
        .collect();
    let level = ClaimLevel::High {
        fee_per_record: Uint128::new(5),
    };
    body_hash(owner, &level, &records)
}

/// The daemon's redeem of the voucher `(channel, cumulative)` that `key` signed with `body`.
fn redeem(key: &SensorKey, channel: u64, cumulative: u128, body: [u8; 32]) -> ExecuteMsg {
    let voucher = Voucher {
        channel,
        cumulative: Uint128::new(cumulative),
    };
    let signature = key
        .sign_digest(&batch_digest(&body, Some(&voucher)))
        .unwrap();
    ExecuteMsg::Redeem {
        channel,
        cumulative: voucher.cumulative,
        body_hash: HexBinary::from(body),
        sensor_pubkey: HexBinary::from(key.public_key()),
        signature: HexBinary::from(signature),
    }
}

#[test]
fn a_registered_sensor_pays_the_anchorer_and_the_owner_gets_the_rest() {
    let mut s = Suite::default();
    let (alice, relayer) = (s.alice.clone(), s.relayer.clone());
    let contract = s.payment_channel.clone();
    let sensor = SensorKey::from_bytes(&[11u8; 32]).unwrap();
    s.register_sensor(&alice, HexBinary::from(sensor.public_key()), "press-7")
        .unwrap();
    let (alice_before, relayer_before) = (s.cw20_balance(&alice), s.cw20_balance(&relayer));

    let id = s.open_channel(&alice, &relayer, DEPOSIT, TIMEOUT).unwrap();
    // Two batches of 10 records at 5 each: the daemon redeems only the latest voucher.
    let owner = alice.to_string();
    s.exec(
        &relayer,
        &contract,
        &redeem(&sensor, id, 50, batch_body(&owner, 0)),
    )
    .unwrap();
    s.exec(
        &relayer,
        &contract,
        &redeem(&sensor, id, 100, batch_body(&owner, 10)),
    )
    .unwrap();
    assert_eq!(s.cw20_balance(&relayer), relayer_before + 100);

    s.exec(&alice, &contract, &ExecuteMsg::RequestClose { channel: id })
        .unwrap();
    s.advance(TIMEOUT);
    s.exec(&alice, &contract, &ExecuteMsg::Withdraw { channel: id })
        .unwrap();
    let ch = s.payment_channel(id);
    assert!(ch.closed);
    assert_eq!(ch.redeemed, Uint128::new(100));
    assert_eq!(ch.refunded, Uint128::new(DEPOSIT - 100));
    assert_eq!(s.cw20_balance(&alice), alice_before - 100);
    assert_eq!(s.cw20_balance(&contract), 0);
}

#[test]
fn the_registry_decides_whose_sensor_signs() {
    let mut s = Suite::default();
    let (alice, bob, mallory, relayer) = (
        s.alice.clone(),
        s.bob.clone(),
        s.mallory.clone(),
        s.relayer.clone(),
    );
    let registry = s.registry.clone();
    let contract = s.payment_channel.clone();
    let alices = SensorKey::from_bytes(&[21u8; 32]).unwrap();
    let bobs = SensorKey::from_bytes(&[22u8; 32]).unwrap();
    s.register_sensor(&alice, HexBinary::from(alices.public_key()), "a")
        .unwrap();
    s.register_sensor(&bob, HexBinary::from(bobs.public_key()), "b")
        .unwrap();
    // Nobody can take over alice's key in the registry.
    let err = s
        .register_sensor(&mallory, HexBinary::from(alices.public_key()), "mine")
        .unwrap_err();
    assert_eq!(
        err.downcast::<data_registry::ContractError>().unwrap(),
        data_registry::ContractError::SensorOwnedByOther {
            pubkey: hex(&alices),
            owner: alice.to_string(),
        }
    );
    let id = s.open_channel(&alice, &relayer, DEPOSIT, TIMEOUT).unwrap();
    let body = batch_body(alice.as_str(), 0);

    // Bob's registered sensor cannot spend alice's deposit.
    let err = s
        .exec(&relayer, &contract, &redeem(&bobs, id, 50, body))
        .unwrap_err();
    assert_eq!(
        root(err),
        ContractError::SensorOfOtherOwner {
            pubkey: hex(&bobs),
            sensor_owner: bob.to_string(),
            channel_owner: alice.to_string(),
        }
    );

    // Once alice removes her sensor, its vouchers no longer count.
    s.exec(
        &alice,
        &registry,
        &twinshare_types::registry::ExecuteMsg::RemoveSensor {
            pubkey: HexBinary::from(alices.public_key()),
        },
    )
    .unwrap();
    let err = s
        .exec(&relayer, &contract, &redeem(&alices, id, 50, body))
        .unwrap_err();
    assert_eq!(
        root(err),
        ContractError::SensorNotRegistered {
            pubkey: hex(&alices),
        }
    );
    assert!(s.payment_channel(id).redeemed.is_zero());
    assert_eq!(s.cw20_balance(&contract), DEPOSIT);
}

fn hex(key: &SensorKey) -> String {
    HexBinary::from(key.public_key()).to_hex()
}
