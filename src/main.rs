//! The `eqvault` binary: parse, set up logging and the runtime, run, map to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    eqvault::cli::main()
}
