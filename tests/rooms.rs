//! The layout of `src/` as a test (issue 24, `../shared/ENGINE.md`): the
//! top-level modules ("rooms") only look down.
//!
//! A room is a folder or a file directly under `src/`. Room A names room B
//! when code of A outside its tests writes `crate::B`, `crate::{B, …}`, a
//! name `lib.rs` re-exports from B, or (in A's own top file) `super::B`. The
//! test fails when rooms name each other in a circle, through any path; when
//! a room below the front ends (`cli`, `daemon`) names one; and when `policy`
//! names a room that does store or archive I/O.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The front ends: nothing below them may name them.
const FRONTS: [&str; 3] = ["cli", "daemon", "main"];

/// Source without comments and without the text of string and char literals.
fn strip(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(b.len(), |j| i + j);
        } else if text[i..].starts_with("/*") {
            let mut depth = 1;
            i += 2;
            while i < b.len() && depth > 0 {
                if text[i..].starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if text[i..].starts_with("*/") {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && raw_string_start(&text[i..]).is_some()
        {
            let hashes = raw_string_start(&text[i..]).unwrap_or(0);
            let end = format!("\"{}", "#".repeat(hashes));
            let body = i + 2 + hashes;
            i = text[body..]
                .find(&end)
                .map_or(b.len(), |j| body + j + end.len());
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && char_literal_len(&text[i..]).is_some() {
            i += char_literal_len(&text[i..]).unwrap_or(1);
            out.push_str("' '");
        } else {
            let c = text[i..].chars().next().expect("a character");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `r##"`…: the number of `#`.
fn raw_string_start(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('r')?;
    let hashes = rest.bytes().take_while(|&c| c == b'#').count();
    (rest.as_bytes().get(hashes) == Some(&b'"')).then_some(hashes)
}

/// The length of a char literal at the start of `s` (`'a'`, `'\n'`, `'é'`), not a lifetime.
fn char_literal_len(s: &str) -> Option<usize> {
    let mut it = s.char_indices().skip(1);
    let (_, c) = it.next()?;
    if c == '\\' {
        let end = s[2..].find('\'')?;
        return Some(2 + end + 1);
    }
    let (j, close) = it.next()?;
    (close == '\'').then_some(j + 1)
}

/// The code without `#[cfg(test)] mod x { … }` blocks; `#[cfg(test)] mod x;`
/// files are added to `test_files`.
fn drop_test_blocks(code: &str, here: &Path, test_files: &mut BTreeSet<PathBuf>) -> String {
    let mut out = String::new();
    let mut rest = code;
    loop {
        let Some(at) = rest.find("#[cfg(test)]") else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let after = rest[at + "#[cfg(test)]".len()..].trim_start();
        let after_vis = after
            .strip_prefix("pub(crate)")
            .unwrap_or(after)
            .trim_start();
        let Some(m) = after_vis.strip_prefix("mod ") else {
            // Another item under cfg(test) (a fn, a use): drop the attribute only.
            rest = &rest[at + "#[cfg(test)]".len()..];
            continue;
        };
        let name: String = m
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let m = m[name.len()..].trim_start();
        if let Some(after_semi) = m.strip_prefix(';') {
            test_files.insert(here.join(format!("{name}.rs")));
            test_files.insert(here.join(&name).join("mod.rs"));
            rest = after_semi;
        } else if let Some(body) = m.strip_prefix('{') {
            let mut depth = 1;
            let mut end = body.len();
            for (j, c) in body.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = j + 1;
                    break;
                }
            }
            rest = &body[end..];
        } else {
            rest = m;
        }
    }
}

/// The identifiers after `prefix` (`crate::` or `super::`), including the
/// first name of each item in a `prefix{…}` group.
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    let mut i = 0;
    while let Some(j) = code[i..].find(prefix) {
        let at = i + j;
        let before_ok = at == 0 || {
            let c = code[..at].chars().next_back().unwrap_or(' ');
            !(c.is_alphanumeric() || c == '_')
        };
        let after = &code[at + prefix.len()..];
        if before_ok {
            if let Some(group) = after.strip_prefix('{') {
                let mut depth = 1;
                let mut item = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 || (depth == 1 && c == ',') {
                        let name = ident(item.trim());
                        if !name.is_empty() {
                            out.insert(name);
                        }
                        item.clear();
                        if depth == 0 {
                            break;
                        }
                    } else {
                        item.push(c);
                    }
                }
            } else {
                let name = ident(after);
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
        i = at + prefix.len();
    }
    out
}

struct Graph {
    rooms: BTreeSet<String>,
    /// room → rooms it names, with the files that name each.
    edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

fn graph(src: &Path) -> Graph {
    let mut rooms = BTreeSet::new();
    for e in std::fs::read_dir(src).expect("src/") {
        let e = e.expect("an entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            rooms.insert(name);
        } else if let Some(stem) = name.strip_suffix(".rs")
            && stem != "lib"
        {
            rooms.insert(stem.to_string());
        }
    }
    // Names lib.rs re-exports: `pub use room::{A, B};`, `pub use room::x::A;`.
    let mut reexport: BTreeMap<String, String> = BTreeMap::new();
    let lib = strip(&std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    for stmt in lib.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path = path
            .trim_start_matches("crate::")
            .trim_start_matches("self::");
        let room = path.split("::").next().unwrap_or("").trim();
        if !rooms.contains(room) {
            continue;
        }
        if let (Some(open), Some(close)) = (path.find('{'), path.rfind('}')) {
            for item in path[open + 1..close].split(',') {
                let n = item.trim();
                if !n.is_empty() {
                    reexport.insert(n.to_string(), room.to_string());
                }
            }
        } else if let Some(last) = path.rsplit("::").next() {
            let last = last.rsplit(" as ").next().unwrap_or(last).trim();
            reexport.insert(last.to_string(), room.to_string());
        }
    }
    let files: Vec<PathBuf> = walk(src);
    let mut texts = BTreeMap::new();
    let mut test_files = BTreeSet::new();
    for p in &files {
        let code = strip(&std::fs::read_to_string(p).expect("a source file"));
        let here = match p.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs" | "main.rs") => p.parent().expect("a folder").to_path_buf(),
            _ => p.with_extension(""),
        };
        texts.insert(p.clone(), drop_test_blocks(&code, &here, &mut test_files));
    }
    let mut edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (p, code) in &texts {
        if test_files.contains(p) {
            continue;
        }
        let rel = p.strip_prefix(src).expect("under src");
        let top = rel
            .components()
            .next()
            .expect("a component")
            .as_os_str()
            .to_string_lossy()
            .into_owned();
        let room = top.strip_suffix(".rs").unwrap_or(&top).to_string();
        if room == "lib" {
            continue;
        }
        let mut named = named_after(code, "crate::");
        let top_file = rel.components().count() == 1
            || (rel.components().count() == 2 && rel.ends_with("mod.rs"));
        if top_file {
            named.extend(named_after(code, "super::"));
        }
        for n in named {
            let target = if rooms.contains(&n) {
                Some(n.clone())
            } else {
                reexport.get(&n).cloned()
            };
            if let Some(t) = target
                && t != room
            {
                edges
                    .entry(room.clone())
                    .or_default()
                    .entry(t)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    Graph { rooms, edges }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("a folder") {
        let p = e.expect("an entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Strongly connected components with more than one room (Tarjan).
fn circles(g: &Graph) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        on: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        n: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.n);
        t.low.insert(v, t.n);
        t.n += 1;
        t.stack.push(v);
        t.on.insert(v);
        let next: Vec<&'a str> =
            t.g.edges
                .get(v)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
        for w in next {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                c.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                c.sort();
                t.out.push(c);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        n: 0,
        out: Vec::new(),
    };
    for r in &g.rooms {
        if !t.index.contains_key(r.as_str()) {
            visit(&mut t, r);
        }
    }
    t.out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn why(g: &Graph, a: &str, b: &str) -> String {
    g.edges
        .get(a)
        .and_then(|m| m.get(b))
        .map(|f| f.iter().take(4).cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

#[test]
fn no_two_rooms_name_each_other_through_any_path() {
    let g = graph(&src());
    let arrows: usize = g.edges.values().map(BTreeMap::len).sum();
    eprintln!("{} rooms, {arrows} arrows", g.rooms.len());
    let found = circles(&g);
    let mut text = String::new();
    for c in &found {
        text.push_str(&format!("circle: {}\n", c.join(" <-> ")));
        for a in c {
            for b in c {
                if g.edges.get(a).is_some_and(|m| m.contains_key(b)) {
                    text.push_str(&format!("   {a} -> {b}: {}\n", why(&g, a, b)));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the rooms of src/ name each other:\n{text}"
    );
}

#[test]
fn no_room_below_the_front_ends_names_one() {
    let g = graph(&src());
    let mut up = Vec::new();
    for (a, m) in g
        .edges
        .iter()
        .filter(|(a, _)| !FRONTS.contains(&a.as_str()))
    {
        for b in m.keys().filter(|b| FRONTS.contains(&b.as_str())) {
            up.push(format!("{a} -> {b}: {}", why(&g, a, b)));
        }
    }
    assert!(
        up.is_empty(),
        "rooms below the front ends name them:\n{}",
        up.join("\n")
    );
}

#[test]
fn policy_names_no_room_that_does_store_or_archive_io() {
    let g = graph(&src());
    let named: Vec<String> = g
        .edges
        .get("policy")
        .map(|m| {
            m.keys()
                .filter(|b| ["store", "archive", "ops", "schedule"].contains(&b.as_str()))
                .map(|b| format!("policy -> {b}: {}", why(&g, "policy", b)))
                .collect()
        })
        .unwrap_or_default();
    assert!(named.is_empty(), "{}", named.join("\n"));
}

#[test]
fn the_graph_reader_sees_circles_paths_and_tests_for_what_they_are() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path();
    std::fs::write(
        s.join("lib.rs"),
        "pub mod a; pub mod b; pub mod c;\npub use c::Thing;\n",
    )
    .unwrap();
    // a -> b and a -> c through a group; b -> c through a path in an
    // expression and through a name lib.rs re-exports from c; c names a in
    // its tests only.
    std::fs::write(
        s.join("a.rs"),
        "use crate::{b::X, c};\n// crate::cli in a comment\nfn f() { let _ = \"crate::cli\"; }\n",
    )
    .unwrap();
    std::fs::write(
        s.join("b.rs"),
        "fn g() { crate::c::h(); let _ = crate::Thing; }\n",
    )
    .unwrap();
    std::fs::write(
        s.join("c.rs"),
        "pub struct Thing;\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    )
    .unwrap();
    let g = graph(s);
    assert!(circles(&g).is_empty(), "{:?}", g.edges);
    assert!(g.edges["a"].contains_key("b") && g.edges["a"].contains_key("c"));
    assert!(g.edges["b"].contains_key("c"));
    assert!(!g.edges.contains_key("c"), "a test module is not an arrow");
    assert!(
        !g.edges["a"].contains_key("cli"),
        "comments and strings are not arrows"
    );
    // Now c names a for real: a circle a -> c -> a, and b joins through a -> b -> c.
    std::fs::write(
        s.join("c.rs"),
        "pub struct Thing;\nfn k() { crate::a::f(); }\n",
    )
    .unwrap();
    let g = graph(s);
    assert_eq!(
        circles(&g),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}
