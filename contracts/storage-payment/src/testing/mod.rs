//! Multi-test harness: the contract, a real cw20-base token (plus a second, foreign one) and
//! native bank balances.

mod adversarial;
mod execute;
mod instantiate;
mod invariant;
mod migration;
mod provider;
mod queries;

use std::str::FromStr;

use cosmwasm_schema::serde::de::DeserializeOwned;
use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{
    coin, to_json_binary, Addr, Coin, Decimal, Empty, HexBinary, Timestamp, Uint128,
};
use cw20::{BalanceResponse, Cw20Coin, Cw20ExecuteMsg, Cw20QueryMsg};
use cw_multi_test::error::{AnyError, AnyResult};
use cw_multi_test::{App, AppBuilder, AppResponse, Contract, ContractWrapper, Executor};
use twinshare_types::Denom;

use crate::msg::{
    CapacityResponse, ExecuteMsg, InstantiateMsg, LeaseResponse, Provider, QueryMsg, QuoteResponse,
    ReceiveMsg,
};
use crate::ContractError;

/// The native denom leases are paid in.
pub const DENOM: &str = "ustake";
/// Another native denom, for wrong-denom tests.
pub const OTHER: &str = "uother";
/// What every user starts with, of each native denom and of each cw20 token.
pub const START: u128 = 1_000_000_000_000_000_000_000_000_000_000;
/// The secp256k1 generator, compressed: a valid Umbral public key.
pub const PUBKEY: &str = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

pub fn storage_payment_contract() -> Box<dyn Contract<Empty>> {
    Box::new(
        ContractWrapper::new(
            crate::contract::execute,
            crate::contract::instantiate,
            crate::contract::query,
        )
        .with_migrate(crate::contract::migrate),
    )
}

pub fn cw20_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw20_base::contract::execute,
        cw20_base::contract::instantiate,
        cw20_base::contract::query,
    ))
}

pub fn pubkey() -> HexBinary {
    HexBinary::from_hex(PUBKEY).unwrap()
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// The error a contract call failed with.
pub fn contract_err(err: AnyError) -> ContractError {
    err.downcast::<ContractError>().unwrap()
}

pub struct Suite {
    pub app: App,
    pub code_id: u64,
    pub contract: Addr,
    /// The cw20 token providers may price in.
    pub token: Addr,
    /// A second cw20 token nobody prices in.
    pub fake_token: Addr,
    /// Admin of the contract (for migrations).
    pub admin: Addr,
    /// Provider priced in `DENOM`.
    pub cloud: Addr,
    /// Provider priced in `token`.
    pub cloud20: Addr,
    pub alice: Addr,
    pub bob: Addr,
    pub mallory: Addr,
}

impl Suite {
    /// A contract with `max_open_leases` and no provider.
    pub fn bare(max_open_leases: Option<u32>) -> Suite {
        let api = MockApi::default();
        let admin = api.addr_make("admin");
        let cloud = api.addr_make("cloud");
        let cloud20 = api.addr_make("cloud20");
        let alice = api.addr_make("alice");
        let bob = api.addr_make("bob");
        let mallory = api.addr_make("mallory");
        let users = [&cloud, &cloud20, &alice, &bob, &mallory];
        let mut app = AppBuilder::new().build(|router, _api, storage| {
            for user in users {
                router
                    .bank
                    .init_balance(storage, user, vec![coin(START, DENOM), coin(START, OTHER)])
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
        let code_id = app.store_code(storage_payment_contract());
        let contract = app
            .instantiate_contract(
                code_id,
                admin.clone(),
                &InstantiateMsg { max_open_leases },
                &[],
                "storage-payment",
                Some(admin.to_string()),
            )
            .unwrap();
        Suite {
            app,
            code_id,
            contract,
            token: token_addr,
            fake_token,
            admin,
            cloud,
            cloud20,
            alice,
            bob,
            mallory,
        }
    }

    /// A contract with `cloud` (native, 0.5 per byte-second) and `cloud20` (the cw20 token,
    /// 0.25 per byte-second) registered.
    pub fn new() -> Suite {
        Suite::with_max(None)
    }

    pub fn with_max(max_open_leases: Option<u32>) -> Suite {
        let mut s = Suite::bare(max_open_leases);
        let (cloud, cloud20) = (s.cloud.clone(), s.cloud20.clone());
        s.register(&cloud, dec("0.5"), Denom::Native(DENOM.to_string()))
            .unwrap();
        let token = Denom::Cw20(s.token.to_string());
        s.register(&cloud20, dec("0.25"), token).unwrap();
        s
    }

    pub fn register(&mut self, who: &Addr, price: Decimal, denom: Denom) -> AnyResult<AppResponse> {
        self.exec(
            who,
            &ExecuteMsg::RegisterProvider {
                price_per_byte_second: price,
                denom,
                relayer: None,
                relayer_pubkey: pubkey(),
                endpoint: format!("s3://{who}"),
            },
            &[],
        )
    }

    pub fn exec(&mut self, who: &Addr, msg: &ExecuteMsg, funds: &[Coin]) -> AnyResult<AppResponse> {
        self.app
            .execute_contract(who.clone(), self.contract.clone(), msg, funds)
    }

    pub fn buy(
        &mut self,
        who: &Addr,
        provider: &Addr,
        bytes: u64,
        duration_secs: u64,
        funds: &[Coin],
    ) -> AnyResult<AppResponse> {
        self.exec(
            who,
            &ExecuteMsg::BuyLease {
                provider: provider.to_string(),
                bytes,
                duration_secs,
            },
            funds,
        )
    }

    /// Sends `amount` of `token` to the contract with `msg`.
    pub fn send_cw20(
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

    pub fn buy_cw20(
        &mut self,
        who: &Addr,
        provider: &Addr,
        bytes: u64,
        duration_secs: u64,
        amount: u128,
    ) -> AnyResult<AppResponse> {
        let token = self.token.clone();
        self.send_cw20(
            who,
            &token,
            amount,
            &ReceiveMsg::BuyLease {
                provider: provider.to_string(),
                bytes,
                duration_secs,
            },
        )
    }

    pub fn extend(
        &mut self,
        who: &Addr,
        lease_id: u64,
        extra_secs: u64,
        funds: &[Coin],
    ) -> AnyResult<AppResponse> {
        self.exec(
            who,
            &ExecuteMsg::ExtendLease {
                lease_id,
                extra_secs,
            },
            funds,
        )
    }

    pub fn cancel(&mut self, who: &Addr, lease_id: u64) -> AnyResult<AppResponse> {
        self.exec(who, &ExecuteMsg::CancelLease { lease_id }, &[])
    }

    pub fn withdraw(&mut self, who: &Addr, lease_ids: Vec<u64>) -> AnyResult<AppResponse> {
        self.exec(who, &ExecuteMsg::Withdraw { lease_ids }, &[])
    }

    pub fn advance(&mut self, secs: u64) {
        self.app
            .update_block(|b| b.time = b.time.plus_seconds(secs));
    }

    pub fn now(&self) -> Timestamp {
        self.app.block_info().time
    }

    pub fn query<T: DeserializeOwned>(&self, msg: &QueryMsg) -> T {
        self.app
            .wrap()
            .query_wasm_smart(self.contract.clone(), msg)
            .unwrap()
    }

    pub fn lease(&self, id: u64) -> LeaseResponse {
        self.query(&QueryMsg::Lease { id })
    }

    pub fn provider(&self, who: &Addr) -> Provider {
        self.query(&QueryMsg::Provider {
            address: who.to_string(),
        })
    }

    pub fn quote(&self, provider: &Addr, bytes: u64, duration_secs: u64) -> QuoteResponse {
        self.query(&QueryMsg::Quote {
            provider: provider.to_string(),
            bytes,
            duration_secs,
        })
    }

    pub fn capacity(&self, owner: &Addr, provider: &Addr) -> CapacityResponse {
        self.query(&QueryMsg::Capacity {
            owner: owner.to_string(),
            provider: provider.to_string(),
        })
    }

    pub fn balance(&self, who: &Addr, denom: &str) -> u128 {
        self.app
            .wrap()
            .query_balance(who, denom)
            .unwrap()
            .amount
            .u128()
    }

    pub fn cw20_balance_of(&self, token: &Addr, who: &Addr) -> u128 {
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

    pub fn cw20_balance(&self, who: &Addr) -> u128 {
        self.cw20_balance_of(&self.token, who)
    }
}
