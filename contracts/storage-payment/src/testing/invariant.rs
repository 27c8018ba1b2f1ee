//! Property: for any lease, what the owner paid in is exactly what the provider receives over
//! time plus the refund. Deterministic pseudo-random leases, prices, extensions, withdrawals and
//! cancel times, checked on real bank balances.

use cosmwasm_std::{coin, Decimal, Uint128};

use super::*;

/// xorshift64: deterministic, good enough to spread the cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn paid_equals_provider_total_plus_refund() {
    let mut s = Suite::new();
    let (cloud, alice) = (s.cloud.clone(), s.alice.clone());
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // How often each path ran, so the loop is known to cover them all.
    let (mut refunds, mut extensions, mut early_withdrawals, mut run_outs) = (0, 0, 0, 0);

    for case in 0..120u64 {
        // Prices from 10^-18 to about 10^3 per byte-second, odd digits to force rounding.
        let mantissa = u128::from(rng.below(1_000_000_000_000));
        let exponent = rng.below(10) as u32;
        let price = Decimal::new(Uint128::new(1 + mantissa * 10u128.pow(exponent)));
        s.exec(
            &cloud,
            &ExecuteMsg::UpdateProvider {
                price_per_byte_second: Some(price),
                denom: None,
                relayer: None,
                relayer_pubkey: None,
                endpoint: None,
            },
            &[],
        )
        .unwrap();
        let digits = 1 + rng.below(7) as u32;
        let bytes = 1 + rng.below(10u64.pow(digits));
        let digits = 1 + rng.below(5) as u32;
        let duration = 1 + rng.below(10u64.pow(digits));

        let owner_before = s.balance(&alice, DENOM);
        let provider_before = s.balance(&cloud, DENOM);
        let mut paid_in = s.quote(&cloud, bytes, duration).amount.u128();
        let funds = if paid_in == 0 {
            vec![]
        } else {
            vec![coin(paid_in, DENOM)]
        };
        s.buy(&alice, &cloud, bytes, duration, &funds).unwrap();
        let id = case + 1;
        let mut end = duration;
        let mut t = 0u64;

        // Up to three steps: an extension or a withdrawal at some time inside the lease.
        for _ in 0..rng.below(4) {
            let step = rng.below(end - t);
            s.advance(step);
            t += step;
            if rng.below(2) == 0 {
                let extra = 1 + rng.below(duration);
                let cost = crate::lease::cost(bytes, extra, price).unwrap().u128();
                let funds = if cost == 0 {
                    vec![]
                } else {
                    vec![coin(cost, DENOM)]
                };
                s.extend(&alice, id, extra, &funds).unwrap();
                paid_in += cost;
                end += extra;
                extensions += 1;
            } else if !s.lease(id).withdrawable.is_zero() {
                s.withdraw(&cloud, vec![id]).unwrap();
                early_withdrawals += 1;
            }
        }

        // Cancel at a random time before the end, or let the lease run out.
        let mut refund = 0u128;
        if rng.below(3) != 0 {
            let step = rng.below(end - t);
            s.advance(step);
            let expected = s.lease(id).refundable.u128();
            let before = s.balance(&alice, DENOM);
            s.cancel(&alice, id).unwrap();
            refund = s.balance(&alice, DENOM) - before;
            assert_eq!(refund, expected, "case {case}: refund as quoted");
            if refund > 0 {
                refunds += 1;
            }
        } else {
            run_outs += 1;
        }
        s.advance(end + 1);
        if !s.lease(id).withdrawable.is_zero() {
            s.withdraw(&cloud, vec![id]).unwrap();
        }

        let provider_total = s.balance(&cloud, DENOM) - provider_before;
        let lease = s.lease(id);
        assert_eq!(
            owner_before - s.balance(&alice, DENOM),
            paid_in - refund,
            "case {case}: owner's net cost"
        );
        assert_eq!(
            paid_in,
            provider_total + refund,
            "case {case}: bytes {bytes}, duration {duration}, price {price}"
        );
        assert_eq!(lease.lease.paid.u128(), provider_total, "case {case}");
        assert_eq!(lease.lease.withdrawn, lease.lease.paid, "case {case}");
        assert_eq!(lease.withdrawable, Uint128::zero());
        // Nothing is left in the contract after each lease is settled.
        assert_eq!(s.balance(&s.contract, DENOM), 0, "case {case}");
    }
    assert!(
        refunds > 20 && extensions > 20 && early_withdrawals > 20 && run_outs > 20,
        "coverage: {refunds} refunds, {extensions} extensions, {early_withdrawals} early withdrawals, {run_outs} run-outs"
    );
}
