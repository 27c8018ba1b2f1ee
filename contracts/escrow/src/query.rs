use cosmwasm_std::{Addr, Deps};
use cw_storage_plus::Map;
use twinshare_types::denom::validate_addr;
use twinshare_types::pagination::page_ids;

use crate::error::ContractError;
use crate::msg::{Sale, SalesResponse};
use crate::state::{PENDING, SALES, SALES_BY_BUYER, SALES_BY_SELLER};

pub fn sale(deps: Deps, sale_id: u64) -> Result<Sale, ContractError> {
    SALES
        .may_load(deps.storage, sale_id)?
        .ok_or(ContractError::SaleNotFound { sale_id })
}

pub fn sales_by_buyer(
    deps: Deps,
    buyer: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<SalesResponse, ContractError> {
    let buyer = validate_addr(deps.api, "buyer", &buyer)?;
    sales_in(deps, SALES_BY_BUYER, &buyer, start_after, limit)
}

pub fn sales_by_seller(
    deps: Deps,
    seller: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<SalesResponse, ContractError> {
    let seller = validate_addr(deps.api, "seller", &seller)?;
    sales_in(deps, SALES_BY_SELLER, &seller, start_after, limit)
}

pub fn pending_deliveries(
    deps: Deps,
    relayer: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<SalesResponse, ContractError> {
    let relayer = validate_addr(deps.api, "relayer", &relayer)?;
    sales_in(deps, PENDING, &relayer, start_after, limit)
}

/// One page of the sales an (address, sale id) index holds for `address`, by ascending id.
fn sales_in(
    deps: Deps,
    index: Map<(&Addr, u64), ()>,
    address: &Addr,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<SalesResponse, ContractError> {
    let sales = page_ids(deps.storage, index.prefix(address), start_after, limit)?
        .into_iter()
        .map(|id| -> Result<Sale, ContractError> { Ok(SALES.load(deps.storage, id)?) })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SalesResponse { sales })
}
