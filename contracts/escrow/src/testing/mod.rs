//! A multi-test deployment: the escrow, a mock data-token and a mock storage-payment (answering
//! only the queries the escrow makes, from state a test sets), a real cw20 token, a second
//! "foreign" cw20, and native balances.

mod adversarial;
mod events;
mod execute;
mod instantiate;
mod migration;
mod queries;

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    coin, to_json_binary, Addr, Binary, Coin, Deps, DepsMut, Empty, Env, Event, HexBinary,
    MessageInfo, Response, StdError, StdResult, Uint128,
};
use cw20::{BalanceResponse, Cw20Coin, Cw20ExecuteMsg, Cw20QueryMsg};
use cw_multi_test::error::AnyResult;
use cw_multi_test::{App, AppResponse, ContractWrapper, Executor};
use cw_storage_plus::Map;
use twinshare_types::denom::{CheckedDenom, CheckedPrice};
use twinshare_types::registry::Level;
use twinshare_types::storage::{Provider, QueryMsg as StorageQueryMsg};
use twinshare_types::token::{
    Asset, AssetMetadata, CanBuyResponse, CheckedOpenness, QueryMsg as TokenQueryMsg,
};

use crate::contract::{execute, instantiate, migrate, query};
use crate::msg::{ExecuteMsg, InstantiateMsg, QueryMsg, ReceiveMsg, Sale, SalesResponse};
use crate::ContractError;

/// The secp256k1 generator, compressed: a valid Umbral public key (the buyer's).
pub const BUYER_PUBKEY: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
/// 2G, compressed: the relayer's key.
pub const RELAYER_PUBKEY: &str =
    "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5";

pub const DENOM: &str = "ustake";
pub const OTHER_DENOM: &str = "uother";
pub const PRICE: u128 = 1_000;
/// 2.5%: the relayer gets 25 of 1000.
pub const FEE_BPS: u16 = 250;
pub const REKEY_TIMEOUT: u64 = 3_600;
pub const DELIVERY_TIMEOUT: u64 = 1_800;
pub const DISPUTE_WINDOW: u64 = 86_400;
/// What the buyer starts with, in each native denom and in each cw20.
pub const START_BALANCE: u128 = 10_000;
/// The registry fee of the high-level asset, carried in the `fee` event attribute.
pub const HIGH_FEE: u128 = 7;

/// Asset priced in native `ustake`, level High.
pub const NATIVE_ASSET: u64 = 1;
/// Asset priced in the TwinShare cw20, level Low.
pub const CW20_ASSET: u64 = 2;

// ---- mock data-token -------------------------------------------------------------------------

const MOCK_ASSETS: Map<u64, Asset> = Map::new("mock_assets");
const MOCK_REFUSALS: Map<(u64, &str), String> = Map::new("mock_refusals");

#[cw_serde]
pub enum MockTokenMsg {
    SetAsset {
        asset: Box<Asset>,
    },
    RemoveAsset {
        id: u64,
    },
    /// `Some(reason)`: `CanBuy` answers false for this buyer; `None`: true again.
    SetRefusal {
        asset_id: u64,
        buyer: String,
        reason: Option<String>,
    },
}

fn mock_instantiate(_: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    Ok(Response::new())
}

fn mock_token_execute(
    deps: DepsMut,
    _: Env,
    _: MessageInfo,
    msg: MockTokenMsg,
) -> StdResult<Response> {
    match msg {
        MockTokenMsg::SetAsset { asset } => MOCK_ASSETS.save(deps.storage, asset.id, &asset)?,
        MockTokenMsg::RemoveAsset { id } => MOCK_ASSETS.remove(deps.storage, id),
        MockTokenMsg::SetRefusal {
            asset_id,
            buyer,
            reason: Some(reason),
        } => MOCK_REFUSALS.save(deps.storage, (asset_id, &buyer), &reason)?,
        MockTokenMsg::SetRefusal {
            asset_id,
            buyer,
            reason: None,
        } => MOCK_REFUSALS.remove(deps.storage, (asset_id, &buyer)),
    }
    Ok(Response::new())
}

fn mock_token_query(deps: Deps, _: Env, msg: TokenQueryMsg) -> StdResult<Binary> {
    match msg {
        TokenQueryMsg::Asset { id } => to_json_binary(&MOCK_ASSETS.load(deps.storage, id)?),
        TokenQueryMsg::CanBuy { asset_id, buyer } => {
            let reason = MOCK_REFUSALS.may_load(deps.storage, (asset_id, &buyer))?;
            to_json_binary(&CanBuyResponse {
                can_buy: reason.is_none(),
                reason,
            })
        }
        _ => Err(StdError::generic_err("not answered by the mock data-token")),
    }
}

// ---- mock storage-payment ----------------------------------------------------------------------

const MOCK_PROVIDERS: Map<&Addr, Provider> = Map::new("mock_providers");

#[cw_serde]
pub enum MockStorageMsg {
    SetProvider { provider: Provider },
}

fn mock_storage_execute(
    deps: DepsMut,
    _: Env,
    _: MessageInfo,
    msg: MockStorageMsg,
) -> StdResult<Response> {
    let MockStorageMsg::SetProvider { provider } = msg;
    MOCK_PROVIDERS.save(deps.storage, &provider.address, &provider)?;
    Ok(Response::new())
}

fn mock_storage_query(deps: Deps, _: Env, msg: StorageQueryMsg) -> StdResult<Binary> {
    match msg {
        StorageQueryMsg::Provider { address } => {
            let address = deps.api.addr_validate(&address)?;
            to_json_binary(&MOCK_PROVIDERS.load(deps.storage, &address)?)
        }
        _ => Err(StdError::generic_err(
            "not answered by the mock storage-payment",
        )),
    }
}

// ---- the suite -----------------------------------------------------------------------------

pub struct Suite {
    pub app: App,
    pub escrow_code: u64,
    pub escrow: Addr,
    pub data_token: Addr,
    pub storage_payment: Addr,
    /// The TwinShare cw20 the cw20 asset is priced in.
    pub cw20: Addr,
    /// Another cw20 the buyer also holds, to try paying with the wrong token.
    pub foreign_cw20: Addr,
    pub admin: Addr,
    pub arbiter: Addr,
    pub seller: Addr,
    pub buyer: Addr,
    pub stranger: Addr,
    pub provider: Addr,
    pub relayer: Addr,
}

pub fn buyer_pubkey() -> HexBinary {
    HexBinary::from_hex(BUYER_PUBKEY).unwrap()
}

pub fn default_instantiate_msg(suite_addrs: &Suite) -> InstantiateMsg {
    InstantiateMsg {
        admin: None,
        data_token: suite_addrs.data_token.to_string(),
        storage_payment: suite_addrs.storage_payment.to_string(),
        arbiter: suite_addrs.arbiter.to_string(),
        relayer_fee_bps: FEE_BPS,
        rekey_timeout_secs: REKEY_TIMEOUT,
        delivery_timeout_secs: DELIVERY_TIMEOUT,
        dispute_window_secs: DISPUTE_WINDOW,
        max_kfrags_bytes: None,
    }
}

/// The error a contract returned, as the escrow's own type.
pub fn contract_err(result: AnyResult<AppResponse>) -> ContractError {
    result.unwrap_err().downcast().unwrap()
}

impl Suite {
    /// Everything deployed and funded, the two assets listed, the provider active; the escrow
    /// itself is instantiated with the default configuration.
    pub fn new() -> Self {
        let mut suite = Self::without_escrow();
        let msg = default_instantiate_msg(&suite);
        suite.escrow = suite.instantiate_escrow(&msg, &[]).unwrap();
        suite
    }

    /// The deployment without the escrow (`escrow` is a placeholder until
    /// `instantiate_escrow` is called).
    pub fn without_escrow() -> Self {
        let mut app = App::default();
        let api = app.api();
        let admin = api.addr_make("admin");
        let arbiter = api.addr_make("arbiter");
        let seller = api.addr_make("seller");
        let buyer = api.addr_make("buyer");
        let stranger = api.addr_make("stranger");
        let provider = api.addr_make("provider");
        let relayer = api.addr_make("relayer");

        app.init_modules(|router, _, storage| {
            for who in [&buyer, &stranger] {
                router
                    .bank
                    .init_balance(
                        storage,
                        who,
                        vec![coin(START_BALANCE, DENOM), coin(START_BALANCE, OTHER_DENOM)],
                    )
                    .unwrap();
            }
            // The others hold only the other denom, so their `ustake` balances start at 0 and
            // they can still try to send coins with messages that take none.
            for who in [&admin, &arbiter, &seller, &provider, &relayer] {
                router
                    .bank
                    .init_balance(storage, who, vec![coin(START_BALANCE, OTHER_DENOM)])
                    .unwrap();
            }
        });

        let escrow_code = app.store_code(Box::new(
            ContractWrapper::new(execute, instantiate, query).with_migrate(migrate),
        ));
        let token_code = app.store_code(Box::new(ContractWrapper::new(
            mock_token_execute,
            mock_instantiate,
            mock_token_query,
        )));
        let storage_code = app.store_code(Box::new(ContractWrapper::new(
            mock_storage_execute,
            mock_instantiate,
            mock_storage_query,
        )));
        let cw20_code = app.store_code(Box::new(ContractWrapper::new(
            cw20_base::contract::execute,
            cw20_base::contract::instantiate,
            cw20_base::contract::query,
        )));

        let data_token = app
            .instantiate_contract(
                token_code,
                admin.clone(),
                &Empty {},
                &[],
                "data-token",
                None,
            )
            .unwrap();
        let storage_payment = app
            .instantiate_contract(
                storage_code,
                admin.clone(),
                &Empty {},
                &[],
                "storage-payment",
                None,
            )
            .unwrap();
        let new_cw20 = |app: &mut App, symbol: &str| {
            app.instantiate_contract(
                cw20_code,
                admin.clone(),
                &cw20_base::msg::InstantiateMsg {
                    name: format!("{symbol} token"),
                    symbol: symbol.to_string(),
                    decimals: 6,
                    initial_balances: [&buyer, &stranger]
                        .into_iter()
                        .map(|who| Cw20Coin {
                            address: who.to_string(),
                            amount: Uint128::new(START_BALANCE),
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
        let cw20 = new_cw20(&mut app, "TWIN");
        let foreign_cw20 = new_cw20(&mut app, "FAKE");

        let mut suite = Suite {
            app,
            escrow_code,
            escrow: Addr::unchecked(""),
            data_token,
            storage_payment,
            cw20,
            foreign_cw20,
            admin,
            arbiter,
            seller,
            buyer,
            stranger,
            provider,
            relayer,
        };
        suite.set_provider(true);
        let native = suite.asset(
            NATIVE_ASSET,
            CheckedPrice {
                amount: Uint128::new(PRICE),
                denom: CheckedDenom::Native(DENOM.to_string()),
            },
            Level::High {
                fee: Uint128::new(HIGH_FEE),
            },
        );
        suite.set_asset(native);
        let cw20_asset = suite.asset(
            CW20_ASSET,
            CheckedPrice {
                amount: Uint128::new(PRICE),
                denom: CheckedDenom::Cw20(suite.cw20.clone()),
            },
            Level::Low,
        );
        suite.set_asset(cw20_asset);
        suite
    }

    pub fn instantiate_escrow(&mut self, msg: &InstantiateMsg, funds: &[Coin]) -> AnyResult<Addr> {
        self.app.instantiate_contract(
            self.escrow_code,
            self.admin.clone(),
            msg,
            funds,
            "escrow",
            Some(self.admin.to_string()),
        )
    }

    /// A listed, public asset of the seller stored with the suite's provider.
    pub fn asset(&self, id: u64, price: CheckedPrice, level: Level) -> Asset {
        Asset {
            id,
            record_id: id + 100,
            owner: self.seller.clone(),
            channel: "plant-1".to_string(),
            provider: self.provider.clone(),
            hash: HexBinary::from(vec![0xab; 32]),
            size: 4096,
            level,
            price,
            openness: CheckedOpenness::Public,
            metadata: AssetMetadata {
                data_kind: "vibration".to_string(),
                equipment: Some("welding-robot-A".to_string()),
                sampling_rate_hz: Some(100),
                time_range: None,
                schema: None,
                description: "test data".to_string(),
            },
            listed: true,
        }
    }

    pub fn set_asset(&mut self, asset: Asset) {
        self.app
            .execute_contract(
                self.admin.clone(),
                self.data_token.clone(),
                &MockTokenMsg::SetAsset {
                    asset: Box::new(asset),
                },
                &[],
            )
            .unwrap();
    }

    pub fn remove_asset(&mut self, id: u64) {
        self.app
            .execute_contract(
                self.admin.clone(),
                self.data_token.clone(),
                &MockTokenMsg::RemoveAsset { id },
                &[],
            )
            .unwrap();
    }

    pub fn refuse(&mut self, asset_id: u64, buyer: &Addr, reason: Option<&str>) {
        self.app
            .execute_contract(
                self.admin.clone(),
                self.data_token.clone(),
                &MockTokenMsg::SetRefusal {
                    asset_id,
                    buyer: buyer.to_string(),
                    reason: reason.map(str::to_string),
                },
                &[],
            )
            .unwrap();
    }

    /// (Re)registers the suite's provider, with the suite's relayer.
    pub fn set_provider(&mut self, active: bool) {
        let provider = Provider {
            address: self.provider.clone(),
            price_per_byte_second: Default::default(),
            denom: CheckedDenom::Native(DENOM.to_string()),
            relayer: self.relayer.clone(),
            relayer_pubkey: HexBinary::from_hex(RELAYER_PUBKEY).unwrap(),
            endpoint: "s3://bucket".to_string(),
            active,
        };
        self.app
            .execute_contract(
                self.admin.clone(),
                self.storage_payment.clone(),
                &MockStorageMsg::SetProvider { provider },
                &[],
            )
            .unwrap();
    }

    pub fn exec(
        &mut self,
        sender: &Addr,
        msg: &ExecuteMsg,
        funds: &[Coin],
    ) -> AnyResult<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.escrow.clone(), msg, funds)
    }

    pub fn buy_native(
        &mut self,
        sender: &Addr,
        asset_id: u64,
        funds: &[Coin],
    ) -> AnyResult<AppResponse> {
        self.exec(
            sender,
            &ExecuteMsg::Buy {
                asset_id,
                buyer_pubkey: buyer_pubkey(),
            },
            funds,
        )
    }

    /// A cw20 `Send` of `amount` of `token` to the escrow with `ReceiveMsg::Buy`.
    pub fn buy_cw20(
        &mut self,
        sender: &Addr,
        token: &Addr,
        asset_id: u64,
        amount: u128,
    ) -> AnyResult<AppResponse> {
        let msg = Cw20ExecuteMsg::Send {
            contract: self.escrow.to_string(),
            amount: Uint128::new(amount),
            msg: to_json_binary(&ReceiveMsg::Buy {
                asset_id,
                buyer_pubkey: buyer_pubkey(),
            })
            .unwrap(),
        };
        self.app
            .execute_contract(sender.clone(), token.clone(), &msg, &[])
    }

    /// The buyer buys the native asset at its price; returns the sale id.
    pub fn bought_native(&mut self) -> u64 {
        let buyer = self.buyer.clone();
        self.buy_native(&buyer, NATIVE_ASSET, &[coin(PRICE, DENOM)])
            .unwrap();
        self.last_sale_id()
    }

    /// The buyer buys the cw20 asset at its price; returns the sale id.
    pub fn bought_cw20(&mut self) -> u64 {
        let (buyer, cw20) = (self.buyer.clone(), self.cw20.clone());
        self.buy_cw20(&buyer, &cw20, CW20_ASSET, PRICE).unwrap();
        self.last_sale_id()
    }

    fn last_sale_id(&self) -> u64 {
        self.sales_by_buyer(&self.buyer, None, Some(50))
            .sales
            .last()
            .unwrap()
            .id
    }

    pub fn submit_rekey(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let seller = self.seller.clone();
        self.exec(
            &seller,
            &ExecuteMsg::SubmitReKey {
                sale_id,
                kfrags: Binary::from(vec![7u8; 300]),
            },
            &[],
        )
    }

    pub fn report_delivery(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let relayer = self.relayer.clone();
        self.exec(&relayer, &delivery_msg(sale_id), &[])
    }

    pub fn confirm(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let buyer = self.buyer.clone();
        self.exec(&buyer, &ExecuteMsg::Confirm { sale_id }, &[])
    }

    pub fn refund(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let buyer = self.buyer.clone();
        self.exec(&buyer, &ExecuteMsg::Refund { sale_id }, &[])
    }

    pub fn dispute(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let buyer = self.buyer.clone();
        self.exec(
            &buyer,
            &ExecuteMsg::Dispute {
                sale_id,
                reason: "the cfrag does not decrypt".to_string(),
            },
            &[],
        )
    }

    pub fn resolve(&mut self, sale_id: u64, refund_buyer: bool) -> AnyResult<AppResponse> {
        let arbiter = self.arbiter.clone();
        self.exec(
            &arbiter,
            &ExecuteMsg::Resolve {
                sale_id,
                refund_buyer,
            },
            &[],
        )
    }

    pub fn claim(&mut self, sale_id: u64) -> AnyResult<AppResponse> {
        let seller = self.seller.clone();
        self.exec(&seller, &ExecuteMsg::Claim { sale_id }, &[])
    }

    /// A sale taken to `Delivered`.
    pub fn delivered_native(&mut self) -> u64 {
        let id = self.bought_native();
        self.submit_rekey(id).unwrap();
        self.report_delivery(id).unwrap();
        id
    }

    pub fn advance(&mut self, secs: u64) {
        self.app.update_block(|block| {
            block.time = block.time.plus_seconds(secs);
            block.height += secs / 5 + 1;
        });
    }

    pub fn sale(&self, id: u64) -> Sale {
        self.app
            .wrap()
            .query_wasm_smart(&self.escrow, &QueryMsg::Sale { id })
            .unwrap()
    }

    pub fn sales_by_buyer(
        &self,
        buyer: &Addr,
        start_after: Option<u64>,
        limit: Option<u32>,
    ) -> SalesResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                &self.escrow,
                &QueryMsg::SalesByBuyer {
                    buyer: buyer.to_string(),
                    start_after,
                    limit,
                },
            )
            .unwrap()
    }

    pub fn native_balance(&self, who: &Addr) -> u128 {
        self.app
            .wrap()
            .query_balance(who, DENOM)
            .unwrap()
            .amount
            .u128()
    }

    pub fn cw20_balance(&self, token: &Addr, who: &Addr) -> u128 {
        let response: BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                token,
                &Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .unwrap();
        response.balance.u128()
    }

    /// The single `wasm` event the escrow emitted in `response`.
    pub fn escrow_event<'a>(&self, response: &'a AppResponse) -> &'a Event {
        let events: Vec<&Event> = response
            .events
            .iter()
            .filter(|e| {
                e.ty == "wasm"
                    && e.attributes
                        .iter()
                        .any(|a| a.key == "_contract_address" && a.value == self.escrow.as_str())
            })
            .collect();
        assert_eq!(
            events.len(),
            1,
            "one wasm event from the escrow: {events:?}"
        );
        events[0]
    }
}

pub fn delivery_msg(sale_id: u64) -> ExecuteMsg {
    ExecuteMsg::ReportDelivery {
        sale_id,
        cfrag_locator: "s3://bucket/cfrags/1".to_string(),
        cfrag_hash: HexBinary::from(vec![0x11; 32]),
    }
}

/// The value of one attribute of an event.
pub fn attr<'a>(event: &'a Event, key: &str) -> &'a str {
    event
        .attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
        .unwrap_or_else(|| panic!("no attribute {key} in {event:?}"))
}
