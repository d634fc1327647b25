//! The `orgwarden` command line tool; see `orgwarden --help`.

use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdin = std::io::stdin().lock();
    let out = orgwarden::adapters::cli::run(
        &args,
        &mut stdin as &mut dyn Read,
        &orgwarden::adapters::cli::SystemEnv,
    );
    // A closed stdout or stderr leaves nothing to report to.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    std::process::exit(out.code);
}
