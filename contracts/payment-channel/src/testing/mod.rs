//! Multi-test harness: the contract, a real cw20-base payment token (plus a foreign one), and a
//! mock `data-registry` answering `Sensor` from keys the test registers. Sensors sign with
//! `twinshare-crypto`'s `SensorKey`, so every redeem checks a real signature.

mod adversarial;
mod execute;
mod instantiate;
mod invariant;
mod migration;
mod queries;

use cosmwasm_schema::cw_serde;
use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{
    coin, to_json_binary, Addr, Binary, Coin, Deps, DepsMut, Empty, Env, HexBinary, MessageInfo,
    Response, StdError, StdResult, Timestamp, Uint128,
};
use cw20::{BalanceResponse, Cw20Coin, Cw20ExecuteMsg, Cw20QueryMsg};
use cw_multi_test::error::{AnyError, AnyResult};
use cw_multi_test::{App, AppBuilder, AppResponse, Contract, ContractWrapper, Executor};
use cw_storage_plus::Map;
use twinshare_crypto::SensorKey;
use twinshare_types::claims::{batch_digest, Voucher};
use twinshare_types::registry::{QueryMsg as RegistryQueryMsg, Sensor};

use crate::msg::{Channel, ExecuteMsg, InstantiateMsg, QueryMsg, ReceiveMsg};
use crate::ContractError;

/// What every user starts with, of each cw20 token and of the native denom.
pub const START: u128 = 1_000_000_000;
/// A native denom, to show the contract refuses native funds.
pub const NATIVE: &str = "ustake";
/// The suite's `min_close_timeout_secs`.
pub const MIN_TIMEOUT: u64 = 60;
/// The close timeout the helpers open channels with.
pub const TIMEOUT: u64 = 600;
/// A body hash: the contract only signs over it, it never sees the records.
pub const BODY: [u8; 32] = [7u8; 32];

// ---- mock data-registry ----

/// The mock's execute: registers `pubkey` to `owner`, or forgets it when `owner` is `None`.
#[cw_serde]
pub struct SetSensor {
    pub pubkey: HexBinary,
    pub owner: Option<String>,
}

const MOCK_SENSORS: Map<&[u8], Sensor> = Map::new("mock_sensors");

fn mock_instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn mock_execute(deps: DepsMut, env: Env, _: MessageInfo, msg: SetSensor) -> StdResult<Response> {
    match msg.owner {
        Some(owner) => {
            let sensor = Sensor {
                pubkey: msg.pubkey.clone(),
                owner: deps.api.addr_validate(&owner)?,
                name: "sensor".to_string(),
                registered_at: env.block.time,
            };
            MOCK_SENSORS.save(deps.storage, msg.pubkey.as_slice(), &sensor)?;
        }
        None => MOCK_SENSORS.remove(deps.storage, msg.pubkey.as_slice()),
    }
    Ok(Response::new())
}

fn mock_query(deps: Deps, _: Env, msg: RegistryQueryMsg) -> StdResult<Binary> {
    match msg {
        RegistryQueryMsg::Sensor { pubkey } => {
            let sensor = MOCK_SENSORS
                .may_load(deps.storage, pubkey.as_slice())?
                .ok_or_else(|| StdError::not_found(format!("sensor {}", pubkey.to_hex())))?;
            to_json_binary(&sensor)
        }
        other => Err(StdError::generic_err(format!(
            "mock registry answers only Sensor, not {other:?}"
        ))),
    }
}

// ---- contracts ----

pub fn channel_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            crate::contract::execute,
            crate::contract::instantiate,
            crate::contract::query,
        )
        .with_migrate(crate::contract::migrate),
    )
}

fn cw20_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw20_base::contract::execute,
        cw20_base::contract::instantiate,
        cw20_base::contract::query,
    ))
}

/// A deterministic sensor key for `n` (1..).
pub fn sensor(n: u8) -> SensorKey {
    SensorKey::from_bytes(&[n; 32]).unwrap()
}

pub fn pubkey(key: &SensorKey) -> HexBinary {
    HexBinary::from(key.public_key())
}

/// `key`'s signature over the voucher `(channel, cumulative)` with body hash `body`.
pub fn sign(key: &SensorKey, channel: u64, cumulative: u128, body: &[u8; 32]) -> HexBinary {
    let digest = batch_digest(
        body,
        Some(&Voucher {
            channel,
            cumulative: Uint128::new(cumulative),
        }),
    );
    HexBinary::from(key.sign_digest(&digest).unwrap())
}

/// A `Redeem` of `(channel, cumulative)` signed by `key` over `BODY`.
pub fn redeem_msg(key: &SensorKey, channel: u64, cumulative: u128) -> ExecuteMsg {
    ExecuteMsg::Redeem {
        channel,
        cumulative: Uint128::new(cumulative),
        body_hash: HexBinary::from(BODY),
        sensor_pubkey: pubkey(key),
        signature: sign(key, channel, cumulative, &BODY),
    }
}

/// The contract's error inside a multi-test error.
pub fn contract_err(err: AnyError) -> ContractError {
    err.downcast::<ContractError>().unwrap()
}

/// The value of attribute `key` of the channel contract's wasm event (a cw20 `Send` or a
/// payout also carries the token's own event, with its own `action` and `amount`).
pub fn attr(res: &AppResponse, key: &str) -> Option<String> {
    res.events
        .iter()
        .filter(|e| e.ty == "wasm")
        .filter(|e| {
            e.attributes
                .iter()
                .any(|a| a.key == "action" && CHANNEL_ACTIONS.contains(&a.value.as_str()))
        })
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
}

/// The `action` values of the channel contract's events.
const CHANNEL_ACTIONS: [&str; 6] = [
    "open_channel",
    "top_up_channel",
    "redeem",
    "request_close",
    "withdraw",
    "release",
];

pub struct Suite {
    pub app: App,
    pub code_id: u64,
    pub contract: Addr,
    pub registry: Addr,
    /// The payment token (TWIN).
    pub token: Addr,
    /// A cw20 token the contract must refuse.
    pub fake_token: Addr,
    pub admin: Addr,
    /// Opens channels; its sensor is `sensor(1)`.
    pub alice: Addr,
    /// Another owner; its sensor is `sensor(2)`.
    pub bob: Addr,
    /// The payee (the anchoring provider).
    pub provider: Addr,
    pub mallory: Addr,
}

impl Suite {
    /// Contract, tokens and mock registry, with `sensor(1)` registered to alice and `sensor(2)`
    /// to bob.
    pub fn new() -> Suite {
        let api = MockApi::default();
        let admin = api.addr_make("admin");
        let alice = api.addr_make("alice");
        let bob = api.addr_make("bob");
        let provider = api.addr_make("provider");
        let mallory = api.addr_make("mallory");
        let users = [&alice, &bob, &provider, &mallory];
        let mut app = AppBuilder::new().build(|router, _, storage| {
            for user in users {
                router
                    .bank
                    .init_balance(storage, user, vec![coin(START, NATIVE)])
                    .unwrap();
            }
        });
        let cw20_id = app.store_code(cw20_contract());
        let token = |app: &mut App, symbol: &str| {
            app.instantiate_contract(
                cw20_id,
                admin.clone(),
                &cw20_base::msg::InstantiateMsg {
                    name: format!("{symbol} token"),
                    symbol: symbol.to_string(),
                    decimals: 6,
                    initial_balances: users
                        .iter()
                        .map(|u| Cw20Coin {
                            address: u.to_string(),
                            amount: Uint128::new(START),
                        })
                        .collect(),
                    mint: None,
                    marketing: None,
                },
                &[],
                symbol,
                None,
            )
            .unwrap()
        };
        let token_addr = token(&mut app, "TWIN");
        let fake_token = token(&mut app, "FAKE");
        let mock_id = app.store_code(Box::new(ContractWrapper::new(
            mock_execute,
            mock_instantiate,
            mock_query,
        )));
        let registry = app
            .instantiate_contract(mock_id, admin.clone(), &Empty {}, &[], "registry", None)
            .unwrap();
        let code_id = app.store_code(channel_contract());
        let contract = app
            .instantiate_contract(
                code_id,
                admin.clone(),
                &InstantiateMsg {
                    registry: registry.to_string(),
                    token: token_addr.to_string(),
                    min_close_timeout_secs: MIN_TIMEOUT,
                },
                &[],
                "payment-channel",
                Some(admin.to_string()),
            )
            .unwrap();
        let mut suite = Suite {
            app,
            code_id,
            contract,
            registry,
            token: token_addr,
            fake_token,
            admin,
            alice,
            bob,
            provider,
            mallory,
        };
        let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
        suite.set_sensor(&sensor(1), Some(&alice));
        suite.set_sensor(&sensor(2), Some(&bob));
        suite
    }

    /// Registers `key` to `owner` in the mock registry, or forgets it.
    pub fn set_sensor(&mut self, key: &SensorKey, owner: Option<&Addr>) {
        let msg = SetSensor {
            pubkey: pubkey(key),
            owner: owner.map(Addr::to_string),
        };
        self.app
            .execute_contract(self.admin.clone(), self.registry.clone(), &msg, &[])
            .unwrap();
    }

    pub fn exec(&mut self, who: &Addr, msg: &ExecuteMsg, funds: &[Coin]) -> AnyResult<AppResponse> {
        self.app
            .execute_contract(who.clone(), self.contract.clone(), msg, funds)
    }

    /// Sends `amount` of `token` to the contract with `msg`.
    pub fn send(
        &mut self,
        who: &Addr,
        token: &Addr,
        amount: u128,
        msg: &ReceiveMsg,
    ) -> AnyResult<AppResponse> {
        self.app.execute_contract(
            who.clone(),
            token.clone(),
            &Cw20ExecuteMsg::Send {
                contract: self.contract.to_string(),
                amount: Uint128::new(amount),
                msg: to_json_binary(msg).unwrap(),
            },
            &[],
        )
    }

    /// Opens a channel from `owner` to `payee` with `deposit` and the timeout `TIMEOUT`.
    pub fn try_open(
        &mut self,
        owner: &Addr,
        payee: &Addr,
        deposit: u128,
    ) -> AnyResult<AppResponse> {
        let token = self.token.clone();
        self.send(
            owner,
            &token,
            deposit,
            &ReceiveMsg::Open {
                payee: payee.to_string(),
                close_timeout_secs: TIMEOUT,
            },
        )
    }

    /// Opens a channel and returns its id (from the `channel_id` attribute).
    pub fn open(&mut self, owner: &Addr, payee: &Addr, deposit: u128) -> u64 {
        let res = self.try_open(owner, payee, deposit).unwrap();
        attr(&res, "channel_id").unwrap().parse().unwrap()
    }

    /// Alice opens a channel to the provider with `deposit`.
    pub fn open_alice(&mut self, deposit: u128) -> u64 {
        let (alice, provider) = (self.alice.clone(), self.provider.clone());
        self.open(&alice, &provider, deposit)
    }

    pub fn top_up(&mut self, who: &Addr, channel: u64, amount: u128) -> AnyResult<AppResponse> {
        let token = self.token.clone();
        self.send(who, &token, amount, &ReceiveMsg::TopUp { channel })
    }

    /// The provider redeems `(channel, cumulative)` signed by `key`.
    pub fn redeem(
        &mut self,
        key: &SensorKey,
        channel: u64,
        cumulative: u128,
    ) -> AnyResult<AppResponse> {
        let provider = self.provider.clone();
        self.exec(&provider, &redeem_msg(key, channel, cumulative), &[])
    }

    pub fn request_close(&mut self, who: &Addr, channel: u64) -> AnyResult<AppResponse> {
        self.exec(who, &ExecuteMsg::RequestClose { channel }, &[])
    }

    pub fn withdraw(&mut self, who: &Addr, channel: u64) -> AnyResult<AppResponse> {
        self.exec(who, &ExecuteMsg::Withdraw { channel }, &[])
    }

    pub fn release(&mut self, who: &Addr, channel: u64) -> AnyResult<AppResponse> {
        self.exec(who, &ExecuteMsg::Release { channel }, &[])
    }

    pub fn advance(&mut self, secs: u64) {
        self.app
            .update_block(|b| b.time = b.time.plus_seconds(secs));
    }

    pub fn now(&self) -> Timestamp {
        self.app.block_info().time
    }

    pub fn query<T: DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(self.contract.clone(), msg)
    }

    pub fn channel(&self, id: u64) -> Channel {
        self.query(&QueryMsg::Channel { id }).unwrap()
    }

    pub fn balance_of(&self, token: &Addr, who: &Addr) -> u128 {
        let res: BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                token.clone(),
                &Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .unwrap();
        res.balance.u128()
    }

    pub fn native_balance(&self, who: &Addr) -> u128 {
        self.app
            .wrap()
            .query_balance(who, NATIVE)
            .unwrap()
            .amount
            .u128()
    }

    /// Payment-token balance.
    pub fn balance(&self, who: &Addr) -> u128 {
        self.balance_of(&self.token, who)
    }
}
