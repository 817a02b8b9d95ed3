//! eqvault keeps a city's teaching-equipment database safe and lawful: encrypted,
//! verified snapshots to independent stores, restores that are proven to work,
//! and compliance checks against Quyết định 146/QĐ-GDĐT (2024).
//!
//! The crate is a library of rooms with one job each and a thin CLI on top:
//!
//! - [`config`]: the TOML configuration, validated once.
//! - [`snapshot`]: a consistent copy of the live SQLite database and its facts.
//! - [`pack`]: tar → zstd → age streaming and the strict unpacker.
//! - [`store`]: object stores (local folder, S3) with put-if-absent and streaming upload.
//! - [`trust`]: the signing key and the trusted keys; every record believed is signed.
//! - [`catalog`]: snapshot ids, manifests and clear-text metadata.
//! - [`archive`]: report files → BagIt bags by school year and period, and their index.
//! - [`mapping`]: the office's own database read as the reference schema through SQL views.
//! - [`ops`]: the operations (backup, restore, verify) that join the rooms.
//! - [`report`]: the compliance report for leadership (HTML, PDF, XLSX, CSV, Markdown, JSON).
//! - [`schedule`]: cron times with catch-up, per-job locks, job history and alerts.
//! - [`stop`]: a stop signal reaching every room: uploads abort, clear copies go.
//! - [`cli`]: the only room that parses flags, prints or draws progress.

pub mod archive;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod guard;
pub mod lang;
pub mod ledger;
pub mod mapping;
pub mod ops;
pub mod pack;
pub mod policy;
pub mod progress;
pub mod report;
pub mod sanitize;
pub mod schedule;
pub mod scratch;
pub mod secret;
pub mod snapshot;
pub mod span;
pub mod stop;
pub mod store;
pub mod trust;

pub use config::Config;
pub use progress::Progress;
