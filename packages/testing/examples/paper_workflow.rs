//! The paper's sharing scenario (Section 4) over the real contracts, in process (cw-multi-test),
//! printing each step and who holds what. `scripts/demo.sh` runs it.

use anyhow::Result;
use cosmwasm_std::{coins, Uint128};
use twinshare_testing::suite::{test_hash, NATIVE};
use twinshare_testing::Suite;
use twinshare_types::escrow::ExecuteMsg as EscrowMsg;
use twinshare_types::registry::Level;
use twinshare_types::token::Openness;

fn main() -> Result<()> {
    let mut s = Suite::default();
    let (alice, bob, relayer) = (s.alice.clone(), s.bob.clone(), s.relayer.clone());
    let balances = |s: &Suite, when: &str| {
        println!(
            "    balances {when}: A {} | B {} | relayer {} | escrow {} | storage {}",
            s.cw20_balance(&s.alice),
            s.cw20_balance(&s.bob),
            s.cw20_balance(&s.relayer),
            s.cw20_balance(&s.escrow),
            s.cw20_balance(&s.storage),
        )
    };
    println!("TwinShare: the paper's workflow on the contracts (in-process chain)");
    balances(&s, "at start");

    s.register_party(&alice, 1, "welding robot A operator")?;
    s.register_party(&bob, 2, "welding robot B operator")?;
    println!("4.2  A and B registered their Umbral public keys; channel `welding` holds both");

    let lease = s.buy_lease(&alice, 64 << 20, 30 * 86_400)?;
    println!(
        "4.3  A leased 64 MiB for 30 days from the provider: lease {lease}, paid {}",
        s.lease(lease).paid
    );

    let fee = 1_000u128;
    let record = s.register_record(
        &alice,
        test_hash(1),
        8 << 20,
        Level::High {
            fee: Uint128::new(fee),
        },
        &coins(fee, NATIVE),
    )?;
    println!(
        "4.2  A registered record {record} (High, fee {fee}{NATIVE} to the orderer): hash {}",
        s.record(record).hash
    );

    let price = 50_000u128;
    let asset = s.tokenize(&alice, record, price, Openness::Public)?;
    println!(
        "4.4  A tokenized record {record} as asset {asset} for {price} TWIN, public in its channel"
    );

    let sale = s.buy(&bob, asset, price, 2)?;
    println!("4.6  B paid {price} TWIN into escrow: sale {sale}");
    balances(&s, "after payment");

    s.submit_rekey(&alice, sale, b"kfrags sealed to the relayer key")?;
    println!("4.6  A submitted the re-encryption key for B, sealed to the provider's relayer");
    s.report_delivery(&relayer, sale)?;
    println!("4.6  the relayer re-encrypted the capsule and reported delivery");
    s.escrow_exec(&bob, &EscrowMsg::Confirm { sale_id: sale })?;
    println!(
        "4.6  B confirmed receipt: sale {sale} is {:?}; the seller is paid less the relayer's fee",
        s.sale(sale).status
    );
    balances(&s, "at end");
    Ok(())
}
