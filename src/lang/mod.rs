//! The language a person reads, and the message catalog every human line comes from.
//!
//! One [`Lang`] for the whole program: the terminal, emails and the report.
//! Messages live in Project Fluent files under `src/lang/`, a set per
//! language (`vi*.ftl`, `en*.ftl`, listed in [`VI`] and [`EN`]), built into
//! the binary. A message is
//! asked by its id with named arguments ([`Lang::t`]); the catalog test
//! holds both files to the same ids and the same placeholders, and every id
//! to a use in the code.
//!
//! The language is chosen once: `--lang`, else `EQVAULT_LANG`, else
//! `[office] lang`, else Vietnamese ([`Lang::choose_for`]).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;

/// The language of what a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt, with diacritics (the default).
    #[default]
    Vi,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;

    /// `vi` or `en`, in any case, also as a locale names them (`vi_VN.UTF-8`, `en-US`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.split(['_', '.', '-']).next().unwrap_or("") {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(format!(
                "{s:?} is not a language eqvault speaks: write vi or en"
            )),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The Vietnamese catalog, one file per part of the program: the messages,
/// `--help` (and the manual pages), and the health commands (status,
/// doctor, verify, sync, drill).
pub const VI: [&str; 3] = [
    include_str!("vi.ftl"),
    include_str!("vi-help.ftl"),
    include_str!("vi-health.ftl"),
];
/// The English catalog, file by file as [`VI`].
pub const EN: [&str; 3] = [
    include_str!("en.ftl"),
    include_str!("en-help.ftl"),
    include_str!("en-health.ftl"),
];
/// The Vietnamese `--help` texts (the test in `cli/help.rs` reads them).
pub const VI_HELP_FTL: &str = VI[1];

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static VI_BUNDLE: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static EN_BUNDLE: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let (cell, texts, id) = match lang {
        Lang::Vi => (&VI_BUNDLE, VI, "vi"),
        Lang::En => (&EN_BUNDLE, EN, "en"),
    };
    cell.get_or_init(|| {
        let mut b = FluentBundle::new_concurrent(vec![id.parse().expect("a language id")]);
        // No Unicode isolation marks around arguments: terminals and logs show them.
        b.set_use_isolating(false);
        for text in texts {
            let res = FluentResource::try_new(text.to_string())
                .unwrap_or_else(|(_, e)| panic!("the built-in {id} catalog does not parse: {e:?}"));
            b.add_resource(res)
                .unwrap_or_else(|e| panic!("the built-in {id} catalog defines an id twice: {e:?}"));
        }
        b
    })
}

impl Lang {
    /// `vi` or `en` (the HTML `lang` attribute, `EQVAULT_LANG`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language for this run: `flag` (`--lang`), else `EQVAULT_LANG`
    /// when it names one, else `configured` (`[office] lang`), else Vietnamese.
    pub fn choose_for(flag: Option<Lang>, configured: Option<Lang>) -> Lang {
        flag.or_else(|| {
            std::env::var("EQVAULT_LANG")
                .ok()
                .and_then(|v| v.parse().ok())
        })
        .or(configured)
        .unwrap_or_default()
    }

    /// The message `id`, when the catalog has it (the `--help` texts, asked
    /// per command and flag).
    pub fn get(self, id: &str) -> Option<String> {
        let b = bundle(self);
        let msg = b.get_message(id)?.value()?;
        let mut errors = Vec::new();
        Some(b.format_pattern(msg, None, &mut errors).into_owned())
    }

    /// A size in binary units, in this language's convention: `1,5 GiB` in
    /// Vietnamese, `1.5 GiB` in English; bytes below a KiB as a count.
    pub fn size(self, n: u64) -> String {
        const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut v = n as f64;
        let mut i = 0;
        while v >= 1024.0 && i < U.len() - 1 {
            v /= 1024.0;
            i += 1;
        }
        if i == 0 {
            format!("{n} B")
        } else {
            format!("{} {}", self.decimal(v, 1), U[i])
        }
    }

    /// `v` with `places` decimals, the decimal mark of this language (`1,5` / `1.5`).
    pub fn decimal(self, v: f64, places: usize) -> String {
        let s = format!("{v:.places$}");
        match self {
            Lang::Vi => s.replace('.', ","),
            Lang::En => s,
        }
    }

    /// A moment to the minute, as its reader writes it: `06/12/2026 08:14`
    /// in Vietnamese, `2026-12-06 08:14` in English (no seconds, no zone:
    /// the caller gives local time).
    pub fn when<T: chrono::TimeZone>(self, t: &chrono::DateTime<T>) -> String
    where
        T::Offset: std::fmt::Display,
    {
        match self {
            Lang::Vi => t.format("%d/%m/%Y %H:%M").to_string(),
            Lang::En => t.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    /// A day: `06/12/2026` in Vietnamese, `2026-12-06` in English.
    pub fn day(self, d: chrono::NaiveDate) -> String {
        match self {
            Lang::Vi => d.format("%d/%m/%Y").to_string(),
            Lang::En => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// `m` in this language.
    pub fn say(self, m: &Msg) -> String {
        let values: Vec<(&str, String)> = m
            .args
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Arg::Text(t) => t.clone(),
                    Arg::Msg(inner) => self.say(inner),
                    Arg::Day(d) => self.day(*d),
                    Arg::Size(n) => self.size(*n),
                };
                (*k, v)
            })
            .collect();
        let args: Vec<(&str, &dyn std::fmt::Display)> = values
            .iter()
            .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
            .collect();
        self.t(m.id, &args)
    }

    /// The message `id` with its named arguments.
    ///
    /// # Panics
    /// When `id` is not in the catalog: the catalog test holds every id used
    /// in the code to both files.
    pub fn t(self, id: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let b = bundle(self);
        let msg = b
            .get_message(id)
            .and_then(|m| m.value())
            .unwrap_or_else(|| panic!("message {id} is not in the {} catalog", self.code()));
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(v.to_string()));
        }
        let mut errors = Vec::new();
        let out = b.format_pattern(msg, Some(&fa), &mut errors);
        debug_assert!(errors.is_empty(), "{id}: {errors:?}");
        out.into_owned()
    }
}

/// A message a room says without knowing the reader's language: a catalog
/// id and its arguments, rendered by the front end ([`Lang::say`]). Its
/// `Display` (logs, `--json`) is the English text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The catalog id.
    pub id: &'static str,
    /// Named arguments.
    pub args: Vec<(&'static str, Arg)>,
}

/// A message's argument: text, or a message of its own (said in the same language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Data: a path, a count, a name.
    Text(String),
    /// Words: said in the reader's language too.
    Msg(Msg),
    /// A day, written as its reader writes one ([`Lang::day`]).
    Day(chrono::NaiveDate),
    /// A size in bytes, as its reader writes one ([`Lang::size`]).
    Size(u64),
}

impl Msg {
    /// The message `id` with no arguments yet.
    pub fn new(id: &'static str) -> Msg {
        Msg {
            id,
            args: Vec::new(),
        }
    }

    /// Adds the argument `name`.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Msg {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds the argument `name`, a day (said as its reader writes a date).
    pub fn day(mut self, name: &'static str, d: chrono::NaiveDate) -> Msg {
        self.args.push((name, Arg::Day(d)));
        self
    }

    /// Adds the argument `name`, a size in bytes (`1,5 GiB` / `1.5 GiB`).
    pub fn size(mut self, name: &'static str, bytes: u64) -> Msg {
        self.args.push((name, Arg::Size(bytes)));
        self
    }

    /// Adds the argument `name`, itself a message.
    pub fn arg_msg(mut self, name: &'static str, value: Msg) -> Msg {
        self.args.push((name, Arg::Msg(value)));
        self
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Lang::En.say(self))
    }
}

impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests;
