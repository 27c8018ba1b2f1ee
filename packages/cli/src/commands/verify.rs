//! `twinshare verify`: a local file against the chain.

use std::io::Read;
use std::path::Path;

use cosmwasm_std::HexBinary;
use serde::Serialize;
use twinshare_crypto::envelope::plaintext_hash;
use twinshare_crypto::merkle_root;
use twinshare_types::registry::{QueryMsg, Record};

use crate::chain::Chain;
use crate::cli::VerifyArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::output::Outcome;

/// The manifest root of a file cut in `fragment_size` pieces, its size and fragment count.
pub fn file_root(path: &Path, fragment_size: u64) -> Result<([u8; 32], u64, u64)> {
    if fragment_size == 0 {
        return Err(Error::Usage(
            "--fragment-size must be at least 1 byte".into(),
        ));
    }
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    let mut buf = vec![
        0u8;
        usize::try_from(fragment_size)
            .map_err(|_| Error::Usage("--fragment-size is too large".into()))?
    ];
    let mut hashes = Vec::new();
    let mut size = 0u64;
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let n = file
                .read(&mut buf[filled..])
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        size += filled as u64;
        hashes.push(plaintext_hash(&buf[..filled]));
        if filled < buf.len() {
            break;
        }
    }
    let root =
        merkle_root(&hashes).map_err(|_| Error::Usage(format!("{} is empty", path.display())))?;
    Ok((root, size, hashes.len() as u64))
}

/// The verdict.
#[derive(Debug, Serialize)]
pub struct Verified {
    pub file: String,
    pub root: String,
    pub size: u64,
    pub fragments: u64,
    pub registered: bool,
    pub record: Option<Record>,
}

/// Looks a root up on chain.
pub async fn record_by_root(chain: &Chain, root: &[u8; 32]) -> Result<Option<Record>> {
    chain
        .optional(chain.registry(&QueryMsg::RecordByHash {
            hash: HexBinary::from(root.to_vec()),
        }))
        .await
}

/// `verify`: not registered is an error (exit code 1), so scripts can branch on it.
pub async fn verify(ctx: &Context, args: &VerifyArgs) -> Result<Outcome> {
    let path = args.file.clone();
    let size = args.fragment_size;
    let (root, bytes, fragments) = tokio::task::spawn_blocking(move || file_root(&path, size))
        .await
        .map_err(|e| Error::Unexpected(format!("hashing task: {e}")))??;
    let chain = ctx.chain().await?;
    let record = record_by_root(&chain, &root).await?;
    let v = Verified {
        file: args.file.display().to_string(),
        root: hex::encode(root),
        size: bytes,
        fragments,
        registered: record.is_some(),
        record,
    };
    match &v.record {
        Some(r) => {
            let text = format!(
                "{}: root {} is record {} of {}, registered at height {} ({}) in channel {}{}",
                v.file,
                v.root,
                r.id,
                r.owner,
                r.height,
                r.registered_at,
                r.channel,
                r.stream
                    .as_ref()
                    .map(|s| format!(", stream {s}"))
                    .unwrap_or_default()
            );
            Outcome::new(&v, text)
        }
        None => Err(Error::Verification(format!(
            "{}: root {} ({} fragment(s) of {} bytes) is not registered on chain: the file differs from every registered record, or was uploaded with another --fragment-size",
            v.file, v.root, v.fragments, args.fragment_size
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_matches_the_uploaders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let (root, size, fragments) = file_root(&path, 4096).expect("root");
        assert_eq!(size, 10_000);
        assert_eq!(fragments, 3);
        let hashes: Vec<_> = data.chunks(4096).map(plaintext_hash).collect();
        assert_eq!(root, merkle_root(&hashes).expect("root"));
        let (other, _, _) = file_root(&path, 5000).expect("root");
        assert_ne!(root, other);
        std::fs::write(&path, b"").expect("write");
        assert!(file_root(&path, 4096).is_err());
    }
}
