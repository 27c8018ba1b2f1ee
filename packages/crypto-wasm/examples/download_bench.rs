//! Native half of the Download throughput comparison (the Node half is
//! `scripts/web-wasm-check.mjs --bench DIR`): seals an asset of N MiB (default 100) in the
//! uploader's 4 MiB fragments, grants and relays it for a buyer, writes the fixture to DIR
//! laid out as the provider's storage (`assets/<id>/...`, plus `bench.json` with what the page
//! would read from the chain), then times the same `Download` natively and prints MiB/s.
//!
//!   cargo run --release -p twinshare-crypto-wasm --example download_bench -- DIR [MiB]

use std::path::Path;
use std::time::Instant;

use twinshare_crypto::sharing::encode_cfrags;
use twinshare_crypto::{relay, seal_bytes, Codec, MasterKey, PublicKey};
use twinshare_crypto_wasm::{Download, Identity};

const FRAGMENT_SIZE: usize = 4 << 20;
const ASSET: &str = "bench-download";
const ROUNDS: usize = 3;

/// Fixed DEV-ONLY mnemonics (all-same-byte entropy): a benchmark needs no secrecy.
fn mnemonic(byte: u8) -> String {
    bip39::Mnemonic::from_entropy(&[byte; 16])
        .map(|m| m.to_string())
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: download_bench DIR [MiB]")?;
    let mib: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(100);
    let dir = Path::new(&dir);

    let (seller_phrase, buyer_phrase) = (mnemonic(0x51), mnemonic(0xb7));
    let seller = MasterKey::from_mnemonic(&seller_phrase)?;
    let relayer = MasterKey::from_mnemonic(&mnemonic(0x3e))?;
    let buyer = Identity::from_mnemonic(&buyer_phrase)?;
    let data: Vec<u8> = (0..mib << 20).map(|i| (i * 131 % 251) as u8).collect();
    let sealed = seal_bytes(
        &data,
        FRAGMENT_SIZE,
        &seller.delegating_key(ASSET.as_bytes())?.public_key(),
        &seller.verifying_public_key(),
        |i| format!("assets/{ASSET}/{i:08}.frag"),
    )?;
    let m = &sealed.manifest;
    let sealed_kfrags = Identity::from_mnemonic(&seller_phrase)?.grant(
        ASSET,
        &buyer.receiving_public_key_hex(),
        &relayer.relayer_key().public_key().to_hex(),
        &m.to_json(),
    )?;
    let cfrags = encode_cfrags(&relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &m.capsule,
        &m.verifying_public_key,
        &m.delegating_public_key,
        &PublicKey::from_hex(&buyer.receiving_public_key_hex())?,
    )?)?;

    let asset_dir = dir.join("assets").join(ASSET);
    std::fs::create_dir_all(asset_dir.join("cfrags"))?;
    for (entry, c) in m.fragments.iter().zip(&sealed.ciphertexts) {
        std::fs::write(dir.join(&entry.locator), c)?;
    }
    std::fs::write(asset_dir.join("manifest.json"), m.to_json())?;
    std::fs::write(asset_dir.join("cfrags/1.bin"), &cfrags)?;
    let root = hex::encode(m.root);
    let meta = serde_json::json!({
        "buyer_mnemonic": buyer_phrase,
        "seller_verifying_key": seller.verifying_public_key().to_hex(),
        "root": root,
        "manifest": format!("assets/{ASSET}/manifest.json"),
        "cfrags": format!("assets/{ASSET}/cfrags/1.bin"),
        "mib": mib,
    });
    std::fs::write(dir.join("bench.json"), serde_json::to_string_pretty(&meta)?)?;

    // Decrypt + verify only (fragments already in memory), as the Node half measures.
    let json = m.to_json();
    let verifying = seller.verifying_public_key().to_hex();
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let mut d = Download::new(&buyer, &json, &root, &cfrags, Some(&verifying))?;
        let mut bytes = 0usize;
        for (i, c) in sealed.ciphertexts.iter().enumerate() {
            bytes += d.decrypt_fragment(u32::try_from(i)?, c)?.len();
        }
        assert_eq!(d.finish()?, root);
        assert_eq!(bytes, data.len());
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "native Download: {mib} MiB in {} fragments, best of {ROUNDS}: {:.3} s, {:.1} MiB/s (fixture in {})",
        m.fragments.len(),
        best,
        mib as f64 / best,
        dir.display()
    );
    Ok(())
}
