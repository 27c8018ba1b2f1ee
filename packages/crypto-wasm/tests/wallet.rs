//! The wallet's whole sale path, natively: a seller grants from its mnemonic, the relayer
//! re-encrypts exactly as the daemon does (`twinshare_crypto::relay`), the buyer downloads
//! fragment by fragment and gets the registered root; and each way it must refuse.

use twinshare_crypto::sharing::encode_cfrags;
use twinshare_crypto::{relay, seal_bytes, Codec, MasterKey, PublicKey, SealedData};
use twinshare_crypto_wasm::{sha256_hex, Download, Identity, WalletError};

/// The "abandon ... about" phrase and its keys pinned in twinshare-crypto (keys.rs): the same
/// as `twinshare keys` for this phrase.
const ABANDON: &str = "abandon abandon abandon abandon abandon abandon abandon abandon \
                       abandon abandon abandon about";
const ABANDON_VERIFYING: &str =
    "02c574bff71f69b95b3155d139de56a21a2b08bf1ede4cdb364ad78ab1ce15de03";
const ABANDON_RECEIVING: &str =
    "03f1c7fbdfd55fad659816013c1ad50287796a9e20dd70353ad78230f49bf597cf";

const ASSET: &str = "0123456789abcdef0123456789abcdef";

fn mnemonic(byte: u8) -> String {
    bip39::Mnemonic::from_entropy(&[byte; 16])
        .unwrap()
        .to_string()
}

struct Sale {
    seller: Identity,
    buyer: Identity,
    buyer_master: MasterKey,
    relayer: MasterKey,
    sealed: SealedData,
    data: Vec<u8>,
}

impl Sale {
    /// The seller's upload of `len` bytes in fragments of 100, as the uploader lays them out.
    fn new(len: usize) -> Self {
        let seller_phrase = mnemonic(1);
        let seller_master = MasterKey::from_mnemonic(&seller_phrase).unwrap();
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 253) as u8).collect();
        let sealed = seal_bytes(
            &data,
            100,
            &seller_master
                .delegating_key(ASSET.as_bytes())
                .unwrap()
                .public_key(),
            &seller_master.verifying_public_key(),
            |i| format!("assets/{ASSET}/{i:08}.frag"),
        )
        .unwrap();
        Self {
            seller: Identity::from_mnemonic(&seller_phrase).unwrap(),
            buyer: Identity::from_mnemonic(&mnemonic(2)).unwrap(),
            buyer_master: MasterKey::from_mnemonic(&mnemonic(2)).unwrap(),
            relayer: MasterKey::from_mnemonic(&mnemonic(3)).unwrap(),
            sealed,
            data,
        }
    }

    fn manifest_json(&self) -> String {
        self.sealed.manifest.to_json()
    }

    fn root_hex(&self) -> String {
        hex::encode(self.sealed.manifest.root)
    }

    /// The page's grant, then the relayer daemon's step on the bytes it reads from the chain.
    fn granted_cfrags(&self) -> Vec<u8> {
        let sealed_kfrags = self
            .seller
            .grant(
                ASSET,
                &self.buyer.receiving_public_key_hex(),
                &self.relayer.relayer_key().public_key().to_hex(),
                &self.manifest_json(),
            )
            .unwrap();
        let m = &self.sealed.manifest;
        let cfrags = relay(
            &self.relayer.relayer_key(),
            &sealed_kfrags,
            &m.capsule,
            &m.verifying_public_key,
            &m.delegating_public_key,
            &PublicKey::from_hex(&self.buyer.receiving_public_key_hex()).unwrap(),
        )
        .unwrap();
        encode_cfrags(&cfrags).unwrap()
    }

    fn download(&self, cfrags: &[u8]) -> Result<Download, WalletError> {
        Download::new(
            &self.buyer,
            &self.manifest_json(),
            &self.root_hex(),
            cfrags,
            Some(&self.seller.verifying_key_hex()),
        )
    }
}

#[test]
fn identity_has_the_cli_keys_and_refuses_bad_mnemonics() {
    let id = Identity::from_mnemonic(ABANDON).unwrap();
    assert_eq!(id.verifying_key_hex(), ABANDON_VERIFYING);
    assert_eq!(id.receiving_public_key_hex(), ABANDON_RECEIVING);
    let err = Identity::from_mnemonic("abandon abandon abandon").unwrap_err();
    assert!(err.to_string().starts_with("invalid mnemonic:"), "{err}");
    assert!(!format!("{id:?}").contains("abandon"));
}

#[test]
fn grant_relay_download_round_trip() {
    let sale = Sale::new(1234);
    let cfrags = sale.granted_cfrags();
    let mut d = sale.download(&cfrags).unwrap();
    assert_eq!(d.fragment_count(), 13);
    assert_eq!(d.total_size(), 1234);
    assert_eq!(
        d.fragment_locator(12).unwrap(),
        format!("assets/{ASSET}/00000012.frag")
    );
    assert_eq!(d.fragment_size(12).unwrap(), 34);
    assert!(d.fragment_locator(13).is_err());
    // Out of order, as parallel fetches complete.
    let mut plain = vec![Vec::new(); 13];
    for i in (0..13u32).rev() {
        plain[i as usize] = d
            .decrypt_fragment(i, &sale.sealed.ciphertexts[i as usize])
            .unwrap();
    }
    assert_eq!(plain.concat(), sale.data);
    assert_eq!(d.finish().unwrap(), sale.root_hex());
    // Without the chain's verifying key the manifest's is used; for an honest manifest the
    // same.
    let d = Download::new(
        &sale.buyer,
        &sale.manifest_json(),
        &sale.root_hex(),
        &cfrags,
        None,
    );
    assert!(d.is_ok());
}

#[test]
fn tampered_fragment_is_refused_and_finish_waits_for_all() {
    let sale = Sale::new(450);
    let mut d = sale.download(&sale.granted_cfrags()).unwrap();
    let mut bad = sale.sealed.ciphertexts[1].clone();
    bad[30] ^= 0x80;
    let err = d.decrypt_fragment(1, &bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("fragment 1 failed verification"),
        "{err}"
    );
    // Fragment 0's bytes offered as fragment 1.
    let err = d
        .decrypt_fragment(1, &sale.sealed.ciphertexts[0])
        .unwrap_err();
    assert!(matches!(err, WalletError::FragmentFailed { index: 1, .. }));
    for i in [0u32, 2, 3] {
        d.decrypt_fragment(i, &sale.sealed.ciphertexts[i as usize])
            .unwrap();
    }
    // Fragment 1 was never decrypted: no root.
    let err = d.finish().unwrap_err().to_string();
    assert!(err.contains("fragment 1 is missing"), "{err}");
    d.decrypt_fragment(1, &sale.sealed.ciphertexts[1]).unwrap();
    d.decrypt_fragment(4, &sale.sealed.ciphertexts[4]).unwrap();
    assert_eq!(d.finish().unwrap(), sale.root_hex());
}

#[test]
fn manifest_not_matching_the_chain_is_refused() {
    let sale = Sale::new(300);
    let cfrags = sale.granted_cfrags();
    let mut other = sale.sealed.manifest.root;
    other[0] ^= 1;
    let err = Download::new(
        &sale.buyer,
        &sale.manifest_json(),
        &hex::encode(other),
        &cfrags,
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("manifest root does not match the chain"),
        "{err}"
    );
    // 0x-prefixed roots are accepted, malformed ones named.
    assert!(Download::new(
        &sale.buyer,
        &sale.manifest_json(),
        &format!("0x{}", sale.root_hex()),
        &cfrags,
        None
    )
    .is_ok());
    let err = Download::new(&sale.buyer, &sale.manifest_json(), "abcd", &cfrags, None).unwrap_err();
    assert!(err.to_string().contains("2 bytes, expected 32"), "{err}");
}

#[test]
fn cfrags_open_only_for_the_buyer_and_the_seller_key() {
    let sale = Sale::new(300);
    let cfrags = sale.granted_cfrags();
    // Another identity (the seller itself) cannot use the buyer's cfrags.
    let err = Download::new(
        &sale.seller,
        &sale.manifest_json(),
        &sale.root_hex(),
        &cfrags,
        None,
    )
    .unwrap_err();
    assert!(matches!(err, WalletError::CannotOpen { .. }), "{err}");
    // A verifying key other than the seller's (here the buyer's) fails the cfrag check.
    let err = Download::new(
        &sale.buyer,
        &sale.manifest_json(),
        &sale.root_hex(),
        &cfrags,
        Some(&sale.buyer.verifying_key_hex()),
    )
    .unwrap_err();
    assert!(matches!(err, WalletError::CannotOpen { .. }), "{err}");
    // Garbage cfrags.
    assert!(sale.download(&[1, 0, 1, 7]).is_err());
    // The buyer master key the test holds is the identity's.
    assert_eq!(
        sale.buyer_master.receiving_key().public_key().to_hex(),
        sale.buyer.receiving_public_key_hex()
    );
}

#[test]
fn grant_refuses_the_wrong_asset_or_owner() {
    let sale = Sale::new(300);
    let buyer = sale.buyer.receiving_public_key_hex();
    let relayer = sale.relayer.relayer_key().public_key().to_hex();
    let json = sale.manifest_json();
    let err = sale
        .seller
        .grant("another-asset", &buyer, &relayer, &json)
        .unwrap_err();
    assert!(err.to_string().contains("not the owner's"), "{err}");
    let err = sale
        .buyer
        .grant(ASSET, &buyer, &relayer, &json)
        .unwrap_err();
    assert!(err.to_string().contains("not the owner's"), "{err}");
    let err = sale
        .seller
        .grant(
            &format!("assets/{ASSET}/manifest.json"),
            &buyer,
            &relayer,
            &json,
        )
        .unwrap_err();
    assert!(err.to_string().contains("is a path"), "{err}");
    assert!(sale.seller.grant(ASSET, "02ab", &relayer, &json).is_err());
    assert!(sale.seller.grant(ASSET, &buyer, &relayer, "{}").is_err());
}

#[test]
fn sha256_hex_is_sha256() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
