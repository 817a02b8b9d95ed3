//! Progress of long operations: a trait at the bottom of the house that every
//! room may call and only a front end draws (the CLI's bars; tests and the
//! daemon use [`Quiet`]).

/// Progress reported by long operations; the CLI draws it, tests ignore it.
pub trait Progress: Send + Sync {
    /// A new phase starts, with a total in bytes when known. `name` is a
    /// message id (`phase-copy`) the front end says in its reader's language.
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    /// Bytes done in the current phase.
    fn advance(&self, _bytes: u64) {}
    /// The phase ended.
    fn done(&self) {}
    /// A step of a long job begins, said in a few words for a person watching
    /// (the demo's "backup to both stores …"); never part of a result.
    fn note(&self, _message: &crate::lang::Msg) {}
}

/// A [`Progress`] that shows nothing.
pub struct Quiet;

impl Progress for Quiet {}
