//! What every operation returns: a typed outcome that carries its verdict.
//!
//! The front ends map a [`Verdict`] once each: the CLI to an exit code
//! (`cli/exit.rs`), the daemon to a job result (`daemon/jobs.rs`). The exit
//! code of the contract (`docs/CLI.md`: 0 all good, 1 a problem found, 2 the
//! job could not be done) is [`Verdict::code`], so a scheduled job records
//! the code the same command gives by hand.

use serde::Serialize;

/// How an operation went, as far as anyone who has to act is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Did its work; nothing to look at.
    Ok,
    /// Did its work; something to look at that is not a problem (a drill
    /// slower than its target). Exit 0, but the daemon alerts.
    Notice,
    /// Did its work and found a problem: violations, a failed verification or
    /// drill, a store that missed a copy, a stale backup. Exit 1.
    Found,
    /// Could not do its work (or part of it): a store unreachable, a store
    /// that refused a write the operation needed. Exit 2.
    Failed,
}

impl Verdict {
    /// The exit code of the CLI contract: 0, 0, 1, 2.
    pub fn code(self) -> u8 {
        match self {
            Verdict::Ok | Verdict::Notice => 0,
            Verdict::Found => 1,
            Verdict::Failed => 2,
        }
    }

    /// The worse of two verdicts (a command that did two things).
    pub fn and(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// [`Verdict::Found`] when `problem`, else [`Verdict::Ok`].
    pub fn found_if(problem: bool) -> Verdict {
        if problem { Verdict::Found } else { Verdict::Ok }
    }

    /// [`Verdict::Failed`] when `failed`, else [`Verdict::Ok`].
    pub fn failed_if(failed: bool) -> Verdict {
        if failed { Verdict::Failed } else { Verdict::Ok }
    }
}

/// A typed outcome: what `--json` prints (its `Serialize` is the shape
/// `docs/CLI.md` promises) and the verdict the front ends map.
pub trait Outcome: Serialize {
    /// How it went.
    fn verdict(&self) -> Verdict;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_contract_and_the_worse_verdict_wins() {
        assert_eq!(Verdict::Ok.code(), 0);
        assert_eq!(Verdict::Notice.code(), 0);
        assert_eq!(Verdict::Found.code(), 1);
        assert_eq!(Verdict::Failed.code(), 2);
        assert_eq!(Verdict::Notice.and(Verdict::Found), Verdict::Found);
        assert_eq!(Verdict::Failed.and(Verdict::Ok), Verdict::Failed);
        assert_eq!(Verdict::found_if(true), Verdict::Found);
        assert_eq!(Verdict::failed_if(false), Verdict::Ok);
    }
}
