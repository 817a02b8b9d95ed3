//! Text from outside (file names, database strings, store keys) made safe for a terminal.
//!
//! A file name can carry escape sequences that rewrite the screen or the title
//! bar; everything printed for a person goes through [`for_terminal`].

use std::borrow::Cow;

/// Replaces control characters (C0, DEL, C1) with a visible `\u{..}` escape.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path made safe for a terminal (lossy for non-UTF-8 names).
pub fn path(p: &std::path::Path) -> String {
    for_terminal(&p.to_string_lossy()).into_owned()
}

/// As [`for_terminal`], but keeps line breaks (for multi-line messages we compose).
pub fn for_terminal_keep_newlines(s: &str) -> String {
    s.split('\n')
        .map(|l| for_terminal(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_neutralised() {
        let name = "báo cáo\x1b]0;pwned\x07 HK1.xlsx";
        let shown = for_terminal(name);
        assert!(!shown.contains('\x1b') && !shown.contains('\x07'));
        assert!(shown.contains("báo cáo") && shown.contains("\\u{1b}"));
    }

    #[test]
    fn clean_text_is_untouched() {
        assert!(matches!(
            for_terminal("Học kỳ I 2024-2025.pdf"),
            Cow::Borrowed(_)
        ));
    }
}
