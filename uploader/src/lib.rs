//! TwinShare's uploader: cuts data into fragments, seals them client-side (one Umbral envelope
//! per asset, XChaCha20-Poly1305 per fragment, from `twinshare-crypto`) and stores them in any
//! OpenDAL backend; fetches, decrypts and verifies them again, as the owner or as a buyer.
//!
//! - [`storage`]: the backend from a URI or configuration, with retry, timeout and logging
//!   layers; manifest and cfrag objects (shared with the relayer).
//! - [`layout`]: object names (`assets/<asset-id>/manifest.json`, `.../<index:08>.frag`,
//!   `.../cfrags/<sale-id>.bin`).
//! - [`upload`]: the bounded streaming pipeline ([`Uploader`]).
//! - [`journal`]: the local journal that makes uploads resumable.
//! - [`download`]: fetch, verify, decrypt ([`Downloader`]).
//! - [`sharing`]: grant (kfrags sealed to a relayer) and re-encryption into storage.
//! - [`keys`]: master seeds from key files or hex.
//! - [`progress`]: progress callbacks and a terminal bar.
//! - [`paths`]: default local folders.
//!
//! ```no_run
//! # async fn demo() -> twinshare_uploader::Result<()> {
//! use twinshare_uploader::{
//!     progress::NoProgress, DownloadOptions, Downloader, Opener, StorageConfig, UploadOptions,
//!     Uploader,
//! };
//! let op = StorageConfig::parse("fs:///tmp/twinshare")?.build()?;
//! let owner = twinshare_crypto::MasterKey::random();
//! let uploader = Uploader::new(op.clone(), owner.clone(), UploadOptions::default())?;
//! let report = uploader
//!     .upload_file("data.bin".as_ref(), None, &NoProgress)
//!     .await?;
//! println!("{} {}", report.manifest, report.root);
//! let asset = report.asset_id.parse()?;
//! Downloader::new(op, DownloadOptions::default())
//!     .download_to_path(&asset, Opener::Owner(owner), "copy.bin".as_ref(), &NoProgress)
//!     .await?;
//! # Ok(())
//! # }
//! ```

pub mod download;
pub mod error;
pub mod journal;
pub mod keys;
pub mod layout;
pub mod paths;
pub mod progress;
pub mod sharing;
pub mod storage;
pub mod upload;

pub use download::{DownloadOptions, DownloadReport, Downloader, Opener};
pub use error::{Error, Result};
pub use journal::JournalStore;
pub use layout::{AssetId, SaleId};
pub use progress::{BarProgress, NoProgress, Progress};
pub use storage::{RetryPolicy, StorageConfig};
pub use upload::{UploadOptions, UploadReport, Uploader, DEFAULT_FRAGMENT_SIZE};

/// The operator type every API here takes.
pub use opendal::Operator;
