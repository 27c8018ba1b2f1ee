//! The JS surface fixed by docs/web-crypto-api.md: thin wrappers over [`crate::wallet`] that turn
//! errors into JS `Error`s with the same messages. Nothing here decides anything.

use wasm_bindgen::prelude::*;

use crate::wallet::{self, WalletError};

fn js(e: WalletError) -> JsError {
    JsError::new(&e.to_string())
}

/// One party's Umbral keys (JS `Identity`).
#[wasm_bindgen(js_name = Identity)]
pub struct JsIdentity(wallet::Identity);

#[wasm_bindgen(js_class = Identity)]
impl JsIdentity {
    /// BIP39 mnemonic (12-24 English words), empty passphrase: the keys of `twinshare keys`.
    #[wasm_bindgen(js_name = fromMnemonic)]
    pub fn from_mnemonic(mnemonic: &str) -> Result<JsIdentity, JsError> {
        wallet::Identity::from_mnemonic(mnemonic)
            .map(JsIdentity)
            .map_err(js)
    }

    /// The party key registered on chain.
    #[wasm_bindgen(js_name = verifyingKeyHex)]
    pub fn verifying_key_hex(&self) -> String {
        self.0.verifying_key_hex()
    }

    /// What a buyer sends as `buyer_pubkey`.
    #[wasm_bindgen(js_name = receivingPublicKeyHex)]
    pub fn receiving_public_key_hex(&self) -> String {
        self.0.receiving_public_key_hex()
    }

    /// The sealed kfrags for `SubmitReKey` (base64 them into the message).
    pub fn grant(
        &self,
        #[wasm_bindgen(js_name = assetId)] asset_id: &str,
        #[wasm_bindgen(js_name = buyerPubkeyHex)] buyer_pubkey_hex: &str,
        #[wasm_bindgen(js_name = relayerPubkeyHex)] relayer_pubkey_hex: &str,
        #[wasm_bindgen(js_name = manifestJson)] manifest_json: &str,
    ) -> Result<Vec<u8>, JsError> {
        self.0
            .grant(
                asset_id,
                buyer_pubkey_hex,
                relayer_pubkey_hex,
                manifest_json,
            )
            .map_err(js)
    }
}

/// A buyer's verified download of one sale (JS `Download`).
#[wasm_bindgen(js_name = Download)]
pub struct JsDownload(wallet::Download);

#[wasm_bindgen(js_class = Download)]
impl JsDownload {
    /// `verifyingKeyHex`: the seller's party key from the chain (the manifest's when omitted).
    #[wasm_bindgen(constructor)]
    pub fn new(
        identity: &JsIdentity,
        #[wasm_bindgen(js_name = manifestJson)] manifest_json: &str,
        #[wasm_bindgen(js_name = registeredRootHex)] registered_root_hex: &str,
        #[wasm_bindgen(js_name = cfragBytes)] cfrag_bytes: &[u8],
        #[wasm_bindgen(js_name = verifyingKeyHex)] verifying_key_hex: Option<String>,
    ) -> Result<JsDownload, JsError> {
        wallet::Download::new(
            &identity.0,
            manifest_json,
            registered_root_hex,
            cfrag_bytes,
            verifying_key_hex.as_deref(),
        )
        .map(JsDownload)
        .map_err(js)
    }

    #[wasm_bindgen(js_name = fragmentCount)]
    pub fn fragment_count(&self) -> u32 {
        self.0.fragment_count()
    }

    #[wasm_bindgen(js_name = fragmentLocator)]
    pub fn fragment_locator(&self, i: u32) -> Result<String, JsError> {
        self.0.fragment_locator(i).map_err(js)
    }

    /// Plaintext bytes (a JS number: sizes stay far below 2^53).
    #[wasm_bindgen(js_name = fragmentSize)]
    pub fn fragment_size(&self, i: u32) -> Result<f64, JsError> {
        self.0.fragment_size(i).map(|s| s as f64).map_err(js)
    }

    /// Plaintext bytes of the whole asset, for a progress bar.
    #[wasm_bindgen(js_name = totalSize)]
    pub fn total_size(&self) -> f64 {
        self.0.total_size() as f64
    }

    #[wasm_bindgen(js_name = decryptFragment)]
    pub fn decrypt_fragment(&mut self, i: u32, sealed: &[u8]) -> Result<Vec<u8>, JsError> {
        self.0.decrypt_fragment(i, sealed).map_err(js)
    }

    pub fn finish(&self) -> Result<String, JsError> {
        self.0.finish().map_err(js)
    }
}

/// Recomputes packages/crypto/test-vectors/v1.json; its root when every vector holds.
#[wasm_bindgen(js_name = testVectorRoot)]
pub fn test_vector_root(
    #[wasm_bindgen(js_name = vectorsJson)] vectors_json: &str,
) -> Result<String, JsError> {
    crate::vectors::test_vector_root(vectors_json).map_err(js)
}

#[wasm_bindgen(js_name = sha256Hex)]
pub fn sha256_hex(bytes: &[u8]) -> String {
    wallet::sha256_hex(bytes)
}
