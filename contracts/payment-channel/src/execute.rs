//! Execute handlers. Each checks the sender first, then funds and inputs, and changes state only
//! after every check has passed. Money leaves only as transfers of the payment token, and every
//! transfer moves the channel's accounts so that `deposit = redeemed + refunded` once it closes.

use cosmwasm_std::{
    Addr, DepsMut, Env, HexBinary, MessageInfo, Response, StdError, Storage, Uint128,
};
use cw_utils::nonpayable;
use twinshare_types::claims::{batch_digest, Voucher};
use twinshare_types::denom::validate_addr;
use twinshare_types::merkle::{Hash, HASH_LEN};
use twinshare_types::registry::{QueryMsg as RegistryQueryMsg, Sensor};
use twinshare_types::{CheckedDenom, CommonError};

use crate::error::ContractError;
use crate::msg::{Channel, Config, InstantiateMsg, MAX_CLOSE_TIMEOUT_SECS};
use crate::state::{CHANNELS, CHANNEL_SEQ, CONFIG, OWNER_CHANNELS, PAYEE_CHANNELS};

/// Length of a compact secp256k1 signature (r ‖ s).
pub const SIGNATURE_LEN: usize = 64;

pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    let registry = validate_addr(deps.api, "registry", &msg.registry)?;
    let token = validate_addr(deps.api, "payment token", &msg.token)?;
    if msg.min_close_timeout_secs == 0 || msg.min_close_timeout_secs > MAX_CLOSE_TIMEOUT_SECS {
        return Err(ContractError::InvalidMinCloseTimeout {
            got: msg.min_close_timeout_secs,
            max: MAX_CLOSE_TIMEOUT_SECS,
        });
    }
    let config = Config {
        registry,
        token,
        min_close_timeout_secs: msg.min_close_timeout_secs,
        max_close_timeout_secs: MAX_CLOSE_TIMEOUT_SECS,
    };
    CONFIG.save(deps.storage, &config)?;
    CHANNEL_SEQ.save(deps.storage, &0)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("registry", config.registry)
        .add_attribute("token", config.token)
        .add_attribute(
            "min_close_timeout_secs",
            config.min_close_timeout_secs.to_string(),
        ))
}

/// `ReceiveMsg::Open`: `owner` sent `amount` of the payment token (already checked by the
/// caller to be the configured token).
pub fn open(
    deps: DepsMut,
    config: Config,
    owner: Addr,
    amount: Uint128,
    payee: String,
    close_timeout_secs: u64,
) -> Result<Response, ContractError> {
    if amount.is_zero() {
        return Err(ContractError::ZeroDeposit {});
    }
    let payee = validate_addr(deps.api, "payee", &payee)?;
    if payee == owner {
        return Err(ContractError::PayeeIsOwner {
            payee: payee.to_string(),
        });
    }
    if close_timeout_secs < config.min_close_timeout_secs
        || close_timeout_secs > MAX_CLOSE_TIMEOUT_SECS
    {
        return Err(ContractError::InvalidCloseTimeout {
            got: close_timeout_secs,
            min: config.min_close_timeout_secs,
            max: MAX_CLOSE_TIMEOUT_SECS,
        });
    }

    let id = CHANNEL_SEQ
        .load(deps.storage)?
        .checked_add(1)
        .ok_or_else(|| StdError::generic_err("channel id overflow"))?;
    CHANNEL_SEQ.save(deps.storage, &id)?;
    let channel = Channel {
        id,
        owner: owner.clone(),
        payee: payee.clone(),
        deposit: amount,
        redeemed: Uint128::zero(),
        refunded: Uint128::zero(),
        close_timeout_secs,
        closes_at: None,
        closed: false,
    };
    CHANNELS.save(deps.storage, id, &channel)?;
    OWNER_CHANNELS.save(deps.storage, (&owner, id), &())?;
    PAYEE_CHANNELS.save(deps.storage, (&payee, id), &())?;

    Ok(Response::new()
        .add_attribute("action", "open_channel")
        .add_attribute("channel_id", id.to_string())
        .add_attribute("owner", owner)
        .add_attribute("payee", payee)
        .add_attribute("deposit", amount)
        .add_attribute("close_timeout_secs", close_timeout_secs.to_string()))
}

/// `ReceiveMsg::TopUp`: `sender` sent `amount` of the payment token for `channel_id`.
pub fn top_up(
    deps: DepsMut,
    sender: Addr,
    amount: Uint128,
    channel_id: u64,
) -> Result<Response, ContractError> {
    let mut channel = load_channel(deps.storage, channel_id)?;
    // Refunds go to the owner, so only the owner adds to the deposit.
    if sender != channel.owner {
        return Err(ContractError::NotChannelOwner {
            channel: channel_id,
            address: sender.to_string(),
        });
    }
    ensure_not_closed(&channel)?;
    if let Some(closes_at) = channel.closes_at {
        return Err(ContractError::ChannelClosing {
            channel: channel_id,
            closes_at,
        });
    }
    if amount.is_zero() {
        return Err(ContractError::ZeroDeposit {});
    }
    channel.deposit = channel
        .deposit
        .checked_add(amount)
        .map_err(StdError::from)?;
    CHANNELS.save(deps.storage, channel_id, &channel)?;

    Ok(Response::new()
        .add_attribute("action", "top_up_channel")
        .add_attribute("channel_id", channel_id.to_string())
        .add_attribute("owner", sender)
        .add_attribute("amount", amount)
        .add_attribute("deposit", channel.deposit))
}

/// The fields of `ExecuteMsg::Redeem`.
pub struct RedeemArgs {
    /// Channel id.
    pub channel: u64,
    /// Total owed to the payee according to the voucher.
    pub cumulative: Uint128,
    /// Hash of the claim batch the voucher was signed with.
    pub body_hash: HexBinary,
    /// The signing sensor's compressed public key.
    pub sensor_pubkey: HexBinary,
    /// Compact 64-byte signature.
    pub signature: HexBinary,
}

pub fn redeem(
    deps: DepsMut,
    info: MessageInfo,
    args: RedeemArgs,
) -> Result<Response, ContractError> {
    let RedeemArgs {
        channel: channel_id,
        cumulative,
        body_hash,
        sensor_pubkey,
        signature,
    } = args;
    let mut channel = load_channel(deps.storage, channel_id)?;
    if info.sender != channel.payee {
        return Err(ContractError::NotChannelPayee {
            channel: channel_id,
            address: info.sender.to_string(),
        });
    }
    nonpayable(&info)?;
    // After the owner's withdrawal the rest of the deposit is gone; before it, a close request
    // does not stop the payee from redeeming the last voucher.
    ensure_not_closed(&channel)?;
    if cumulative <= channel.redeemed {
        return Err(ContractError::VoucherNotNewer {
            channel: channel_id,
            cumulative,
            redeemed: channel.redeemed,
        });
    }
    if cumulative > channel.deposit {
        return Err(ContractError::VoucherOverDeposit {
            channel: channel_id,
            cumulative,
            deposit: channel.deposit,
        });
    }
    let body_hash: Hash =
        body_hash
            .as_slice()
            .try_into()
            .map_err(|_| CommonError::InvalidHash {
                expected: HASH_LEN,
                got: body_hash.len(),
            })?;
    if signature.len() != SIGNATURE_LEN {
        return Err(ContractError::InvalidSignatureLength {
            expected: SIGNATURE_LEN,
            got: signature.len(),
        });
    }

    // The registry says whose sensor this is; a key of another owner must not spend this
    // owner's deposit.
    let config = CONFIG.load(deps.storage)?;
    let sensor: Sensor = deps
        .querier
        .query_wasm_smart(
            &config.registry,
            &RegistryQueryMsg::Sensor {
                pubkey: sensor_pubkey.clone(),
            },
        )
        .map_err(|_| ContractError::SensorNotRegistered {
            pubkey: sensor_pubkey.to_hex(),
        })?;
    if sensor.owner != channel.owner {
        return Err(ContractError::SensorOfOtherOwner {
            pubkey: sensor_pubkey.to_hex(),
            sensor_owner: sensor.owner.to_string(),
            channel_owner: channel.owner.to_string(),
        });
    }
    let digest = batch_digest(
        &body_hash,
        Some(&Voucher {
            channel: channel_id,
            cumulative,
        }),
    );
    // A malformed signature is as bad as a wrong one.
    let valid = deps
        .api
        .secp256k1_verify(&digest, signature.as_slice(), sensor_pubkey.as_slice())
        .unwrap_or(false);
    if !valid {
        return Err(ContractError::BadSignature {
            pubkey: sensor_pubkey.to_hex(),
        });
    }

    // cumulative > redeemed was checked above.
    let payout = cumulative - channel.redeemed;
    channel.redeemed = cumulative;
    CHANNELS.save(deps.storage, channel_id, &channel)?;

    Ok(Response::new()
        .add_message(CheckedDenom::Cw20(config.token).transfer_msg(&channel.payee, payout)?)
        .add_attribute("action", "redeem")
        .add_attribute("channel_id", channel_id.to_string())
        .add_attribute("payee", channel.payee)
        .add_attribute("sensor", sensor_pubkey.to_hex())
        .add_attribute("cumulative", cumulative)
        .add_attribute("paid", payout))
}

pub fn request_close(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    channel_id: u64,
) -> Result<Response, ContractError> {
    let mut channel = load_channel(deps.storage, channel_id)?;
    ensure_owner(&channel, &info.sender)?;
    nonpayable(&info)?;
    ensure_not_closed(&channel)?;
    // A second request must not push the owner's own deadline (nor shorten the payee's).
    if let Some(closes_at) = channel.closes_at {
        return Err(ContractError::CloseAlreadyRequested {
            channel: channel_id,
            closes_at,
        });
    }
    // close_timeout_secs <= MAX_CLOSE_TIMEOUT_SECS (30 days), far from Timestamp's range.
    let closes_at = env.block.time.plus_seconds(channel.close_timeout_secs);
    channel.closes_at = Some(closes_at);
    CHANNELS.save(deps.storage, channel_id, &channel)?;

    Ok(Response::new()
        .add_attribute("action", "request_close")
        .add_attribute("channel_id", channel_id.to_string())
        .add_attribute("owner", channel.owner)
        .add_attribute("closes_at", closes_at.seconds().to_string()))
}

pub fn withdraw(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    channel_id: u64,
) -> Result<Response, ContractError> {
    let channel = load_channel(deps.storage, channel_id)?;
    ensure_owner(&channel, &info.sender)?;
    nonpayable(&info)?;
    ensure_not_closed(&channel)?;
    let closes_at = channel.closes_at.ok_or(ContractError::CloseNotRequested {
        channel: channel_id,
    })?;
    if env.block.time < closes_at {
        return Err(ContractError::CloseNotDue {
            channel: channel_id,
            closes_at,
            now: env.block.time,
        });
    }
    finish(deps, channel, "withdraw")
}

pub fn release(
    deps: DepsMut,
    info: MessageInfo,
    channel_id: u64,
) -> Result<Response, ContractError> {
    let channel = load_channel(deps.storage, channel_id)?;
    if info.sender != channel.payee {
        return Err(ContractError::NotChannelPayee {
            channel: channel_id,
            address: info.sender.to_string(),
        });
    }
    nonpayable(&info)?;
    ensure_not_closed(&channel)?;
    finish(deps, channel, "release")
}

/// Closes the channel and refunds what was not redeemed to the owner.
fn finish(deps: DepsMut, mut channel: Channel, action: &str) -> Result<Response, ContractError> {
    let refund = channel
        .deposit
        .checked_sub(channel.redeemed)
        .map_err(StdError::from)?;
    channel.refunded = refund;
    channel.closed = true;
    CHANNELS.save(deps.storage, channel.id, &channel)?;

    let mut response = Response::new()
        .add_attribute("action", action)
        .add_attribute("channel_id", channel.id.to_string())
        .add_attribute("owner", channel.owner.to_string())
        .add_attribute("redeemed", channel.redeemed)
        .add_attribute("refunded", refund);
    // cw20-base refuses zero-amount transfers.
    if !refund.is_zero() {
        let token = CONFIG.load(deps.storage)?.token;
        response =
            response.add_message(CheckedDenom::Cw20(token).transfer_msg(&channel.owner, refund)?);
    }
    Ok(response)
}

fn load_channel(storage: &dyn Storage, id: u64) -> Result<Channel, ContractError> {
    CHANNELS
        .may_load(storage, id)?
        .ok_or(ContractError::ChannelNotFound { channel: id })
}

fn ensure_owner(channel: &Channel, sender: &Addr) -> Result<(), ContractError> {
    if *sender != channel.owner {
        return Err(ContractError::NotChannelOwner {
            channel: channel.id,
            address: sender.to_string(),
        });
    }
    Ok(())
}

fn ensure_not_closed(channel: &Channel) -> Result<(), ContractError> {
    if channel.closed {
        return Err(ContractError::ChannelClosed {
            channel: channel.id,
        });
    }
    Ok(())
}
