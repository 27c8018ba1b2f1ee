//! One behaviour suite, run over every storage service: `fs` (a temporary folder), `memory`,
//! and `s3` against a real S3-compatible server (s3s-fs on loopback). Each test is a generic
//! function of the backend; the `suite!` macro instantiates it per service.

mod common;

use std::collections::HashSet;

use common::{distinctive, master, Backend, Kind, PutCounter};
use twinshare_crypto::envelope::plaintext_hash;
use twinshare_crypto::sharing::encode_cfrags;
use twinshare_crypto::{merkle_root, Threshold};
use twinshare_uploader::progress::{CountingProgress, NoProgress};
use twinshare_uploader::{
    sharing, storage, AssetId, DownloadOptions, Downloader, Error, Opener, SaleId, Uploader,
};

const FRAG: usize = 4096;

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod fs {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Kind::Fs).await })*
        }
        mod memory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Kind::Memory).await })*
        }
        mod s3 {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Kind::S3).await })*
        }
    };
}

suite!(
    owner_round_trip_file,
    stream_round_trip,
    buyer_round_trip_through_relayer,
    no_plaintext_reaches_storage,
    resume_puts_only_missing_fragments,
    resume_reseals_changed_and_damaged_fragments,
    rerun_of_finished_upload_is_idempotent,
    folder_becomes_one_asset_per_file,
    corrupted_fragment_is_named_and_leaves_no_output,
    missing_fragment_is_named,
    wrong_key_is_refused,
    unknown_manifest_version_is_refused,
    expected_root_is_enforced,
);

fn expected_root(data: &[u8], fragment: usize) -> String {
    let leaves: Vec<[u8; 32]> = data.chunks(fragment).map(plaintext_hash).collect();
    hex::encode(merkle_root(&leaves).unwrap())
}

fn downloader(b: &Backend) -> Downloader {
    Downloader::new(b.op.clone(), DownloadOptions::default())
}

async fn owner_round_trip_file(service: Kind) {
    let b = Backend::new(service);
    let data = distinctive(10 * FRAG + 123);
    let input = b.write_input("in.bin", &data);
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let progress = CountingProgress::default();
    let report = up.upload_file(&input, None, &progress).await.unwrap();

    assert_eq!(report.fragments, 11);
    assert_eq!(report.size, data.len() as u64);
    assert_eq!((report.fragments_stored, report.fragments_skipped), (11, 0));
    assert!(!report.resumed);
    assert_eq!(report.root, expected_root(&data, FRAG));
    assert_eq!(
        report.manifest,
        format!("assets/{}/manifest.json", report.asset_id)
    );
    assert_eq!(
        progress.bytes.load(std::sync::atomic::Ordering::Relaxed),
        data.len() as u64
    );

    // The documented layout.
    let objects: Vec<String> = b.all_objects().await.into_iter().map(|(p, _)| p).collect();
    let mut expected: Vec<String> = (0..11)
        .map(|i| format!("assets/{}/{i:08}.frag", report.asset_id))
        .collect();
    expected.push(report.manifest.clone());
    expected.sort();
    assert_eq!(objects, expected);

    let asset: AssetId = report.asset_id.parse().unwrap();
    let out = b.path("out.bin");
    let got = downloader(&b)
        .download_to_path(&asset, Opener::Owner(master(1)), &out, &NoProgress)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), data);
    assert_eq!(got.root, report.root);
    assert_eq!(got.fragments, 11);

    // A second download to the same file needs --force.
    let again = downloader(&b)
        .download_to_path(&asset, Opener::Owner(master(1)), &out, &NoProgress)
        .await;
    assert!(
        matches!(again, Err(Error::OutputExists { .. })),
        "{again:?}"
    );
}

async fn stream_round_trip(service: Kind) {
    let b = Backend::new(service);
    let data = distinctive(5 * FRAG + 1);
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let asset = AssetId::new("stream-1").unwrap();
    let report = up
        .upload_reader(&data[..], "-", Some(asset.clone()), None, &NoProgress)
        .await
        .unwrap();
    assert_eq!(report.asset_id, "stream-1");
    assert_eq!(report.fragments, 6);
    assert_eq!(report.root, expected_root(&data, FRAG));

    let mut out = Vec::new();
    let got = downloader(&b)
        .download_to_writer(&asset, Opener::Owner(master(1)), &mut out, &NoProgress)
        .await
        .unwrap();
    assert_eq!(out, data);
    assert_eq!(got.output, "-");

    // The same id again is refused: it would replace a registered asset.
    let again = up
        .upload_reader(&data[..], "-", Some(asset), None, &NoProgress)
        .await;
    assert!(matches!(again, Err(Error::AssetExists { .. })), "{again:?}");
}

async fn buyer_round_trip_through_relayer(service: Kind) {
    let b = Backend::new(service);
    let (owner, buyer, relayer, stranger) = (master(1), master(2), master(3), master(4));
    let data = distinctive(3 * FRAG);
    let up = Uploader::new(b.op.clone(), owner.clone(), b.options(FRAG)).unwrap();
    let report = up
        .upload_reader(&data[..], "-", None, None, &NoProgress)
        .await
        .unwrap();
    let asset: AssetId = report.asset_id.parse().unwrap();
    let sale = SaleId::new("sale-7").unwrap();

    let buyer_pk = buyer.receiving_key().public_key();
    let sealed = sharing::grant(
        &owner,
        &asset,
        &buyer_pk,
        &relayer.relayer_key().public_key(),
        Threshold::default(),
    )
    .unwrap();
    let locator = sharing::reencrypt_to_storage(&b.op, &relayer, &asset, &sale, &sealed, &buyer_pk)
        .await
        .unwrap();
    assert_eq!(locator, format!("assets/{asset}/cfrags/sale-7.bin"));

    let cfrags = storage::get_cfrags(&b.op, &asset, &sale).await.unwrap();
    let mut out = Vec::new();
    downloader(&b)
        .download_to_writer(
            &asset,
            Opener::Buyer {
                master: buyer.clone(),
                cfrags: cfrags.clone(),
                verifying_key: Some(owner.verifying_public_key()),
            },
            &mut out,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(out, data);

    // Another party with the same cfrags opens nothing.
    let stolen = downloader(&b)
        .download_to_writer(
            &asset,
            Opener::Buyer {
                master: stranger,
                cfrags: cfrags.clone(),
                verifying_key: None,
            },
            &mut Vec::new(),
            &NoProgress,
        )
        .await;
    assert!(matches!(stolen, Err(Error::WrongKey { .. })), "{stolen:?}");

    // A relayer cannot open kfrags sealed to another relayer.
    let wrong_relayer =
        sharing::reencrypt_to_storage(&b.op, &master(5), &asset, &sale, &sealed, &buyer_pk).await;
    assert!(wrong_relayer.is_err());
    // Cfrags survive a round trip through a file, too.
    assert_eq!(
        twinshare_crypto::sharing::decode_cfrags(&encode_cfrags(&cfrags).unwrap())
            .unwrap()
            .len(),
        1
    );
}

async fn no_plaintext_reaches_storage(service: Kind) {
    let b = Backend::new(service);
    let data = distinctive(6 * FRAG + 77);
    let input = b.write_input("secret.csv", &data);
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let report = up.upload_file(&input, None, &NoProgress).await.unwrap();

    let windows: HashSet<&[u8]> = data.windows(32).collect();
    let leaves: Vec<[u8; 32]> = data.chunks(FRAG).map(plaintext_hash).collect();
    let objects = b.all_objects().await;
    assert_eq!(objects.len(), 8);
    for (path, bytes) in &objects {
        assert!(
            !bytes.windows(32).any(|w| windows.contains(w)),
            "{path} contains 32 bytes of plaintext"
        );
        let text = String::from_utf8_lossy(bytes);
        for (i, leaf) in leaves.iter().enumerate() {
            assert!(
                !bytes.windows(32).any(|w| w == leaf) && !text.contains(&hex::encode(leaf)),
                "{path} reveals the plaintext hash of fragment {i}"
            );
        }
    }
    // Not even a whole fragment, nor the file name.
    for (path, bytes) in &objects {
        assert!(
            !String::from_utf8_lossy(bytes).contains("secret.csv"),
            "{path}"
        );
        assert!(!path.contains("secret"), "{path}");
    }
    assert!(objects.iter().any(|(p, _)| p == &report.manifest));
}

/// An upload interrupted after k puts, then run again: only the missing fragments (and the
/// manifest) are put; the stored ones are untouched; the result downloads.
async fn resume_puts_only_missing_fragments(service: Kind) {
    let b = Backend::new(service);
    let data = distinctive(12 * FRAG + 5);
    let input = b.write_input("big.bin", &data);
    let k = 5;
    let mut options = b.options(FRAG);
    options.in_flight = 1; // deterministic: exactly k fragments stored before the failure

    let failing = PutCounter::failing_after(k);
    let up = Uploader::new(
        b.op.clone().layer(failing.clone()),
        master(1),
        options.clone(),
    )
    .unwrap();
    let err = up.upload_file(&input, None, &NoProgress).await.unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(failing.puts().len(), k);
    let before = b.all_objects().await;
    assert_eq!(before.len(), k, "only the first k fragments, no manifest");

    // Again, with no asset id: the journal of this input is found and resumed.
    let counter = PutCounter::default();
    let up = Uploader::new(b.op.clone().layer(counter.clone()), master(1), options).unwrap();
    let progress = CountingProgress::default();
    let report = up.upload_file(&input, None, &progress).await.unwrap();
    assert!(report.resumed);
    assert_eq!(report.fragments, 13);
    assert_eq!(
        (report.fragments_stored, report.fragments_skipped),
        (13 - k as u64, k as u64)
    );
    let mut expected: Vec<String> = (k as u64..13)
        .map(|i| format!("assets/{}/{i:08}.frag", report.asset_id))
        .collect();
    expected.push(report.manifest.clone());
    let mut puts = counter.puts();
    puts.sort();
    expected.sort();
    assert_eq!(
        puts, expected,
        "only the missing fragments and the manifest were put"
    );
    assert!(progress.notes.lock().unwrap()[0].contains("resuming"));

    let after = b.all_objects().await;
    for (path, bytes) in &before {
        let now = after.iter().find(|(p, _)| p == path).expect("still stored");
        assert_eq!(&now.1, bytes, "{path} was rewritten");
    }
    assert_eq!(report.root, expected_root(&data, FRAG));
    let mut out = Vec::new();
    downloader(&b)
        .download_to_writer(
            &report.asset_id.parse().unwrap(),
            Opener::Owner(master(1)),
            &mut out,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(out, data);
}

/// A resumed upload re-seals what the journal cannot vouch for: a fragment whose input
/// changed, and one whose stored object was damaged.
async fn resume_reseals_changed_and_damaged_fragments(service: Kind) {
    let b = Backend::new(service);
    let mut data = distinctive(8 * FRAG);
    let input = b.write_input("in.bin", &data);
    let mut options = b.options(FRAG);
    options.in_flight = 1;
    let failing = PutCounter::failing_after(6);
    let up = Uploader::new(b.op.clone().layer(failing), master(1), options.clone()).unwrap();
    assert!(up.upload_file(&input, None, &NoProgress).await.is_err());

    let asset_dir = b.all_objects().await[0]
        .0
        .rsplit_once('/')
        .unwrap()
        .0
        .to_string();
    // Fragment 1's input changes; fragment 3's stored object is damaged.
    data[FRAG + 10] ^= 0xff;
    std::fs::write(&input, &data).unwrap();
    let damaged = format!("{asset_dir}/00000003.frag");
    let mut bytes = b.op.read(&damaged).await.unwrap().to_vec();
    bytes[30] ^= 1;
    b.op.write(&damaged, bytes).await.unwrap();
    // Fragment 4's stored object is gone.
    b.op.delete(&format!("{asset_dir}/00000004.frag"))
        .await
        .unwrap();

    let counter = PutCounter::default();
    let up = Uploader::new(b.op.clone().layer(counter.clone()), master(1), options).unwrap();
    let report = up.upload_file(&input, None, &NoProgress).await.unwrap();
    let mut puts = counter.puts();
    puts.sort();
    let expected: Vec<String> = [1, 3, 4, 6, 7]
        .iter()
        .map(|i| format!("{asset_dir}/{i:08}.frag"))
        .chain([format!("{asset_dir}/manifest.json")])
        .collect();
    assert_eq!(puts, expected);
    assert_eq!(report.fragments_skipped, 3);
    let mut out = Vec::new();
    downloader(&b)
        .download_to_writer(
            &report.asset_id.parse().unwrap(),
            Opener::Owner(master(1)),
            &mut out,
            &NoProgress,
        )
        .await
        .unwrap();
    assert_eq!(out, data);
}

/// Running a finished upload again with its asset id checks and keeps everything: the same
/// manifest, no fragment put. Without an id it is a new asset.
async fn rerun_of_finished_upload_is_idempotent(service: Kind) {
    let b = Backend::new(service);
    let data = distinctive(4 * FRAG);
    let input = b.write_input("in.bin", &data);
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let first = up
        .upload_file(&input, Some(AssetId::new("a-1").unwrap()), &NoProgress)
        .await
        .unwrap();
    let manifest = b.op.read(&first.manifest).await.unwrap().to_vec();

    let counter = PutCounter::default();
    let up2 = Uploader::new(
        b.op.clone().layer(counter.clone()),
        master(1),
        b.options(FRAG),
    )
    .unwrap();
    let second = up2
        .upload_file(&input, Some(AssetId::new("a-1").unwrap()), &NoProgress)
        .await
        .unwrap();
    assert_eq!(counter.puts(), vec![first.manifest.clone()]);
    assert_eq!(second.root, first.root);
    assert_eq!(second.fragments_skipped, 4);
    assert_eq!(b.op.read(&first.manifest).await.unwrap().to_vec(), manifest);

    // A changed input under the finished asset's id is refused; nothing stored changes.
    let before = b.all_objects().await;
    let mut changed = data.clone();
    changed[2 * FRAG] ^= 1;
    std::fs::write(&input, &changed).unwrap();
    let err = up
        .upload_file(&input, Some(AssetId::new("a-1").unwrap()), &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InputChanged { index: 2, .. }), "{err}");
    std::fs::write(&input, [&data[..], b"longer"].concat()).unwrap();
    let err = up
        .upload_file(&input, Some(AssetId::new("a-1").unwrap()), &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InputChanged { .. }), "{err}");
    assert_eq!(b.all_objects().await, before);
    std::fs::write(&input, &data).unwrap();

    // Another owner key with the same id: the journal is not reused, the asset is not replaced.
    let other = Uploader::new(b.op.clone(), master(9), b.options(FRAG)).unwrap();
    let err = other
        .upload_file(&input, Some(AssetId::new("a-1").unwrap()), &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AssetExists { .. }), "{err}");

    let third = up.upload_file(&input, None, &NoProgress).await.unwrap();
    assert_ne!(third.asset_id, first.asset_id);
    assert_eq!(third.root, first.root, "the root depends on the data only");
}

async fn folder_becomes_one_asset_per_file(service: Kind) {
    let b = Backend::new(service);
    let a = distinctive(FRAG + 1);
    let c = distinctive(3);
    b.write_input("dir/b/c.bin", &c);
    b.write_input("dir/a.bin", &a);
    b.write_input("dir/empty.bin", b"");
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let progress = CountingProgress::default();
    let mut seen = Vec::new();
    let reports = up
        .upload_path(&b.path("dir"), None, &progress, |r| {
            seen.push(r.input.clone())
        })
        .await
        .unwrap();
    let names: Vec<String> = reports.iter().map(|r| r.input.clone()).collect();
    assert_eq!(seen, names);
    assert_eq!(names.len(), 2);
    assert!(
        names[0].ends_with("dir/a.bin") && names[1].ends_with("dir/b/c.bin"),
        "{names:?}"
    );
    assert_ne!(reports[0].asset_id, reports[1].asset_id);
    assert_eq!(reports[0].root, expected_root(&a, FRAG));
    assert!(progress
        .notes
        .lock()
        .unwrap()
        .iter()
        .any(|n| n.contains("empty.bin")));

    let folder_with_id = up
        .upload_path(
            &b.path("dir"),
            Some(AssetId::new("x").unwrap()),
            &NoProgress,
            |_| {},
        )
        .await;
    assert!(matches!(
        folder_with_id,
        Err(Error::AssetIdForFolder { .. })
    ));
}

async fn upload_small(b: &Backend, frags: usize) -> (AssetId, Vec<u8>) {
    let data = distinctive(frags * FRAG - 9);
    let up = Uploader::new(b.op.clone(), master(1), b.options(FRAG)).unwrap();
    let r = up
        .upload_reader(&data[..], "-", None, None, &NoProgress)
        .await
        .unwrap();
    (r.asset_id.parse().unwrap(), data)
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

async fn corrupted_fragment_is_named_and_leaves_no_output(service: Kind) {
    let b = Backend::new(service);
    let (asset, _) = upload_small(&b, 6).await;
    let path = asset.fragment_path(4);
    let mut bytes = b.op.read(&path).await.unwrap().to_vec();
    bytes[100] ^= 0x01;
    b.op.write(&path, bytes).await.unwrap();

    let out_dir = b.path("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("data.bin");
    let err = downloader(&b)
        .download_to_path(&asset, Opener::Owner(master(1)), &target, &NoProgress)
        .await
        .unwrap_err();
    match &err {
        Error::FragmentCorrupt { index, locator } => {
            assert_eq!(*index, 4);
            assert_eq!(locator, &path);
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("fragment 4"), "{err}");
    assert!(leftovers(&out_dir).is_empty(), "{:?}", leftovers(&out_dir));
}

async fn missing_fragment_is_named(service: Kind) {
    let b = Backend::new(service);
    let (asset, _) = upload_small(&b, 5).await;
    b.op.delete(&asset.fragment_path(2)).await.unwrap();
    let out_dir = b.path("out");
    std::fs::create_dir(&out_dir).unwrap();
    let err = downloader(&b)
        .download_to_path(
            &asset,
            Opener::Owner(master(1)),
            &out_dir.join("x"),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::FragmentMissing { index: 2, locator } if locator == &asset.fragment_path(2)),
        "{err}"
    );
    assert!(err.to_string().contains("fragment 2 is missing"), "{err}");
    assert!(leftovers(&out_dir).is_empty());
}

async fn wrong_key_is_refused(service: Kind) {
    let b = Backend::new(service);
    let (asset, _) = upload_small(&b, 2).await;
    let err = downloader(&b)
        .download_to_writer(
            &asset,
            Opener::Owner(master(2)),
            &mut Vec::new(),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongKey { .. }), "{err}");
    assert!(err.to_string().contains("does not open asset"), "{err}");
}

async fn unknown_manifest_version_is_refused(service: Kind) {
    let b = Backend::new(service);
    let (asset, _) = upload_small(&b, 2).await;
    let text =
        String::from_utf8(b.op.read(&asset.manifest_path()).await.unwrap().to_vec()).unwrap();
    let changed = text.replacen("\"version\": 1", "\"version\": 2", 1);
    assert_ne!(changed, text);
    b.op.write(&asset.manifest_path(), changed.into_bytes())
        .await
        .unwrap();
    let err = downloader(&b)
        .download_to_writer(
            &asset,
            Opener::Owner(master(1)),
            &mut Vec::new(),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown manifest version 2"),
        "{err}"
    );

    let none = downloader(&b)
        .download_to_writer(
            &AssetId::new("nothing-here").unwrap(),
            Opener::Owner(master(1)),
            &mut Vec::new(),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(matches!(none, Error::ManifestNotFound { .. }), "{none}");
}

async fn expected_root_is_enforced(service: Kind) {
    let b = Backend::new(service);
    let (asset, data) = upload_small(&b, 3).await;
    let right = expected_root(&data, FRAG);
    let options = |root: &str| DownloadOptions {
        expect_root: Some(twinshare_uploader::download::parse_root(root).unwrap()),
        ..DownloadOptions::default()
    };
    let mut out = Vec::new();
    Downloader::new(b.op.clone(), options(&right))
        .download_to_writer(&asset, Opener::Owner(master(1)), &mut out, &NoProgress)
        .await
        .unwrap();
    assert_eq!(out, data);

    let wrong = "ab".repeat(32);
    let counter = PutCounter::default();
    let err = Downloader::new(b.op.clone().layer(counter), options(&wrong))
        .download_to_path(
            &asset,
            Opener::Owner(master(1)),
            &b.path("never.bin"),
            &NoProgress,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RootMismatch { .. }), "{err}");
    assert!(!b.path("never.bin").exists());
}
