//! Multi-test setup: the registry next to a mock `storage-payment` whose `Capacity` answers come
//! from a map the test sets.

mod adversarial;
mod execute;
mod instantiate;
mod migration;
mod queries;
mod sensors;

use cosmwasm_schema::cw_serde;
use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_std::{
    coins, to_json_binary, Addr, Binary, Coin, Deps, DepsMut, Empty, Env, HexBinary, MessageInfo,
    Response, StdError, StdResult,
};
use cw_multi_test::error::{AnyError, AnyResult};
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor};
use cw_storage_plus::Map;

use twinshare_types::storage::{CapacityResponse, QueryMsg as StorageQueryMsg};

use crate::contract::{execute, instantiate, migrate, query};
use crate::msg::{ExecuteMsg, InstantiateMsg, Level, QueryMsg};
use crate::ContractError;

/// The registry's fee denom in the tests.
pub const FEE_DENOM: &str = "ufee";
/// Another bank denom, for wrong-denom payments.
pub const OTHER_DENOM: &str = "uother";
/// The channel the suite creates (admin alice, members alice and bob).
pub const CHANNEL: &str = "plant-1";
/// Capacity the suite gives alice and bob with the provider.
pub const CAPACITY: u64 = 1_000_000;
/// The secp256k1 generator G, compressed: a valid Umbral public key.
pub const KEY_G: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
/// 2G, compressed: another valid key.
pub const KEY_2G: &str = "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

// ---- mock storage-payment ----

/// The mock's only execute message: sets what `Capacity` answers for `(owner, provider)`.
#[cw_serde]
pub struct SetCapacity {
    pub owner: String,
    pub provider: String,
    pub bytes: u64,
}

const MOCK_CAPACITY: Map<(&str, &str), u64> = Map::new("mock_capacity");

fn mock_instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn mock_execute(deps: DepsMut, _: Env, _: MessageInfo, msg: SetCapacity) -> StdResult<Response> {
    MOCK_CAPACITY.save(deps.storage, (&msg.owner, &msg.provider), &msg.bytes)?;
    Ok(Response::new())
}

fn mock_query(deps: Deps, _: Env, msg: StorageQueryMsg) -> StdResult<Binary> {
    match msg {
        StorageQueryMsg::Capacity { owner, provider } => {
            let bytes = MOCK_CAPACITY
                .may_load(deps.storage, (&owner, &provider))?
                .unwrap_or_default();
            to_json_binary(&CapacityResponse {
                bytes,
                leases: u32::from(bytes > 0),
            })
        }
        other => Err(StdError::generic_err(format!(
            "mock storage-payment answers only Capacity, not {other:?}"
        ))),
    }
}

// ---- a contract that writes any cw2 name and version, for the migration tests ----

/// Instantiates a contract whose cw2 record says `contract` at `version`.
#[cw_serde]
pub struct FakeVersion {
    pub contract: String,
    pub version: String,
}

fn fake_instantiate(
    deps: DepsMut,
    _: Env,
    _: MessageInfo,
    msg: FakeVersion,
) -> StdResult<Response> {
    cw2::set_contract_version(deps.storage, msg.contract, msg.version)?;
    Ok(Response::new())
}

fn fake_execute(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn fake_query(_: Deps, _: Env, _: Empty) -> StdResult<Binary> {
    to_json_binary(&Empty {})
}

// ---- the suite ----

pub struct Suite {
    pub app: App,
    pub registry: Addr,
    pub registry_code: u64,
    pub storage: Addr,
    /// Instantiated the registry; its admin.
    pub admin: Addr,
    pub collector: Addr,
    pub anchorer: Addr,
    pub provider: Addr,
    /// Admin of `CHANNEL`.
    pub alice: Addr,
    /// Member of `CHANNEL`.
    pub bob: Addr,
    /// Not a member of `CHANNEL`.
    pub carol: Addr,
}

impl Suite {
    /// Registry and mock storage-payment; `CHANNEL` created by alice with bob; alice and bob
    /// have `CAPACITY` bytes with the provider and 1000 of each denom.
    pub fn new() -> Self {
        let mut app = App::default();
        let api = app.api();
        let admin = api.addr_make("admin");
        let collector = api.addr_make("collector");
        let anchorer = api.addr_make("anchorer");
        let provider = api.addr_make("provider");
        let alice = api.addr_make("alice");
        let bob = api.addr_make("bob");
        let carol = api.addr_make("carol");

        app.init_modules(|router, _, storage| {
            for who in [&alice, &bob, &carol] {
                router
                    .bank
                    .init_balance(
                        storage,
                        who,
                        vec![
                            Coin::new(1000u128, FEE_DENOM),
                            Coin::new(1000u128, OTHER_DENOM),
                        ],
                    )
                    .unwrap();
            }
        });

        let registry_code = app.store_code(Box::new(
            ContractWrapper::new(execute, instantiate, query).with_migrate(migrate),
        ));
        let mock_code = app.store_code(Box::new(ContractWrapper::new(
            mock_execute,
            mock_instantiate,
            mock_query,
        )));
        let storage = app
            .instantiate_contract(mock_code, admin.clone(), &Empty {}, &[], "storage", None)
            .unwrap();
        let registry = app
            .instantiate_contract(
                registry_code,
                admin.clone(),
                &InstantiateMsg {
                    admin: None,
                    storage_payment: storage.to_string(),
                    fee_collector: collector.to_string(),
                    fee_denom: FEE_DENOM.to_string(),
                    anchorers: vec![anchorer.to_string()],
                },
                &[],
                "registry",
                Some(admin.to_string()),
            )
            .unwrap();

        let mut suite = Suite {
            app,
            registry,
            registry_code,
            storage,
            admin,
            collector,
            anchorer,
            provider,
            alice,
            bob,
            carol,
        };
        let (alice, bob, provider) = (
            suite.alice.clone(),
            suite.bob.clone(),
            suite.provider.clone(),
        );
        suite.create_channel(&alice, CHANNEL, &[&bob]).unwrap();
        suite.set_capacity(&alice, &provider, CAPACITY);
        suite.set_capacity(&bob, &provider, CAPACITY);
        suite
    }

    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }

    /// Sets what the mock storage-payment answers for `Capacity{owner, provider}`.
    pub fn set_capacity(&mut self, owner: &Addr, provider: &Addr, bytes: u64) {
        let msg = SetCapacity {
            owner: owner.to_string(),
            provider: provider.to_string(),
            bytes,
        };
        self.app
            .execute_contract(self.admin.clone(), self.storage.clone(), &msg, &[])
            .unwrap();
    }

    pub fn execute(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> AnyResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.registry.clone(), msg, funds)
    }

    pub fn query<T: DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(&self.registry, msg)
    }

    pub fn create_channel(
        &mut self,
        sender: &Addr,
        id: &str,
        members: &[&Addr],
    ) -> AnyResult<AppResponse> {
        let msg = ExecuteMsg::CreateChannel {
            id: id.to_string(),
            members: members.iter().map(|a| a.to_string()).collect(),
        };
        self.execute(sender, &msg, &[])
    }

    /// A `Low` register message in `CHANNEL` with the suite's provider and no stream.
    pub fn register_msg(&self, hash: HexBinary, size: u64) -> ExecuteMsg {
        Reg {
            hash,
            ..self.reg(0, size)
        }
        .msg()
    }

    /// Registers a `Low` record of `size` bytes with hash `hash(n)`.
    pub fn register_low(&mut self, sender: &Addr, n: u8, size: u64) -> AnyResult<AppResponse> {
        let msg = self.register_msg(hash(n), size);
        self.execute(sender, &msg, &[])
    }

    pub fn balance(&self, who: &Addr, denom: &str) -> u128 {
        self.app
            .wrap()
            .query_balance(who, denom)
            .unwrap()
            .amount
            .u128()
    }
}

/// A distinct 32-byte hash for each `n`.
pub fn hash(n: u8) -> HexBinary {
    HexBinary::from(vec![n; 32])
}

pub fn key(hex: &str) -> HexBinary {
    HexBinary::from_hex(hex).unwrap()
}

/// `amount` of the fee denom.
pub fn fee(amount: u128) -> Vec<Coin> {
    coins(amount, FEE_DENOM)
}

/// The registry's error inside a multi-test error.
pub fn contract_err(err: AnyError) -> ContractError {
    err.downcast::<ContractError>().unwrap()
}

/// The value of attribute `key` of the registry's wasm event.
pub fn attr(res: &AppResponse, key: &str) -> Option<String> {
    res.events
        .iter()
        .filter(|e| e.ty == "wasm")
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
}

/// Stores the fake-version contract and instantiates it with `admin` as wasm admin.
pub fn instantiate_fake(suite: &mut Suite, contract: &str, version: &str) -> Addr {
    let code = suite.app.store_code(Box::new(ContractWrapper::new(
        fake_execute,
        fake_instantiate,
        fake_query,
    )));
    suite
        .app
        .instantiate_contract(
            code,
            suite.admin.clone(),
            &FakeVersion {
                contract: contract.to_string(),
                version: version.to_string(),
            },
            &[],
            "fake",
            Some(suite.admin.to_string()),
        )
        .unwrap()
}

/// The fields of a `Register` message, for struct-update syntax in tests.
pub struct Reg {
    pub channel: String,
    pub hash: HexBinary,
    pub size: u64,
    pub level: Level,
    pub locator: String,
    pub stream: Option<String>,
    pub provider: String,
}

impl Reg {
    pub fn msg(self) -> ExecuteMsg {
        ExecuteMsg::Register {
            channel: self.channel,
            hash: self.hash,
            size: self.size,
            level: self.level,
            locator: self.locator,
            stream: self.stream,
            client_timestamp: 1_700_000_000_000,
            provider: self.provider,
        }
    }
}

impl Suite {
    /// A valid `Low` registration of `hash(n)` in `CHANNEL` with the suite's provider.
    pub fn reg(&self, n: u8, size: u64) -> Reg {
        Reg {
            channel: CHANNEL.to_string(),
            hash: hash(n),
            size,
            level: Level::Low,
            locator: "s3://bucket/manifest.json".to_string(),
            stream: None,
            provider: self.provider.to_string(),
        }
    }

    /// Number of records registered so far (the last id).
    pub fn record_count(&self) -> u64 {
        crate::state::RECORD_COUNT
            .query(&self.app.wrap(), self.registry.clone())
            .unwrap()
    }
}
