//! `sdk-bench`: what an SDK call costs compared with raw reqwest, and what auth costs under load.
//!
//! Runs against a fake Xink on loopback that answers instantly, and prints one Markdown table.
//! Run it with `cargo xtask bench` (release build). Numbers on a 2-core machine are noisy: read
//! the ratios, which come from interleaved measurements that share the noise.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Fake {
    tokens: AtomicUsize,
    discoveries: AtomicUsize,
    slow_tokens: AtomicBool,
    base: std::sync::OnceLock<String>,
    employees: std::sync::OnceLock<String>,
}

async fn token(State(f): State<Arc<Fake>>) -> impl IntoResponse {
    let n = f.tokens.fetch_add(1, Ordering::SeqCst) + 1;
    if f.slow_tokens.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        format!(r#"{{"access_token":"bench-token-{n}","token_type":"bearer","expires_in":7200}}"#),
    )
}

async fn discovery(State(f): State<Arc<Fake>>) -> impl IntoResponse {
    f.discoveries.fetch_add(1, Ordering::SeqCst);
    let base = f.base.get().cloned().unwrap_or_default();
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        format!(r#"{{"Success":true,"DataCenterID":"EU","APIRoot":"{base}"}}"#),
    )
}

async fn employees(State(f): State<Arc<Fake>>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        f.employees.get().cloned().unwrap_or_default(),
    )
}

/// 50 employee records of a realistic size (~15 KiB in all).
fn employee_list() -> String {
    let items: Vec<serde_json::Value> = (0..50)
        .map(|i| {
            serde_json::json!({
                "Email": format!("employee{i}@example.com"), "DisplayName": format!("Employee Number {i}"),
                "FirstName": "Employee", "LastName": format!("Number {i}"), "JobTitle": "Senior Account Manager",
                "Department": "Sales EMEA", "Phone": "+44 20 7946 0000", "Mobile": "+44 7700 900000",
                "Company": "Example Ltd", "Street": "1 Example Street", "City": "London", "ZIP": "EC1A 1AA",
                "Country": "United Kingdom", "WebSite": "https://www.example.com", "Fields": {"Custom1": "value", "Custom2": i}
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

async fn start_fake() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route("/OAuth/Token", axum::routing::post(token))
        .route("/Discovery", axum::routing::get(discovery))
        .route(
            "/api/1.0/employee/list/{offset}/{limit}",
            axum::routing::get(employees),
        )
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let _ = fake.base.set(base.clone());
    let _ = fake.employees.set(employee_list());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (fake, base)
}

fn client(base: &str, clock: Option<Arc<sdk_auth::ManualClock>>) -> xink_sdk::Client {
    builder(base, clock).build().expect("client")
}

fn builder(base: &str, clock: Option<Arc<sdk_auth::ManualClock>>) -> xink_sdk::ClientBuilder {
    let mut b = xink_sdk::Client::builder()
        .credentials("bench@SRV", "bench-secret")
        .auth_url(base)
        .scopes([xink_sdk::Scope::EmployeeRead])
        .refresh_policy(sdk_auth::RefreshPolicy::default().without_jitter());
    if let Some(clock) = clock {
        b = b.clock(clock);
    }
    b
}

/// A store for the fleet rows: `file:<dir>` or `redis:<url>`.
fn store(spec: &str) -> Arc<dyn sdk_auth::TokenStore> {
    match spec.split_once(':') {
        Some(("file", dir)) => Arc::new(sdk_auth::FileTokenStore::open(dir).expect("file store")),
        Some(("redis", url)) => {
            Arc::new(sdk_auth::RedisTokenStore::new(url, "bench:").expect("redis store"))
        }
        _ => panic!("unknown store {spec}"),
    }
}

/// One process of a fleet row: a cold client on the shared store, `calls` concurrent calls
/// once the parent writes a line; prints how many failed.
async fn fleet_worker(base: &str, store_spec: &str, calls: usize) {
    let client = builder(base, None)
        .store(store(store_spec))
        .build()
        .expect("client");
    println!("ready");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    let results = futures::future::join_all(
        (0..calls).map(|_| client.list_employees().offset(0).limit(50).send()),
    )
    .await;
    println!("{}", results.iter().filter(|r| r.is_err()).count());
}

/// Runs `processes` copies of this binary as fleet workers; token and discovery requests the
/// fake saw, failures, and the wall time from release to the last report.
fn fleet_row(fake: &Fake, base: &str, store_spec: &str, processes: usize, calls: usize) -> String {
    use std::io::{BufRead, Write};
    let exe = std::env::current_exe().expect("own binary");
    let (t0, d0) = (
        fake.tokens.load(Ordering::SeqCst),
        fake.discoveries.load(Ordering::SeqCst),
    );
    let mut children: Vec<_> = (0..processes)
        .map(|_| {
            let mut child = std::process::Command::new(&exe)
                .args(["--fleet-worker", base, store_spec, &calls.to_string()])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("worker");
            let out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
            (child, out)
        })
        .collect();
    for (_, out) in &mut children {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
    }
    let start = Instant::now();
    for (child, _) in &mut children {
        let _ = child.stdin.take().expect("stdin").write_all(b"go\n");
    }
    let mut failed = 0usize;
    for (mut child, mut out) in children {
        let mut line = String::new();
        let _ = out.read_line(&mut line);
        failed += line.trim().parse::<usize>().unwrap_or(calls);
        let _ = child.wait();
    }
    format!(
        "{} token request(s), {} discovery request(s), {failed} failed, wall {:.0} ms",
        fake.tokens.load(Ordering::SeqCst) - t0,
        fake.discoveries.load(Ordering::SeqCst) - d0,
        start.elapsed().as_secs_f64() * 1e3
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

struct Row(String, String);

/// A `redis-server` of the bench's own on a free loopback port (persistence off), if installed.
fn redis_server() -> Option<(std::process::Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((child, format!("redis://127.0.0.1:{port}/")));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// One GET with a plain `reqwest::Client`, decoded like the SDK decodes.
async fn raw_get(raw: &reqwest::Client, url: &str) -> serde_json::Value {
    raw.get(url)
        .bearer_auth("t")
        .send()
        .await
        .expect("raw")
        .json()
        .await
        .expect("json")
}

/// The same GET with a client and headers configured like the SDK's.
async fn raw_cfg_get(raw: &reqwest::Client, url: &str) -> serde_json::Value {
    raw.get(url)
        .bearer_auth("t")
        .header("accept", "application/json")
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("raw")
        .json()
        .await
        .expect("json")
}

/// Calls per second of 64 concurrent callers: raw reqwest, raw configured like the SDK, and
/// the SDK, in interleaved rounds.
async fn throughput(
    raw: &reqwest::Client,
    raw_cfg: &reqwest::Client,
    sdk: &xink_sdk::Client,
    url: &str,
    rounds: usize,
) -> Row {
    let per_second = |calls: usize, d: Duration| calls as f64 / d.as_secs_f64();
    let window = Duration::from_millis(1500);
    let sides = if std::env::var_os("SDK_BENCH_RAW_PATH").is_some() {
        4
    } else {
        3
    };
    let mut rates: [Vec<f64>; 4] = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..sides {
            // 0: raw reqwest, 1: raw configured like the SDK, 2: the SDK, 3: the SDK's raw
            // request path (hooks without the generated builder); rotated per round.
            let side = match std::env::var("SDK_BENCH_SIDE")
                .ok()
                .and_then(|v| v.parse().ok())
            {
                Some(only) if k == 0 => only,
                Some(_) => continue,
                None => (round + k) % sides,
            };
            let start = Instant::now();
            let done = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..64)
                .map(|_| {
                    let (raw, raw_cfg, sdk, url, done) = (
                        raw.clone(),
                        raw_cfg.clone(),
                        sdk.clone(),
                        url.to_owned(),
                        done.clone(),
                    );
                    tokio::spawn(async move {
                        while start.elapsed() < window {
                            match side {
                                3 => {
                                    let v: serde_json::Value = sdk
                                        .raw(xink_sdk::Method::GET, "/api/1.0/employee/list/0/50")
                                        .send_json()
                                        .await
                                        .expect("raw path");
                                    std::hint::black_box(v);
                                }
                                2 => {
                                    std::hint::black_box(
                                        sdk.list_employees()
                                            .offset(0)
                                            .limit(50)
                                            .send()
                                            .await
                                            .expect("sdk"),
                                    );
                                }
                                1 => {
                                    let v = raw_cfg_get(&raw_cfg, &url).await;
                                    std::hint::black_box(v);
                                }
                                _ => {
                                    let v = raw_get(&raw, &url).await;
                                    std::hint::black_box(v);
                                }
                            }
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
            rates[side].push(per_second(done.load(Ordering::Relaxed), start.elapsed()));
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (r, c, s) = (mean(&rates[0]), mean(&rates[1]), mean(&rates[2]));
    if sides == 4 {
        eprintln!(
            "raw request path: {:.0} calls/s ({:.1} % of configured raw)",
            mean(&rates[3]),
            100.0 * mean(&rates[3]) / c
        );
    }
    Row(
        format!(
            "64 concurrent callers, 2 worker threads, calls per second ({rounds} interleaved rounds of 1.5 s)"
        ),
        format!(
            "raw {r:.0} · raw configured like the SDK {c:.0} · SDK {s:.0} · SDK / raw {:.1} % · SDK / configured {:.1} %",
            100.0 * s / r,
            100.0 * s / c
        ),
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3000);
    let mut rows: Vec<Row> = Vec::new();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--fleet-worker") {
        let calls = args.get(4).and_then(|n| n.parse().ok()).unwrap_or(100);
        fleet_worker(&args[2], &args[3], calls).await;
        return;
    }
    let (fake, base) = start_fake().await;
    let url = format!("{base}/api/1.0/employee/list/0/50");

    if std::env::var("SDK_BENCH_ONLY").as_deref() == Ok("sizes") {
        let sdk = client(&base, None);
        let generated = sdk.list_employees().offset(0).limit(50).send();
        let raw_path = sdk
            .raw(xink_sdk::Method::GET, "/api/1.0/employee/list/0/50")
            .send_json::<serde_json::Value>();
        println!(
            "future sizes: generated send {} B, raw request path {} B",
            std::mem::size_of_val(&generated),
            std::mem::size_of_val(&raw_path)
        );
        return;
    }
    if std::env::var("SDK_BENCH_ONLY").as_deref() == Ok("throughput") {
        let raw = reqwest::Client::new();
        let raw_cfg = sdk_auth::http::client("xink-sdk/0.1.0", &sdk_auth::Timeouts::default())
            .expect("client");
        let sdk = client(&base, None);
        let Row(a, b) = throughput(&raw, &raw_cfg, &sdk, &url, iterations.min(20)).await;
        println!("| {a} | {b} |");
        return;
    }
    // Profiling mode (for instruction counts under callgrind): only one kind of call.
    if let Ok(only) = std::env::var("SDK_BENCH_ONLY") {
        let raw = reqwest::Client::new();
        let sdk = client(&base, None);
        sdk.list_employees()
            .offset(0)
            .limit(50)
            .send()
            .await
            .expect("warm");
        for _ in 0..iterations {
            if only == "rawpath" {
                let v: serde_json::Value = sdk
                    .raw(xink_sdk::Method::GET, "/api/1.0/employee/list/0/50")
                    .send_json()
                    .await
                    .expect("raw path");
                std::hint::black_box(v);
            } else if only == "raw" {
                let v = raw_get(&raw, &url).await;
                std::hint::black_box(v);
            } else {
                std::hint::black_box(
                    sdk.list_employees()
                        .offset(0)
                        .limit(50)
                        .send()
                        .await
                        .expect("sdk"),
                );
            }
        }
        return;
    }

    // ---- 1. The same GET: raw reqwest + serde vs the SDK with a warm token cache ----
    let raw = reqwest::Client::new();
    // The same GET with a client configured like the SDK's (timeouts, no redirects, user agent)
    // and the same request headers: separates configuration from SDK code.
    let raw_cfg =
        sdk_auth::http::client("xink-sdk/0.1.0", &sdk_auth::Timeouts::default()).expect("client");
    let sdk = client(&base, None);
    for _ in 0..300 {
        let _ = raw_get(&raw, &url).await;
        let _ = sdk
            .list_employees()
            .offset(0)
            .limit(50)
            .send()
            .await
            .expect("sdk");
    }
    let (mut raw_t, mut cfg_t, mut sdk_t) = (
        Vec::with_capacity(iterations),
        Vec::with_capacity(iterations),
        Vec::with_capacity(iterations),
    );
    for i in 0..iterations {
        // Interleave, rotating which goes first, so all three see the same noise.
        for k in 0..3 {
            let which = (i + k) % 3;
            let start = Instant::now();
            match which {
                0 => {
                    let v = raw_get(&raw, &url).await;
                    std::hint::black_box(v);
                    raw_t.push(start.elapsed());
                }
                1 => {
                    let v = raw_cfg_get(&raw_cfg, &url).await;
                    std::hint::black_box(v);
                    cfg_t.push(start.elapsed());
                }
                _ => {
                    let v = sdk
                        .list_employees()
                        .offset(0)
                        .limit(50)
                        .send()
                        .await
                        .expect("sdk");
                    std::hint::black_box(v);
                    sdk_t.push(start.elapsed());
                }
            }
        }
    }
    raw_t.sort();
    cfg_t.sort();
    sdk_t.sort();
    let (c50, c99) = (percentile(&cfg_t, 0.5), percentile(&cfg_t, 0.99));
    let (r50, r99, s50, s99) = (
        percentile(&raw_t, 0.5),
        percentile(&raw_t, 0.99),
        percentile(&sdk_t, 0.5),
        percentile(&sdk_t, 0.99),
    );
    rows.push(Row(
        format!("GET 50 employees, raw reqwest + serde (n={iterations})"),
        format!("p50 {} · p99 {}", us(r50), us(r99)),
    ));
    rows.push(Row(
        format!("GET 50 employees, raw reqwest configured like the SDK (timeouts, headers) (n={iterations})"),
        format!("p50 {} · p99 {}", us(c50), us(c99)),
    ));
    rows.push(Row(
        format!("GET 50 employees, xink-sdk, warm token (n={iterations})"),
        format!("p50 {} · p99 {}", us(s50), us(s99)),
    ));
    rows.push(Row(
        "SDK / raw".into(),
        format!(
            "p50 ×{:.3} · p99 ×{:.3}",
            s50.as_secs_f64() / r50.as_secs_f64(),
            s99.as_secs_f64() / r99.as_secs_f64()
        ),
    ));
    rows.push(Row(
        "SDK / raw configured like the SDK".into(),
        format!(
            "p50 ×{:.3} · p99 ×{:.3}",
            s50.as_secs_f64() / c50.as_secs_f64(),
            s99.as_secs_f64() / c99.as_secs_f64()
        ),
    ));

    // ---- 2. 1,000 concurrent calls on a cold client ----
    let (t0, d0) = (
        fake.tokens.load(Ordering::SeqCst),
        fake.discoveries.load(Ordering::SeqCst),
    );
    let cold = client(&base, None);
    let start = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let c = cold.clone();
            tokio::spawn(async move {
                c.list_employees()
                    .offset(0)
                    .limit(50)
                    .send()
                    .await
                    .map(|_| ())
            })
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        if !matches!(t.await, Ok(Ok(()))) {
            failed += 1;
        }
    }
    let wall = start.elapsed();
    rows.push(Row(
        "1,000 concurrent calls, cold client".into(),
        format!(
            "{} token request(s), {} discovery request(s), {failed} failed, wall {:.1} ms",
            fake.tokens.load(Ordering::SeqCst) - t0,
            fake.discoveries.load(Ordering::SeqCst) - d0,
            wall.as_secs_f64() * 1e3
        ),
    ));

    // ---- 3. Latency while the token is refreshed (token endpoint takes 200 ms) ----
    let clock = sdk_auth::ManualClock::new();
    let refreshing = client(&base, Some(clock.clone()));
    refreshing
        .list_employees()
        .offset(0)
        .limit(50)
        .send()
        .await
        .expect("warm");
    let mut steady = Vec::new();
    for _ in 0..500 {
        let s = Instant::now();
        refreshing
            .list_employees()
            .offset(0)
            .limit(50)
            .send()
            .await
            .expect("steady");
        steady.push(s.elapsed());
    }
    fake.slow_tokens.store(true, Ordering::SeqCst);
    let before = fake.tokens.load(Ordering::SeqCst);
    clock.advance(Duration::from_secs(7200 - 200)); // inside the refresh window, still valid
    let mut during = Vec::new();
    let window = Instant::now();
    while window.elapsed() < Duration::from_millis(200) || during.len() < 50 {
        let s = Instant::now();
        refreshing
            .list_employees()
            .offset(0)
            .limit(50)
            .send()
            .await
            .expect("during");
        during.push(s.elapsed());
    }
    fake.slow_tokens.store(false, Ordering::SeqCst);
    steady.sort();
    during.sort();
    rows.push(Row(
        "calls in steady state (n=500)".into(),
        format!(
            "p50 {} · p99 {}",
            us(percentile(&steady, 0.5)),
            us(percentile(&steady, 0.99))
        ),
    ));
    rows.push(Row(
        format!(
            "calls while the token refreshes (200 ms token endpoint, n={})",
            during.len()
        ),
        format!(
            "p50 {} · p99 {} · {} refresh request(s)",
            us(percentile(&during, 0.5)),
            us(percentile(&during, 0.99)),
            fake.tokens.load(Ordering::SeqCst) - before
        ),
    ));

    // ---- 4. The warm path with a shared store configured vs in memory only ----
    let dir = std::env::temp_dir().join(format!("sdk-bench-warm-{}", std::process::id()));
    let shared = builder(&base, None)
        .store(store(&format!("file:{}", dir.display())))
        .build()
        .expect("client");
    let memory = client(&base, None);
    for c in [&shared, &memory] {
        c.list_employees()
            .offset(0)
            .limit(50)
            .send()
            .await
            .expect("warm");
    }
    let (mut with_store, mut without) = (Vec::new(), Vec::new());
    for i in 0..iterations {
        for k in 0..2 {
            let (c, out) = if (i + k) % 2 == 0 {
                (&shared, &mut with_store)
            } else {
                (&memory, &mut without)
            };
            let s = Instant::now();
            std::hint::black_box(
                c.list_employees()
                    .offset(0)
                    .limit(50)
                    .send()
                    .await
                    .expect("call"),
            );
            out.push(s.elapsed());
        }
    }
    with_store.sort();
    without.sort();
    let (w50, m50) = (percentile(&with_store, 0.5), percentile(&without, 0.5));
    rows.push(Row(
        format!("warm calls, shared file store configured vs in memory only (n={iterations})"),
        format!(
            "p50 {} vs {} · ×{:.3}",
            us(w50),
            us(m50),
            w50.as_secs_f64() / m50.as_secs_f64()
        ),
    ));

    // ---- 5. Throughput: 64 concurrent callers, SDK vs raw reqwest ----
    rows.push(throughput(&raw, &raw_cfg, &sdk, &url, 6).await);

    // ---- 6. Fleets: 8 processes × 100 concurrent cold calls on one shared store ----
    let fleet_dir = std::env::temp_dir().join(format!("sdk-bench-fleet-{}", std::process::id()));
    rows.push(Row(
        "fleet of 8 processes × 100 cold calls, file store".into(),
        fleet_row(
            &fake,
            &base,
            &format!("file:{}", fleet_dir.display()),
            8,
            100,
        ),
    ));
    match redis_server() {
        Some((mut child, url)) => {
            rows.push(Row(
                "fleet of 8 processes × 100 cold calls, Redis store".into(),
                fleet_row(&fake, &base, &format!("redis:{url}"), 8, 100),
            ));
            let _ = child.kill();
            let _ = child.wait();
        }
        None => eprintln!("fleet row with Redis skipped: redis-server is not installed"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&fleet_dir);

    println!("| measurement | result |");
    println!("|---|---|");
    for Row(a, b) in rows {
        println!("| {a} | {b} |");
    }
}
