//! The exit contract, written once (`docs/CLI.md`): 0 all good, 1 the command
//! worked and found a problem, 2 it could not do its job, 128+N stopped by
//! signal N. Every command returns an [`Exit`]; this file alone turns one
//! into the process's exit code.

use std::process::ExitCode;

use crate::ops::Verdict;

/// How the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: all good.
    Ok,
    /// 1: the command worked and found a problem.
    Found,
    /// 2: it could not do its job (bad usage or config, unreadable input, a store unreachable).
    Failed,
    /// 128 + N: stopped by signal N before it finished.
    Signal(u8),
}

impl Exit {
    /// The process's exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Found => 1,
            Exit::Failed => 2,
            Exit::Signal(n) => 128u8.saturating_add(n),
        }
    }

    /// [`Exit::Found`] when `problem`, else [`Exit::Ok`].
    pub fn found_if(problem: bool) -> Exit {
        if problem { Exit::Found } else { Exit::Ok }
    }
}

impl From<Verdict> for Exit {
    fn from(v: Verdict) -> Exit {
        match v {
            Verdict::Ok | Verdict::Notice => Exit::Ok,
            Verdict::Found => Exit::Found,
            Verdict::Failed => Exit::Failed,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_map_to_the_contract() {
        assert_eq!(Exit::from(Verdict::Ok).code(), 0);
        assert_eq!(Exit::from(Verdict::Notice).code(), 0);
        assert_eq!(Exit::from(Verdict::Found).code(), 1);
        assert_eq!(Exit::from(Verdict::Failed).code(), 2);
        assert_eq!(Exit::Signal(15).code(), 143);
        assert_eq!(Exit::Signal(2).code(), 130);
    }
}
