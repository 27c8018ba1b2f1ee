//! Multi-test setup: the data-token beside a mock registry whose records and channel members the
//! tests set.

mod adversarial;
mod instantiate;
mod migration;
mod queries;
mod tokenize;
mod updates;

use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_std::{coins, Addr, Empty, HexBinary, StdResult, Timestamp, Uint128};
use cw_multi_test::error::AnyResult;
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor};
use twinshare_types::denom::{Denom, Price};
use twinshare_types::registry::{Level, Record};

use crate::contract::{execute, instantiate, migrate, query};
use crate::msg::{
    Asset, AssetMetadata, AssetsResponse, CanBuyResponse, ExecuteMsg, InstantiateMsg, Openness,
    QueryMsg, TimeRange,
};
use crate::ContractError;

/// Native denom the test prices use; the owner holds some to try paying unpayable messages.
pub const DENOM: &str = "ustake";
/// The channel the suite's records live in.
pub const CHANNEL: &str = "plant-1";

/// A stand-in for `data-registry`: answers `Record` and `IsMember` from state the tests write.
pub mod mock_registry {
    use cosmwasm_schema::cw_serde;
    use cosmwasm_std::{
        to_json_binary, Binary, Deps, DepsMut, Empty, Env, MessageInfo, Response, StdError,
        StdResult,
    };
    use cw_storage_plus::Map;
    use twinshare_types::registry::{IsMemberResponse, QueryMsg, Record};

    const RECORDS: Map<u64, Record> = Map::new("records");
    const MEMBERS: Map<(&str, &str), ()> = Map::new("members");

    /// Test-only writes; anyone may call them.
    #[cw_serde]
    pub enum MockExecuteMsg {
        SetRecord {
            record: Record,
        },
        SetMember {
            channel: String,
            address: String,
            member: bool,
        },
    }

    pub fn instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
        Ok(Response::new())
    }

    pub fn execute(
        deps: DepsMut,
        _: Env,
        _: MessageInfo,
        msg: MockExecuteMsg,
    ) -> StdResult<Response> {
        match msg {
            MockExecuteMsg::SetRecord { record } => {
                RECORDS.save(deps.storage, record.id, &record)?
            }
            MockExecuteMsg::SetMember {
                channel,
                address,
                member,
            } => {
                if member {
                    MEMBERS.save(deps.storage, (&channel, &address), &())?
                } else {
                    MEMBERS.remove(deps.storage, (&channel, &address))
                }
            }
        }
        Ok(Response::new())
    }

    pub fn query(deps: Deps, _: Env, msg: QueryMsg) -> StdResult<Binary> {
        match msg {
            QueryMsg::Record { id } => to_json_binary(
                &RECORDS
                    .may_load(deps.storage, id)?
                    .ok_or_else(|| StdError::not_found(format!("record {id}")))?,
            ),
            QueryMsg::IsMember { channel, address } => to_json_binary(&IsMemberResponse {
                is_member: MEMBERS.has(deps.storage, (&channel, &address)),
            }),
            _ => Err(StdError::generic_err("mock registry: unsupported query")),
        }
    }
}

/// A deployed data-token with its mock registry and a few parties.
pub struct Suite {
    pub app: App,
    pub registry: Addr,
    pub token: Addr,
    /// Owns records in `CHANNEL` and is a member of it.
    pub owner: Addr,
    /// A member of `CHANNEL` who owns nothing.
    pub buyer: Addr,
    /// Not a member of any channel.
    pub stranger: Addr,
    /// Instantiates the contracts and is their wasm admin.
    pub admin: Addr,
    next_record: u64,
}

pub fn token_contract() -> Box<dyn cw_multi_test::Contract<Empty>> {
    Box::new(ContractWrapper::new(execute, instantiate, query).with_migrate(migrate))
}

impl Suite {
    pub fn new() -> Self {
        Self::with_max(None)
    }

    pub fn with_max(max_allowlist: Option<u32>) -> Self {
        let mut app = App::default();
        let owner = app.api().addr_make("owner");
        let buyer = app.api().addr_make("buyer");
        let stranger = app.api().addr_make("stranger");
        let admin = app.api().addr_make("admin");
        app.init_modules(|router, _, storage| {
            router
                .bank
                .init_balance(storage, &owner, coins(1_000_000, DENOM))
        })
        .unwrap();

        let registry_code = app.store_code(Box::new(ContractWrapper::new(
            mock_registry::execute,
            mock_registry::instantiate,
            mock_registry::query,
        )));
        let registry = app
            .instantiate_contract(
                registry_code,
                admin.clone(),
                &Empty {},
                &[],
                "registry",
                None,
            )
            .unwrap();
        let token_code_id = app.store_code(token_contract());
        let token = app
            .instantiate_contract(
                token_code_id,
                admin.clone(),
                &InstantiateMsg {
                    registry: registry.to_string(),
                    max_allowlist,
                },
                &[],
                "data-token",
                Some(admin.to_string()),
            )
            .unwrap();
        let mut suite = Suite {
            app,
            registry,
            token,
            owner,
            buyer,
            stranger,
            admin,
            next_record: 0,
        };
        let (owner, buyer) = (suite.owner.clone(), suite.buyer.clone());
        suite.set_member(CHANNEL, &owner, true);
        suite.set_member(CHANNEL, &buyer, true);
        suite
    }

    /// Registers a record in the mock registry and returns its id.
    pub fn add_record(&mut self, owner: &Addr, channel: &str) -> u64 {
        self.next_record += 1;
        let id = self.next_record;
        let provider = self.app.api().addr_make("provider");
        let record = Record {
            id,
            owner: owner.clone(),
            channel: channel.to_string(),
            hash: HexBinary::from(vec![id as u8; 32]),
            size: 1000 + id,
            level: if id.is_multiple_of(2) {
                Level::Low
            } else {
                Level::High {
                    fee: Uint128::new(5),
                }
            },
            locator: format!("s3://bucket/{id}"),
            stream: None,
            client_timestamp: 1_700_000_000_000,
            provider,
            registered_at: Timestamp::from_seconds(1_700_000_000),
            height: 12_345,
        };
        self.app
            .execute_contract(
                self.admin.clone(),
                self.registry.clone(),
                &mock_registry::MockExecuteMsg::SetRecord { record },
                &[],
            )
            .unwrap();
        id
    }

    pub fn record(&self, id: u64) -> Record {
        self.app
            .wrap()
            .query_wasm_smart(
                &self.registry,
                &twinshare_types::registry::QueryMsg::Record { id },
            )
            .unwrap()
    }

    pub fn set_member(&mut self, channel: &str, address: &Addr, member: bool) {
        self.app
            .execute_contract(
                self.admin.clone(),
                self.registry.clone(),
                &mock_registry::MockExecuteMsg::SetMember {
                    channel: channel.to_string(),
                    address: address.to_string(),
                    member,
                },
                &[],
            )
            .unwrap();
    }

    pub fn exec(&mut self, sender: &Addr, msg: &ExecuteMsg) -> AnyResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.token.clone(), msg, &[])
    }

    /// Runs a message that must fail and returns its contract error.
    pub fn exec_err(&mut self, sender: &Addr, msg: &ExecuteMsg) -> ContractError {
        self.exec(sender, msg)
            .unwrap_err()
            .downcast::<ContractError>()
            .unwrap()
    }

    /// Runs a message with funds attached; it must fail, and the contract error is returned.
    pub fn exec_with_funds_err(&mut self, sender: &Addr, msg: &ExecuteMsg) -> ContractError {
        self.app
            .execute_contract(sender.clone(), self.token.clone(), msg, &coins(10, DENOM))
            .unwrap_err()
            .downcast::<ContractError>()
            .unwrap()
    }

    pub fn query<T: DeserializeOwned>(&self, msg: &QueryMsg) -> StdResult<T> {
        self.app.wrap().query_wasm_smart(&self.token, msg)
    }

    pub fn asset(&self, id: u64) -> Asset {
        self.query(&QueryMsg::Asset { id }).unwrap()
    }

    pub fn can_buy(&self, asset_id: u64, buyer: &str) -> CanBuyResponse {
        self.query(&QueryMsg::CanBuy {
            asset_id,
            buyer: buyer.to_string(),
        })
        .unwrap()
    }

    pub fn public_assets(&self, start_after: Option<u64>, limit: Option<u32>) -> Vec<u64> {
        ids(self
            .query(&QueryMsg::PublicAssets { start_after, limit })
            .unwrap())
    }

    pub fn listed_assets(&self, start_after: Option<u64>, limit: Option<u32>) -> Vec<u64> {
        ids(self
            .query(&QueryMsg::ListedAssets { start_after, limit })
            .unwrap())
    }

    pub fn assets_by_owner(
        &self,
        owner: &Addr,
        start_after: Option<u64>,
        limit: Option<u32>,
    ) -> Vec<u64> {
        ids(self
            .query(&QueryMsg::AssetsByOwner {
                owner: owner.to_string(),
                start_after,
                limit,
            })
            .unwrap())
    }

    /// A new record of the owner in `CHANNEL`, tokenized with `openness`; returns the asset id.
    pub fn listed(&mut self, openness: Openness) -> u64 {
        let owner = self.owner.clone();
        let record_id = self.add_record(&owner, CHANNEL);
        self.tokenize(&owner, record_id, openness).unwrap();
        self.asset_id_of(record_id)
    }

    pub fn tokenize(
        &mut self,
        sender: &Addr,
        record_id: u64,
        openness: Openness,
    ) -> AnyResult<AppResponse> {
        self.exec(sender, &tokenize_msg(record_id, openness))
    }

    pub fn asset_id_of(&self, record_id: u64) -> u64 {
        let asset: Option<Asset> = self.query(&QueryMsg::AssetByRecord { record_id }).unwrap();
        asset.unwrap().id
    }

    /// A fresh address, for allowlists.
    pub fn addr(&self, name: &str) -> Addr {
        self.app.api().addr_make(name)
    }
}

pub fn ids(res: AssetsResponse) -> Vec<u64> {
    res.assets.into_iter().map(|a| a.id).collect()
}

pub fn price(amount: u128) -> Price {
    Price {
        amount: Uint128::new(amount),
        denom: Denom::Native(DENOM.to_string()),
    }
}

pub fn metadata() -> AssetMetadata {
    AssetMetadata {
        data_kind: "vibration".to_string(),
        equipment: Some("welding-robot-A".to_string()),
        sampling_rate_hz: Some(1000),
        time_range: Some(TimeRange {
            start: 1_700_000_000_000,
            end: 1_700_000_360_000,
        }),
        schema: Some("csv:t,ax,ay,az".to_string()),
        description: "Vibration of the welding robot during one shift".to_string(),
    }
}

pub fn tokenize_msg(record_id: u64, openness: Openness) -> ExecuteMsg {
    ExecuteMsg::Tokenize {
        record_id,
        price: price(100),
        openness,
        metadata: metadata(),
    }
}

pub fn partial(addrs: &[&Addr]) -> Openness {
    Openness::Partial {
        allowlist: addrs.iter().map(|a| a.to_string()).collect(),
    }
}

/// The value of an attribute of the wasm event.
pub fn attr(res: &AppResponse, key: &str) -> String {
    res.events
        .iter()
        .filter(|e| e.ty == "wasm")
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
        .unwrap_or_else(|| panic!("no attribute {key}"))
}
