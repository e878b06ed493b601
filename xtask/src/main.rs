//! Workspace automation.
//!
//! ```text
//! cargo xtask generate [--check] [-v|--verbose] [PROVIDER...]
//! ```
//!
//! `generate` runs every spec in [`targets::TARGETS`] (or only the named providers) through
//! progenitor and writes each provider crate's `src/generated.rs`. With `--check` nothing is
//! written: every output that differs from a fresh generation is named and the command exits 1.

mod generate;
mod lint;
mod targets;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask generate [--check] [-v|--verbose] [PROVIDER...]

  generate         regenerate crates/<provider>/src/generated.rs from specs/
  --check          write nothing; fail if any checked-in file differs from a fresh generation
  -v, --verbose    with --check, print a unified diff of each drifting file
  PROVIDER         limit to these targets (default: all)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err(format!("no command given\n\n{USAGE}"));
    };
    match command.as_str() {
        "generate" => {
            let mut options = generate::Options::default();
            let mut names = Vec::new();
            for arg in rest {
                match arg.as_str() {
                    "--check" => options.check = true,
                    "-v" | "--verbose" => options.verbose = true,
                    "-h" | "--help" => {
                        println!("{USAGE}");
                        return Ok(ExitCode::SUCCESS);
                    }
                    flag if flag.starts_with('-') => {
                        return Err(format!("unknown flag `{flag}`\n\n{USAGE}"));
                    }
                    name => names.push(name.to_owned()),
                }
            }
            let targets = targets::select(&names)?;
            let root = workspace_root();
            let report = generate::run(&root, &targets, &options);
            for line in &report.lines {
                println!("{line}");
            }
            for error in &report.errors {
                eprintln!("error: {error}");
            }
            if !report.errors.is_empty() {
                Ok(ExitCode::from(2))
            } else if report.drifted > 0 {
                eprintln!(
                    "{} generated file(s) out of date: run `cargo xtask generate`",
                    report.drifted
                );
                Ok(ExitCode::FAILURE)
            } else {
                Ok(ExitCode::SUCCESS)
            }
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
