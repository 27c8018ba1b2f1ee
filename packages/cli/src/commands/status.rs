//! `twinshare status`.

use serde::Serialize;

use crate::config::NetworkSource;
use crate::context::Context;
use crate::error::Result;
use crate::output::Outcome;

#[derive(Debug, Serialize)]
struct Status {
    chain_id: String,
    rpc: String,
    network_source: NetworkSource,
    height: u64,
    block_time: String,
    node_version: String,
    contracts: twinshare_client::Contracts,
    storage: String,
    account: Option<AccountStatus>,
}

#[derive(Debug, Serialize)]
struct AccountStatus {
    key: String,
    address: String,
    native: u128,
    native_denom: String,
    cw20: u128,
    party_registered: bool,
    party_key_matches: Option<bool>,
}

/// `status`: the chain answers, the contracts, and with `--from` the account.
pub async fn status(ctx: &Context) -> Result<Outcome> {
    let (network, source) = ctx.network()?;
    let chain = crate::chain::Chain::connect(network.clone()).await?;
    let node = chain.client.status().await?;
    let account = match ctx.key_name() {
        Ok(name) => {
            let file = ctx.keystore.load(&name)?;
            let party = chain.party(&file.address).await?;
            Some(AccountStatus {
                native: chain.native_balance(&file.address, &network.denom).await?,
                native_denom: network.denom.clone(),
                cw20: chain.cw20_balance(&file.address).await?,
                party_registered: party.is_some(),
                party_key_matches: party.map(|p| p.pubkey.to_hex() == file.public_keys.verifying),
                key: name,
                address: file.address,
            })
        }
        Err(_) => None,
    };
    let s = Status {
        chain_id: node.chain_id.clone(),
        rpc: network.rpc.clone(),
        network_source: source.clone(),
        height: node.latest_block_height,
        block_time: node.latest_block_time.clone(),
        node_version: node.version.clone(),
        contracts: network.contracts.clone(),
        storage: ctx.storage_config()?.describe(),
        account,
    };
    let mut text = format!(
        "chain {} at {} (from {source}): height {}, block time {}, CometBFT {}\nstorage {}\n",
        s.chain_id, s.rpc, s.height, s.block_time, s.node_version, s.storage
    );
    if let Some(a) = &s.account {
        text.push_str(&format!(
            "key {} = {}\n  balance {} {} | {} TWIN units (cw20)\n  party: {}\n",
            a.key,
            a.address,
            a.native,
            a.native_denom,
            a.cw20,
            match (a.party_registered, a.party_key_matches) {
                (false, _) => "not registered (`twinshare party register`)".to_string(),
                (true, Some(false)) =>
                    "registered with ANOTHER key than this identity's; run `twinshare party register`"
                        .to_string(),
                _ => "registered".to_string(),
            }
        ));
    } else {
        text.push_str("(pass --from NAME to see an account)\n");
    }
    Outcome::new(&s, text)
}
