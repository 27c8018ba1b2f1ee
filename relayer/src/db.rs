//! The relayer's memory across crashes, in an embedded redb database (pure Rust, ACID, every
//! commit durable before it returns): the height up to which escrow events have been turned into
//! jobs (the cursor), and every job with its state.
//!
//! A job is keyed by its sale id, so an event seen twice (a replay, the catch-up after a
//! restart, the `PendingDeliveries` sweep) never makes a second job. New jobs and the cursor
//! move forward in one transaction: killed at any point, the relayer either has both or
//! neither, and reads the events again from the old cursor.
//!
//! ```text
//! Queued ──prepare──> Stored ──tx──> Reporting ──included──> Delivered
//!   │                   │                 │
//!   └──> Failed / Skipped (bad input, or the sale moved on: refunded, deadline passed)
//! ```
//!
//! The in-memory copy serves `/status` and the metrics without reading the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::error::{DbError, FailureKind};
use crate::lane::Priority;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("jobs");

const CURSOR_KEY: &str = "cursor";
const SCHEMA_KEY: &str = "schema";
const SCHEMA_VERSION: u64 = 1;

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting in the lane.
    Queued,
    /// The cfrags are stored; the delivery report is not sent yet.
    Stored,
    /// A delivery tx is being sent (or was, when the relayer stopped).
    Reporting,
    /// The escrow holds the delivery.
    Delivered,
    /// Bad input: kfrags that do not verify, an unknown asset, a missing capsule.
    Failed,
    /// Nothing to do: the sale was refunded, its deadline passed, or it is not this relayer's.
    Skipped,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Queued,
        JobState::Stored,
        JobState::Reporting,
        JobState::Delivered,
        JobState::Failed,
        JobState::Skipped,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Stored => "stored",
            JobState::Reporting => "reporting",
            JobState::Delivered => "delivered",
            JobState::Failed => "failed",
            JobState::Skipped => "skipped",
        }
    }

    /// No more work for the relayer.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            JobState::Delivered | JobState::Failed | JobState::Skipped
        )
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One sale's job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub sale_id: u64,
    pub asset_id: u64,
    pub priority: Priority,
    pub state: JobState,
    /// Height of the `SubmitReKey` tx, when the job came from its event.
    pub rekey_height: Option<u64>,
    pub rekey_tx: Option<String>,
    /// Wall-clock ms when this relayer first learned of the job.
    pub seen_ms: u64,
    pub updated_ms: u64,
    /// Attempts that ended in a passing failure.
    pub attempts: u32,
    /// The last failure (passing or final) in words.
    pub last_error: Option<String>,
    pub failure: Option<FailureKind>,
    pub cfrag_locator: Option<String>,
    /// Hex SHA-256 of the stored cfrag bytes.
    pub cfrag_hash: Option<String>,
    pub delivery_tx: Option<String>,
    pub delivery_height: Option<u64>,
    /// Deliveries in the tx that delivered this one.
    pub batch_deliveries: Option<u32>,
    /// Time to open, verify and re-encrypt, ms.
    pub reencrypt_ms: Option<f64>,
}

impl JobRecord {
    pub fn new(sale_id: u64, asset_id: u64, priority: Priority) -> Self {
        let now = now_ms();
        Self {
            sale_id,
            asset_id,
            priority,
            state: JobState::Queued,
            rekey_height: None,
            rekey_tx: None,
            seen_ms: now,
            updated_ms: now,
            attempts: 0,
            last_error: None,
            failure: None,
            cfrag_locator: None,
            cfrag_hash: None,
            delivery_tx: None,
            delivery_height: None,
            batch_deliveries: None,
            reencrypt_ms: None,
        }
    }

    /// Stamps the update time.
    pub fn touch(&mut self) {
        self.updated_ms = now_ms();
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// A consistent copy of the database's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub cursor: Option<u64>,
    pub jobs: Vec<JobRecord>,
}

impl Snapshot {
    /// Jobs by state and lane.
    pub fn counts(&self) -> BTreeMap<(JobState, &'static str), usize> {
        let mut out = BTreeMap::new();
        for j in &self.jobs {
            *out.entry((j.state, j.priority.lane())).or_insert(0) += 1;
        }
        out
    }
}

/// The job database and its in-memory copy.
pub struct Store {
    db: Database,
    path: PathBuf,
    mem: Mutex<Snapshot>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Creates (or opens) a redb database at `path` with `builder`'s settings, creating its folder.
/// Shared by the relayer's job store and the anchoring service's store.
pub(crate) fn create_database(path: &Path, builder: redb::Builder) -> Result<Database, DbError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbError::Open {
            path: path.to_path_buf(),
            reason: format!("cannot create {}: {e}", dir.display()),
            locked: false,
        })?;
    }
    builder.create(path).map_err(|e| open_error(path, e))
}

/// Records `version` in the `meta` table of a new database, or refuses one written by another
/// schema version (named `what` in the error).
pub(crate) fn check_schema(
    txn: &redb::WriteTransaction,
    path: &Path,
    what: &str,
    version: u64,
) -> Result<(), DbError> {
    let mut meta = txn
        .open_table(META)
        .map_err(|e| DbError::storage("open meta", e))?;
    let schema = meta
        .get(SCHEMA_KEY)
        .map_err(|e| DbError::storage("read schema", e))?
        .map(|v| v.value());
    match schema {
        None => {
            meta.insert(SCHEMA_KEY, version)
                .map_err(|e| DbError::storage("write schema", e))?;
            Ok(())
        }
        Some(v) if v == version => Ok(()),
        Some(other) => Err(DbError::Open {
            path: path.to_path_buf(),
            reason: format!("{what} version {other}; this relayer knows {version}"),
            locked: false,
        }),
    }
}

fn open_error(path: &Path, e: redb::DatabaseError) -> DbError {
    let locked = matches!(e, redb::DatabaseError::DatabaseAlreadyOpen);
    DbError::Open {
        path: path.to_path_buf(),
        reason: e.to_string(),
        locked,
    }
}

fn decode(key: u64, bytes: &[u8]) -> Result<JobRecord, DbError> {
    serde_json::from_slice(bytes).map_err(|e| DbError::Corrupt {
        key: format!("job {key}"),
        reason: e.to_string(),
    })
}

fn encode(job: &JobRecord) -> Result<Vec<u8>, DbError> {
    serde_json::to_vec(job).map_err(|e| DbError::storage("encode", e))
}

fn read_all(txn: &redb::ReadTransaction) -> Result<Snapshot, DbError> {
    let cursor = match txn.open_table(META) {
        Ok(meta) => meta
            .get(CURSOR_KEY)
            .map_err(|e| DbError::storage("read cursor", e))?
            .map(|v| v.value()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(DbError::storage("open meta", e)),
    };
    let mut jobs = Vec::new();
    match txn.open_table(JOBS) {
        Ok(table) => {
            for entry in table.iter().map_err(|e| DbError::storage("read jobs", e))? {
                let (k, v) = entry.map_err(|e| DbError::storage("read jobs", e))?;
                jobs.push(decode(k.value(), v.value())?);
            }
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(DbError::storage("open jobs", e)),
    }
    Ok(Snapshot { cursor, jobs })
}

impl Store {
    /// Opens (or creates) the database, creating its folder.
    pub fn open(path: &Path) -> Result<Store, DbError> {
        let db = create_database(path, redb::Builder::new())?;
        {
            let txn = db.begin_write().map_err(|e| DbError::storage("begin", e))?;
            {
                check_schema(&txn, path, "schema", SCHEMA_VERSION)?;
                txn.open_table(JOBS)
                    .map_err(|e| DbError::storage("open jobs", e))?;
            }
            txn.commit().map_err(|e| DbError::storage("commit", e))?;
        }
        let snapshot = {
            let txn = db.begin_read().map_err(|e| DbError::storage("begin", e))?;
            read_all(&txn)?
        };
        Ok(Store {
            db,
            path: path.to_path_buf(),
            mem: Mutex::new(snapshot),
        })
    }

    /// Reads a database no daemon has open (the `status` command without a running relayer).
    pub fn read_snapshot(path: &Path) -> Result<Snapshot, DbError> {
        if !path.exists() {
            return Err(DbError::Open {
                path: path.to_path_buf(),
                reason: "no such file: the relayer never ran with this database".into(),
                locked: false,
            });
        }
        let db = redb::ReadOnlyDatabase::open(path).map_err(|e| open_error(path, e))?;
        let txn = db.begin_read().map_err(|e| DbError::storage("begin", e))?;
        read_all(&txn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn mem(&self) -> std::sync::MutexGuard<'_, Snapshot> {
        // A panic while holding the lock leaves a consistent copy (writes go to the file
        // first, then to memory in one step), so a poisoned lock is still usable.
        self.mem.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn cursor(&self) -> Option<u64> {
        self.mem().cursor
    }

    pub fn snapshot(&self) -> Snapshot {
        self.mem().clone()
    }

    pub fn get(&self, sale_id: u64) -> Option<JobRecord> {
        self.mem()
            .jobs
            .iter()
            .find(|j| j.sale_id == sale_id)
            .cloned()
    }

    /// Stores the jobs not known yet and moves the cursor forward (never back), in one
    /// transaction; returns the jobs that were new.
    pub fn record_seen(
        &self,
        jobs: Vec<JobRecord>,
        cursor: Option<u64>,
    ) -> Result<Vec<JobRecord>, DbError> {
        let mut mem = self.mem();
        let new_cursor = match (mem.cursor, cursor) {
            (Some(old), Some(new)) if new > old => Some(new),
            (None, Some(new)) => Some(new),
            _ => None,
        };
        let mut fresh: Vec<JobRecord> = Vec::new();
        for job in jobs {
            let known = mem.jobs.iter().any(|j| j.sale_id == job.sale_id)
                || fresh.iter().any(|j| j.sale_id == job.sale_id);
            if !known {
                fresh.push(job);
            }
        }
        if fresh.is_empty() && new_cursor.is_none() {
            return Ok(fresh);
        }
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            let mut table = txn
                .open_table(JOBS)
                .map_err(|e| DbError::storage("open jobs", e))?;
            for job in &fresh {
                table
                    .insert(job.sale_id, encode(job)?.as_slice())
                    .map_err(|e| DbError::storage("write job", e))?;
            }
            if let Some(c) = new_cursor {
                let mut meta = txn
                    .open_table(META)
                    .map_err(|e| DbError::storage("open meta", e))?;
                meta.insert(CURSOR_KEY, c)
                    .map_err(|e| DbError::storage("write cursor", e))?;
            }
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        if let Some(c) = new_cursor {
            mem.cursor = Some(c);
        }
        mem.jobs.extend(fresh.iter().cloned());
        Ok(fresh)
    }

    /// Sets the cursor to exactly `height` (a replay moves it back).
    pub fn set_cursor(&self, height: u64) -> Result<(), DbError> {
        let mut mem = self.mem();
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            let mut meta = txn
                .open_table(META)
                .map_err(|e| DbError::storage("open meta", e))?;
            meta.insert(CURSOR_KEY, height)
                .map_err(|e| DbError::storage("write cursor", e))?;
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        mem.cursor = Some(height);
        Ok(())
    }

    /// Writes the given jobs (replacing their records) in one transaction.
    pub fn update(&self, jobs: &[JobRecord]) -> Result<(), DbError> {
        if jobs.is_empty() {
            return Ok(());
        }
        let mut mem = self.mem();
        let txn = self
            .db
            .begin_write()
            .map_err(|e| DbError::storage("begin", e))?;
        {
            let mut table = txn
                .open_table(JOBS)
                .map_err(|e| DbError::storage("open jobs", e))?;
            for job in jobs {
                table
                    .insert(job.sale_id, encode(job)?.as_slice())
                    .map_err(|e| DbError::storage("write job", e))?;
            }
        }
        txn.commit().map_err(|e| DbError::storage("commit", e))?;
        for job in jobs {
            match mem.jobs.iter_mut().find(|j| j.sale_id == job.sale_id) {
                Some(slot) => *slot = job.clone(),
                None => mem.jobs.push(job.clone()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(sale: u64) -> JobRecord {
        JobRecord::new(sale, 100 + sale, Priority::High { fee: sale as u128 })
    }

    #[test]
    fn jobs_and_cursor_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/relayer.redb");
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.cursor(), None);
            let fresh = store.record_seen(vec![job(1), job(2)], Some(10)).unwrap();
            assert_eq!(fresh.len(), 2);
            // Seen again (a replay): nothing new, the cursor does not move back.
            let fresh = store.record_seen(vec![job(2), job(3)], Some(5)).unwrap();
            assert_eq!(fresh.iter().map(|j| j.sale_id).collect::<Vec<_>>(), [3]);
            assert_eq!(store.cursor(), Some(10));
            let mut j = store.get(2).unwrap();
            j.state = JobState::Failed;
            j.failure = Some(FailureKind::BadKfrags);
            j.last_error = Some("kfrag 0 failed verification".into());
            store.update(&[j]).unwrap();
            // A second handle on the same file is refused while this one lives.
            let e = Store::open(&path).unwrap_err();
            assert!(matches!(e, DbError::Open { locked: true, .. }), "{e:?}");
            assert!(e.to_string().contains("status"), "{e}");
        }
        let snap = Store::read_snapshot(&path).unwrap();
        assert_eq!(snap.cursor, Some(10));
        assert_eq!(snap.jobs.len(), 3);
        let counts = snap.counts();
        assert_eq!(counts[&(JobState::Queued, "high")], 2);
        assert_eq!(counts[&(JobState::Failed, "high")], 1);

        let store = Store::open(&path).unwrap();
        let j = store.get(2).unwrap();
        assert_eq!(j.failure, Some(FailureKind::BadKfrags));
        store.set_cursor(3).unwrap();
        assert_eq!(store.cursor(), Some(3));
        assert!(Store::read_snapshot(&dir.path().join("none.redb")).is_err());
    }
}
