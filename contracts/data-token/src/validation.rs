//! Checks of the message parts `Tokenize` and the updates share.

use cosmwasm_std::{Addr, Api};
use twinshare_types::denom::{validate_addr, CheckedPrice, Price};

use crate::msg::{AssetMetadata, CheckedOpenness, Openness, MAX_DESCRIPTION_LEN, MAX_TEXT_LEN};
use crate::ContractError;

/// A price the escrow can collect: a valid denom and a non-zero amount.
pub fn check_price(api: &dyn Api, price: Price) -> Result<CheckedPrice, ContractError> {
    if price.amount.is_zero() {
        return Err(ContractError::ZeroPrice);
    }
    Ok(price.into_checked(api)?)
}

/// Validates the allowlist of a `Partial` openness: 1..=max valid addresses, no duplicates, not
/// the owner; returned sorted so `CanBuy` can binary-search it.
pub fn check_openness(
    api: &dyn Api,
    openness: Openness,
    owner: &Addr,
    max_allowlist: u32,
) -> Result<CheckedOpenness, ContractError> {
    Ok(match openness {
        Openness::Public => CheckedOpenness::Public,
        Openness::Private => CheckedOpenness::Private,
        Openness::Partial { allowlist } => {
            // Bound the list before validating it, so a huge list fails cheaply.
            check_allowlist_len(allowlist.len(), max_allowlist)?;
            let checked = validate_unique(api, &allowlist)?;
            if checked.binary_search(owner).is_ok() {
                return Err(ContractError::OwnerInAllowlist {
                    owner: owner.clone(),
                });
            }
            CheckedOpenness::Partial { allowlist: checked }
        }
    })
}

/// An allowlist must hold 1..=max addresses.
pub fn check_allowlist_len(len: usize, max_allowlist: u32) -> Result<(), ContractError> {
    if len == 0 {
        return Err(ContractError::EmptyAllowlist);
    }
    if len > max_allowlist as usize {
        return Err(ContractError::AllowlistTooLong {
            len,
            max: max_allowlist,
        });
    }
    Ok(())
}

/// Validates every address and rejects duplicates; the result is sorted.
pub fn validate_unique(api: &dyn Api, addresses: &[String]) -> Result<Vec<Addr>, ContractError> {
    let mut checked = addresses
        .iter()
        .map(|a| validate_addr(api, "allowlist", a))
        .collect::<Result<Vec<_>, _>>()?;
    checked.sort();
    if let Some(pair) = checked.windows(2).find(|w| w[0] == w[1]) {
        return Err(ContractError::DuplicateAddress {
            address: pair[0].clone(),
        });
    }
    Ok(checked)
}

/// Bounds every text field and the time range of the metadata.
pub fn check_metadata(metadata: &AssetMetadata) -> Result<(), ContractError> {
    if metadata.data_kind.trim().is_empty() {
        return Err(ContractError::EmptyDataKind);
    }
    check_len("data_kind", &metadata.data_kind, MAX_TEXT_LEN)?;
    if let Some(equipment) = &metadata.equipment {
        check_len("equipment", equipment, MAX_TEXT_LEN)?;
    }
    if let Some(schema) = &metadata.schema {
        check_len("schema", schema, MAX_TEXT_LEN)?;
    }
    check_len("description", &metadata.description, MAX_DESCRIPTION_LEN)?;
    if let Some(range) = &metadata.time_range {
        if range.start > range.end {
            return Err(ContractError::InvalidTimeRange {
                start: range.start,
                end: range.end,
            });
        }
    }
    Ok(())
}

fn check_len(field: &'static str, text: &str, max: usize) -> Result<(), ContractError> {
    if text.len() > max {
        return Err(ContractError::TextTooLong {
            field,
            len: text.len(),
            max,
        });
    }
    Ok(())
}

/// A short name of an openness for event attributes.
pub fn openness_name(openness: &CheckedOpenness) -> &'static str {
    match openness {
        CheckedOpenness::Public => "public",
        CheckedOpenness::Partial { .. } => "partial",
        CheckedOpenness::Private => "private",
    }
}
