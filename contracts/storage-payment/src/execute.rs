//! Execute handlers: provider listings, then leases (buy, extend, cancel, withdraw).

use std::collections::BTreeSet;

use cosmwasm_std::{
    Addr, Decimal, DepsMut, Env, HexBinary, MessageInfo, Order, Response, StdError, StdResult,
    Uint128,
};
use cw_utils::{must_pay, nonpayable};
use twinshare_types::denom::validate_addr;
use twinshare_types::umbral::validate_public_key;
use twinshare_types::{CheckedDenom, Denom};

use crate::error::ContractError;
use crate::lease::{add_secs, cost, is_over, refundable, withdrawable};
use crate::msg::{Lease, Provider, MAX_ENDPOINT_LEN, MAX_WITHDRAW_IDS};
use crate::state::{
    CONFIG, LEASES, LEASE_SEQ, OWNER_LEASES, OWNER_PROVIDER_LEASES, PROVIDERS, PROVIDER_LEASES,
};

/// How a lease purchase or extension is paid.
pub enum Payment<'a> {
    /// Native funds attached to the message.
    Native(&'a MessageInfo),
    /// A cw20 `Send`: `token` is the contract that called `Receive` (unverified until compared
    /// with the lease's denom), `amount` what it claims to have sent.
    Cw20 { token: Addr, amount: Uint128 },
}

fn validate_endpoint(endpoint: &str) -> Result<(), ContractError> {
    if endpoint.is_empty() {
        return Err(ContractError::EmptyEndpoint {});
    }
    if endpoint.len() > MAX_ENDPOINT_LEN {
        return Err(ContractError::EndpointTooLong {
            len: endpoint.len(),
            max: MAX_ENDPOINT_LEN,
        });
    }
    Ok(())
}

fn load_own_provider(deps: &DepsMut, sender: &Addr) -> Result<Provider, ContractError> {
    PROVIDERS
        .may_load(deps.storage, sender)?
        .ok_or_else(|| ContractError::ProviderNotFound {
            provider: sender.to_string(),
        })
}

pub fn register_provider(
    deps: DepsMut,
    info: MessageInfo,
    price_per_byte_second: Decimal,
    denom: Denom,
    relayer: Option<String>,
    relayer_pubkey: HexBinary,
    endpoint: String,
) -> Result<Response, ContractError> {
    if PROVIDERS.has(deps.storage, &info.sender) {
        return Err(ContractError::ProviderExists {
            provider: info.sender,
        });
    }
    nonpayable(&info)?;
    let denom = denom.into_checked(deps.api)?;
    let relayer = match relayer {
        Some(r) => validate_addr(deps.api, "relayer", &r)?,
        None => info.sender.clone(),
    };
    validate_public_key(&relayer_pubkey)?;
    validate_endpoint(&endpoint)?;

    let provider = Provider {
        address: info.sender.clone(),
        price_per_byte_second,
        denom,
        relayer,
        relayer_pubkey,
        endpoint,
        active: true,
    };
    PROVIDERS.save(deps.storage, &info.sender, &provider)?;
    Ok(Response::new()
        .add_attribute("action", "register_provider")
        .add_attribute("provider", provider.address)
        .add_attribute(
            "price_per_byte_second",
            provider.price_per_byte_second.to_string(),
        )
        .add_attribute("denom", provider.denom.to_string())
        .add_attribute("relayer", provider.relayer))
}

pub fn update_provider(
    deps: DepsMut,
    info: MessageInfo,
    price_per_byte_second: Option<Decimal>,
    denom: Option<Denom>,
    relayer: Option<String>,
    relayer_pubkey: Option<HexBinary>,
    endpoint: Option<String>,
) -> Result<Response, ContractError> {
    let mut provider = load_own_provider(&deps, &info.sender)?;
    nonpayable(&info)?;
    // Validate every field before changing any; leases already bought keep their own price
    // and denom, so nothing else needs updating.
    let denom = denom.map(|d| d.into_checked(deps.api)).transpose()?;
    let relayer = relayer
        .map(|r| validate_addr(deps.api, "relayer", &r))
        .transpose()?;
    if let Some(key) = &relayer_pubkey {
        validate_public_key(key)?;
    }
    if let Some(e) = &endpoint {
        validate_endpoint(e)?;
    }

    if let Some(p) = price_per_byte_second {
        provider.price_per_byte_second = p;
    }
    if let Some(d) = denom {
        provider.denom = d;
    }
    if let Some(r) = relayer {
        provider.relayer = r;
    }
    if let Some(k) = relayer_pubkey {
        provider.relayer_pubkey = k;
    }
    if let Some(e) = endpoint {
        provider.endpoint = e;
    }
    PROVIDERS.save(deps.storage, &info.sender, &provider)?;
    Ok(Response::new()
        .add_attribute("action", "update_provider")
        .add_attribute("provider", provider.address)
        .add_attribute(
            "price_per_byte_second",
            provider.price_per_byte_second.to_string(),
        )
        .add_attribute("denom", provider.denom.to_string())
        .add_attribute("relayer", provider.relayer))
}

pub fn set_provider_active(
    deps: DepsMut,
    info: MessageInfo,
    active: bool,
) -> Result<Response, ContractError> {
    let mut provider = load_own_provider(&deps, &info.sender)?;
    nonpayable(&info)?;
    provider.active = active;
    PROVIDERS.save(deps.storage, &info.sender, &provider)?;
    let action = if active {
        "activate_provider"
    } else {
        "deactivate_provider"
    };
    Ok(Response::new()
        .add_attribute("action", action)
        .add_attribute("provider", provider.address))
}

/// Checks that `payment` is exactly `cost` in `denom`.
///
/// A zero cost (free storage) is paid by sending nothing with the native message, whatever the
/// denom: cw20-base refuses zero-amount sends, so a free lease priced in a cw20 token could not
/// be bought otherwise, and with nothing paid there is no denom to confuse.
fn check_payment(
    denom: &CheckedDenom,
    cost: Uint128,
    payment: &Payment,
) -> Result<(), ContractError> {
    match payment {
        Payment::Native(info) => {
            if cost.is_zero() {
                nonpayable(info)?;
                return Ok(());
            }
            let CheckedDenom::Native(d) = denom else {
                return Err(ContractError::NotNativeDenom {
                    denom: denom.to_string(),
                });
            };
            // Exactly one coin, of this denom: extra coins would be kept by the contract.
            let got = must_pay(info, d)?;
            if got != cost {
                return Err(ContractError::WrongAmount {
                    denom: d.clone(),
                    expected: cost,
                    got,
                });
            }
        }
        Payment::Cw20 { token, amount } => {
            if !denom.is_cw20(token) {
                return Err(ContractError::UnexpectedToken {
                    expected: denom.to_string(),
                    got: token.to_string(),
                });
            }
            if *amount != cost {
                return Err(ContractError::WrongAmount {
                    denom: denom.to_string(),
                    expected: cost,
                    got: *amount,
                });
            }
        }
    }
    Ok(())
}

fn load_lease(deps: &DepsMut, lease_id: u64) -> Result<Lease, ContractError> {
    LEASES
        .may_load(deps.storage, lease_id)?
        .ok_or(ContractError::LeaseNotFound { lease_id })
}

pub fn buy_lease(
    deps: DepsMut,
    env: Env,
    owner: Addr,
    payment: Payment,
    provider: String,
    bytes: u64,
    duration_secs: u64,
) -> Result<Response, ContractError> {
    let provider_addr = validate_addr(deps.api, "provider", &provider)?;
    let listing = PROVIDERS
        .may_load(deps.storage, &provider_addr)?
        .ok_or(ContractError::ProviderNotFound { provider })?;
    if !listing.active {
        return Err(ContractError::ProviderInactive {
            provider: provider_addr,
        });
    }
    if bytes == 0 {
        return Err(ContractError::ZeroBytes {});
    }
    if duration_secs == 0 {
        return Err(ContractError::ZeroDuration {});
    }
    let now = env.block.time;
    let amount = cost(bytes, duration_secs, listing.price_per_byte_second)?;
    let end = add_secs(now, duration_secs)?;
    check_payment(&listing.denom, amount, &payment)?;

    // Open-lease bound. The prefix holds at most `max_open_leases` entries (see the state doc),
    // so this walk is bounded; ended leases are dropped from it here.
    let max = CONFIG.load(deps.storage)?.max_open_leases;
    let listed: Vec<u64> = OWNER_PROVIDER_LEASES
        .prefix((&owner, &provider_addr))
        .keys(deps.storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    let mut ended = vec![];
    for id in &listed {
        if is_over(&LEASES.load(deps.storage, *id)?, now) {
            ended.push(*id);
        }
    }
    if listed.len() - ended.len() >= max as usize {
        return Err(ContractError::TooManyOpenLeases { owner, max });
    }

    // All checks passed: write.
    for id in ended {
        OWNER_PROVIDER_LEASES.remove(deps.storage, (&owner, &provider_addr, id));
    }
    let id = LEASE_SEQ.load(deps.storage)? + 1;
    LEASE_SEQ.save(deps.storage, &id)?;
    let lease = Lease {
        id,
        owner: owner.clone(),
        provider: provider_addr.clone(),
        bytes,
        start: now,
        end,
        price_per_byte_second: listing.price_per_byte_second,
        denom: listing.denom,
        paid: amount,
        withdrawn: Uint128::zero(),
        cancelled: false,
    };
    LEASES.save(deps.storage, id, &lease)?;
    OWNER_LEASES.save(deps.storage, (&owner, id), &())?;
    PROVIDER_LEASES.save(deps.storage, (&provider_addr, id), &())?;
    OWNER_PROVIDER_LEASES.save(deps.storage, (&owner, &provider_addr, id), &())?;

    Ok(Response::new()
        .add_attribute("action", "buy_lease")
        .add_attribute("lease_id", id.to_string())
        .add_attribute("owner", owner)
        .add_attribute("provider", provider_addr)
        .add_attribute("bytes", bytes.to_string())
        .add_attribute("start", lease.start.seconds().to_string())
        .add_attribute("end", lease.end.seconds().to_string())
        .add_attribute("paid", amount)
        .add_attribute("denom", lease.denom.to_string()))
}

pub fn extend_lease(
    deps: DepsMut,
    env: Env,
    sender: Addr,
    payment: Payment,
    lease_id: u64,
    extra_secs: u64,
) -> Result<Response, ContractError> {
    let mut lease = load_lease(&deps, lease_id)?;
    if lease.owner != sender {
        return Err(ContractError::NotLeaseOwner {
            lease_id,
            address: sender,
        });
    }
    if extra_secs == 0 {
        return Err(ContractError::ZeroDuration {});
    }
    let now = env.block.time;
    if lease.cancelled {
        return Err(ContractError::LeaseCancelled { lease_id });
    }
    if now >= lease.end {
        return Err(ContractError::LeaseExpired { lease_id });
    }
    let listing = PROVIDERS.load(deps.storage, &lease.provider)?;
    if !listing.active {
        return Err(ContractError::ProviderInactive {
            provider: lease.provider,
        });
    }
    // The lease keeps the price and denom it was bought at.
    let amount = cost(lease.bytes, extra_secs, lease.price_per_byte_second)?;
    let end = add_secs(lease.end, extra_secs)?;
    check_payment(&lease.denom, amount, &payment)?;

    lease.end = end;
    lease.paid = lease.paid.checked_add(amount).map_err(StdError::from)?;
    LEASES.save(deps.storage, lease_id, &lease)?;

    Ok(Response::new()
        .add_attribute("action", "extend_lease")
        .add_attribute("lease_id", lease_id.to_string())
        .add_attribute("owner", lease.owner)
        .add_attribute("provider", lease.provider)
        .add_attribute("end", lease.end.seconds().to_string())
        .add_attribute("cost", amount)
        .add_attribute("paid", lease.paid)
        .add_attribute("denom", lease.denom.to_string()))
}

pub fn cancel_lease(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    lease_id: u64,
) -> Result<Response, ContractError> {
    let mut lease = load_lease(&deps, lease_id)?;
    if lease.owner != info.sender {
        return Err(ContractError::NotLeaseOwner {
            lease_id,
            address: info.sender,
        });
    }
    nonpayable(&info)?;
    let now = env.block.time;
    if lease.cancelled {
        return Err(ContractError::LeaseCancelled { lease_id });
    }
    if now >= lease.end {
        return Err(ContractError::LeaseExpired { lease_id });
    }

    // refund = paid - max(earned, withdrawn); lowering `paid` by it and ending the lease now
    // leaves the provider exactly what it has earned (or already taken): paid in = provider's
    // total + refund.
    let refund = refundable(&lease, now);
    lease.paid = lease.paid.checked_sub(refund).map_err(StdError::from)?;
    lease.end = now;
    lease.cancelled = true;
    LEASES.save(deps.storage, lease_id, &lease)?;
    OWNER_PROVIDER_LEASES.remove(deps.storage, (&lease.owner, &lease.provider, lease_id));

    let mut res = Response::new()
        .add_attribute("action", "cancel_lease")
        .add_attribute("lease_id", lease_id.to_string())
        .add_attribute("owner", lease.owner.as_str())
        .add_attribute("provider", lease.provider.as_str())
        .add_attribute("refund", refund)
        .add_attribute("denom", lease.denom.to_string());
    // cw20 refuses zero transfers, and a zero bank send is pointless.
    if !refund.is_zero() {
        res = res.add_message(lease.denom.transfer_msg(&lease.owner, refund)?);
    }
    Ok(res)
}

pub fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    lease_ids: Vec<u64>,
) -> Result<Response, ContractError> {
    if lease_ids.is_empty() {
        return Err(ContractError::NoLeaseIds {});
    }
    if lease_ids.len() > MAX_WITHDRAW_IDS {
        return Err(ContractError::TooManyLeaseIds {
            max: MAX_WITHDRAW_IDS,
            got: lease_ids.len(),
        });
    }
    let mut seen = BTreeSet::new();
    for id in &lease_ids {
        if !seen.insert(*id) {
            return Err(ContractError::DuplicateLeaseId { id: *id });
        }
    }
    let mut leases = Vec::with_capacity(lease_ids.len());
    for lease_id in lease_ids {
        let lease = load_lease(&deps, lease_id)?;
        if lease.provider != info.sender {
            return Err(ContractError::NotLeaseProvider { lease_id });
        }
        leases.push(lease);
    }
    nonpayable(&info)?;

    let now = env.block.time;
    // One transfer per denom: a provider may have changed denom between leases.
    let mut totals: Vec<(CheckedDenom, Uint128)> = vec![];
    let mut paid_ids = vec![];
    for mut lease in leases {
        let amount = withdrawable(&lease, now);
        if amount.is_zero() {
            continue;
        }
        lease.withdrawn = lease
            .withdrawn
            .checked_add(amount)
            .map_err(StdError::from)?;
        LEASES.save(deps.storage, lease.id, &lease)?;
        paid_ids.push(lease.id.to_string());
        match totals.iter_mut().find(|(d, _)| *d == lease.denom) {
            Some((_, total)) => *total = total.checked_add(amount).map_err(StdError::from)?,
            None => totals.push((lease.denom, amount)),
        }
    }
    if totals.is_empty() {
        return Err(ContractError::NothingToWithdraw {});
    }

    let mut res = Response::new()
        .add_attribute("action", "withdraw")
        .add_attribute("provider", info.sender.as_str())
        .add_attribute("lease_ids", paid_ids.join(","));
    for (denom, amount) in totals {
        res = res
            .add_attribute("amount", format!("{amount} {denom}"))
            .add_message(denom.transfer_msg(&info.sender, amount)?);
    }
    Ok(res)
}
