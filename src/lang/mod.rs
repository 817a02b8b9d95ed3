//! The language a person reads, and the message catalog every human line comes from.
//!
//! One [`Lang`] for the whole program: the terminal, emails and the report.
//! Messages live in Project Fluent files, one per language, under
//! `src/lang/` (`vi.ftl`, `en.ftl`), built into the binary. A message is
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

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
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

/// The Vietnamese catalog.
pub const VI_FTL: &str = include_str!("vi.ftl");
/// The English catalog.
pub const EN_FTL: &str = include_str!("en.ftl");

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static VI: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let (cell, text, id) = match lang {
        Lang::Vi => (&VI, VI_FTL, "vi"),
        Lang::En => (&EN, EN_FTL, "en"),
    };
    cell.get_or_init(|| {
        let res = FluentResource::try_new(text.to_string())
            .unwrap_or_else(|(_, e)| panic!("the built-in {id}.ftl does not parse: {e:?}"));
        let mut b = FluentBundle::new_concurrent(vec![id.parse().expect("a language id")]);
        // No Unicode isolation marks around arguments: terminals and logs show them.
        b.set_use_isolating(false);
        b.add_resource(res)
            .unwrap_or_else(|e| panic!("the built-in {id}.ftl defines an id twice: {e:?}"));
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

#[cfg(test)]
mod tests;
