//! The money arithmetic of leases, kept apart from storage so it can be tested on its own.
//!
//! Rounding: a cost is rounded UP (the payer pays the ceiling, so a tiny lease never costs
//! nothing), and what the provider has earned is rounded DOWN (the provider never takes what has
//! not elapsed). A cancel refunds exactly `paid - max(earned, withdrawn)` and lowers `paid` by the
//! refund, so what the owner paid in is always the provider's total plus the refund, exactly.

use cosmwasm_std::{Decimal, Timestamp, Uint128};

use crate::msg::Lease;
use crate::ContractError;

/// What storing `bytes` for `secs` seconds costs at `price` per byte-second, in the smallest
/// unit: `ceil(bytes * secs * price)`.
pub fn cost(bytes: u64, secs: u64, price: Decimal) -> Result<Uint128, ContractError> {
    // u64 * u64 always fits in u128; the multiplication by the price is done in 256 bits.
    let byte_secs = Uint128::from(bytes).checked_mul(Uint128::from(secs)).ok();
    byte_secs
        .and_then(|bs| bs.checked_mul_ceil(price).ok())
        .ok_or(ContractError::CostOverflow { bytes, secs })
}

/// `from + secs`, refused rather than wrapped or panicking when it leaves the `u64` nanosecond
/// range of `Timestamp`.
pub fn add_secs(from: Timestamp, secs: u64) -> Result<Timestamp, ContractError> {
    secs.checked_mul(1_000_000_000)
        .and_then(|nanos| from.nanos().checked_add(nanos))
        .map(Timestamp::from_nanos)
        .ok_or(ContractError::DurationTooLong {
            from_secs: from.seconds(),
            secs,
        })
}

/// What the provider has earned by `now`: `paid` pro rata of the elapsed part of the lease,
/// rounded down; all of `paid` once the lease has ended (also for an empty lease).
pub fn earned(lease: &Lease, now: Timestamp) -> Uint128 {
    let (start, end) = (lease.start.nanos(), lease.end.nanos());
    if now.nanos() >= end || end <= start {
        return lease.paid;
    }
    if now.nanos() <= start {
        return Uint128::zero();
    }
    // The ratio is below 1 and its denominator is not zero, so this cannot fail.
    lease
        .paid
        .checked_multiply_ratio(now.nanos() - start, end - start)
        .unwrap_or(lease.paid)
}

/// What the provider may withdraw now.
pub fn withdrawable(lease: &Lease, now: Timestamp) -> Uint128 {
    earned(lease, now).saturating_sub(lease.withdrawn)
}

/// Whether the lease is cancelled or has run out.
pub fn is_over(lease: &Lease, now: Timestamp) -> bool {
    lease.cancelled || now >= lease.end
}

/// Whether the lease counts towards capacity now.
pub fn is_active(lease: &Lease, now: Timestamp) -> bool {
    !lease.cancelled && lease.start <= now && now < lease.end
}

/// What a cancel now would give back to the owner: the part not yet earned nor withdrawn.
pub fn refundable(lease: &Lease, now: Timestamp) -> Uint128 {
    if is_over(lease, now) {
        return Uint128::zero();
    }
    lease
        .paid
        .saturating_sub(earned(lease, now).max(lease.withdrawn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::Addr;
    use std::str::FromStr;
    use twinshare_types::CheckedDenom;

    fn lease(paid: u128, start: u64, end: u64) -> Lease {
        Lease {
            id: 1,
            owner: Addr::unchecked("owner"),
            provider: Addr::unchecked("provider"),
            bytes: 1,
            start: Timestamp::from_seconds(start),
            end: Timestamp::from_seconds(end),
            price_per_byte_second: Decimal::one(),
            denom: CheckedDenom::Native("ustake".to_string()),
            paid: Uint128::new(paid),
            withdrawn: Uint128::zero(),
            cancelled: false,
        }
    }

    #[test]
    fn cost_rounds_up() {
        let p = Decimal::from_str("0.000001").unwrap();
        assert_eq!(cost(1, 1, p).unwrap(), Uint128::one());
        assert_eq!(cost(1_000_000, 1, p).unwrap(), Uint128::one());
        assert_eq!(cost(1_000_001, 1, p).unwrap(), Uint128::new(2));
        assert_eq!(cost(10, 10, Decimal::zero()).unwrap(), Uint128::zero());
        assert_eq!(
            cost(3, 7, Decimal::from_str("2.5").unwrap()).unwrap(),
            Uint128::new(53)
        );
        // u64::MAX^2 fits; times a huge price it does not.
        assert_eq!(
            cost(u64::MAX, u64::MAX, Decimal::one()).unwrap(),
            Uint128::from(u64::MAX)
                .checked_mul(u64::MAX.into())
                .unwrap()
        );
        assert_eq!(
            cost(u64::MAX, u64::MAX, Decimal::MAX),
            Err(ContractError::CostOverflow {
                bytes: u64::MAX,
                secs: u64::MAX
            })
        );
    }

    #[test]
    fn earned_is_pro_rata_rounded_down() {
        let l = lease(10, 100, 103);
        assert_eq!(earned(&l, Timestamp::from_seconds(50)), Uint128::zero());
        assert_eq!(earned(&l, Timestamp::from_seconds(100)), Uint128::zero());
        assert_eq!(earned(&l, Timestamp::from_seconds(101)), Uint128::new(3));
        assert_eq!(earned(&l, Timestamp::from_seconds(102)), Uint128::new(6));
        assert_eq!(earned(&l, Timestamp::from_seconds(103)), Uint128::new(10));
        assert_eq!(earned(&l, Timestamp::from_seconds(999)), Uint128::new(10));
        assert_eq!(
            refundable(&l, Timestamp::from_seconds(101)),
            Uint128::new(7)
        );
        assert_eq!(
            refundable(&l, Timestamp::from_seconds(103)),
            Uint128::zero()
        );
        // An empty lease (cancelled in the block it was bought) has earned all it keeps.
        assert_eq!(
            earned(&lease(0, 5, 5), Timestamp::from_seconds(5)),
            Uint128::zero()
        );
    }

    #[test]
    fn refund_never_takes_back_what_was_withdrawn() {
        let mut l = lease(10, 0, 10);
        l.withdrawn = Uint128::new(8);
        assert_eq!(refundable(&l, Timestamp::from_seconds(5)), Uint128::new(2));
        assert_eq!(
            withdrawable(&l, Timestamp::from_seconds(5)),
            Uint128::zero()
        );
    }

    #[test]
    fn add_secs_is_checked() {
        let t = Timestamp::from_seconds(10);
        assert_eq!(add_secs(t, 5).unwrap(), Timestamp::from_seconds(15));
        assert_eq!(
            add_secs(t, u64::MAX),
            Err(ContractError::DurationTooLong {
                from_secs: 10,
                secs: u64::MAX
            })
        );
    }
}
