//! `archive add`: walk, place, hash, pack one bag per school year and period, store everywhere, index.
//!
//! Each file is read once on the hot path: a pool of workers reads whole
//! files (up to [`IN_MEMORY_MAX`]) and computes their SHA-256 (the bag's one
//! payload manifest, see [`super::bag`]) in the same pass, in parallel; the packer takes them in order, skips content
//! already archived for the same year and period, and streams the rest as
//! tar → zstd (multithreaded) → age into every store at once. Files larger
//! than [`IN_MEMORY_MAX`] are hashed by a worker first (to know whether they
//! are already archived) and read a second time while packed, hashed again so
//! that the manifests always describe exactly the bytes in the bag. At most
//! [`BUDGET`] bytes of file content are held at a time.
//!
//! A file that is refused (unplaceable, ambiguous, unreadable) is not stored;
//! the files of the same run that could be placed are, and the command exits
//! 2. Running it again after fixing the refused ones adds only those: what
//! is already archived is skipped.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use super::bag::{BagInfo, BagWriter, Digests, Hasher};
use super::classify::{self, Flags, Placement, Source, Subject};
use super::refresh::{open_stores, refresh};
use super::walk::{FoundFile, walk};
use super::{
    ArchiveError, BagId, ENCRYPTED_SUFFIX, FORMAT_VERSION, OfficeRef, PLAIN_SUFFIX, Sidecar,
    folder, open_index, vietnam,
};
use crate::calendar::{Period, SchoolYears};
use crate::config::Config;
use crate::lang::Msg;
use crate::progress::Progress;
use crate::store::Store;
use crate::store::{FanOut, Upload};

/// Files up to this size are read whole into memory once, hashed and packed from there.
pub const IN_MEMORY_MAX: u64 = 16 << 20;
/// File content held in memory at a time (besides one file larger than it).
pub const BUDGET: u64 = 96 << 20;
/// Files being hashed ahead of the packer at most.
const MAX_WINDOW: usize = 512;

/// How a run is made.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// `--year`, `--term`.
    pub flags: Flags,
    /// Print the placement, store nothing.
    pub dry_run: bool,
    /// The bagging time.
    pub now: DateTime<Utc>,
    /// zstd level.
    pub level: i32,
    /// zstd workers and hashing workers.
    pub threads: u32,
    /// Archive into a period that has not begun (`--force`).
    pub force: bool,
}

impl Default for AddOptions {
    fn default() -> Self {
        AddOptions {
            flags: Flags::default(),
            dry_run: false,
            now: Utc::now(),
            level: 3,
            threads: std::thread::available_parallelism()
                .map(|n| n.get() as u32)
                .unwrap_or(1),
            force: false,
        }
    }
}

/// A file added (or, with `--dry-run`, that would be).
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// Its name in the bag, under `data/`.
    pub file: String,
    /// Where it was read from.
    pub path: String,
    /// The school year.
    pub year: String,
    /// The report period.
    pub term: Period,
    /// Where the year came from.
    pub year_from: Source,
    /// Where the period came from.
    pub term_from: Source,
    /// SHA-256 of its content.
    pub sha256: String,
    /// Its length.
    pub bytes: u64,
    /// The bag it went into (none with `--dry-run`).
    pub bag: Option<String>,
    /// The periodic report kind its name makes it (`report-kinds.toml`);
    /// `None`: `check` does not count it for any kind.
    pub kind: Option<String>,
}

/// A file found in a folder whose own name named its period: `--term` was
/// not applied to it.
#[derive(Debug, Clone, Serialize)]
pub struct TermKept {
    /// Where it was read from.
    pub path: String,
    /// The period its name gives.
    pub term: Period,
}

/// A file left out on purpose.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// Its name in the bag, or the path found.
    pub file: String,
    /// Where it is.
    pub path: String,
    /// The school year, when it was placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<String>,
    /// The period, when it was placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<Period>,
    /// SHA-256, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The bag that already holds the same content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bag: Option<String>,
    /// Why (English in `--json`).
    pub reason: Msg,
}

/// A file not stored because it could not be placed or read.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// The path found.
    pub file: String,
    /// Why (English in `--json`).
    pub reason: Msg,
    /// The candidate placements, when there were several.
    pub candidates: Vec<Msg>,
    /// What to do, naming the flag to pass (`""` in `--json` when nothing is).
    #[serde(serialize_with = "hint_or_empty")]
    pub hint: Option<Msg>,
}

fn hint_or_empty<S: serde::Serializer>(h: &Option<Msg>, s: S) -> Result<S::Ok, S::Error> {
    match h {
        Some(m) => m.serialize(s),
        None => s.serialize_str(""),
    }
}

/// One store's result for one bag.
#[derive(Debug, Clone, Serialize)]
pub struct StoreResult {
    /// The store.
    pub url: String,
    /// Whether it holds the complete bag.
    pub ok: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One bag made.
#[derive(Debug, Clone, Serialize)]
pub struct BagOutcome {
    /// Its id.
    pub bag: String,
    /// Its key.
    pub key: String,
    /// The school year.
    pub year: String,
    /// The period.
    pub term: Period,
    /// Payload files.
    pub files: usize,
    /// Payload bytes.
    pub bytes: u64,
    /// The stored object's length.
    pub object_bytes: u64,
    /// Per store.
    pub stores: Vec<StoreResult>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AddOutcome {
    /// Added (or would be, with `dry_run`).
    pub added: Vec<Added>,
    /// Left out on purpose: already archived, links, lock files.
    pub skipped: Vec<Skipped>,
    /// Not stored: unplaceable, ambiguous, unreadable.
    pub refused: Vec<Refused>,
    /// The bags made.
    pub bags: Vec<BagOutcome>,
    /// Nothing was stored.
    pub dry_run: bool,
    /// Files of a folder that kept the period their name gives over `--term`.
    pub term_not_applied: Vec<TermKept>,
    /// The periodic report kinds `check` counts (their first names), said
    /// when an added file is of none of them.
    pub counted_kinds: Vec<String>,
}

impl AddOutcome {
    /// Whether every bag is in every configured store.
    pub fn every_store_has_every_bag(&self) -> bool {
        self.bags.iter().all(|b| b.stores.iter().all(|s| s.ok))
    }
}

struct Job {
    file: FoundFile,
    placement: Placement,
}

enum Content {
    Memory(Vec<u8>),
    Disk,
}

struct Hashed {
    content: Content,
    digests: Digests,
}

enum Decision {
    Pending,
    Add {
        digests: Digests,
        bag: Option<BagId>,
    },
    Skip {
        digests: Digests,
        reason: Msg,
        bag: Option<String>,
    },
    Fail(Msg),
}

struct OpenBag {
    id: BagId,
    key: String,
    writer: BagWriter<FanOut>,
    tasks: Vec<Upload>,
    jobs: Vec<usize>,
}

struct Finished {
    sidecar: Sidecar,
    tasks: Vec<Upload>,
    jobs: Vec<usize>,
}

type Known = HashMap<(String, Period), HashMap<String, (String, String)>>;

/// Everything the packing thread needs.
struct Packing {
    jobs: Vec<Job>,
    known: Known,
    stores: Vec<Store>,
    recipients: Option<Vec<age::x25519::Recipient>>,
    office: OfficeRef,
    vault: Option<String>,
    now: DateTime<Utc>,
    level: i32,
    threads: u32,
    dry_run: bool,
    progress: Arc<dyn Progress>,
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Reads and hashes one file (a worker's job).
fn hash_file(path: &Path, size: u64) -> Result<Hashed, Msg> {
    let changed = |now: u64| {
        Msg::new("archive-changed-size")
            .arg("size", size)
            .arg("now", now)
    };
    let unreadable = |e: std::io::Error| Msg::new("archive-unreadable").arg("why", e);
    let mut f = std::fs::File::open(path).map_err(unreadable)?;
    if size <= IN_MEMORY_MAX {
        let mut v = Vec::with_capacity(size as usize);
        (&mut f)
            .take(size + 1)
            .read_to_end(&mut v)
            .map_err(unreadable)?;
        if v.len() as u64 != size {
            return Err(changed(v.len() as u64));
        }
        let digests = Hasher::of(&v);
        return Ok(Hashed {
            content: Content::Memory(v),
            digests,
        });
    }
    let mut h = Hasher::for_bag();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = f.read(&mut buf).map_err(unreadable)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    let (digests, n) = h.finish();
    if n != size {
        return Err(changed(n));
    }
    Ok(Hashed {
        content: Content::Disk,
        digests,
    })
}

type Reply = Result<Hashed, Msg>;
type Work = (PathBuf, u64, SyncSender<Reply>);

impl Packing {
    fn bag_info(&self, id: &BagId, year: &str, period: Period) -> BagInfo {
        BagInfo {
            bag_id: id.to_string(),
            bagging_date: super::vn_date(self.now),
            year: year.to_string(),
            period: period.to_string(),
            office_name: self.office.name.clone(),
            office_code: self.office.code.clone(),
            software: format!("eqvault {}", env!("CARGO_PKG_VERSION")),
        }
    }

    fn open_bag(&self, year: &str, period: Period) -> std::io::Result<OpenBag> {
        let id = BagId::new(self.now);
        let suffix = if self.recipients.is_some() {
            ENCRYPTED_SUFFIX
        } else {
            PLAIN_SUFFIX
        };
        let key = format!("{}/{id}{suffix}", folder(year, period));
        let (fan, tasks) = FanOut::start(self.stores.iter().enumerate(), &key);
        let writer = BagWriter::new(
            fan,
            id.as_str(),
            self.recipients.as_deref(),
            self.level,
            self.threads,
            unix_secs(self.now.into()),
        )?;
        Ok(OpenBag {
            id,
            key,
            writer,
            tasks,
            jobs: Vec::new(),
        })
    }

    fn finish_bag(
        &self,
        b: OpenBag,
        year: &str,
        period: Period,
    ) -> Result<Finished, (Vec<usize>, String)> {
        let info = self.bag_info(&b.id, year, period);
        let jobs = b.jobs;
        let (fan, files, tag_bytes) = b
            .writer
            .finish(&info)
            .map_err(|e| (jobs.clone(), e.to_string()))?;
        let (object_sha256, object_bytes) =
            fan.commit().map_err(|e| (jobs.clone(), e.to_string()))?;
        let bytes: u64 = files.iter().map(|f| f.bytes).sum();
        let sidecar = Sidecar {
            format_version: FORMAT_VERSION,
            bag_id: b.id,
            year: year.to_string(),
            period,
            archived_at: self.now.with_timezone(&vietnam()),
            office: self.office.clone(),
            object: b.key,
            object_bytes,
            object_sha256,
            encrypted: self.recipients.is_some(),
            recipients: self
                .recipients
                .as_ref()
                .map(|rs| rs.iter().map(|r| r.to_string()).collect())
                .unwrap_or_default(),
            payload_oxum: format!("{bytes}.{}", files.len()),
            tag_bytes,
            files,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            vault: self.vault.clone(),
        };
        Ok(Finished {
            sidecar,
            tasks: b.tasks,
            jobs,
        })
    }

    /// Hashes every file in parallel and packs them in order.
    fn run(self) -> (Vec<Job>, Vec<Decision>, Vec<Finished>) {
        let workers_n = (self.threads as usize).max(2);
        let (work_tx, work_rx) = std::sync::mpsc::channel::<Work>();
        let work_rx = Arc::new(Mutex::new(work_rx));
        let workers: Vec<_> = (0..workers_n)
            .map(|_| {
                let rx = work_rx.clone();
                std::thread::spawn(move || {
                    loop {
                        let next = rx.lock().map(|r| r.recv());
                        let Ok(Ok((path, size, reply))) = next else {
                            break;
                        };
                        let _ = reply.send(hash_file(&path, size));
                    }
                })
            })
            .collect();

        let total: u64 = self.jobs.iter().map(|j| j.file.size).sum();
        self.progress.phase(
            if self.dry_run {
                "phase-hash"
            } else {
                "phase-archive"
            },
            Some(total),
        );
        let mut decisions: Vec<Decision> = self.jobs.iter().map(|_| Decision::Pending).collect();
        let mut finished = Vec::new();
        let mut window: VecDeque<(usize, Receiver<Reply>, u64)> = VecDeque::new();
        let mut next = 0usize;
        let mut in_flight = 0u64;
        let mut group: Option<(String, Period)> = None;
        let mut bags: Vec<OpenBag> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        loop {
            while next < self.jobs.len() && window.len() < MAX_WINDOW {
                let size = self.jobs[next].file.size;
                let mem = if size <= IN_MEMORY_MAX { size } else { 0 };
                if !window.is_empty() && in_flight + mem > BUDGET {
                    break;
                }
                let (tx, rx) = sync_channel(1);
                if work_tx
                    .send((self.jobs[next].file.path.clone(), size, tx))
                    .is_err()
                {
                    break;
                }
                window.push_back((next, rx, mem));
                in_flight += mem;
                next += 1;
            }
            let Some((i, rx, mem)) = window.pop_front() else {
                break;
            };
            let hashed = rx
                .recv()
                .unwrap_or_else(|_| Err(Msg::new("archive-worker-died")));
            in_flight -= mem;
            let job = &self.jobs[i];
            let g = (job.placement.year.clone(), job.placement.period);
            if group.as_ref() != Some(&g) {
                if let Some((y, p)) = group.take() {
                    self.close(
                        std::mem::take(&mut bags),
                        &y,
                        p,
                        &mut decisions,
                        &mut finished,
                    );
                }
                seen.clear();
                group = Some(g.clone());
            }
            self.progress.advance(job.file.size);
            let h = match hashed {
                Ok(h) => h,
                Err(why) => {
                    decisions[i] = Decision::Fail(why);
                    continue;
                }
            };
            let sha = h.digests.sha256.clone();
            if let Some((bag, path)) = self.known.get(&g).and_then(|k| k.get(&sha)) {
                decisions[i] = Decision::Skip {
                    digests: h.digests,
                    reason: Msg::new("archive-same-archived")
                        .arg("place", format!("{}/{}", g.0, g.1))
                        .arg("path", path)
                        .arg("bag", bag),
                    bag: Some(bag.clone()),
                };
                continue;
            }
            if let Some(other) = seen.get(&sha) {
                decisions[i] = Decision::Skip {
                    digests: h.digests,
                    reason: Msg::new("archive-same-this-run").arg("other", other),
                    bag: None,
                };
                continue;
            }
            seen.insert(sha, job.file.rel.clone());
            if self.dry_run {
                decisions[i] = Decision::Add {
                    digests: h.digests,
                    bag: None,
                };
                continue;
            }
            decisions[i] = self.pack(i, job, h, &mut bags);
        }
        drop(work_tx);
        drop(window);
        for w in workers {
            let _ = w.join();
        }
        if let Some((y, p)) = group {
            self.close(bags, &y, p, &mut decisions, &mut finished);
        }
        self.progress.done();
        (self.jobs, decisions, finished)
    }

    /// Appends one file to the first bag of its group without that name (a
    /// new bag when every open one has it: both versions are kept).
    fn pack(&self, i: usize, job: &Job, h: Hashed, bags: &mut Vec<OpenBag>) -> Decision {
        let rel = &job.file.rel;
        let slot = match bags.iter().position(|b| !b.writer.has(rel)) {
            Some(s) => s,
            None => match self.open_bag(&job.placement.year, job.placement.period) {
                Ok(b) => {
                    bags.push(b);
                    bags.len() - 1
                }
                Err(e) => return Decision::Fail(Msg::new("archive-bag-start").arg("why", e)),
            },
        };
        let b = &mut bags[slot];
        let mtime = unix_secs(job.file.mtime);
        let r = match h.content {
            Content::Memory(v) => b
                .writer
                .append(rel, v.len() as u64, mtime, &v[..], h.digests.clone())
                .map(|()| h.digests),
            Content::Disk => std::fs::File::open(&job.file.path).and_then(|f| {
                let d = b.writer.append_hashing(
                    rel,
                    job.file.size,
                    mtime,
                    std::io::BufReader::with_capacity(1 << 20, f),
                )?;
                if d != h.digests {
                    tracing::warn!(
                        "{} changed between hashing and packing; the bag holds the second reading",
                        job.file.path.display()
                    );
                }
                Ok(d)
            }),
        };
        match r {
            Ok(digests) => {
                b.jobs.push(i);
                Decision::Add {
                    digests,
                    bag: Some(b.id.clone()),
                }
            }
            Err(e) => {
                // The tar stream is broken: abandon this bag (its uploads abort) and its files.
                let broken = bags.remove(slot);
                let why = Msg::new("archive-bag-abandoned").arg("why", e);
                drop(broken.writer);
                for t in broken.tasks {
                    drop(t);
                }
                Decision::Fail(why)
            }
        }
    }

    fn close(
        &self,
        bags: Vec<OpenBag>,
        year: &str,
        period: Period,
        decisions: &mut [Decision],
        finished: &mut Vec<Finished>,
    ) {
        for b in bags {
            match self.finish_bag(b, year, period) {
                Ok(f) => finished.push(f),
                Err((jobs, why)) => {
                    for j in jobs {
                        decisions[j] =
                            Decision::Fail(Msg::new("archive-bag-unfinished").arg("why", &why));
                    }
                }
            }
        }
    }
}

/// Waits for one bag's uploads and writes its sidecar where the upload
/// completed; returns the bag, its sidecar JSON, each store's result and the
/// stores that hold it. A store whose upload or sidecar failed has its object
/// removed, so that nothing there looks like a bag.
async fn seal(
    stores: &[Store],
    mut fin: Finished,
    signer: &crate::trust::Signer,
) -> (Finished, String, Vec<StoreResult>, Vec<String>) {
    let json = serde_json::to_string_pretty(&fin.sidecar).expect("a sidecar serialises");
    let body = Bytes::from(json.clone().into_bytes());
    let tasks = std::mem::take(&mut fin.tasks);
    let s = &fin.sidecar;
    let per_store = tasks.into_iter().map(|(i, task)| {
        let store = &stores[i];
        let body = body.clone();
        async move {
            let r = match task.await {
                Ok(Ok(n)) if n == s.object_bytes => store
                    .put_signed(&s.key(), body, crate::trust::Kind::Bag, signer)
                    .await
                    .map_err(|e| e.to_string()),
                Ok(Ok(n)) => Err(format!("stored {n} bytes of {}", s.object_bytes)),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the upload task failed: {e}")),
            };
            if r.is_err() {
                let _ = store.delete(&crate::trust::sig_key(&s.key())).await;
                let _ = store.delete(&s.object).await;
            }
            StoreResult {
                url: store.label.clone(),
                ok: r.is_ok(),
                error: r.err(),
            }
        }
    });
    let results = futures::future::join_all(per_store).await;
    let holders = results
        .iter()
        .filter(|r| r.ok)
        .map(|r| r.url.clone())
        .collect();
    (fin, json, results, holders)
}

/// Archives the files and folders `paths` (see the module docs).
///
/// # Errors
/// [`ArchiveError`] when the run cannot start (no office name, bad `--year`,
/// no recipient, policy files, no store, the index) or no store takes a bag.
/// Files that are refused are in [`AddOutcome::refused`], not errors.
pub async fn add(
    cfg: &Config,
    years: &SchoolYears,
    paths: &[PathBuf],
    opts: &AddOptions,
    progress: Arc<dyn Progress>,
) -> Result<AddOutcome, ArchiveError> {
    // Plan: everything checked before a byte is read or stored.
    if cfg.office.name.trim().is_empty() {
        return Err(ArchiveError::NoOffice(cfg.path.clone()));
    }
    if let Some(y) = &opts.flags.year
        && !classify::is_year_name(y)
    {
        return Err(ArchiveError::BadYear(y.clone()));
    }
    let recipients = if cfg.archive.encrypt {
        Some(crate::pack::keys::parse_recipients(
            &cfg.encryption.recipients,
        )?)
    } else {
        None
    };
    let signer = cfg.signing.signer()?;
    let trusted = super::refresh::trusted(cfg)?;
    let kinds = super::ReportKinds::load(cfg.policies.as_deref())?;
    let (opened, mut failed_open) = open_stores(cfg)?;
    // A local store without its marker may be an empty mount point: never write there.
    let mut stores = Vec::new();
    for s in opened {
        match s.require_marker(&trusted).await {
            Ok(()) => stores.push(s),
            Err(e) => failed_open.push((s.label.clone(), e.to_string())),
        }
    }
    if stores.is_empty() {
        return Err(ArchiveError::AllStoresFailed(
            failed_open
                .iter()
                .map(|(s, e)| format!("  {s}: {e}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }

    let paths = paths.to_vec();
    let walked = tokio::task::spawn_blocking(move || walk(&paths))
        .await
        .map_err(|e| ArchiveError::Internal(e.to_string()))?;
    let mut out = AddOutcome {
        dry_run: opts.dry_run,
        ..AddOutcome::default()
    };
    for p in walked.skipped {
        out.skipped.push(Skipped {
            file: p.file.clone(),
            path: p.file,
            year: None,
            term: None,
            sha256: None,
            bag: None,
            reason: p.reason,
        });
    }
    for p in walked.refused {
        out.refused.push(Refused {
            file: p.file,
            reason: p.reason,
            candidates: Vec::new(),
            hint: None,
        });
    }
    let mut jobs = Vec::new();
    let today = opts.now.with_timezone(&vietnam()).date_naive();
    for file in walked.files {
        let date = DateTime::<Utc>::from(file.mtime)
            .with_timezone(&vietnam())
            .date_naive();
        let subject = Subject {
            name: &file.name,
            folders: &file.folders,
            date: Some(date),
        };
        // `--term` for a folder's files is a default their own names override.
        let flags = Flags {
            term_default: file.in_folder,
            ..opts.flags.clone()
        };
        match classify::classify(&subject, &flags, years) {
            Ok(placement) => {
                // A period that has not begun is a misfiling (a year taken
                // from today's date, a typo in --year) unless told otherwise.
                let starts = years
                    .get_or_derived(&placement.year)
                    .map(|y| y.period_range(placement.period).0);
                if let Some(start) = starts
                    && start > today
                    && !opts.force
                {
                    out.refused.push(Refused {
                        file: file.path.to_string_lossy().into_owned(),
                        reason: Msg::new("archive-not-begun")
                            .arg("place", format!("{}/{}", placement.year, placement.period))
                            .day("start", start)
                            .arg_msg("year_from", placement.year_from.msg())
                            .arg_msg("term_from", placement.period_from.msg()),
                        candidates: Vec::new(),
                        hint: Some(Msg::new("archive-hint-not-begun")),
                    });
                    continue;
                }
                if let Some(flag) = opts.flags.period
                    && placement.period_from == Source::Name
                    && placement.period != flag
                {
                    out.term_not_applied.push(TermKept {
                        path: file.path.to_string_lossy().into_owned(),
                        term: placement.period,
                    });
                }
                jobs.push(Job { file, placement })
            }
            Err(r) => out.refused.push(Refused {
                file: file.path.to_string_lossy().into_owned(),
                reason: r.reason,
                candidates: r.candidates,
                hint: Some(r.hint),
            }),
        }
    }
    jobs.sort_by(|a, b| {
        (&a.placement.year, a.placement.period, &a.file.rel).cmp(&(
            &b.placement.year,
            b.placement.period,
            &b.file.rel,
        ))
    });

    // What is already archived for the folders this run touches, the stores' word included.
    let (mut index, _) = open_index(cfg).await?;
    let mut known: Known = HashMap::new();
    for j in &jobs {
        let g = (j.placement.year.clone(), j.placement.period);
        if known.contains_key(&g) {
            continue;
        }
        refresh(
            &mut index,
            &stores,
            &format!("{}/", folder(&g.0, g.1)),
            &trusted,
        )
        .await?;
        let k = index.known(&g.0, g.1)?;
        known.insert(g, k);
    }

    let packing = Packing {
        jobs,
        known,
        stores: stores.clone(),
        recipients,
        office: OfficeRef {
            name: cfg.office.name.trim().to_string(),
            code: cfg.office.code.trim().to_string(),
        },
        vault: cfg.database.vault.clone(),
        now: opts.now.trunc_subsecs(3),
        level: opts.level,
        threads: opts.threads.max(1),
        dry_run: opts.dry_run,
        progress,
    };
    let handle = tokio::runtime::Handle::current();
    let (jobs, mut decisions, finished) = tokio::task::spawn_blocking(move || {
        let _rt = handle.enter();
        packing.run()
    })
    .await
    .map_err(|e| ArchiveError::Internal(e.to_string()))?;

    // Each bag: wait for its uploads, then write its sidecar (the mark of a
    // complete bag) in every store that took it; all bags and stores at once.
    let sealed =
        futures::future::join_all(finished.into_iter().map(|fin| seal(&stores, fin, &signer)))
            .await;
    let mut indexed = Vec::new();
    for (fin, json, mut results, holders) in sealed {
        for (url, e) in &failed_open {
            results.push(StoreResult {
                url: url.clone(),
                ok: false,
                error: Some(e.clone()),
            });
        }
        if holders.is_empty() {
            let why = results
                .iter()
                .filter_map(|r| {
                    r.error
                        .as_ref()
                        .map(|e| format!("{}: {}", r.url, crate::store::brief(e)))
                })
                .collect::<Vec<_>>()
                .join("; ");
            for j in &fin.jobs {
                decisions[*j] = Decision::Fail(Msg::new("archive-no-store-took").arg("why", &why));
            }
        }
        let s = &fin.sidecar;
        out.bags.push(BagOutcome {
            bag: s.bag_id.to_string(),
            key: s.object.clone(),
            year: s.year.clone(),
            term: s.period,
            files: s.files.len(),
            bytes: s.files.iter().map(|f| f.bytes).sum(),
            object_bytes: s.object_bytes,
            stores: results,
        });
        if !holders.is_empty() {
            indexed.push((fin.sidecar, json, holders));
        }
    }
    index.insert_all(&indexed)?;

    for (job, d) in jobs.into_iter().zip(decisions) {
        let f = job.file;
        let p = job.placement;
        let path = f.path.to_string_lossy().into_owned();
        match d {
            Decision::Add { digests, bag } => out.added.push(Added {
                file: f.rel,
                path,
                year: p.year,
                term: p.period,
                year_from: p.year_from,
                term_from: p.period_from,
                sha256: digests.sha256,
                bytes: f.size,
                bag: bag.map(|b| b.to_string()),
                kind: kinds.kind_of(&f.name).map(String::from),
            }),
            Decision::Skip {
                digests,
                reason,
                bag,
            } => out.skipped.push(Skipped {
                file: f.rel,
                path,
                year: Some(p.year),
                term: Some(p.period),
                sha256: Some(digests.sha256),
                bag,
                reason,
            }),
            Decision::Fail(reason) => out.refused.push(Refused {
                file: path,
                reason,
                candidates: Vec::new(),
                hint: None,
            }),
            Decision::Pending => out.refused.push(Refused {
                file: path,
                reason: Msg::new("archive-stopped-before"),
                candidates: Vec::new(),
                hint: None,
            }),
        }
    }
    if out.added.iter().any(|a| a.kind.is_none()) {
        out.counted_kinds = kinds.labels().to_vec();
    }
    Ok(out)
}
