//! `eqvault completions SHELL`: the shell completion script, generated from the command line itself.

use std::io::Write;

use super::Exit;

/// The completion script for one shell.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    shell: clap_complete::Shell,
}

/// Prints the script on stdout (the package installs the same bytes).
pub fn run(a: Args, out: &super::Out) -> anyhow::Result<Exit> {
    let _ = std::io::stdout()
        .lock()
        .write_all(&script(a.shell, out.lang(None)));
    Ok(Exit::Ok)
}

/// The script, built in memory: clap_complete panics on a failed write, and a
/// closed stdout pipe (`eqvault completions bash | head`) is not an error here.
/// The descriptions shells show beside each command and flag are the
/// `--help` texts in `lang`.
fn script(shell: clap_complete::Shell, lang: super::Lang) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut super::help::command(lang), "eqvault", &mut buf);
    buf
}
