//! Edits of an existing config that keep its comments and layout (`store add`, `adopt`).
//!
//! Each edit reads the file, changes the document, checks that the result is a
//! valid config, and replaces the file atomically (same mode), or changes nothing.

use std::io::Write;
use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::{Config, ConfigError};

fn invalid(path: &Path, key: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line: 1,
        key: key.to_string(),
        message,
    }
}

/// Applies `f` to the document at `path`, validates, and writes it back.
fn apply(path: &Path, f: impl FnOnce(&mut DocumentMut)) -> Result<(), ConfigError> {
    let read = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(read)?;
    let mut doc: DocumentMut = text.parse().map_err(|_| ConfigError::Parse {
        path: path.to_path_buf(),
        message: "not valid TOML; fix it by hand first".into(),
    })?;
    f(&mut doc);
    let new = doc.to_string();
    // The edit must leave a config eqvault reads, or nothing is written.
    Config::from_text(path, &new)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let write = || -> std::io::Result<()> {
        let mut t = std::fs::File::create(&tmp)?;
        if let Ok(m) = std::fs::metadata(path) {
            t.set_permissions(m.permissions())?;
        }
        t.write_all(new.as_bytes())?;
        t.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        ConfigError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Appends a `[[store]]` with `url` and the extra keys.
///
/// # Errors
/// [`ConfigError`] when the file cannot be read, parsed or written, or already has the store.
pub fn add_store(path: &Path, url: &str, extra: &[(&str, Item)]) -> Result<(), ConfigError> {
    let mut dup = false;
    apply(path, |doc| {
        let stores = doc
            .entry("store")
            .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        if let Some(arr) = stores.as_array_of_tables_mut() {
            dup = arr
                .iter()
                .any(|t| t.get("url").and_then(Item::as_str) == Some(url));
            let mut t = Table::new();
            t.insert("url", value(url));
            for (k, v) in extra {
                t.insert(k, v.clone());
            }
            arr.push(t);
        }
    })?;
    if dup {
        return Err(invalid(
            path,
            "store.url",
            format!("{url} is configured already"),
        ));
    }
    Ok(())
}

/// Removes the `at`-th `[[store]]` table (in file order, as `Config::stores`).
///
/// # Errors
/// [`ConfigError`] when the file cannot be read, parsed or written.
pub fn remove_store(path: &Path, at: usize) -> Result<(), ConfigError> {
    let mut removed = false;
    apply(path, |doc| match doc.get_mut("store") {
        Some(Item::ArrayOfTables(arr)) if at < arr.len() => {
            arr.remove(at);
            removed = true;
        }
        // `store = [{ url = … }, …]`, written by hand.
        Some(Item::Value(toml_edit::Value::Array(arr))) if at < arr.len() => {
            arr.remove(at);
            removed = true;
        }
        _ => {}
    })?;
    if removed {
        Ok(())
    } else {
        Err(invalid(
            path,
            "store",
            "the store is not written as [[store]] tables eqvault can edit: take it out by hand"
                .into(),
        ))
    }
}

/// Sets `key = value` in the `[[store]]` whose url is `url` (a store the
/// config has; nothing changes otherwise).
///
/// # Errors
/// [`ConfigError`] when the file cannot be read, parsed or written.
pub fn set_store_key(path: &Path, url: &str, key: &str, v: Item) -> Result<(), ConfigError> {
    apply(path, |doc| {
        if let Some(arr) = doc.get_mut("store").and_then(Item::as_array_of_tables_mut) {
            for t in arr.iter_mut() {
                if t.get("url").and_then(Item::as_str) == Some(url) {
                    t.insert(key, v.clone());
                }
            }
        }
    })
}

/// Sets `[signing] key` and adds `public` to `[signing] trusted` (adopt).
///
/// # Errors
/// [`ConfigError`] when the file cannot be read, parsed or written.
pub fn set_signing(path: &Path, key_file: &str, public: &str) -> Result<(), ConfigError> {
    apply(path, |doc| {
        let t = doc
            .entry("signing")
            .or_insert(Item::Table(Table::new()))
            .as_table_mut();
        if let Some(t) = t {
            t.insert("key", value(key_file));
            let mut arr = t
                .get("trusted")
                .and_then(Item::as_array)
                .cloned()
                .unwrap_or_default();
            if !arr.iter().any(|v| v.as_str() == Some(public)) {
                arr.push(public);
            }
            t.insert("trusted", value(arr));
        }
    })
}
