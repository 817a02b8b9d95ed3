//! The catalog: both languages have the same messages with the same
//! placeholders, and every message is used by the code.

use std::collections::{BTreeMap, BTreeSet};

use super::{EN, Lang, VI};

/// Message id → its placeholders (`{ $name }`), in order of first use.
fn messages(ftl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for line in ftl.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') || line.starts_with(' ') {
            continue;
        }
        let (id, value) = line.split_once(" = ").expect("id = value");
        let args = value
            .split("{ $")
            .skip(1)
            .map(|rest| rest.split(' ').next().unwrap_or("").to_string())
            .collect();
        assert!(out.insert(id.to_string(), args).is_none(), "{id} twice");
    }
    out
}

/// Every message of a language's files; an id in two files fails.
fn all(files: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for f in files {
        for (id, args) in messages(f) {
            assert!(out.insert(id.clone(), args).is_none(), "{id} in two files");
        }
    }
    out
}

#[test]
fn both_languages_have_every_message_with_the_same_placeholders() {
    let vi = all(&VI);
    let en = all(&EN);
    let only_vi: Vec<_> = vi.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !vi.contains_key(*k)).collect();
    assert!(only_vi.is_empty(), "only in vi.ftl: {only_vi:?}");
    assert!(only_en.is_empty(), "only in en.ftl: {only_en:?}");
    for (id, args) in &vi {
        assert_eq!(args, &en[id], "{id}: the placeholders differ");
    }
    assert!(vi.len() >= 20, "{}", vi.len());
}

#[test]
fn every_message_is_used_by_the_code() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut code = String::new();
    for e in walkdir::WalkDir::new(&root) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "rs") && !e.path().ends_with("lang/tests.rs") {
            code.push_str(&std::fs::read_to_string(e.path()).unwrap());
        }
    }
    // The `--help` texts (about-, arg-, pv-) are asked per command and flag:
    // src/cli/help.rs holds them to the command line.
    let unused: Vec<String> = all(&VI)
        .into_keys()
        .filter(|id| !["about", "arg-"].iter().any(|p| id.starts_with(p)))
        .filter(|id| !code.contains(&format!("\"{id}\"")))
        .collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
}

/// The ids the code asks for by name (`lang.t("id"`, `Msg::new("id"`):
/// `Lang::t` panics on one the catalog lacks, so a typo on a rare error path
/// must fail here, not at an office.
#[test]
fn every_id_the_code_asks_for_is_in_the_catalog() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let vi = all(&VI);
    let mut asked = BTreeSet::new();
    for e in walkdir::WalkDir::new(&root) {
        let e = e.unwrap();
        if e.path().extension().is_none_or(|x| x != "rs") || e.path().ends_with("lang/tests.rs") {
            continue;
        }
        let code = std::fs::read_to_string(e.path()).unwrap();
        for opener in [".t(", "Msg::new("] {
            for (i, _) in code.match_indices(opener) {
                let rest = code[i + opener.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let id: String = rest.chars().take_while(|c| *c != '"').collect();
                let is_id = id.contains('-')
                    && id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && id.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'
                    });
                if is_id {
                    asked.insert(id);
                }
            }
        }
    }
    assert!(asked.len() > 100, "{}", asked.len());
    let missing: Vec<&String> = asked.iter().filter(|id| !vi.contains_key(*id)).collect();
    assert!(
        missing.is_empty(),
        "ids the code asks for that no catalog has: {missing:?}"
    );
}

#[test]
fn every_message_formats_in_both_languages() {
    for (id, args) in all(&VI) {
        let values: Vec<(String, String)> =
            args.iter().map(|a| (a.clone(), format!("<{a}>"))).collect();
        let refs: Vec<(&str, &dyn std::fmt::Display)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display))
            .collect();
        for lang in [Lang::Vi, Lang::En] {
            let text = lang.t(&id, &refs);
            for a in &args {
                assert!(text.contains(&format!("<{a}>")), "{id} ({lang:?}): {text}");
            }
            assert!(
                !text.contains('{'),
                "{id} ({lang:?}) left a placeholder: {text}"
            );
        }
    }
}

#[test]
fn the_language_is_the_flag_then_the_environment_then_the_config_then_vietnamese() {
    // (EQVAULT_LANG is not set in the test environment by scripts/test.sh.)
    if std::env::var_os("EQVAULT_LANG").is_none() {
        assert_eq!(Lang::choose_for(None, None), Lang::Vi);
        assert_eq!(Lang::choose_for(None, Some(Lang::En)), Lang::En);
    }
    assert_eq!(Lang::choose_for(Some(Lang::En), Some(Lang::Vi)), Lang::En);
    assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
    assert_eq!("vi_VN.UTF-8".parse::<Lang>(), Ok(Lang::Vi));
    assert_eq!(" en-US".parse::<Lang>(), Ok(Lang::En));
    assert!("".parse::<Lang>().is_err());
    assert!("fr".parse::<Lang>().unwrap_err().contains("vi or en"));
}
