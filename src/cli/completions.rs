//! `eqvault completions SHELL`: the shell completion script, generated from the command line itself.

use std::io::Write;

use super::Exit;

use clap::CommandFactory;

/// The completion script for one shell.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    shell: clap_complete::Shell,
}

/// Prints the script on stdout (the package installs the same bytes).
pub fn run(a: Args) -> anyhow::Result<Exit> {
    let _ = std::io::stdout().lock().write_all(&script(a.shell));
    Ok(Exit::Ok)
}

/// The script, built in memory: clap_complete panics on a failed write, and a
/// closed stdout pipe (`eqvault completions bash | head`) is not an error here.
fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut super::Cli::command(), "eqvault", &mut buf);
    buf
}
