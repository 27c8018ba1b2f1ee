//! Stream epochs: the payloads behind a run of anchored claims, sealed and stored through the
//! uploader library as one asset (one Umbral capsule) per epoch. The epoch's delegating key comes
//! from the owner's master key and the epoch id (the uploader's per-asset key), so a buyer of an
//! epoch gets a re-key for that epoch only, and checks each record against its leaf.
//!
//! The plaintext of an epoch object:
//!
//! ```text
//! "TSEPOCH1" | u32 BE header length | header JSON | payload 0 | payload 1 | ...
//! header = {"owner", "stream", "sensor_pubkey", "records": [{"seq","timestamp","size"}, ...]}
//! ```
//!
//! Payloads follow in header order, each `size` bytes, so each record's claim
//! (`hash` = SHA-256(payload)) is recomputed from the object alone.

use cosmwasm_std::HexBinary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use twinshare_crypto::MasterKey;
use twinshare_types::claims::ClaimRecord;
use twinshare_uploader::{
    AssetId, DownloadOptions, DownloadReport, Downloader, NoProgress, Opener, Operator,
    UploadOptions, Uploader,
};

use crate::batch::record_of;
use crate::error::{Error, Result};

/// The first bytes of every epoch object.
pub const MAGIC: &[u8; 8] = b"TSEPOCH1";
/// Largest header accepted when reading (a header lists at most a few 100k records).
pub const MAX_HEADER: usize = 64 << 20;

/// One record of an epoch (its payload is stored after the header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    pub seq: u64,
    pub timestamp: u64,
    pub size: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Header {
    owner: String,
    stream: String,
    sensor_pubkey: HexBinary,
    records: Vec<EpochEntry>,
}

/// The records of one stream over one stretch of time, with their payloads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Epoch {
    pub owner: String,
    pub stream: String,
    pub sensor_pubkey: HexBinary,
    pub entries: Vec<EpochEntry>,
    pub payloads: Vec<Vec<u8>>,
}

/// The asset id of the epoch of `owner`'s `stream` that starts at `first_seq`:
/// `epoch-<16 hex of SHA-256(owner, stream)>-<first_seq>` (asset ids allow no `/`).
pub fn epoch_id(owner: &str, stream: &str, first_seq: u64) -> Result<AssetId> {
    let mut h = Sha256::new();
    h.update((owner.len() as u32).to_be_bytes());
    h.update(owner.as_bytes());
    h.update(stream.as_bytes());
    let tag = hex::encode(&h.finalize()[..8]);
    Ok(AssetId::new(format!("epoch-{tag}-{first_seq}"))?)
}

impl Epoch {
    pub fn new(owner: &str, stream: &str, sensor_pubkey: &[u8]) -> Epoch {
        Epoch {
            owner: owner.to_string(),
            stream: stream.to_string(),
            sensor_pubkey: HexBinary::from(sensor_pubkey.to_vec()),
            entries: Vec::new(),
            payloads: Vec::new(),
        }
    }

    /// Appends a record whose claim the daemon accepted.
    pub fn push(&mut self, seq: u64, timestamp: u64, payload: Vec<u8>) -> Result<()> {
        let size = u32::try_from(payload.len())
            .map_err(|_| Error::Invalid(format!("record {seq}: payload over 4 GiB")))?;
        if let Some(last) = self.entries.last() {
            if seq != last.seq + 1 {
                return Err(Error::Invalid(format!(
                    "epoch of {:?}: record {seq} does not follow {}",
                    self.stream, last.seq
                )));
            }
        }
        self.entries.push(EpochEntry {
            seq,
            timestamp,
            size,
        });
        self.payloads.push(payload);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn first_seq(&self) -> Option<u64> {
        self.entries.first().map(|e| e.seq)
    }

    pub fn payload_bytes(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.size)).sum()
    }

    /// The asset id this epoch is stored under.
    pub fn id(&self) -> Result<AssetId> {
        let first = self
            .first_seq()
            .ok_or_else(|| Error::Invalid("an empty epoch has no id".into()))?;
        epoch_id(&self.owner, &self.stream, first)
    }

    /// The claim of each record, recomputed from its payload.
    pub fn claims(&self) -> Result<Vec<ClaimRecord>> {
        self.entries
            .iter()
            .zip(&self.payloads)
            .map(|(e, p)| record_of(&self.stream, e.seq, e.timestamp, p))
            .collect()
    }

    /// The epoch object's plaintext.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let header = serde_json::to_vec(&Header {
            owner: self.owner.clone(),
            stream: self.stream.clone(),
            sensor_pubkey: self.sensor_pubkey.clone(),
            records: self.entries.clone(),
        })
        .map_err(|e| Error::Invalid(format!("epoch header: {e}")))?;
        let len = u32::try_from(header.len())
            .map_err(|_| Error::Invalid("epoch header over 4 GiB".into()))?;
        let mut out = Vec::with_capacity(12 + header.len() + self.payload_bytes() as usize);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&header);
        for p in &self.payloads {
            out.extend_from_slice(p);
        }
        Ok(out)
    }

    /// Parses an epoch object's plaintext.
    pub fn decode(bytes: &[u8]) -> Result<Epoch> {
        let bad = |why: &str| Error::BadEpoch(why.to_string());
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(bad("no TSEPOCH1 magic"));
        }
        let len = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        if len > MAX_HEADER || bytes.len() < 12 + len {
            return Err(bad("the header is longer than the object"));
        }
        let header: Header = serde_json::from_slice(&bytes[12..12 + len])
            .map_err(|e| Error::BadEpoch(format!("header: {e}")))?;
        let mut rest = &bytes[12 + len..];
        let mut payloads = Vec::with_capacity(header.records.len());
        for e in &header.records {
            let size = e.size as usize;
            if rest.len() < size {
                return Err(bad("a payload is cut short"));
            }
            payloads.push(rest[..size].to_vec());
            rest = &rest[size..];
        }
        if !rest.is_empty() {
            return Err(bad("bytes after the last payload"));
        }
        Ok(Epoch {
            owner: header.owner,
            stream: header.stream,
            sensor_pubkey: header.sensor_pubkey,
            entries: header.records,
            payloads,
        })
    }
}

/// Where an epoch went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredEpoch {
    pub asset_id: String,
    /// The manifest's object name: what `stream verify --epoch` takes.
    pub locator: String,
    pub stream: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub records: u64,
    pub payload_bytes: u64,
    /// Bytes of the sealed object's plaintext (header + payloads).
    pub object_bytes: u64,
    /// The manifest's Merkle root over the plaintext fragments.
    pub root: String,
}

/// Seals `epoch` under `owner`'s master key (one capsule) and stores it on `op`.
pub async fn store(op: &Operator, owner: &MasterKey, epoch: &Epoch) -> Result<StoredEpoch> {
    let asset = epoch.id()?;
    let bytes = epoch.encode()?;
    let uploader = Uploader::new(op.clone(), owner.clone(), UploadOptions::default())?;
    let report = uploader
        .upload_reader(
            bytes.as_slice(),
            asset.as_str(),
            Some(asset.clone()),
            Some(bytes.len() as u64),
            &NoProgress,
        )
        .await?;
    Ok(StoredEpoch {
        asset_id: report.asset_id,
        locator: report.manifest,
        stream: epoch.stream.clone(),
        first_seq: epoch.first_seq().unwrap_or_default(),
        last_seq: epoch.entries.last().map(|e| e.seq).unwrap_or_default(),
        records: epoch.len() as u64,
        payload_bytes: epoch.payload_bytes(),
        object_bytes: bytes.len() as u64,
        root: report.root,
    })
}

/// An epoch as fetched: its records and what the download checked (root, sizes).
#[derive(Clone, Debug)]
pub struct Opened {
    pub epoch: Epoch,
    pub report: DownloadReport,
}

/// Fetches, decrypts (as the owner, or as a buyer with cfrags) and parses an epoch.
pub async fn load(op: &Operator, asset: &AssetId, opener: Opener) -> Result<Epoch> {
    Ok(open(op, asset, opener, None).await?.epoch)
}

/// [`load`], and when `expect_root` is given (a record's hash on chain) the manifest must carry
/// that root and the plaintext must hash to it.
pub async fn open(
    op: &Operator,
    asset: &AssetId,
    opener: Opener,
    expect_root: Option<[u8; 32]>,
) -> Result<Opened> {
    let mut bytes = Vec::new();
    let options = DownloadOptions {
        expect_root,
        ..DownloadOptions::default()
    };
    let report = Downloader::new(op.clone(), options)
        .download_to_writer(asset, opener, &mut bytes, &NoProgress)
        .await?;
    Ok(Opened {
        epoch: Epoch::decode(&bytes)?,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use twinshare_types::claims::leaf_bytes;
    use twinshare_uploader::StorageConfig;

    fn epoch(first: u64, n: u64) -> Epoch {
        let mut e = Epoch::new("wasm1owner", "press-7/vib", &[2u8; 33]);
        for seq in first..first + n {
            let payload = format!("{seq},0.{seq},-0.5,1.25").into_bytes();
            e.push(seq, 1_700_000_000_000 + seq, payload).expect("push");
        }
        e
    }

    #[test]
    fn encoding_round_trips_and_rejects_damage() {
        let e = epoch(40, 5);
        let bytes = e.encode().expect("encode");
        assert_eq!(Epoch::decode(&bytes).expect("decode"), e);
        assert!(Epoch::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Epoch::decode(&longer).is_err());
        assert!(Epoch::decode(b"TSEPOCH0xxxxxxxx").is_err());
        let mut gap = e.clone();
        assert!(gap.push(50, 1, vec![1]).is_err());
    }

    #[test]
    fn ids_separate_owners_streams_and_epochs() {
        let a = epoch_id("o", "s/1", 0).expect("id");
        assert!(a.as_str().starts_with("epoch-"));
        assert_ne!(a, epoch_id("o", "s/2", 0).expect("id"));
        assert_ne!(a, epoch_id("p", "s/1", 0).expect("id"));
        assert_ne!(a, epoch_id("o", "s/1", 1).expect("id"));
        assert_eq!(
            epoch(7, 2).id().expect("id"),
            epoch_id("wasm1owner", "press-7/vib", 7).expect("id")
        );
        assert!(Epoch::default().id().is_err());
    }

    #[tokio::test]
    async fn stored_epochs_open_for_the_owner_only_and_give_back_the_leaves() {
        let op = StorageConfig::memory().build().expect("memory");
        let owner = MasterKey::from_seed(&[9u8; 32]).expect("key");
        let e = epoch(0, 20);
        let stored = store(&op, &owner, &e).await.expect("store");
        assert_eq!(
            (stored.first_seq, stored.last_seq, stored.records),
            (0, 19, 20)
        );
        let asset = AssetId::from_locator(&stored.locator).expect("locator");
        let back = load(&op, &asset, Opener::Owner(owner)).await.expect("load");
        assert_eq!(back, e);
        let leaves: Vec<Vec<u8>> = back
            .claims()
            .expect("claims")
            .iter()
            .map(|r| leaf_bytes("wasm1owner", r))
            .collect();
        let expected: Vec<Vec<u8>> = e
            .claims()
            .expect("claims")
            .iter()
            .map(|r| leaf_bytes("wasm1owner", r))
            .collect();
        assert_eq!(leaves, expected);
        let stranger = MasterKey::from_seed(&[8u8; 32]).expect("key");
        assert!(load(&op, &asset, Opener::Owner(stranger)).await.is_err());
    }

    #[tokio::test]
    async fn a_buyer_opens_an_epoch_with_its_cfrags_and_the_root_is_checked() {
        use twinshare_crypto::Threshold;
        use twinshare_uploader::{sharing, storage, SaleId};

        let op = StorageConfig::memory().build().expect("memory");
        let (owner, buyer, relayer) = (
            MasterKey::from_seed(&[1u8; 32]).expect("key"),
            MasterKey::from_seed(&[2u8; 32]).expect("key"),
            MasterKey::from_seed(&[3u8; 32]).expect("key"),
        );
        let e = epoch(100, 30);
        let stored = store(&op, &owner, &e).await.expect("store");
        let asset = AssetId::from_locator(&stored.locator).expect("locator");
        let buyer_pk = buyer.receiving_key().public_key();
        let sealed = sharing::grant(
            &owner,
            &asset,
            &buyer_pk,
            &relayer.relayer_key().public_key(),
            Threshold::default(),
        )
        .expect("grant");
        let sale = SaleId::new("9").expect("sale id");
        sharing::reencrypt_to_storage(&op, &relayer, &asset, &sale, &sealed, &buyer_pk)
            .await
            .expect("re-encrypt");
        let cfrags = storage::get_cfrags(&op, &asset, &sale)
            .await
            .expect("cfrags");
        let as_buyer = || Opener::Buyer {
            master: buyer.clone(),
            cfrags: cfrags.clone(),
            verifying_key: Some(owner.verifying_public_key()),
        };
        let mut root = [0u8; 32];
        hex::decode_to_slice(&stored.root, &mut root).expect("root hex");
        let opened = open(&op, &asset, as_buyer(), Some(root))
            .await
            .expect("the buyer opens it");
        assert_eq!(opened.epoch, e);
        assert_eq!(opened.report.root, stored.root);
        // Another root (a record of other data) is refused before anything is decrypted.
        let mut other = root;
        other[0] ^= 1;
        let err = open(&op, &asset, as_buyer(), Some(other))
            .await
            .expect_err("wrong root");
        assert!(err.to_string().contains("root"), "{err}");
    }

    #[tokio::test]
    async fn an_object_that_is_not_an_epoch_says_so() {
        let op = StorageConfig::memory().build().expect("memory");
        let owner = MasterKey::from_seed(&[5u8; 32]).expect("key");
        let uploader =
            Uploader::new(op.clone(), owner.clone(), UploadOptions::default()).expect("uploader");
        let report = uploader
            .upload_reader(&b"t,ax\n1,0.5\n"[..], "-", None, None, &NoProgress)
            .await
            .expect("upload");
        let asset = AssetId::from_locator(&report.manifest).expect("locator");
        let err = open(&op, &asset, Opener::Owner(owner), None)
            .await
            .expect_err("a CSV file is no epoch");
        assert!(matches!(err, Error::BadEpoch(_)), "{err:?}");
        assert!(err.to_string().contains("not a stream epoch"), "{err}");
    }
}
