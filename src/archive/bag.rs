//! BagIt 1.0 (RFC 8493): writing a bag as tar → zstd (→ age), and checking a bag's tag files against its payload.
//!
//! A bag made here, serialised as one tar with one top folder named after the bag id:
//!
//! ```text
//! <bag-id>/bagit.txt                "BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8"
//! <bag-id>/data/<original names>    the payload, names in UTF-8 NFC
//! <bag-id>/manifest-sha256.txt      "<sha256> data/<name>" per payload file
//! <bag-id>/bag-info.txt             Bagging-Date, Payload-Oxum, Bag-Group-Identifier, Nam-Hoc, …
//! <bag-id>/tagmanifest-sha256.txt   the three tag files above
//! ```
//!
//! One payload manifest, SHA-256 (RFC 8493 §2.4: validators must support
//! SHA-256 and SHA-512; one manifest is enough): it is the digest every other
//! record of eqvault uses (the index, the sidecars, snapshots), it runs on
//! the CPU's SHA extensions at twice SHA-512's speed here, and a second
//! manifest of the same bytes adds no fixity. Bags made before 2026-12 also
//! carry `manifest-sha512.txt` and `tagmanifest-sha512.txt`; both are still
//! checked when present, so reading computes both digests.
//!
//! `bagit.txt` comes first and the other tag files last, because they carry
//! digests computed while the payload streams. Any BagIt validator checks an
//! extracted bag, e.g. the Library of Congress's `python -m bagit --validate`.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};

use sha2::{Digest, Sha256, Sha512};

use crate::pack::{ChainWriter, Compression};

/// The bag declaration, exactly as RFC 8493 §2.1.1 gives it for version 1.0.
pub const BAGIT_TXT: &str = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
/// `bagit.txt`.
pub const BAGIT: &str = "bagit.txt";
/// `bag-info.txt`.
pub const BAG_INFO: &str = "bag-info.txt";
/// `manifest-sha256.txt`.
pub const MANIFEST_SHA256: &str = "manifest-sha256.txt";
/// `manifest-sha512.txt`.
pub const MANIFEST_SHA512: &str = "manifest-sha512.txt";
/// `tagmanifest-sha256.txt`.
pub const TAGMANIFEST_SHA256: &str = "tagmanifest-sha256.txt";
/// `tagmanifest-sha512.txt` (bags made before 2026-12).
pub const TAGMANIFEST_SHA512: &str = "tagmanifest-sha512.txt";
/// Every tag file a bag made here has, in the order written.
pub const TAG_FILES: [&str; 4] = [BAGIT, MANIFEST_SHA256, BAG_INFO, TAGMANIFEST_SHA256];
/// Every tag file a bag may hold: today's and those of older bags.
pub const KNOWN_TAG_FILES: [&str; 6] = [
    BAGIT,
    MANIFEST_SHA256,
    MANIFEST_SHA512,
    BAG_INFO,
    TAGMANIFEST_SHA256,
    TAGMANIFEST_SHA512,
];

/// A payload file's digests, hex.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Digests {
    /// SHA-256.
    pub sha256: String,
    /// SHA-512: for files of bags made before 2026-12, and of every file read
    /// back (an older bag's manifest needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha512: Option<String>,
}

impl Digests {
    /// Whether `read` (what a reader computed) matches these recorded digests:
    /// the SHA-256, and the SHA-512 when one was recorded.
    pub fn match_read(&self, read: &Digests) -> bool {
        self.sha256 == read.sha256 && (self.sha512.is_none() || self.sha512 == read.sha512)
    }
}

/// SHA-256, and SHA-512 when reading, in one pass.
#[derive(Clone)]
pub struct Hasher {
    sha256: Sha256,
    sha512: Option<Sha512>,
    bytes: u64,
}

impl Hasher {
    /// The digest a new bag's manifest lists: SHA-256.
    pub fn for_bag() -> Self {
        Hasher {
            sha256: Sha256::new(),
            sha512: None,
            bytes: 0,
        }
    }

    /// Both digests, to check a bag of any age against its manifests.
    pub fn for_reading() -> Self {
        Hasher {
            sha512: Some(Sha512::new()),
            ..Hasher::for_bag()
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, b: &[u8]) {
        self.sha256.update(b);
        if let Some(h) = &mut self.sha512 {
            h.update(b);
        }
        self.bytes += b.len() as u64;
    }

    /// The digests and the count.
    pub fn finish(self) -> (Digests, u64) {
        (
            Digests {
                sha256: hex::encode(self.sha256.finalize()),
                sha512: self.sha512.map(|h| hex::encode(h.finalize())),
            },
            self.bytes,
        )
    }

    /// The digest a new bag lists, of a buffer.
    pub fn of(b: &[u8]) -> Digests {
        let mut h = Hasher::for_bag();
        h.update(b);
        h.finish().0
    }
}

/// One payload file as the manifests list it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PayloadFile {
    /// The path under `data/`, UTF-8 NFC, `/`-separated.
    pub path: String,
    /// Its length.
    pub bytes: u64,
    /// Its digests.
    #[serde(flatten)]
    pub digests: Digests,
}

/// Percent-encodes the characters RFC 8493 §2.1.3 requires in manifest paths: CR, LF and `%`.
pub fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`encode_path`] (any case of hex digits).
pub fn decode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut rest = p;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(str::to_ascii_uppercase);
        match code.as_deref() {
            Some("25") => out.push('%'),
            Some("0D") => out.push('\r'),
            Some("0A") => out.push('\n'),
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// The metadata written into `bag-info.txt`, besides what the payload gives.
#[derive(Debug, Clone)]
pub struct BagInfo {
    /// The bag id (`External-Identifier`).
    pub bag_id: String,
    /// `YYYY-MM-DD` in Vietnam.
    pub bagging_date: String,
    /// `2024-2025` (`Bag-Group-Identifier`, `Nam-Hoc`).
    pub year: String,
    /// `hk1`, `hk2`, `ca-nam` or `MM` (`Ky-Bao-Cao`).
    pub period: String,
    /// The office's name (`Source-Organization`).
    pub office_name: String,
    /// The office's code (`Don-Vi` together with the name).
    pub office_code: String,
    /// `eqvault 0.1.0`.
    pub software: String,
}

/// A one-line value: line breaks would start a new label.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a period reads in Vietnamese.
pub fn period_label(period: &str) -> String {
    match period {
        "hk1" => "Học kỳ I".into(),
        "hk2" => "Học kỳ II".into(),
        "ca-nam" => "Cả năm".into(),
        m => format!("Tháng {m}"),
    }
}

impl BagInfo {
    /// The text of `bag-info.txt` for a payload of `bytes` in `files` files.
    pub fn render(&self, bytes: u64, files: usize) -> String {
        let don_vi = match (self.office_code.trim(), self.office_name.trim()) {
            ("", n) => n.to_string(),
            (c, "") => c.to_string(),
            (c, n) => format!("{c} - {n}"),
        };
        let label = period_label(&self.period);
        let fields = [
            ("Bagging-Date", self.bagging_date.clone()),
            ("Payload-Oxum", format!("{bytes}.{files}")),
            ("Bag-Group-Identifier", self.year.clone()),
            ("Source-Organization", self.office_name.clone()),
            ("Nam-Hoc", self.year.clone()),
            ("Ky-Bao-Cao", self.period.clone()),
            ("Don-Vi", don_vi),
            ("External-Identifier", self.bag_id.clone()),
            (
                "External-Description",
                format!(
                    "Báo cáo định kỳ {label}, năm học {} (Quyết định 146/QĐ-GDĐT, Điều 12.2)",
                    self.year
                ),
            ),
            ("Bag-Software-Agent", self.software.clone()),
        ];
        let mut out = String::new();
        for (k, v) in fields {
            out.push_str(k);
            out.push_str(": ");
            out.push_str(&one_line(&v));
            out.push('\n');
        }
        out
    }
}

/// A manifest's text: one `<digest> data/<path>` line per file, in the order given.
pub fn manifest(files: &[PayloadFile], pick: impl Fn(&Digests) -> &str) -> String {
    let mut out = String::new();
    for f in files {
        out.push_str(pick(&f.digests));
        out.push(' ');
        out.push_str(&encode_path(&format!("data/{}", f.path)));
        out.push('\n');
    }
    out
}

/// The tag files written after the payload: (name, bytes), ending with the tag manifest.
pub fn closing_tag_files(files: &[PayloadFile], info: &BagInfo) -> Vec<(&'static str, Vec<u8>)> {
    let bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let mut tags: Vec<(&'static str, Vec<u8>)> = vec![
        (MANIFEST_SHA256, manifest(files, |d| &d.sha256).into_bytes()),
        (BAG_INFO, info.render(bytes, files.len()).into_bytes()),
    ];
    let mut tm = String::new();
    let bagit_sha = hex::encode(Sha256::digest(BAGIT_TXT.as_bytes()));
    tm.push_str(&format!("{bagit_sha} {BAGIT}\n"));
    for (name, body) in &tags {
        tm.push_str(&format!("{} {name}\n", hex::encode(Sha256::digest(body))));
    }
    tags.push((TAGMANIFEST_SHA256, tm.into_bytes()));
    tags
}

/// The size of one zstd worker's job.
const ZSTD_JOB_BYTES: u32 = 2 << 20;

/// Writes one bag through the pack chain (tar → zstd → age or clear,
/// [`crate::pack::ChainWriter`]) into `W`. Call [`BagWriter::finish`]: a
/// writer dropped without it leaves a truncated object that fails to open.
pub struct BagWriter<W: Write> {
    chain: ChainWriter<W>,
    root: String,
    mtime: u64,
    files: Vec<PayloadFile>,
}

fn header(kind: tar::EntryType, size: u64, mode: u32, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

impl<W: Write> BagWriter<W> {
    /// Starts the bag `bag_id` (its top folder), made at `mtime` (Unix seconds),
    /// compressed at zstd `level` on `threads` workers, encrypted when `recipients` is given.
    ///
    /// # Errors
    /// I/O, or encryption set-up.
    pub fn new(
        out: W,
        bag_id: &str,
        recipients: Option<&[age::x25519::Recipient]>,
        level: i32,
        threads: u32,
        mtime: u64,
    ) -> io::Result<Self> {
        let chain = ChainWriter::new(
            out,
            recipients,
            Compression {
                level,
                threads,
                // Small jobs keep every worker busy in bags of a few megabytes
                // too (the default, 4 windows, would leave one idle).
                job_bytes: Some(ZSTD_JOB_BYTES),
                checksum: true,
            },
        )?;
        let mut w = BagWriter {
            chain,
            root: bag_id.to_string(),
            mtime,
            files: Vec::new(),
        };
        w.dir("")?;
        w.tag(BAGIT, BAGIT_TXT.as_bytes())?;
        w.dir("data")?;
        Ok(w)
    }

    fn dir(&mut self, rel: &str) -> io::Result<()> {
        let mut h = header(tar::EntryType::Directory, 0, 0o755, self.mtime);
        let path = if rel.is_empty() {
            format!("{}/", self.root)
        } else {
            format!("{}/{rel}/", self.root)
        };
        self.chain.tar().append_data(&mut h, path, io::empty())
    }

    fn tag(&mut self, name: &str, body: &[u8]) -> io::Result<()> {
        let mut h = header(
            tar::EntryType::Regular,
            body.len() as u64,
            0o644,
            self.mtime,
        );
        self.chain
            .tar()
            .append_data(&mut h, format!("{}/{name}", self.root), body)
    }

    /// Whether the payload already has `path`.
    pub fn has(&self, path: &str) -> bool {
        self.files.iter().any(|f| f.path == path)
    }

    /// How many payload files so far.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Appends a payload file `data/<path>` of exactly `size` bytes read from
    /// `data`, whose digests the caller computed over the same bytes.
    ///
    /// # Errors
    /// I/O, or `data` yielding another length than `size`.
    pub fn append(
        &mut self,
        path: &str,
        size: u64,
        mtime: u64,
        data: impl Read,
        digests: Digests,
    ) -> io::Result<()> {
        self.append_counted(path, size, mtime, data)?;
        self.files.push(PayloadFile {
            path: path.to_string(),
            bytes: size,
            digests,
        });
        Ok(())
    }

    /// As [`BagWriter::append`], hashing the bytes as they stream (for files
    /// too large to hold in memory). Returns their digests.
    ///
    /// # Errors
    /// As [`BagWriter::append`].
    pub fn append_hashing(
        &mut self,
        path: &str,
        size: u64,
        mtime: u64,
        data: impl Read,
    ) -> io::Result<Digests> {
        let mut h = HashingRead {
            inner: data,
            hasher: Hasher::for_bag(),
        };
        self.append_counted(path, size, mtime, &mut h)?;
        let (digests, _) = h.hasher.finish();
        self.files.push(PayloadFile {
            path: path.to_string(),
            bytes: size,
            digests: digests.clone(),
        });
        Ok(digests)
    }

    /// Appends `data/<path>`, exactly `size` bytes of `data`.
    fn append_counted(
        &mut self,
        path: &str,
        size: u64,
        mtime: u64,
        data: impl Read,
    ) -> io::Result<()> {
        let mut hdr = header(tar::EntryType::Regular, size, 0o644, mtime);
        let n =
            self.chain
                .append_exact(&mut hdr, &format!("{}/data/{path}", self.root), size, data)?;
        if n != size {
            return Err(io::Error::other(format!(
                "{path} changed size while it was being archived ({n} of {size} bytes)"
            )));
        }
        Ok(())
    }

    /// Writes the manifests, `bag-info.txt` and the tag manifest, then ends the
    /// tar, the zstd frame and the age stream. Returns the output, the payload
    /// files and the total length of the tag files.
    ///
    /// # Errors
    /// I/O.
    pub fn finish(mut self, info: &BagInfo) -> io::Result<(W, Vec<PayloadFile>, u64)> {
        let tags = closing_tag_files(&self.files, info);
        let mut tag_bytes = BAGIT_TXT.len() as u64;
        for (name, body) in &tags {
            self.tag(name, body)?;
            tag_bytes += body.len() as u64;
        }
        Ok((self.chain.finish()?, self.files, tag_bytes))
    }
}

struct HashingRead<R> {
    inner: R,
    hasher: Hasher,
}

impl<R: Read> Read for HashingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.hasher.update(&buf[..k]);
        Ok(k)
    }
}

/// One thing wrong with a bag, naming the file concerned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file inside the bag (`data/…`, a tag file), or the stored object.
    pub file: String,
    /// What is wrong.
    pub detail: String,
}

impl Problem {
    /// A problem with `file`.
    pub fn new(file: impl Into<String>, detail: impl Into<String>) -> Self {
        Problem {
            file: file.into(),
            detail: detail.into(),
        }
    }
}

/// `label: value` lines of a tag file, with RFC 8493 continuation lines (leading whitespace).
pub fn parse_labels(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// A manifest's lines: (decoded path, digest). Lines that do not parse are problems.
fn parse_manifest(name: &str, text: &str, problems: &mut Vec<Problem>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let Some((digest, path)) = line.split_once([' ', '\t']) else {
            problems.push(Problem::new(
                name,
                format!("line {} does not read \"<digest> <path>\"", n + 1),
            ));
            continue;
        };
        let path = decode_path(path.trim_start_matches([' ', '\t']));
        if out
            .insert(path.clone(), digest.to_ascii_lowercase())
            .is_some()
        {
            problems.push(Problem::new(name, format!("lists {path} twice")));
        }
    }
    out
}

/// What a strict read of a bag found: each payload file's length and digests,
/// and each tag file's bytes.
#[derive(Debug, Default)]
pub struct Contents {
    /// `data/<path>` → (length, digests).
    pub payload: BTreeMap<String, (u64, Digests)>,
    /// Tag file name → bytes.
    pub tags: BTreeMap<String, Vec<u8>>,
}

/// Checks a bag the way a BagIt validator does: the declaration, every
/// checksum of every manifest and tag manifest it holds against the bytes
/// read, no file missing from or absent in a manifest, and `Payload-Oxum`.
/// A bag holds `manifest-sha256.txt` and a tag manifest (`-sha256`, or
/// `-sha512` in bags made before 2026-12).
pub fn validate(c: &Contents) -> Vec<Problem> {
    let mut problems = Vec::new();
    for name in [BAGIT, MANIFEST_SHA256, BAG_INFO] {
        if !c.tags.contains_key(name) {
            problems.push(Problem::new(name, "missing from the bag"));
        }
    }
    if !c.tags.contains_key(TAGMANIFEST_SHA256) && !c.tags.contains_key(TAGMANIFEST_SHA512) {
        problems.push(Problem::new(TAGMANIFEST_SHA256, "missing from the bag"));
    }
    if let Some(b) = c.tags.get(BAGIT)
        && b.as_slice() != BAGIT_TXT.as_bytes()
    {
        let labels = parse_labels(&String::from_utf8_lossy(b));
        let version = labels
            .iter()
            .find(|(k, _)| k == "BagIt-Version")
            .map(|(_, v)| v.as_str());
        if version != Some("1.0") {
            problems.push(Problem::new(
                BAGIT,
                format!("BagIt-Version is {version:?}, not 1.0"),
            ));
        }
    }
    for (name, algo, pick) in [
        (
            MANIFEST_SHA256,
            "SHA-256",
            (|d: &Digests| Some(d.sha256.clone())) as fn(&Digests) -> Option<String>,
        ),
        (MANIFEST_SHA512, "SHA-512", |d: &Digests| d.sha512.clone()),
    ] {
        let Some(body) = c.tags.get(name) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(body) else {
            problems.push(Problem::new(name, "not UTF-8"));
            continue;
        };
        let listed = parse_manifest(name, text, &mut problems);
        for (path, want) in &listed {
            match c.payload.get(path) {
                None => problems.push(Problem::new(
                    path,
                    format!("listed in {name} but not in the bag"),
                )),
                Some((_, d)) if pick(d).as_ref() != Some(want) => problems.push(Problem::new(
                    path,
                    format!("{algo} checksum differs from {name}: the file is damaged"),
                )),
                Some(_) => {}
            }
        }
        for path in c.payload.keys() {
            if !listed.contains_key(path) {
                problems.push(Problem::new(
                    path,
                    format!("in the bag but not listed in {name}"),
                ));
            }
        }
    }
    for (tm_name, algo, digest) in [
        (
            TAGMANIFEST_SHA256,
            "SHA-256",
            (|b: &[u8]| hex::encode(Sha256::digest(b))) as fn(&[u8]) -> String,
        ),
        (TAGMANIFEST_SHA512, "SHA-512", |b: &[u8]| {
            hex::encode(Sha512::digest(b))
        }),
    ] {
        let Some(body) = c.tags.get(tm_name) else {
            continue;
        };
        let listed = parse_manifest(tm_name, &String::from_utf8_lossy(body), &mut problems);
        for (name, want) in &listed {
            match c.tags.get(name) {
                None => problems.push(Problem::new(
                    name,
                    format!("listed in {tm_name} but not in the bag"),
                )),
                Some(b) if digest(b) != *want => problems.push(Problem::new(
                    name,
                    format!("{algo} differs from {tm_name}: the tag file is damaged"),
                )),
                Some(_) => {}
            }
        }
        for name in c.tags.keys() {
            if ![TAGMANIFEST_SHA256, TAGMANIFEST_SHA512].contains(&name.as_str())
                && !listed.contains_key(name)
            {
                problems.push(Problem::new(name, format!("not listed in {tm_name}")));
            }
        }
    }
    if let Some(body) = c.tags.get(BAG_INFO) {
        let labels = parse_labels(&String::from_utf8_lossy(body));
        let bytes: u64 = c.payload.values().map(|(n, _)| n).sum();
        let want = format!("{bytes}.{}", c.payload.len());
        match labels.iter().find(|(k, _)| k == "Payload-Oxum") {
            None => problems.push(Problem::new(BAG_INFO, "has no Payload-Oxum")),
            Some((_, v)) if *v != want => problems.push(Problem::new(
                BAG_INFO,
                format!("Payload-Oxum says {v}, the payload is {want} (bytes.files)"),
            )),
            Some(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> BagInfo {
        BagInfo {
            bag_id: "20250120T010203Z-abcdef".into(),
            bagging_date: "2025-01-20".into(),
            year: "2024-2025".into(),
            period: "hk1".into(),
            office_name: "Sở Giáo dục và Đào tạo\nThành phố Hồ Chí Minh".into(),
            office_code: "79".into(),
            software: "eqvault test".into(),
        }
    }

    fn contents(files: &[(&str, &[u8])]) -> Contents {
        let payload: Vec<PayloadFile> = files
            .iter()
            .map(|(p, b)| PayloadFile {
                path: p.to_string(),
                bytes: b.len() as u64,
                digests: Hasher::of(b),
            })
            .collect();
        let mut c = Contents::default();
        for f in &payload {
            c.payload
                .insert(format!("data/{}", f.path), (f.bytes, f.digests.clone()));
        }
        c.tags.insert(BAGIT.into(), BAGIT_TXT.as_bytes().to_vec());
        for (n, b) in closing_tag_files(&payload, &info()) {
            c.tags.insert(n.into(), b);
        }
        c
    }

    #[test]
    fn paths_with_line_breaks_and_percent_round_trip() {
        let p = "báo cáo 100%\nHK1\r.xlsx";
        let e = encode_path(p);
        assert_eq!(e, "báo cáo 100%25%0AHK1%0D.xlsx");
        assert_eq!(decode_path(&e), p);
        assert_eq!(decode_path("a%0d%0a%zz"), "a\r\n%zz");
    }

    #[test]
    fn bag_info_has_the_required_fields_on_one_line_each() {
        let t = info().render(10, 2);
        for want in [
            "Bagging-Date: 2025-01-20\n",
            "Payload-Oxum: 10.2\n",
            "Bag-Group-Identifier: 2024-2025\n",
            "Source-Organization: Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh\n",
            "Nam-Hoc: 2024-2025\n",
            "Ky-Bao-Cao: hk1\n",
            "Don-Vi: 79 - Sở Giáo dục",
        ] {
            assert!(t.contains(want), "{want:?} in\n{t}");
        }
    }

    #[test]
    fn a_good_bag_validates_and_each_kind_of_damage_is_named() {
        let files: &[(&str, &[u8])] = &[
            ("a.xlsx", b"hello"),
            ("sub/b 100%.pdf", b""),
            ("c\nd", b"x"),
        ];
        assert_eq!(validate(&contents(files)), vec![]);

        let mut c = contents(files);
        c.payload.get_mut("data/a.xlsx").unwrap().1 = Hasher::of(b"hellp");
        let p = validate(&c);
        assert!(
            p.iter()
                .any(|p| p.file == "data/a.xlsx" && p.detail.contains("SHA-256")),
            "{p:?}"
        );

        let mut c = contents(files);
        c.payload.remove("data/c\nd");
        let p = validate(&c);
        assert!(
            p.iter()
                .any(|p| p.file == "data/c\nd" && p.detail.contains("not in the bag")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|p| p.file == BAG_INFO && p.detail.contains("Payload-Oxum")),
            "{p:?}"
        );

        let mut c = contents(files);
        c.tags.get_mut(BAG_INFO).unwrap().push(b'x');
        let p = validate(&c);
        assert!(
            p.iter()
                .any(|p| p.file == BAG_INFO && p.detail.contains(TAGMANIFEST_SHA256)),
            "{p:?}"
        );
        assert!(
            !contents(files).tags.contains_key(MANIFEST_SHA512),
            "one payload manifest"
        );
    }

    /// A bag made before 2026-12: both payload manifests and a SHA-512 tag manifest.
    fn older_bag(files: &[(&str, &[u8])]) -> Contents {
        let mut c = Contents::default();
        let mut payload = Vec::new();
        for (p, b) in files {
            let mut h = Hasher::for_reading();
            h.update(b);
            let (d, n) = h.finish();
            c.payload.insert(format!("data/{p}"), (n, d.clone()));
            payload.push(PayloadFile {
                path: p.to_string(),
                bytes: n,
                digests: d,
            });
        }
        let tags = [
            (BAGIT, BAGIT_TXT.as_bytes().to_vec()),
            (
                MANIFEST_SHA256,
                manifest(&payload, |d| &d.sha256).into_bytes(),
            ),
            (
                MANIFEST_SHA512,
                manifest(&payload, |d| d.sha512.as_deref().unwrap()).into_bytes(),
            ),
            (
                BAG_INFO,
                info()
                    .render(payload.iter().map(|f| f.bytes).sum(), payload.len())
                    .into_bytes(),
            ),
        ];
        let mut tm = String::new();
        for (name, body) in &tags {
            tm.push_str(&format!("{} {name}\n", hex::encode(Sha512::digest(body))));
        }
        for (name, body) in tags {
            c.tags.insert(name.into(), body);
        }
        c.tags.insert(TAGMANIFEST_SHA512.into(), tm.into_bytes());
        c
    }

    #[test]
    fn a_bag_made_before_one_manifest_still_validates_and_its_sha512_is_checked() {
        let files: &[(&str, &[u8])] = &[("a.xlsx", b"hello"), ("b.pdf", b"world")];
        assert_eq!(validate(&older_bag(files)), vec![]);

        // A payload file whose SHA-512 alone disagrees (as a reader computes both).
        let mut c = older_bag(files);
        c.payload.get_mut("data/b.pdf").unwrap().1.sha512 = Some("0".repeat(128));
        let p = validate(&c);
        assert!(
            p.iter()
                .any(|p| p.file == "data/b.pdf" && p.detail.contains("SHA-512")),
            "{p:?}"
        );
        // A tag file changed: the SHA-512 tag manifest names it.
        let mut c = older_bag(files);
        c.tags.get_mut(MANIFEST_SHA512).unwrap().push(b'\n');
        let p = validate(&c);
        assert!(
            p.iter()
                .any(|p| p.file == MANIFEST_SHA512 && p.detail.contains(TAGMANIFEST_SHA512)),
            "{p:?}"
        );
        // Without any tag manifest, the bag is incomplete.
        let mut c = older_bag(files);
        c.tags.remove(TAGMANIFEST_SHA512);
        assert!(
            validate(&c).iter().any(|p| p.detail.contains("missing")),
            "{:?}",
            validate(&c)
        );
    }

    #[test]
    fn labels_read_continuation_lines() {
        let l = parse_labels("A: 1\nB: two\n  lines\n");
        assert_eq!(
            l,
            vec![("A".into(), "1".into()), ("B".into(), "two lines".into())]
        );
    }
}
