//! Property test: random sequences of purchases, re-keys, deliveries, confirmations, refunds,
//! disputes, resolutions, claims and time jumps, by the right and the wrong senders. After every
//! step the escrow's token balance equals the sum held by its open sales, and every account holds
//! exactly what it paid in plus what it was owed: no account ends with more.

use std::collections::BTreeMap;

use cosmwasm_std::Addr;
use proptest::prelude::*;
use twinshare_testing::suite::test_hash;
use twinshare_testing::Suite;
use twinshare_types::escrow::{ExecuteMsg as EscrowMsg, SaleStatus};
use twinshare_types::registry::{ExecuteMsg as RegistryMsg, Level};
use twinshare_types::token::Openness;

const PRICES: [u128; 3] = [10_000, 33_333, 7];

#[derive(Clone, Debug)]
enum Step {
    Buy {
        buyer: usize,
        asset: usize,
    },
    ReKey {
        sale: usize,
        by_seller: bool,
    },
    Deliver {
        sale: usize,
        by_relayer: bool,
    },
    Confirm {
        sale: usize,
        by_buyer: bool,
    },
    Refund {
        sale: usize,
        by_buyer: bool,
    },
    Dispute {
        sale: usize,
    },
    Resolve {
        sale: usize,
        refund: bool,
        by_arbiter: bool,
    },
    Claim {
        sale: usize,
        by_seller: bool,
    },
    Advance {
        secs: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0usize..8;
    prop_oneof![
        3 => (0usize..2, 0usize..3).prop_map(|(buyer, asset)| Step::Buy { buyer, asset }),
        2 => (i.clone(), any::<bool>()).prop_map(|(sale, by_seller)| Step::ReKey { sale, by_seller }),
        2 => (i.clone(), any::<bool>()).prop_map(|(sale, by_relayer)| Step::Deliver { sale, by_relayer }),
        2 => (i.clone(), any::<bool>()).prop_map(|(sale, by_buyer)| Step::Confirm { sale, by_buyer }),
        1 => (i.clone(), any::<bool>()).prop_map(|(sale, by_buyer)| Step::Refund { sale, by_buyer }),
        1 => i.clone().prop_map(|sale| Step::Dispute { sale }),
        1 => (i.clone(), any::<bool>(), any::<bool>())
            .prop_map(|(sale, refund, by_arbiter)| Step::Resolve { sale, refund, by_arbiter }),
        1 => (i, any::<bool>()).prop_map(|(sale, by_seller)| Step::Claim { sale, by_seller }),
        2 => prop_oneof![Just(60u64), Just(1_800), Just(4_000), Just(90_000)]
            .prop_map(|secs| Step::Advance { secs }),
    ]
}

struct World {
    s: Suite,
    assets: Vec<u64>,
    buyers: Vec<Addr>,
    sales: Vec<u64>,
    /// cw20 balances right after setup, before any sale.
    base: BTreeMap<Addr, u128>,
}

fn setup() -> World {
    let mut s = Suite::default();
    let (alice, bob, mallory) = (s.alice.clone(), s.bob.clone(), s.mallory.clone());
    let registry = s.registry.clone();
    s.exec(
        &alice,
        &registry,
        &RegistryMsg::AddMembers {
            channel: "welding".into(),
            members: vec![mallory.to_string()],
        },
    )
    .unwrap();
    s.buy_lease(&alice, 1 << 20, 365 * 86_400).unwrap();
    let assets = PRICES
        .iter()
        .enumerate()
        .map(|(i, price)| {
            let record = s
                .register_record(&alice, test_hash(i as u64 + 1), 1_000, Level::Low, &[])
                .unwrap();
            s.tokenize(&alice, record, *price, Openness::Public)
                .unwrap()
        })
        .collect();
    let base = [
        &alice,
        &bob,
        &mallory,
        &s.relayer.clone(),
        &s.escrow.clone(),
    ]
    .into_iter()
    .map(|a| (a.clone(), s.cw20_balance(a)))
    .collect();
    World {
        s,
        assets,
        buyers: vec![bob, mallory],
        sales: vec![],
        base,
    }
}

impl World {
    /// Runs a step; returns whether the contract accepted it and whether it had to refuse it.
    fn run(&mut self, step: &Step) -> (bool, bool) {
        let s = &mut self.s;
        let (alice, relayer, arbiter, mallory) = (
            s.alice.clone(),
            s.relayer.clone(),
            s.arbiter.clone(),
            s.mallory.clone(),
        );
        let who = |right: bool, person: Addr| if right { person } else { mallory.clone() };
        match *step {
            Step::Buy { buyer, asset } => {
                let buyer = self.buyers[buyer].clone();
                match s.buy(&buyer, self.assets[asset], PRICES[asset], 7) {
                    Ok(id) => {
                        self.sales.push(id);
                        (true, false)
                    }
                    Err(_) => (false, false),
                }
            }
            Step::Advance { secs } => {
                s.advance(secs);
                (true, false)
            }
            _ => {
                let Some(id) = (match *step {
                    Step::ReKey { sale, .. }
                    | Step::Deliver { sale, .. }
                    | Step::Confirm { sale, .. }
                    | Step::Refund { sale, .. }
                    | Step::Dispute { sale }
                    | Step::Resolve { sale, .. }
                    | Step::Claim { sale, .. } => {
                        (!self.sales.is_empty()).then(|| self.sales[sale % self.sales.len()])
                    }
                    _ => None,
                }) else {
                    return (false, false);
                };
                let buyer = s.sale(id).buyer;
                let (sender, msg, wrong) = match *step {
                    Step::ReKey { by_seller, .. } => (
                        who(by_seller, alice),
                        EscrowMsg::SubmitReKey {
                            sale_id: id,
                            kfrags: b"sealed kfrags".into(),
                        },
                        !by_seller,
                    ),
                    Step::Deliver { by_relayer, .. } => {
                        let sender = if by_relayer { relayer } else { alice };
                        return (s.report_delivery(&sender, id).is_ok(), !by_relayer);
                    }
                    Step::Confirm { by_buyer, .. } => (
                        if by_buyer { buyer.clone() } else { alice },
                        EscrowMsg::Confirm { sale_id: id },
                        !by_buyer,
                    ),
                    Step::Refund { by_buyer, .. } => (
                        if by_buyer { buyer.clone() } else { alice },
                        EscrowMsg::Refund { sale_id: id },
                        !by_buyer,
                    ),
                    Step::Dispute { .. } => (
                        buyer.clone(),
                        EscrowMsg::Dispute {
                            sale_id: id,
                            reason: "fragment 3 does not decrypt".into(),
                        },
                        false,
                    ),
                    Step::Resolve {
                        refund, by_arbiter, ..
                    } => (
                        if by_arbiter { arbiter } else { buyer.clone() },
                        EscrowMsg::Resolve {
                            sale_id: id,
                            refund_buyer: refund,
                        },
                        !by_arbiter,
                    ),
                    Step::Claim { by_seller, .. } => (
                        if by_seller { alice } else { buyer.clone() },
                        EscrowMsg::Claim { sale_id: id },
                        !by_seller,
                    ),
                    Step::Buy { .. } | Step::Advance { .. } => unreachable!(),
                };
                (s.escrow_exec(&sender, &msg).is_ok(), wrong)
            }
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let s = &self.s;
        let sales: Vec<_> = self.sales.iter().map(|id| s.sale(*id)).collect();
        let held: u128 = sales
            .iter()
            .filter(|x| x.status.is_open())
            .map(|x| x.price.amount.u128())
            .sum();
        prop_assert_eq!(s.cw20_balance(&s.escrow), held, "escrow holds open sales");

        // Exact accounts: buyers paid for every sale not refunded; the seller and the relayer
        // got exactly the confirmed sales' shares.
        let mut expect = self.base.clone();
        for sale in &sales {
            let price = sale.price.amount.u128();
            let fee = sale.relayer_fee.u128();
            prop_assert!(fee <= price);
            prop_assert_eq!(
                sale.relayer_fee,
                sale.price.amount.multiply_ratio(500u128, 10_000u128)
            );
            if sale.status != SaleStatus::Refunded {
                *expect.get_mut(&sale.buyer).unwrap() -= price;
            }
            if sale.status == SaleStatus::Confirmed {
                *expect.get_mut(&sale.seller).unwrap() += price - fee;
                *expect.get_mut(&sale.relayer).unwrap() += fee;
            }
            if sale.status.is_open() {
                *expect.get_mut(&s.escrow).unwrap() += price;
            }
        }
        for (who, want) in &expect {
            prop_assert_eq!(s.cw20_balance(who), *want, "balance of {}", who);
        }
        let total: u128 = expect.keys().map(|a| s.cw20_balance(a)).sum();
        prop_assert_eq!(total, self.base.values().sum::<u128>(), "tokens conserved");
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn escrow_holds_exactly_the_open_sales(steps in prop::collection::vec(step(), 1..40)) {
        let mut w = setup();
        for step in &steps {
            let (accepted, wrong_sender) = w.run(step);
            prop_assert!(!(accepted && wrong_sender), "{:?} by the wrong sender was accepted", step);
            w.check()?;
        }
    }
}

/// The harness itself drives real transitions: a scripted walk through every path is accepted
/// step by step, and the accounting holds after each step.
#[test]
fn scripted_walk_through_every_path_is_accepted() {
    let mut w = setup();
    let script = [
        // sale 0: the happy path.
        Step::Buy { buyer: 0, asset: 0 },
        Step::ReKey {
            sale: 0,
            by_seller: true,
        },
        Step::Deliver {
            sale: 0,
            by_relayer: true,
        },
        Step::Confirm {
            sale: 0,
            by_buyer: true,
        },
        // sale 1: disputed, resolved for the buyer.
        Step::Buy { buyer: 1, asset: 1 },
        Step::ReKey {
            sale: 1,
            by_seller: true,
        },
        Step::Deliver {
            sale: 1,
            by_relayer: true,
        },
        Step::Dispute { sale: 1 },
        Step::Resolve {
            sale: 1,
            refund: true,
            by_arbiter: true,
        },
        // sale 2: no re-key in time, refunded.
        Step::Buy { buyer: 0, asset: 2 },
        Step::Advance { secs: 4_000 },
        Step::Refund {
            sale: 2,
            by_buyer: true,
        },
        // sale 3: delivered, no word from the buyer, claimed after the window.
        Step::Buy { buyer: 1, asset: 0 },
        Step::ReKey {
            sale: 3,
            by_seller: true,
        },
        Step::Deliver {
            sale: 3,
            by_relayer: true,
        },
        Step::Advance { secs: 90_000 },
        Step::Claim {
            sale: 3,
            by_seller: true,
        },
    ];
    for step in &script {
        let (accepted, _) = w.run(step);
        assert!(accepted, "{step:?} was refused");
        w.check().unwrap();
    }
    let statuses: Vec<_> = w.sales.iter().map(|id| w.s.sale(*id).status).collect();
    assert_eq!(
        statuses,
        [
            SaleStatus::Confirmed,
            SaleStatus::Refunded,
            SaleStatus::Refunded,
            SaleStatus::Confirmed
        ]
    );
}
