//! Property: over random sequences of open / top-up / redeem / request-close / withdraw /
//! release (and time passing), every message succeeds exactly when a plain model of the channel
//! says it should, every finished channel has `deposit = redeemed + refunded`, and the contract
//! holds exactly `deposit - redeemed` summed over the unfinished channels. Balances are real cw20
//! balances; signatures are real.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Op {
    /// Owner index (alice, bob), payee index (provider, mallory), deposit.
    Open(usize, usize, u128),
    /// Channel pick, amount.
    TopUp(usize, u128),
    /// Channel pick, increment over what was redeemed (0 = a replay; may exceed the deposit).
    Redeem(usize, u128),
    RequestClose(usize),
    Withdraw(usize),
    Release(usize),
    Advance(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..2usize, 0..2usize, 1..2_000u128).prop_map(|(o, p, d)| Op::Open(o, p, d)),
        1 => (any::<usize>(), 1..500u128).prop_map(|(c, a)| Op::TopUp(c, a)),
        4 => (any::<usize>(), 0..800u128).prop_map(|(c, d)| Op::Redeem(c, d)),
        1 => any::<usize>().prop_map(Op::RequestClose),
        1 => any::<usize>().prop_map(Op::Withdraw),
        1 => any::<usize>().prop_map(Op::Release),
        1 => (0..2 * TIMEOUT).prop_map(Op::Advance),
    ]
}

/// What the test expects a channel to be.
#[derive(Debug, Clone)]
struct Model {
    owner: usize,
    payee: usize,
    deposit: u128,
    redeemed: u128,
    closes_at: Option<u64>,
    closed: bool,
}

fn check(s: &Suite, models: &[Model], total: u128, users: &[Addr]) {
    let mut held = 0u128;
    for (i, m) in models.iter().enumerate() {
        let ch = s.channel(i as u64 + 1);
        assert_eq!(ch.deposit.u128(), m.deposit, "channel {}", i + 1);
        assert_eq!(ch.redeemed.u128(), m.redeemed, "channel {}", i + 1);
        assert_eq!(ch.closed, m.closed, "channel {}", i + 1);
        assert_eq!(ch.closes_at.map(|t| t.seconds()), m.closes_at);
        if ch.closed {
            assert_eq!(ch.deposit, ch.redeemed + ch.refunded, "channel {}", i + 1);
        } else {
            assert!(ch.refunded.is_zero());
            held += (ch.deposit - ch.redeemed).u128();
        }
    }
    assert_eq!(s.balance(&s.contract), held, "contract balance");
    // Nothing is created or lost.
    let all: u128 = users.iter().map(|u| s.balance(u)).sum::<u128>() + s.balance(&s.contract);
    assert_eq!(all, total);
}

fn run(ops: Vec<Op>) {
    let mut s = Suite::new();
    let owners = [s.alice.clone(), s.bob.clone()];
    let payees = [s.provider.clone(), s.mallory.clone()];
    let keys = [sensor(1), sensor(2)];
    let users: Vec<Addr> = owners.iter().chain(payees.iter()).cloned().collect();
    let total = START * users.len() as u128;
    let mut models: Vec<Model> = Vec::new();

    for op in ops {
        let now = s.now().seconds();
        let pick = |c: usize| (!models.is_empty()).then(|| c % models.len());
        match op {
            Op::Open(o, p, deposit) => {
                let id = s.open(&owners[o], &payees[p], deposit);
                assert_eq!(id, models.len() as u64 + 1);
                models.push(Model {
                    owner: o,
                    payee: p,
                    deposit,
                    redeemed: 0,
                    closes_at: None,
                    closed: false,
                });
            }
            Op::TopUp(c, amount) => {
                let Some(i) = pick(c) else { continue };
                let m = &mut models[i];
                let ok = !m.closed && m.closes_at.is_none();
                let res = s.top_up(&owners[m.owner], i as u64 + 1, amount);
                assert_eq!(res.is_ok(), ok, "top-up {m:?}: {res:?}");
                if ok {
                    m.deposit += amount;
                }
            }
            Op::Redeem(c, increment) => {
                let Some(i) = pick(c) else { continue };
                let m = &mut models[i];
                let cumulative = m.redeemed + increment;
                let ok = !m.closed && cumulative > m.redeemed && cumulative <= m.deposit;
                let msg = redeem_msg(&keys[m.owner], i as u64 + 1, cumulative);
                let res = s.exec(&payees[m.payee], &msg, &[]);
                assert_eq!(res.is_ok(), ok, "redeem {cumulative} {m:?}: {res:?}");
                if ok {
                    m.redeemed = cumulative;
                }
            }
            Op::RequestClose(c) => {
                let Some(i) = pick(c) else { continue };
                let m = &mut models[i];
                let ok = !m.closed && m.closes_at.is_none();
                let res = s.request_close(&owners[m.owner], i as u64 + 1);
                assert_eq!(res.is_ok(), ok, "request close {m:?}: {res:?}");
                if ok {
                    m.closes_at = Some(now + TIMEOUT);
                }
            }
            Op::Withdraw(c) => {
                let Some(i) = pick(c) else { continue };
                let m = &mut models[i];
                let ok = !m.closed && m.closes_at.is_some_and(|t| now >= t);
                let res = s.withdraw(&owners[m.owner], i as u64 + 1);
                assert_eq!(res.is_ok(), ok, "withdraw at {now} {m:?}: {res:?}");
                m.closed |= ok;
            }
            Op::Release(c) => {
                let Some(i) = pick(c) else { continue };
                let m = &mut models[i];
                let ok = !m.closed;
                let res = s.release(&payees[m.payee], i as u64 + 1);
                assert_eq!(res.is_ok(), ok, "release {m:?}: {res:?}");
                m.closed |= ok;
            }
            Op::Advance(secs) => s.advance(secs),
        }
        check(&s, &models, total, &users);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn money_adds_up(ops in prop::collection::vec(op(), 1..40)) {
        run(ops);
    }
}
