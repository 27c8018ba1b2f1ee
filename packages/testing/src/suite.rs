//! `Suite`: one deployment and the paper's actors, with a method per user action.

use anyhow::{anyhow, Result};
use cosmwasm_std::testing::MockApi;
use cosmwasm_std::{coins, to_json_binary, Addr, Binary, Coin, Decimal, Empty, HexBinary, Uint128};
use cw20::{Cw20Coin, Cw20ExecuteMsg};
use cw_multi_test::{App, AppBuilder, AppResponse, Contract, ContractWrapper, Executor};
use serde::Serialize;
use twinshare_types::channel::{self, Channel};
use twinshare_types::escrow::{self, Sale};
use twinshare_types::registry::{self, Level, Record};
use twinshare_types::storage::{self, Lease};
use twinshare_types::token::{self, Asset, AssetMetadata, Openness};
use twinshare_types::{Denom, Price};

use crate::keys::pubkey;

/// The native denom of the test chain (fees of High records, native-priced assets and leases).
pub const NATIVE: &str = "ustake";

/// Knobs of a deployment; `Default` is what the localnet deploys.
#[derive(Clone, Debug)]
pub struct SuiteConfig {
    /// cw20 balance every actor starts with.
    pub initial_cw20: u128,
    /// Native balance every actor starts with.
    pub initial_native: u128,
    /// Provider's price per byte-second.
    pub price_per_byte_second: Decimal,
    pub relayer_fee_bps: u16,
    pub rekey_timeout_secs: u64,
    pub delivery_timeout_secs: u64,
    pub dispute_window_secs: u64,
    /// Shortest close timeout of a payment channel.
    pub min_close_timeout_secs: u64,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        Self {
            initial_cw20: 1_000_000_000,
            initial_native: 1_000_000_000,
            // 1 unit per KB-hour, about.
            price_per_byte_second: Decimal::from_ratio(1u128, 3_600_000u128),
            relayer_fee_bps: 500,
            rekey_timeout_secs: 3_600,
            delivery_timeout_secs: 3_600,
            dispute_window_secs: 86_400,
            // As localnet/deploy.sh.
            min_close_timeout_secs: 10,
        }
    }
}

/// A deployment and its actors. Addresses come from the App's own API, so they are valid bech32.
pub struct Suite {
    pub app: App,
    pub config: SuiteConfig,
    /// Deploys and administers the contracts.
    pub admin: Addr,
    /// User A of the paper: owner and seller.
    pub alice: Addr,
    /// User B of the paper: buyer.
    pub bob: Addr,
    /// A party outside every channel.
    pub mallory: Addr,
    /// The cloud provider and the account of its relayer.
    pub provider: Addr,
    pub relayer: Addr,
    pub arbiter: Addr,
    pub fee_collector: Addr,
    /// Code id of cw20-base, to deploy foreign tokens in adversarial tests.
    pub cw20_code: u64,
    /// Contracts.
    pub cw20: Addr,
    pub storage: Addr,
    pub registry: Addr,
    pub data_token: Addr,
    pub escrow: Addr,
    /// Payment channels for anchoring fees, paid in `cw20`, sensors checked with `registry`.
    pub payment_channel: Addr,
}

fn cw20_contract() -> Box<dyn Contract<Empty>> {
    Box::new(ContractWrapper::new(
        cw20_base::contract::execute,
        cw20_base::contract::instantiate,
        cw20_base::contract::query,
    ))
}

fn storage_contract() -> Box<dyn Contract<Empty>> {
    use storage_payment::contract as c;
    Box::new(ContractWrapper::new(c::execute, c::instantiate, c::query).with_migrate(c::migrate))
}

fn registry_contract() -> Box<dyn Contract<Empty>> {
    use data_registry::contract as c;
    Box::new(ContractWrapper::new(c::execute, c::instantiate, c::query).with_migrate(c::migrate))
}

fn token_contract() -> Box<dyn Contract<Empty>> {
    use data_token::contract as c;
    Box::new(ContractWrapper::new(c::execute, c::instantiate, c::query).with_migrate(c::migrate))
}

fn escrow_contract() -> Box<dyn Contract<Empty>> {
    use ::escrow::contract as c;
    Box::new(ContractWrapper::new(c::execute, c::instantiate, c::query).with_migrate(c::migrate))
}

fn channel_contract() -> Box<dyn Contract<Empty>> {
    use twinshare_payment_channel::contract as c;
    Box::new(ContractWrapper::new(c::execute, c::instantiate, c::query).with_migrate(c::migrate))
}

/// The value of the first attribute `key` in any event of `res`.
pub fn attr(res: &AppResponse, key: &str) -> Result<String> {
    res.events
        .iter()
        .flat_map(|e| e.attributes.iter())
        .find(|a| a.key == key)
        .map(|a| a.value.clone())
        .ok_or_else(|| anyhow!("no attribute {key} in the response"))
}

/// A 32-byte hash for tests, different for every `n`.
pub fn test_hash(n: u64) -> HexBinary {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&n.to_be_bytes());
    h[31] = 0xAB;
    HexBinary::from(h.to_vec())
}

impl Default for Suite {
    fn default() -> Self {
        Self::new(SuiteConfig::default())
    }
}

impl Suite {
    /// Deploys everything, funds the actors, registers the provider (priced in the cw20 token),
    /// and creates channel `welding` with alice and bob as members.
    pub fn new(config: SuiteConfig) -> Self {
        // The same API (bech32 prefix `cosmwasm`) that `App` uses, so the addresses are valid there.
        let api = MockApi::default();
        let [admin, alice, bob, mallory, provider, relayer, arbiter, fee_collector] = [
            "admin",
            "alice",
            "bob",
            "mallory",
            "provider",
            "relayer",
            "arbiter",
            "fee-collector",
        ]
        .map(|n| api.addr_make(n));
        let funded = [&admin, &alice, &bob, &mallory, &provider, &relayer];
        let initial_native = config.initial_native;
        let mut app = AppBuilder::new().build(|router, _, storage| {
            for who in funded {
                router
                    .bank
                    .init_balance(storage, who, coins(initial_native, NATIVE))
                    .expect("initial balances");
            }
        });

        let cw20_code = app.store_code(cw20_contract());
        let storage_code = app.store_code(storage_contract());
        let registry_code = app.store_code(registry_contract());
        let token_code = app.store_code(token_contract());
        let escrow_code = app.store_code(escrow_contract());
        let channel_code = app.store_code(channel_contract());

        let cw20 = app
            .instantiate_contract(
                cw20_code,
                admin.clone(),
                &cw20_base::msg::InstantiateMsg {
                    name: "TwinShare Payment".into(),
                    symbol: "TWIN".into(),
                    decimals: 6,
                    initial_balances: funded
                        .iter()
                        .map(|a| Cw20Coin {
                            address: a.to_string(),
                            amount: Uint128::new(config.initial_cw20),
                        })
                        .collect(),
                    mint: None,
                    marketing: None,
                },
                &[],
                "payment-token",
                Some(admin.to_string()),
            )
            .expect("instantiate payment token");
        let storage = app
            .instantiate_contract(
                storage_code,
                admin.clone(),
                &storage::InstantiateMsg {
                    max_open_leases: None,
                },
                &[],
                "storage-payment",
                Some(admin.to_string()),
            )
            .expect("instantiate storage-payment");
        let registry = app
            .instantiate_contract(
                registry_code,
                admin.clone(),
                &registry::InstantiateMsg {
                    admin: None,
                    storage_payment: storage.to_string(),
                    fee_collector: fee_collector.to_string(),
                    fee_denom: NATIVE.into(),
                    anchorers: vec![relayer.to_string()],
                },
                &[],
                "data-registry",
                Some(admin.to_string()),
            )
            .expect("instantiate data-registry");
        let data_token = app
            .instantiate_contract(
                token_code,
                admin.clone(),
                &token::InstantiateMsg {
                    registry: registry.to_string(),
                    max_allowlist: None,
                },
                &[],
                "data-token",
                Some(admin.to_string()),
            )
            .expect("instantiate data-token");
        let escrow = app
            .instantiate_contract(
                escrow_code,
                admin.clone(),
                &escrow::InstantiateMsg {
                    admin: None,
                    data_token: data_token.to_string(),
                    storage_payment: storage.to_string(),
                    arbiter: arbiter.to_string(),
                    relayer_fee_bps: config.relayer_fee_bps,
                    rekey_timeout_secs: config.rekey_timeout_secs,
                    delivery_timeout_secs: config.delivery_timeout_secs,
                    dispute_window_secs: config.dispute_window_secs,
                    max_kfrags_bytes: None,
                },
                &[],
                "escrow",
                Some(admin.to_string()),
            )
            .expect("instantiate escrow");
        let payment_channel = app
            .instantiate_contract(
                channel_code,
                admin.clone(),
                &channel::InstantiateMsg {
                    registry: registry.to_string(),
                    token: cw20.to_string(),
                    min_close_timeout_secs: config.min_close_timeout_secs,
                },
                &[],
                "payment-channel",
                Some(admin.to_string()),
            )
            .expect("instantiate payment-channel");

        let mut suite = Suite {
            app,
            config,
            admin,
            alice,
            bob,
            mallory,
            provider,
            relayer,
            arbiter,
            fee_collector,
            cw20_code,
            cw20,
            storage,
            registry,
            data_token,
            escrow,
            payment_channel,
        };
        let price = suite.config.price_per_byte_second;
        let provider = suite.provider.clone();
        let relayer = suite.relayer.clone();
        let token = suite.cw20.clone();
        suite
            .app
            .execute_contract(
                provider,
                suite.storage.clone(),
                &storage::ExecuteMsg::RegisterProvider {
                    price_per_byte_second: price,
                    denom: Denom::Cw20(token.to_string()),
                    relayer: Some(relayer.to_string()),
                    relayer_pubkey: pubkey(200),
                    endpoint: "fs:///var/lib/twinshare".into(),
                },
                &[],
            )
            .expect("register provider");
        let (alice, bob) = (suite.alice.clone(), suite.bob.clone());
        suite
            .create_channel(&alice, "welding", &[&bob])
            .expect("create channel");
        suite
    }

    /// Moves block time (and height) forward.
    pub fn advance(&mut self, secs: u64) {
        self.app.update_block(|b| {
            b.time = b.time.plus_seconds(secs);
            b.height += secs.div_ceil(5).max(1);
        });
    }

    pub fn cw20_balance(&self, who: &Addr) -> u128 {
        let res: cw20::BalanceResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                &self.cw20,
                &cw20::Cw20QueryMsg::Balance {
                    address: who.to_string(),
                },
            )
            .expect("cw20 balance");
        res.balance.u128()
    }

    pub fn native_balance(&self, who: &Addr) -> u128 {
        self.app
            .wrap()
            .query_balance(who, NATIVE)
            .expect("bank balance")
            .amount
            .u128()
    }

    /// Sends `amount` of the cw20 token to `contract` with `msg` as the Receive payload.
    pub fn cw20_send(
        &mut self,
        from: &Addr,
        contract: &Addr,
        amount: u128,
        msg: Binary,
    ) -> Result<AppResponse> {
        self.app.execute_contract(
            from.clone(),
            self.cw20.clone(),
            &Cw20ExecuteMsg::Send {
                contract: contract.to_string(),
                amount: Uint128::new(amount),
                msg,
            },
            &[],
        )
    }

    pub fn register_party(&mut self, who: &Addr, seed: u8, name: &str) -> Result<AppResponse> {
        self.app.execute_contract(
            who.clone(),
            self.registry.clone(),
            &registry::ExecuteMsg::RegisterParty {
                pubkey: pubkey(seed),
                name: name.into(),
            },
            &[],
        )
    }

    pub fn create_channel(
        &mut self,
        admin: &Addr,
        id: &str,
        members: &[&Addr],
    ) -> Result<AppResponse> {
        self.app.execute_contract(
            admin.clone(),
            self.registry.clone(),
            &registry::ExecuteMsg::CreateChannel {
                id: id.into(),
                members: members.iter().map(|m| m.to_string()).collect(),
            },
            &[],
        )
    }

    /// Registers `pubkey` as a sensor of `owner` in the registry.
    pub fn register_sensor(
        &mut self,
        owner: &Addr,
        pubkey: HexBinary,
        name: &str,
    ) -> Result<AppResponse> {
        self.app.execute_contract(
            owner.clone(),
            self.registry.clone(),
            &registry::ExecuteMsg::RegisterSensor {
                pubkey,
                name: name.into(),
            },
            &[],
        )
    }

    /// Opens a payment channel from `owner` to `payee` with `deposit` of the cw20 token;
    /// returns its id.
    pub fn open_channel(
        &mut self,
        owner: &Addr,
        payee: &Addr,
        deposit: u128,
        close_timeout_secs: u64,
    ) -> Result<u64> {
        let contract = self.payment_channel.clone();
        let res = self.cw20_send(
            owner,
            &contract,
            deposit,
            to_json_binary(&channel::ReceiveMsg::Open {
                payee: payee.to_string(),
                close_timeout_secs,
            })?,
        )?;
        Ok(attr(&res, "channel_id")?.parse()?)
    }

    pub fn payment_channel(&self, id: u64) -> Channel {
        self.app
            .wrap()
            .query_wasm_smart(&self.payment_channel, &channel::QueryMsg::Channel { id })
            .expect("payment channel")
    }

    /// What a lease of `bytes` for `secs` with the suite's provider costs now.
    pub fn quote(&self, bytes: u64, secs: u64) -> u128 {
        let q: storage::QuoteResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                &self.storage,
                &storage::QueryMsg::Quote {
                    provider: self.provider.to_string(),
                    bytes,
                    duration_secs: secs,
                },
            )
            .expect("quote");
        q.amount.u128()
    }

    /// Buys a lease with the suite's provider, paying the quoted price in cw20; returns its id.
    pub fn buy_lease(&mut self, owner: &Addr, bytes: u64, secs: u64) -> Result<u64> {
        let cost = self.quote(bytes, secs);
        let storage = self.storage.clone();
        let provider = self.provider.to_string();
        let res = self.cw20_send(
            owner,
            &storage,
            cost,
            to_json_binary(&storage::ReceiveMsg::BuyLease {
                provider,
                bytes,
                duration_secs: secs,
            })?,
        )?;
        Ok(attr(&res, "lease_id")?.parse()?)
    }

    pub fn lease(&self, id: u64) -> Lease {
        let res: storage::LeaseResponse = self
            .app
            .wrap()
            .query_wasm_smart(&self.storage, &storage::QueryMsg::Lease { id })
            .expect("lease");
        res.lease
    }

    /// Registers a record in channel `welding` with the suite's provider; returns its id.
    pub fn register_record(
        &mut self,
        owner: &Addr,
        hash: HexBinary,
        size: u64,
        level: Level,
        funds: &[Coin],
    ) -> Result<u64> {
        let res = self.app.execute_contract(
            owner.clone(),
            self.registry.clone(),
            &registry::ExecuteMsg::Register {
                channel: "welding".into(),
                hash: hash.clone(),
                size,
                level,
                locator: format!("assets/{}/manifest.json", hash.to_hex()),
                stream: None,
                client_timestamp: 1_700_000_000_000,
                provider: self.provider.to_string(),
            },
            funds,
        )?;
        Ok(attr(&res, "record_id")?.parse()?)
    }

    pub fn record(&self, id: u64) -> Record {
        self.app
            .wrap()
            .query_wasm_smart(&self.registry, &registry::QueryMsg::Record { id })
            .expect("record")
    }

    /// Lists a record for `amount` of the cw20 token; returns the asset id.
    pub fn tokenize(
        &mut self,
        owner: &Addr,
        record_id: u64,
        amount: u128,
        openness: Openness,
    ) -> Result<u64> {
        let res = self.app.execute_contract(
            owner.clone(),
            self.data_token.clone(),
            &token::ExecuteMsg::Tokenize {
                record_id,
                price: Price {
                    amount: Uint128::new(amount),
                    denom: Denom::Cw20(self.cw20.to_string()),
                },
                openness,
                metadata: AssetMetadata {
                    data_kind: "vibration".into(),
                    equipment: Some("welding-robot-A".into()),
                    sampling_rate_hz: Some(1_000),
                    time_range: None,
                    schema: Some("csv:t,ax,ay,az".into()),
                    description: "spindle vibration, one shift".into(),
                },
            },
            &[],
        )?;
        Ok(attr(&res, "asset_id")?.parse()?)
    }

    pub fn asset(&self, id: u64) -> Asset {
        self.app
            .wrap()
            .query_wasm_smart(&self.data_token, &token::QueryMsg::Asset { id })
            .expect("asset")
    }

    /// Buys an asset through cw20 `Send`; returns the sale id.
    pub fn buy(&mut self, buyer: &Addr, asset_id: u64, amount: u128, key_seed: u8) -> Result<u64> {
        let escrow = self.escrow.clone();
        let res = self.cw20_send(
            buyer,
            &escrow,
            amount,
            to_json_binary(&escrow::ReceiveMsg::Buy {
                asset_id,
                buyer_pubkey: pubkey(key_seed),
            })?,
        )?;
        Ok(attr(&res, "sale_id")?.parse()?)
    }

    pub fn sale(&self, id: u64) -> Sale {
        self.app
            .wrap()
            .query_wasm_smart(&self.escrow, &escrow::QueryMsg::Sale { id })
            .expect("sale")
    }

    /// Executes `msg` on `contract` as `sender` with no funds.
    pub fn exec<T: Serialize + std::fmt::Debug>(
        &mut self,
        sender: &Addr,
        contract: &Addr,
        msg: &T,
    ) -> Result<AppResponse> {
        self.app
            .execute_contract(sender.clone(), contract.clone(), msg, &[])
    }

    /// Executes an escrow message as `sender` with no funds.
    pub fn escrow_exec(&mut self, sender: &Addr, msg: &escrow::ExecuteMsg) -> Result<AppResponse> {
        self.app
            .execute_contract(sender.clone(), self.escrow.clone(), msg, &[])
    }

    pub fn submit_rekey(
        &mut self,
        seller: &Addr,
        sale_id: u64,
        kfrags: &[u8],
    ) -> Result<AppResponse> {
        self.escrow_exec(
            seller,
            &escrow::ExecuteMsg::SubmitReKey {
                sale_id,
                kfrags: Binary::from(kfrags),
            },
        )
    }

    pub fn report_delivery(&mut self, relayer: &Addr, sale_id: u64) -> Result<AppResponse> {
        self.escrow_exec(
            relayer,
            &escrow::ExecuteMsg::ReportDelivery {
                sale_id,
                cfrag_locator: format!("cfrags/{sale_id}.bin"),
                cfrag_hash: test_hash(10_000 + sale_id),
            },
        )
    }
}
