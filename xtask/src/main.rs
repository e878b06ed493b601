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
mod passes;
mod targets;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask generate [--check] [-v|--verbose] [PROVIDER...]
       cargo xtask bench [ITERATIONS]

  generate         regenerate crates/<provider>/src/generated.rs from specs/
  --check          write nothing; fail if any checked-in file differs from a fresh generation
  -v, --verbose    with --check, print a unified diff of each drifting file
  PROVIDER         limit to these targets (default: all)
  bench            time generation, then build and run the SDK benchmarks (release) and
                   print one table (ITERATIONS: calls per side in the latency comparison)";

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
        "bench" => bench(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// `cargo xtask bench`: generation time in-process, then `sdk-bench` in release.
fn bench(args: &[String]) -> Result<ExitCode, String> {
    let iterations = match args.first() {
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| format!("ITERATIONS must be a number, not `{n}`"))?,
        None => 3000,
    };
    let root = workspace_root();
    // Generation of every target, five times (the first run also warms the file cache).
    let mut runs = Vec::new();
    for _ in 0..5 {
        let start = std::time::Instant::now();
        for target in targets::TARGETS {
            generate::render(&root, target)?;
        }
        runs.push(start.elapsed());
    }
    runs.sort();
    let generation = format!(
        "| `cargo xtask generate`, all {} targets (in-process, best of 5) | {:.0} ms (median {:.0} ms) |",
        targets::TARGETS.len(),
        runs[0].as_secs_f64() * 1e3,
        runs[2].as_secs_f64() * 1e3
    );
    eprintln!("building and running sdk-bench (release)...");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(&root)
        .args([
            "run",
            "--release",
            "--quiet",
            "--package",
            "sdk-bench",
            "--",
        ])
        .arg(iterations.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err("sdk-bench failed".into());
    }
    print!("{}", String::from_utf8_lossy(&output.stdout));
    if let Some(row) = instructions_per_call(&root) {
        println!("{row}");
    }
    println!("{generation}");
    Ok(ExitCode::SUCCESS)
}

/// Instructions per call, raw reqwest vs the SDK, under callgrind (deterministic, unlike
/// wall-clock on a shared 2-core machine): the difference between a 300-call and a 100-call run,
/// over 200, so that start-up cancels out. `None` when valgrind is not installed.
fn instructions_per_call(root: &std::path::Path) -> Option<String> {
    let binary = root.join("target/release/sdk-bench");
    let total = |only: &str, n: u32| -> Option<u64> {
        let out = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&binary)
            .arg(n.to_string())
            .env("SDK_BENCH_ONLY", only)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().find(|l| l.contains("Collected :"))?;
        line.rsplit(':').next()?.trim().parse().ok()
    };
    eprintln!("counting instructions per call with callgrind...");
    let per_call =
        |only: &str| -> Option<u64> { Some((total(only, 300)? - total(only, 100)?) / 200) };
    let (raw, sdk) = (per_call("raw")?, per_call("sdk")?);
    Some(format!(
        "| instructions per call (callgrind; includes the fake server's work) | raw {raw} · SDK {sdk} · SDK / raw ×{:.3} (+{} per call) |",
        sdk as f64 / raw as f64,
        sdk.saturating_sub(raw)
    ))
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
