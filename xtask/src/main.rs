//! Workspace automation.
//!
//! ```text
//! cargo xtask generate [--check] [-v|--verbose] [PROVIDER...]
//! cargo xtask api [--check]
//! ```
//!
//! `generate` runs every spec in [`targets::TARGETS`] (or only the named providers) through
//! progenitor and writes each provider crate's `src/generated.rs`. With `--check` nothing is
//! written: every output that differs from a fresh generation is named and the command exits 1.
//!
//! `api` writes each library crate's public-API listing (`crates/<crate>/public-api.txt`, see
//! [`api`]); with `--check` it fails on any drift and says whether the change is breaking.

mod api;
mod drive;
mod generate;
mod lint;
mod mocks;
mod passes;
mod targets;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask generate [--check] [-v|--verbose] [PROVIDER...]
       cargo xtask api [--check]
       cargo xtask bench [ITERATIONS]

  generate         regenerate crates/<provider>/src/generated.rs from specs/
  --check          write nothing; fail if any checked-in file differs from a fresh generation
  -v, --verbose    with --check, print a unified diff of each drifting file
  PROVIDER         limit to these targets (default: all)
  api              write crates/<crate>/public-api.txt (the public API, from rustdoc JSON)
  api --check      write nothing; fail if the public API differs from the listing, naming
                   removed/changed lines (breaking: needs a semver-incompatible version) and
                   added ones
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
            let root = workspace_root()?;
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
        "api" => api_command(rest),
        "bench" => bench(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// `cargo xtask api [--check]`.
fn api_command(args: &[String]) -> Result<ExitCode, String> {
    let mut check = false;
    for arg in args {
        match arg.as_str() {
            "--check" => check = true,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let root = workspace_root()?;
    let mut failed = false;
    for (package, dir) in api::CRATES {
        let doc = api::rustdoc_json(&root, package)?;
        // rustdoc records the version cargo built.
        let version = doc
            .get("crate_version")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("rustdoc JSON of {package} has no crate_version"))?
            .to_owned();
        let fresh = api::listing(package, &version, &doc)?;
        let path = api::listing_path(dir);
        let current = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if current == fresh {
            println!("{path}: up to date");
            continue;
        }
        if !check {
            std::fs::write(root.join(&path), &fresh).map_err(|e| format!("{path}: {e}"))?;
            println!("{path}: written");
            continue;
        }
        failed = true;
        let (removed, added) = api::diff(&current, &fresh);
        let old_version = api::listed_version(&current).unwrap_or("none");
        println!(
            "{path}: the public API of {package} changed: {} line(s) removed or changed, {} added",
            removed.len(),
            added.len()
        );
        for line in removed.iter().take(40) {
            println!("  - {line}");
        }
        for line in added.iter().take(40) {
            println!("  + {line}");
        }
        if !removed.is_empty() && !api::is_breaking_bump(old_version, &version) {
            println!(
                "  BREAKING: {package} {version} removes or changes public API of {old_version} \
                 without a semver-incompatible version: keep the old API, or bump the version \
                 (and say so in CHANGELOG.md), then run `cargo xtask api`"
            );
        } else {
            println!("  run `cargo xtask api` to update the listing");
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `cargo xtask bench`: generation time in-process, then `sdk-bench` in release.
fn bench(args: &[String]) -> Result<ExitCode, String> {
    let iterations = match args.first() {
        Some(n) => n
            .parse::<usize>()
            .map_err(|_| format!("ITERATIONS must be a number, not `{n}`"))?,
        None => 3000,
    };
    let root = workspace_root()?;
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
    match target_dir(&root) {
        Ok(dir) => match instructions_per_call(&dir.join("release").join("sdk-bench")) {
            Ok(row) => println!("{row}"),
            Err(why) => eprintln!("instructions per call skipped: {why}"),
        },
        Err(why) => eprintln!("instructions per call skipped: {why}"),
    }
    println!("{generation}");
    Ok(ExitCode::SUCCESS)
}

/// The build's target directory as cargo sees it (`CARGO_TARGET_DIR`, `build.target-dir`, or
/// `<root>/target`).
fn target_dir(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err("cargo metadata failed".into());
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    meta.get("target_directory")
        .and_then(|d| d.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target directory".into())
}

/// Instructions per call, raw reqwest vs the SDK, under callgrind (deterministic, unlike
/// wall-clock on a shared 2-core machine): the difference between a 300-call and a 100-call run,
/// over 200, so that start-up cancels out.
fn instructions_per_call(binary: &Path) -> Result<String, String> {
    if !binary.exists() {
        return Err(format!("{} was not built", binary.display()));
    }
    let total = |only: &str, n: u32| -> Result<u64, String> {
        let out = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(binary)
            .arg(n.to_string())
            .env("SDK_BENCH_ONLY", only)
            .output()
            .map_err(|e| format!("valgrind is not available ({e})"))?;
        let text = String::from_utf8_lossy(&out.stderr);
        text.lines()
            .find(|l| l.contains("Collected :"))
            .and_then(|line| line.rsplit(':').next()?.trim().parse().ok())
            .ok_or_else(|| "callgrind printed no instruction count".to_owned())
    };
    eprintln!("counting instructions per call with callgrind...");
    let per_call = |only: &str| -> Result<u64, String> {
        Ok(total(only, 300)?.saturating_sub(total(only, 100)?) / 200)
    };
    let (raw, sdk) = (per_call("raw")?, per_call("sdk")?);
    Ok(format!(
        "| instructions per call (callgrind; includes the fake server's work) | raw {raw} · SDK {sdk} · SDK / raw ×{:.3} (+{} per call) |",
        sdk as f64 / raw.max(1) as f64,
        sdk.saturating_sub(raw)
    ))
}

/// The repository `cargo xtask` works on, found when it runs (never the path it was compiled
/// in: one target directory may serve several checkouts, and a checkout may move): the parent
/// of `CARGO_MANIFEST_DIR` as `cargo run` sets it, else the nearest directory above the
/// current one that holds a workspace `Cargo.toml`, `xtask/` and `specs/`.
fn workspace_root() -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    find_root(
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        &cwd,
    )
}

fn is_root(dir: &Path) -> bool {
    dir.join("xtask").is_dir()
        && dir.join("specs").is_dir()
        && std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
}

fn find_root(manifest_dir: Option<PathBuf>, cwd: &Path) -> Result<PathBuf, String> {
    if let Some(root) = manifest_dir.as_deref().and_then(Path::parent)
        && is_root(root)
    {
        return Ok(root.to_path_buf());
    }
    cwd.ancestors().find(|d| is_root(d)).map(Path::to_path_buf).ok_or_else(|| {
        format!(
            "{} is not inside the SDK repository (no workspace Cargo.toml with xtask/ and specs/ above it): run cargo xtask from the checkout",
            cwd.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkout with the real specs and generated files, copied to `dir`.
    fn checkout(dir: &Path) {
        let real = find_root(None, Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        for target in targets::TARGETS {
            let gaps = format!("{}/KNOWN_GAPS.md", target.krate);
            let mock = target.mock_output();
            let drive = (!target.types_only).then(|| crate::drive::output(target));
            let files = [
                Some(target.spec),
                Some(target.output),
                target.shared,
                Some(gaps.as_str()),
                mock.as_deref(),
                drive.as_deref(),
            ];
            for file in files.into_iter().flatten() {
                let to = dir.join(file);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(real.join(file), &to).unwrap();
            }
        }
        std::fs::create_dir_all(dir.join("xtask")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = []\n").unwrap();
    }

    #[test]
    fn two_checkouts_each_generate_and_check_their_own_tree() {
        let base = std::env::temp_dir().join(format!("xtask-checkouts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (a, b) = (base.join("a"), base.join("b"));
        checkout(&a);
        checkout(&b);
        // B's Xink spec changes: only B drifts, whichever checkout the binary was built in.
        let spec = b.join("specs/xink.yaml");
        let text = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(
            &spec,
            text.replace("Information about the account", "Account details"),
        )
        .unwrap();

        let xink = targets::select(&["xink".to_owned()]).unwrap();
        let check = generate::Options {
            check: true,
            verbose: false,
        };
        let root_a = find_root(Some(a.join("xtask")), &b).unwrap();
        assert_eq!(root_a, a, "cargo's CARGO_MANIFEST_DIR names the checkout");
        assert_eq!(find_root(None, &b.join("specs/xpkit")).unwrap(), b);
        let first = generate::run(&root_a, &xink, &check);
        assert_eq!(first.drifted, 0, "{:?} {:?}", first.lines, first.errors);
        assert_eq!(
            generate::run(&b, &xink, &check).drifted,
            2,
            "the client and its mocks"
        );
        // Generating in B writes B only.
        let written = generate::run(&b, &xink, &generate::Options::default());
        assert!(written.errors.is_empty(), "{:?}", written.errors);
        assert_eq!(generate::run(&b, &xink, &check).drifted, 0);
        assert_eq!(generate::run(&a, &xink, &check).drifted, 0);
        let out = "crates/xink/src/generated.rs";
        assert!(
            std::fs::read_to_string(b.join(out))
                .unwrap()
                .contains("Account details")
        );
        assert!(
            !std::fs::read_to_string(a.join(out))
                .unwrap()
                .contains("Account details")
        );

        // A directory outside any checkout is one clear error.
        let e = find_root(None, Path::new("/")).unwrap_err();
        assert!(e.contains("not inside the SDK repository"), "{e}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
