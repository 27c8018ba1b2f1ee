use cosmwasm_std::{Addr, Deps, DepsMut, MessageInfo, Response, StdResult, Storage};
use twinshare_types::denom::Price;
use twinshare_types::registry::{
    IsMemberResponse, QueryMsg as RegistryQueryMsg, Record as RegistryRecord,
};

use crate::msg::{Asset, AssetMetadata, CheckedOpenness, Config, Openness};
use crate::state::{
    next_asset_id, update_listing, ASSETS, ASSETS_BY_OWNER, ASSET_BY_RECORD, CONFIG,
};
use crate::validation::{
    check_allowlist_len, check_metadata, check_openness, check_price, openness_name,
    validate_unique,
};
use crate::ContractError;

/// Whether `address` is a member of `channel`, asked of the registry.
pub fn is_member(deps: Deps, registry: &Addr, channel: &str, address: &Addr) -> StdResult<bool> {
    let res: IsMemberResponse = deps.querier.query_wasm_smart(
        registry,
        &RegistryQueryMsg::IsMember {
            channel: channel.to_string(),
            address: address.to_string(),
        },
    )?;
    Ok(res.is_member)
}

pub fn tokenize(
    deps: DepsMut,
    info: MessageInfo,
    record_id: u64,
    price: Price,
    openness: Openness,
    metadata: AssetMetadata,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;

    // A chain redacts the reason of a failed cross-contract query, so every failure of `Record`
    // reads as a missing record (the registry address was validated at instantiation).
    let record: RegistryRecord = deps
        .querier
        .query_wasm_smart(
            &config.registry,
            &RegistryQueryMsg::Record { id: record_id },
        )
        .map_err(|_| ContractError::RecordNotFound { record_id })?;
    if record.owner != info.sender {
        return Err(ContractError::NotRecordOwner {
            record_id,
            owner: record.owner,
        });
    }
    if !is_member(
        deps.as_ref(),
        &config.registry,
        &record.channel,
        &info.sender,
    )? {
        return Err(ContractError::NotChannelMember {
            channel: record.channel,
            address: info.sender,
        });
    }
    if let Some(asset_id) = ASSET_BY_RECORD.may_load(deps.storage, record_id)? {
        return Err(ContractError::AlreadyTokenized {
            record_id,
            asset_id,
        });
    }
    let price = check_price(deps.api, price)?;
    let openness = check_openness(deps.api, openness, &info.sender, config.max_allowlist)?;
    check_metadata(&metadata)?;

    let id = next_asset_id(deps.storage)?;
    let asset = Asset {
        id,
        record_id,
        owner: info.sender,
        channel: record.channel,
        provider: record.provider,
        hash: record.hash,
        size: record.size,
        level: record.level,
        price,
        openness,
        metadata,
        listed: true,
    };
    ASSETS.save(deps.storage, id, &asset)?;
    ASSET_BY_RECORD.save(deps.storage, record_id, &id)?;
    ASSETS_BY_OWNER.save(deps.storage, (&asset.owner, id), &())?;
    update_listing(deps.storage, &asset)?;

    Ok(Response::new()
        .add_attribute("action", "tokenize")
        .add_attribute("asset_id", id.to_string())
        .add_attribute("record_id", record_id.to_string())
        .add_attribute("owner", asset.owner.as_str())
        .add_attribute("channel", asset.channel.as_str())
        .add_attribute("price", asset.price.to_string())
        .add_attribute("openness", openness_name(&asset.openness)))
}

/// Loads an asset the sender owns and that is still listed: the common gate of every update.
fn load_own_listed(
    storage: &dyn Storage,
    asset_id: u64,
    sender: &Addr,
) -> Result<Asset, ContractError> {
    let asset = ASSETS
        .may_load(storage, asset_id)?
        .ok_or(ContractError::AssetNotFound { asset_id })?;
    if asset.owner != *sender {
        return Err(ContractError::NotAssetOwner {
            asset_id,
            owner: asset.owner,
        });
    }
    if !asset.listed {
        return Err(ContractError::AssetDelisted { asset_id });
    }
    Ok(asset)
}

fn base_response(action: &str, asset: &Asset) -> Response {
    Response::new()
        .add_attribute("action", action)
        .add_attribute("asset_id", asset.id.to_string())
        .add_attribute("owner", asset.owner.as_str())
}

pub fn update_price(
    deps: DepsMut,
    info: MessageInfo,
    asset_id: u64,
    price: Price,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut asset = load_own_listed(deps.storage, asset_id, &info.sender)?;
    asset.price = check_price(deps.api, price)?;
    ASSETS.save(deps.storage, asset_id, &asset)?;
    Ok(base_response("update_price", &asset).add_attribute("price", asset.price.to_string()))
}

pub fn update_openness(
    deps: DepsMut,
    info: MessageInfo,
    asset_id: u64,
    openness: Openness,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut asset = load_own_listed(deps.storage, asset_id, &info.sender)?;
    let Config { max_allowlist, .. } = CONFIG.load(deps.storage)?;
    asset.openness = check_openness(deps.api, openness, &asset.owner, max_allowlist)?;
    ASSETS.save(deps.storage, asset_id, &asset)?;
    update_listing(deps.storage, &asset)?;
    Ok(base_response("update_openness", &asset)
        .add_attribute("openness", openness_name(&asset.openness)))
}

pub fn update_allowlist(
    deps: DepsMut,
    info: MessageInfo,
    asset_id: u64,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut asset = load_own_listed(deps.storage, asset_id, &info.sender)?;
    let CheckedOpenness::Partial { allowlist } = &mut asset.openness else {
        return Err(ContractError::NotPartial { asset_id });
    };
    if add.is_empty() && remove.is_empty() {
        return Err(ContractError::EmptyAllowlistUpdate);
    }
    // Bound both lists before validating them: neither can be longer than a whole allowlist.
    let max = CONFIG.load(deps.storage)?.max_allowlist;
    for list in [&add, &remove] {
        if list.len() > max as usize {
            return Err(ContractError::AllowlistTooLong {
                len: list.len(),
                max,
            });
        }
    }
    let add = validate_unique(deps.api, &add)?;
    let remove = validate_unique(deps.api, &remove)?;
    // An address both added and removed is ambiguous.
    if let Some(both) = add.iter().find(|a| remove.binary_search(a).is_ok()) {
        return Err(ContractError::DuplicateAddress {
            address: both.clone(),
        });
    }

    for address in &remove {
        match allowlist.binary_search(address) {
            Ok(pos) => {
                allowlist.remove(pos);
            }
            Err(_) => {
                return Err(ContractError::NotOnAllowlist {
                    asset_id,
                    address: address.clone(),
                })
            }
        }
    }
    for address in &add {
        if *address == asset.owner {
            return Err(ContractError::OwnerInAllowlist {
                owner: asset.owner.clone(),
            });
        }
        match allowlist.binary_search(address) {
            Ok(_) => {
                return Err(ContractError::AlreadyOnAllowlist {
                    asset_id,
                    address: address.clone(),
                })
            }
            Err(pos) => allowlist.insert(pos, address.clone()),
        }
    }
    check_allowlist_len(allowlist.len(), max)?;
    let len = allowlist.len();

    ASSETS.save(deps.storage, asset_id, &asset)?;
    Ok(base_response("update_allowlist", &asset)
        .add_attribute("added", add.len().to_string())
        .add_attribute("removed", remove.len().to_string())
        .add_attribute("allowlist_len", len.to_string()))
}

pub fn update_metadata(
    deps: DepsMut,
    info: MessageInfo,
    asset_id: u64,
    metadata: AssetMetadata,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut asset = load_own_listed(deps.storage, asset_id, &info.sender)?;
    check_metadata(&metadata)?;
    asset.metadata = metadata;
    ASSETS.save(deps.storage, asset_id, &asset)?;
    Ok(base_response("update_metadata", &asset)
        .add_attribute("data_kind", asset.metadata.data_kind.as_str()))
}

pub fn delist(deps: DepsMut, info: MessageInfo, asset_id: u64) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    // Delisting twice is refused: the record may meanwhile carry a newer asset.
    let mut asset = load_own_listed(deps.storage, asset_id, &info.sender)?;
    asset.listed = false;
    ASSETS.save(deps.storage, asset_id, &asset)?;
    if ASSET_BY_RECORD.may_load(deps.storage, asset.record_id)? == Some(asset_id) {
        ASSET_BY_RECORD.remove(deps.storage, asset.record_id);
    }
    update_listing(deps.storage, &asset)?;
    Ok(base_response("delist", &asset).add_attribute("record_id", asset.record_id.to_string()))
}
