//! Throughput and memory figures (prints them; not a timed test).
//!
//! ```text
//! cargo run --release -p twinshare-uploader --example bench -- --size 1GiB
//! cargo run --release -p twinshare-uploader --example bench -- --size 10GiB --stream
//! head -c 10G /dev/zero | cargo run --release -p twinshare-uploader --example bench -- --from-stdin
//! ```
//!
//! Default mode: a generated file of `--size` bytes is stored on `fs` twice through the same
//! backend and the same bounded pipeline, once plain (read, put) and once sealed (read, seal +
//! hash, put): MB/s of both, their ratio, peak RSS of each. Then, for a 100 MiB asset, one
//! Umbral re-encryption and one full buyer decryption are timed.
//!
//! `--stream` / `--from-stdin`: one sealed upload of a generated stream (never a file on
//! disk) or of standard input, printing throughput and peak RSS: the bounded-memory check.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::Parser;
use futures::TryStreamExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use twinshare_crypto::{MasterKey, Threshold};
use twinshare_uploader::upload::{default_in_flight, parse_size};
use twinshare_uploader::{
    sharing, storage, AssetId, DownloadOptions, Downloader, NoProgress, Opener, Operator, SaleId,
    StorageConfig, UploadOptions, Uploader,
};

#[derive(Parser)]
struct Args {
    /// Bytes to store, e.g. 1GiB, 10GiB.
    #[arg(long, default_value = "1GiB", value_parser = parse_size)]
    size: u64,
    /// Fragment size.
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    fragment_size: u64,
    /// Fragments in flight [default: 2 per core].
    #[arg(long)]
    jobs: Option<usize>,
    /// Scratch folder (input file and fs storage) [default: a temporary folder].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only the bounded-memory run, on a generated stream of --size bytes.
    #[arg(long)]
    stream: bool,
    /// Only the bounded-memory run, on standard input.
    #[arg(long, conflicts_with = "stream")]
    from_stdin: bool,
    /// Plain and sealed runs, alternating; the best of each is compared.
    #[arg(long, default_value_t = 2)]
    repeat: usize,
    /// Size of the asset for the sharing figures.
    #[arg(long, default_value = "100MiB", value_parser = parse_size)]
    share_size: u64,
}

/// Peak resident set size so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak RSS counter to the current RSS (Linux: `5 > /proc/self/clear_refs`).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A deterministic pseudo-random byte stream (xorshift64*), never materialized.
struct Generated {
    remaining: u64,
    state: u64,
}

impl Generated {
    fn new(size: u64, seed: u64) -> Self {
        Self {
            remaining: size,
            state: seed | 1,
        }
    }
}

impl AsyncRead for Generated {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = (buf.remaining() as u64).min(this.remaining).min(1 << 20) as usize;
        let out = buf.initialize_unfilled_to(n);
        for chunk in out.chunks_mut(8) {
            this.state ^= this.state >> 12;
            this.state ^= this.state << 25;
            this.state ^= this.state >> 27;
            let v = this.state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        buf.advance(n);
        this.remaining -= n as u64;
        Poll::Ready(Ok(()))
    }
}

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

async fn write_input(path: &Path, size: u64) -> Result<()> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut gen = Generated::new(size, 0x5eed);
    tokio::io::copy(&mut gen, &mut file).await?;
    file.flush().await?;
    file.sync_all().await?;
    Ok(())
}

/// The same bounded pipeline without sealing: read a fragment, put it.
async fn store_plain(
    op: &Operator,
    input: &Path,
    fragment_size: usize,
    jobs: usize,
) -> Result<u64> {
    let mut file = tokio::fs::File::open(input).await?;
    file.set_max_buf_size(fragment_size);
    let fragments =
        futures::stream::try_unfold((file, 0u64), move |(mut file, index)| async move {
            let mut buf = Vec::with_capacity(fragment_size);
            (&mut file)
                .take(fragment_size as u64)
                .read_to_end(&mut buf)
                .await?;
            Ok::<_, anyhow::Error>(if buf.is_empty() {
                None
            } else {
                Some(((index, buf), (file, index + 1)))
            })
        });
    let stored = fragments
        .map_ok(|(index, buf)| {
            let op = op.clone();
            async move {
                let n = buf.len() as u64;
                storage::write(&op, &format!("plain/{index:08}.bin"), buf).await?;
                Ok::<_, anyhow::Error>(n)
            }
        })
        .try_buffer_unordered(jobs)
        .try_fold(0u64, |acc, n| async move { Ok(acc + n) })
        .await?;
    Ok(stored)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let scratch = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            tempfile::tempdir_in(d)?
        }
        None => tempfile::tempdir()?,
    };
    let fragment_size = usize::try_from(args.fragment_size)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| default_in_flight(fragment_size));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "cores {cores}, fragment size {} KiB, {jobs} fragments in flight, scratch {}",
        fragment_size / 1024,
        scratch.path().display()
    );
    let owner = MasterKey::from_seed(&[1u8; 32])?;
    let options = UploadOptions {
        fragment_size,
        in_flight: jobs,
        journal: None,
        storage_label: "bench".into(),
    };

    if args.stream || args.from_stdin {
        let op = StorageConfig::fs(scratch.path().join("storage")).build()?;
        let uploader = Uploader::new(op, owner, options)?;
        reset_peak_rss();
        let start = Instant::now();
        let report = if args.stream {
            uploader
                .upload_reader(
                    Generated::new(args.size, 42),
                    "generated",
                    None,
                    Some(args.size),
                    &NoProgress,
                )
                .await?
        } else {
            uploader
                .upload_reader(tokio::io::stdin(), "-", None, None, &NoProgress)
                .await?
        };
        let secs = start.elapsed().as_secs_f64();
        println!(
            "sealed stream upload: {:.2} GiB in {} fragments, {secs:.1} s, {:.0} MB/s, peak RSS {:.0} MiB",
            report.size as f64 / (1u64 << 30) as f64,
            report.fragments,
            mb_per_s(report.size, secs),
            peak_rss_mib()
        );
        return Ok(());
    }

    // Throughput: plain vs sealed, same file, same backend, same pipeline shape.
    let input = scratch.path().join("input.bin");
    write_input(&input, args.size)
        .await
        .context("writing the input file")?;
    let baseline_rss = peak_rss_mib();

    let (mut best_plain, mut best_sealed) = (0f64, 0f64);
    let (mut plain_rss, mut sealed_rss) = (0f64, 0f64);
    let mut root = String::new();
    for run in 1..=args.repeat.max(1) {
        let dir = scratch.path().join("storage-plain");
        let plain_op = StorageConfig::fs(&dir).build()?;
        reset_peak_rss();
        let start = Instant::now();
        let stored = store_plain(&plain_op, &input, fragment_size, jobs).await?;
        let secs = start.elapsed().as_secs_f64();
        let rss = peak_rss_mib();
        std::fs::remove_dir_all(&dir)?;
        let plain = mb_per_s(stored, secs);
        println!(
            "run {run}: plain  store on fs: {secs:.2} s, {plain:.0} MB/s, peak RSS {rss:.0} MiB"
        );
        best_plain = best_plain.max(plain);
        plain_rss = plain_rss.max(rss);

        let dir = scratch.path().join("storage-sealed");
        let sealed_op = StorageConfig::fs(&dir).build()?;
        let uploader = Uploader::new(sealed_op, owner.clone(), options.clone())?;
        reset_peak_rss();
        let start = Instant::now();
        let report = uploader.upload_file(&input, None, &NoProgress).await?;
        let secs = start.elapsed().as_secs_f64();
        let rss = peak_rss_mib();
        std::fs::remove_dir_all(&dir)?;
        let sealed = mb_per_s(report.size, secs);
        println!(
            "run {run}: sealed store on fs: {secs:.2} s, {sealed:.0} MB/s, peak RSS {rss:.0} MiB ({} fragments)",
            report.fragments
        );
        best_sealed = best_sealed.max(sealed);
        sealed_rss = sealed_rss.max(rss);
        root = report.root;
    }
    std::fs::remove_file(&input)?;
    println!(
        "input {} MiB, root {root} (peak RSS after generating it: {baseline_rss:.0} MiB)",
        args.size >> 20
    );
    println!("best plain  {best_plain:.0} MB/s, peak RSS {plain_rss:.0} MiB");
    println!("best sealed {best_sealed:.0} MB/s, peak RSS {sealed_rss:.0} MiB");
    println!("sealed / plain throughput: {:.2}", best_sealed / best_plain);

    // Sharing: one re-encryption and one buyer decryption of a 100 MiB asset.
    let op = StorageConfig::fs(scratch.path().join("storage-share")).build()?;
    let uploader = Uploader::new(op.clone(), owner.clone(), options)?;
    let report = uploader
        .upload_reader(
            Generated::new(args.share_size, 7),
            "share",
            None,
            None,
            &NoProgress,
        )
        .await?;
    let asset: AssetId = report.asset_id.parse()?;
    let buyer = MasterKey::from_seed(&[2u8; 32])?;
    let relayer = MasterKey::from_seed(&[3u8; 32])?;
    let buyer_pk = buyer.receiving_key().public_key();
    let sealed_kfrags = sharing::grant(
        &owner,
        &asset,
        &buyer_pk,
        &relayer.relayer_key().public_key(),
        Threshold::default(),
    )?;
    let manifest = storage::read_manifest(&op, &asset).await?;
    let start = Instant::now();
    let cfrags = twinshare_crypto::relay(
        &relayer.relayer_key(),
        &sealed_kfrags,
        &manifest.capsule,
        &manifest.verifying_public_key,
        &manifest.delegating_public_key,
        &buyer_pk,
    )?;
    let relay_ms = start.elapsed().as_secs_f64() * 1e3;
    let sale = SaleId::new("bench")?;
    let start = Instant::now();
    sharing::reencrypt_to_storage(&op, &relayer, &asset, &sale, &sealed_kfrags, &buyer_pk).await?;
    let relay_stored_ms = start.elapsed().as_secs_f64() * 1e3;
    println!(
        "re-encryption (open sealed kfrags, verify, re-encrypt the capsule): {relay_ms:.2} ms; \
         with manifest read and cfrag put: {relay_stored_ms:.2} ms ({} cfrag)",
        cfrags.len()
    );

    let downloader = Downloader::new(op.clone(), DownloadOptions::default());
    let start = Instant::now();
    let cfrags = storage::get_cfrags(&op, &asset, &sale).await?;
    let got = downloader
        .download_to_writer(
            &asset,
            Opener::Buyer {
                master: buyer,
                cfrags,
                verifying_key: Some(owner.verifying_public_key()),
            },
            &mut tokio::io::sink(),
            &NoProgress,
        )
        .await?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "buyer decryption of {} MiB (fetch, verify cfrag, open capsule, check + decrypt {} fragments, root): {:.2} s, {:.0} MB/s",
        got.size >> 20,
        got.fragments,
        secs,
        mb_per_s(got.size, secs)
    );
    Ok(())
}
