//! What a price is paid in: a native bank denom or a cw20 token. Messages carry the unchecked form
//! (a cw20 address is a `String`, validated by the contract); state keeps the checked form.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    to_json_binary, Addr, Api, BankMsg, Coin, CosmosMsg, StdResult, Uint128, WasmMsg,
};
use std::fmt;

use crate::error::CommonError;

/// A payment denomination as a message names it.
#[cw_serde]
pub enum Denom {
    /// A bank denom such as `ustake`.
    Native(String),
    /// The address of a cw20 token contract.
    Cw20(String),
}

/// A payment denomination whose cw20 address has been validated.
#[cw_serde]
pub enum CheckedDenom {
    /// A bank denom such as `ustake`.
    Native(String),
    /// The address of a cw20 token contract.
    Cw20(Addr),
}

/// An amount in a denomination, as a message names it.
#[cw_serde]
pub struct Price {
    /// Amount in the denom's smallest unit.
    pub amount: Uint128,
    /// What the amount is paid in.
    pub denom: Denom,
}

/// An amount in a checked denomination.
#[cw_serde]
pub struct CheckedPrice {
    /// Amount in the denom's smallest unit.
    pub amount: Uint128,
    /// What the amount is paid in.
    pub denom: CheckedDenom,
}

/// The bank module's rule for denoms: `[a-zA-Z][a-zA-Z0-9/:._-]{2,127}`.
pub fn validate_native_denom(denom: &str) -> Result<(), CommonError> {
    let mut chars = denom.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "/:._-".contains(c));
    if !(3..=128).contains(&denom.len()) || !first_ok || !rest_ok {
        return Err(CommonError::InvalidDenom {
            denom: denom.to_string(),
        });
    }
    Ok(())
}

/// Validates an address string from a message, naming what it is for in the error.
pub fn validate_addr(
    api: &dyn Api,
    what: &'static str,
    address: &str,
) -> Result<Addr, CommonError> {
    api.addr_validate(address)
        .map_err(|e| CommonError::InvalidAddress {
            what,
            address: address.to_string(),
            reason: e.to_string(),
        })
}

impl Denom {
    /// Validates the denom (bank rule) or the cw20 address.
    pub fn into_checked(self, api: &dyn Api) -> Result<CheckedDenom, CommonError> {
        match self {
            Denom::Native(denom) => {
                validate_native_denom(&denom)?;
                Ok(CheckedDenom::Native(denom))
            }
            Denom::Cw20(address) => Ok(CheckedDenom::Cw20(validate_addr(
                api,
                "cw20 token",
                &address,
            )?)),
        }
    }
}

impl Price {
    /// Validates the denomination; the amount is taken as it is.
    pub fn into_checked(self, api: &dyn Api) -> Result<CheckedPrice, CommonError> {
        Ok(CheckedPrice {
            amount: self.amount,
            denom: self.denom.into_checked(api)?,
        })
    }
}

impl CheckedDenom {
    /// The message that pays `amount` of this denom from the calling contract to `to`.
    pub fn transfer_msg(&self, to: &Addr, amount: Uint128) -> StdResult<CosmosMsg> {
        Ok(match self {
            CheckedDenom::Native(denom) => BankMsg::Send {
                to_address: to.to_string(),
                amount: vec![Coin::new(amount, denom)],
            }
            .into(),
            CheckedDenom::Cw20(token) => WasmMsg::Execute {
                contract_addr: token.to_string(),
                msg: to_json_binary(&cw20::Cw20ExecuteMsg::Transfer {
                    recipient: to.to_string(),
                    amount,
                })?,
                funds: vec![],
            }
            .into(),
        })
    }

    /// Whether this is the cw20 token at `address`.
    pub fn is_cw20(&self, address: &Addr) -> bool {
        matches!(self, CheckedDenom::Cw20(token) if token == address)
    }
}

impl fmt::Display for CheckedDenom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckedDenom::Native(denom) => write!(f, "{denom}"),
            CheckedDenom::Cw20(token) => write!(f, "cw20:{token}"),
        }
    }
}

impl fmt::Display for CheckedPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.denom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::MockApi;

    #[test]
    fn native_denoms_follow_the_bank_rule() {
        for ok in [
            "ustake",
            "ibc/27394FB092D2ECCD56123C74F36E4C1F926001CEADA9CA97EA622B25F41E5EB2",
            "factory/x/y",
        ] {
            validate_native_denom(ok).unwrap();
        }
        for bad in ["", "ab", "1abc", "u stake", "ustake!"] {
            assert_eq!(
                validate_native_denom(bad),
                Err(CommonError::InvalidDenom {
                    denom: bad.to_string()
                })
            );
        }
    }

    #[test]
    fn cw20_addresses_are_validated() {
        let api = MockApi::default();
        let good = api.addr_make("token");
        assert_eq!(
            Denom::Cw20(good.to_string()).into_checked(&api).unwrap(),
            CheckedDenom::Cw20(good.clone())
        );
        // SECURITY.md: an upper-cased bech32 must not pass as another spelling of an address.
        let upper = good.as_str().to_uppercase();
        assert!(matches!(
            Denom::Cw20(upper).into_checked(&api),
            Err(CommonError::InvalidAddress { .. })
        ));
    }
}
