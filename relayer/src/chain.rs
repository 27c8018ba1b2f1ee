//! The chain handle: every query and tx of the relayer, behind one type. It reads sales from
//! the escrow, assets from data-token, records and party keys from data-registry, and sends
//! the delivery reports (several in one tx) as the relayer's account.

use std::time::Duration;

use cosmwasm_std::HexBinary;
use twinshare_client::{ChainClient, Key, Msg, Signer, TxOutcome};
use twinshare_types::escrow::{self, Sale, SalesResponse};
use twinshare_types::registry::{self, Party, Record};
use twinshare_types::token::{self, Asset};

use crate::config::ChainSettings;
use crate::error::ChainError;

/// Page size of the `PendingDeliveries` sweep.
const PAGE: u32 = 30;

/// One delivery report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub sale_id: u64,
    pub cfrag_locator: String,
    /// SHA-256 of the stored cfrag bytes.
    pub cfrag_hash: [u8; 32],
}

/// The relayer's view of the chain.
#[derive(Clone, Debug)]
pub struct ChainHandle {
    client: ChainClient,
    signer: Signer,
    pub escrow: String,
    pub data_registry: String,
    pub data_token: String,
}

impl ChainHandle {
    /// A handle for `settings`, signing with `account` (no request is made yet).
    pub fn new(settings: &ChainSettings, account: Key) -> Result<Self, ChainError> {
        let client = ChainClient::new(settings.config.clone())
            .map_err(|e| ChainError::client("chain client", e))?;
        Ok(Self {
            signer: Signer::new(client.clone(), account),
            client,
            escrow: settings.escrow.clone(),
            data_registry: settings.data_registry.clone(),
            data_token: settings.data_token.clone(),
        })
    }

    /// Checks that the node answers and runs the configured chain; its height.
    pub async fn check(&self) -> Result<u64, ChainError> {
        let status = self
            .client
            .status()
            .await
            .map_err(|e| ChainError::client("node status", e))?;
        let expected = &self.client.config().chain_id;
        if &status.chain_id != expected {
            return Err(ChainError::client(
                "node status",
                twinshare_client::Error::ChainIdMismatch {
                    url: self.rpc_url().to_string(),
                    expected: expected.clone(),
                    actual: status.chain_id,
                },
            ));
        }
        Ok(status.latest_block_height)
    }

    pub fn client(&self) -> &ChainClient {
        &self.client
    }

    pub fn address(&self) -> &str {
        self.signer.address()
    }

    /// The relayer's signer; the anchoring service sends with it too, so the account's
    /// sequence is shared.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    pub fn rpc_url(&self) -> &str {
        &self.client.config().rpc_url
    }

    /// Latest height and block time (ns since the Unix epoch).
    pub async fn tip(&self) -> Result<(u64, u128), ChainError> {
        let status = self
            .client
            .status()
            .await
            .map_err(|e| ChainError::client("node status", e))?;
        let time = twinshare_client::cosmrs::tendermint::Time::parse_from_rfc3339(
            &status.latest_block_time,
        )
        .map_err(|e| ChainError::Unexpected {
            what: "node status".into(),
            reason: format!("block time {:?}: {e}", status.latest_block_time),
        })?;
        let nanos = time
            .duration_since(twinshare_client::cosmrs::tendermint::Time::unix_epoch())
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Ok((status.latest_block_height, nanos))
    }

    pub async fn height(&self) -> Result<u64, ChainError> {
        self.client
            .height()
            .await
            .map_err(|e| ChainError::client("chain height", e))
    }

    pub async fn sale(&self, id: u64) -> Result<Sale, ChainError> {
        self.client
            .query_smart(&self.escrow, &escrow::QueryMsg::Sale { id })
            .await
            .map_err(|e| ChainError::client(format!("sale {id}"), e))
    }

    pub async fn asset(&self, id: u64) -> Result<Asset, ChainError> {
        self.client
            .query_smart(&self.data_token, &token::QueryMsg::Asset { id })
            .await
            .map_err(|e| ChainError::client(format!("asset {id}"), e))
    }

    pub async fn record(&self, id: u64) -> Result<Record, ChainError> {
        self.client
            .query_smart(&self.data_registry, &registry::QueryMsg::Record { id })
            .await
            .map_err(|e| ChainError::client(format!("record {id}"), e))
    }

    /// The party key `address` registered in data-registry (for a seller: its verifying key).
    pub async fn party(&self, address: &str) -> Result<Party, ChainError> {
        self.client
            .query_smart(
                &self.data_registry,
                &registry::QueryMsg::Party {
                    address: address.to_string(),
                },
            )
            .await
            .map_err(|e| ChainError::client(format!("party {address}"), e))
    }

    /// Every sale whose delivery the escrow awaits from this relayer.
    pub async fn pending_deliveries(&self) -> Result<Vec<Sale>, ChainError> {
        let mut out = Vec::new();
        let mut start_after = None;
        loop {
            let page: SalesResponse = self
                .client
                .query_smart(
                    &self.escrow,
                    &escrow::QueryMsg::PendingDeliveries {
                        relayer: self.address().to_string(),
                        start_after,
                        limit: Some(PAGE),
                    },
                )
                .await
                .map_err(|e| ChainError::client("pending deliveries", e))?;
            let n = page.sales.len();
            start_after = page.sales.last().map(|s| s.id);
            out.extend(page.sales);
            if n < PAGE as usize {
                return Ok(out);
            }
        }
    }

    /// Reports `deliveries` in one tx and waits for it to be included.
    pub async fn report_deliveries(
        &self,
        deliveries: &[Delivery],
    ) -> Result<TxOutcome, ChainError> {
        let msgs = deliveries
            .iter()
            .map(|d| {
                Msg::execute(
                    &self.escrow,
                    &escrow::ExecuteMsg::ReportDelivery {
                        sale_id: d.sale_id,
                        cfrag_locator: d.cfrag_locator.clone(),
                        cfrag_hash: HexBinary::from(d.cfrag_hash.to_vec()),
                    },
                    vec![],
                )
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ChainError::client("delivery message", e))?;
        let ids: Vec<u64> = deliveries.iter().map(|d| d.sale_id).collect();
        self.signer
            .send(msgs)
            .await
            .map_err(|e| ChainError::client(format!("reporting delivery of sales {ids:?}"), e))
    }

    /// Waits for a tx the relayer sent before (its hash known), up to `timeout`.
    pub async fn wait_for_tx(
        &self,
        hash: &str,
        timeout: Duration,
    ) -> Result<TxOutcome, ChainError> {
        self.client
            .wait_for_tx(hash, timeout)
            .await
            .map_err(|e| ChainError::client(format!("tx {hash}"), e))
    }
}
