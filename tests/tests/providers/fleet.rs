//! Auth state shared by a fleet: real OS processes (the `fleet_worker` binary) against one fake
//! provider and one shared store (files, and a real `redis-server` these tests start and stop),
//! plus the store contract against Redis and Redis killed mid-run.

use sdk_auth::{FileTokenStore, RedisTokenStore, StoredToken, TokenStore};
use sdk_tests::iinked::{FakeIinked, GOOD_CODE, REDIRECT};
use sdk_tests::redis::RedisServer;
use sdk_tests::xpkit::FakeXpKit;
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, CLIENT_ID, FakeXink};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const PROCESSES: usize = 8;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sdk-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Starts `PROCESSES` workers with `args`, waits until each is ready, releases them together,
/// and returns each one's JSON report.
async fn fleet(args: &[String]) -> Result<Vec<Value>> {
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        children.push((child, stdout));
    }
    for (_, lines) in &mut children {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await?
            .map_err(|e| format!("worker: {e}"))?;
        assert_eq!(line.as_deref(), Some("ready"), "a worker failed to start");
    }
    for (child, _) in &mut children {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"go\n").await?;
    }
    let mut reports = Vec::new();
    for (mut child, mut lines) in children {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await?
            .map_err(|e| format!("worker: {e}"))?
            .ok_or("a worker printed no report")?;
        assert!(child.wait().await?.success(), "a worker failed");
        reports.push(serde_json::from_str(&line)?);
    }
    Ok(reports)
}

/// One worker process that prints one JSON line (no start barrier).
async fn once(args: &[String]) -> Result<Value> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .await?;
    assert!(out.status.success(), "worker failed");
    let text = String::from_utf8(out.stdout)?;
    Ok(serde_json::from_str(
        text.lines().last().ok_or("no output")?,
    )?)
}

fn all_ok(reports: &[Value], calls: u64) {
    for r in reports {
        assert_eq!(r["failed"], 0, "{r}");
        assert_eq!(r["ok"], calls, "{r}");
        assert_eq!(r["reauthorize"], 0, "{r}");
        assert!(!r.to_string().contains(CANARY_SECRET));
    }
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

async fn cold_start_makes_one_token_request(store: &str) -> Result {
    // Xink: token + discovery once for the whole fleet.
    let fake = FakeXink::start().await;
    let reports = fleet(&args(&["xink", fake.base(), store, "100"])).await?;
    all_ok(&reports, 100);
    assert_eq!(
        fake.token_requests().len(),
        1,
        "one token request for 8 × 100 calls"
    );
    assert_eq!(fake.discovery_requests().len(), 1, "one discovery");
    assert_eq!(fake.api_requests().len(), PROCESSES * 100);
    Ok(())
}

async fn xpkit_cold_start_makes_one_token_request(store: &str) -> Result {
    let fake = FakeXpKit::start().await;
    let reports = fleet(&args(&["xpkit", fake.base(), store, "50"])).await?;
    all_ok(&reports, 50);
    assert_eq!(
        fake.token_requests().len(),
        1,
        "one token request for 8 × 50 calls"
    );
    Ok(())
}

/// The store holds an expired access token and a refresh token the fake rotates (each works
/// once): eight processes need it at the same moment.
async fn concurrent_refresh_rotates_once(store_spec: &str, store: Arc<dyn TokenStore>) -> Result {
    let fake = FakeIinked::start().await;
    let refresh = fake.seed_refresh_token("seed");
    let flow = iinked_sign_sdk::OAuthFlow::new(
        iinked_sign_sdk::Region::custom(fake.base())?,
        iinked_sign_sdk::OAuthApp::new("app-client", REDIRECT).client_secret(CANARY_SECRET),
        store.clone(),
    )?;
    let key = flow.store_key("customer-42");
    store
        .put(
            &key,
            StoredToken::new(format!("{CANARY_TOKEN_PREFIX}expired"))
                .with_refresh_token(refresh)
                .with_expires_at(SystemTime::now() - Duration::from_secs(60)),
        )
        .await?;
    let reports = fleet(&args(&["iinked", fake.base(), store_spec, "10"])).await?;
    all_ok(&reports, 10);
    let refreshes: Vec<_> = fake
        .token_requests()
        .into_iter()
        .filter(|r| {
            r.form()
                .iter()
                .any(|(k, v)| k == "grant_type" && v == "refresh_token")
        })
        .collect();
    assert_eq!(refreshes.len(), 1, "one refresh for the fleet");
    let stored = store.get(&key).await?.expect("stored");
    let newest = fake.refresh_tokens().last().cloned().expect("rotated");
    assert_eq!(
        stored.refresh_token.as_ref().map(|r| r.secret().to_owned()),
        Some(newest),
        "the store ends with the newest refresh token"
    );
    Ok(())
}

async fn authorization_moves_between_processes(store_spec: &str) -> Result {
    let fake = FakeIinked::start().await;
    // Instance A starts the flow...
    let started = once(&args(&["iinked-begin", fake.base(), store_spec])).await?;
    let url = url::Url::parse(started["url"].as_str().ok_or("url")?)?;
    let state = started["state"].as_str().ok_or("state")?.to_owned();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    fake.config(|c| c.code_challenge = Some(q["code_challenge"].clone()));
    let redirect = format!("{REDIRECT}?code={GOOD_CODE}&state={state}");
    // ...a visitor with another session's state is refused, and the pending request survives...
    let forged = once(&args(&[
        "iinked-finish",
        fake.base(),
        store_spec,
        &redirect,
        "other",
    ]))
    .await?;
    assert_eq!(forged["ok"], 0, "{forged}");
    assert_eq!(forged["code"], sdk_auth::INVALID_STATE);
    // ...instance B completes it (the PKCE verifier came through the store)...
    let done = once(&args(&[
        "iinked-finish",
        fake.base(),
        store_spec,
        &redirect,
        &state,
    ]))
    .await?;
    assert_eq!(done["ok"], 1, "{done}");
    // ...and instance C cannot replay it.
    let replay = once(&args(&[
        "iinked-finish",
        fake.base(),
        store_spec,
        &redirect,
        &state,
    ]))
    .await?;
    assert_eq!(replay["ok"], 0, "{replay}");
    assert_eq!(replay["code"], sdk_auth::INVALID_STATE);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_fleet() -> Result {
    let dir = temp_dir("cold");
    let store = format!("file:{}", dir.display());
    cold_start_makes_one_token_request(&store).await?;
    let xp = temp_dir("xpkit");
    xpkit_cold_start_makes_one_token_request(&format!("file:{}", xp.display())).await?;
    let refresh = temp_dir("refresh");
    let shared: Arc<dyn TokenStore> = Arc::new(FileTokenStore::open(&refresh)?);
    concurrent_refresh_rotates_once(&format!("file:{}", refresh.display()), shared).await?;
    let auth = temp_dir("auth");
    authorization_moves_between_processes(&format!("file:{}", auth.display())).await?;
    for d in [dir, xp, refresh, auth] {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_fleet() -> Result {
    let redis = RedisServer::start();
    let spec = format!("redis:{}", redis.url());
    cold_start_makes_one_token_request(&spec).await?;
    redis_flush(&redis).await?;
    xpkit_cold_start_makes_one_token_request(&spec).await?;
    let shared: Arc<dyn TokenStore> = Arc::new(RedisTokenStore::new(&redis.url(), "sdk-test:")?);
    concurrent_refresh_rotates_once(&spec, shared).await?;
    authorization_moves_between_processes(&spec).await?;
    Ok(())
}

async fn redis_flush(redis: &RedisServer) -> Result {
    let client = ::redis::Client::open(redis.url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    ::redis::cmd("FLUSHALL")
        .query_async::<()>(&mut conn)
        .await?;
    Ok(())
}

#[tokio::test]
async fn redis_store_keeps_the_contract_plain_and_sealed() -> Result {
    let redis = RedisServer::start();
    let plain = RedisTokenStore::new(&redis.url(), "plain:")?;
    plain.ping().await?;
    sdk_auth::check_store_contract(&plain).await;
    let key = sdk_auth::EncryptionKey::generate()?;
    let sealed = RedisTokenStore::new(&redis.url(), "sealed:")?.encryption_key(key);
    sdk_auth::check_store_contract(&sealed).await;

    // Sealed values show no token to whoever reads the server; tokens without a refresh
    // token carry a TTL, so nothing stale outlives its token.
    let mut token = sdk_auth::Token::new(format!("{CANARY_TOKEN_PREFIX}sealed"));
    token.expires_in = Some(Duration::from_secs(120));
    sealed
        .put("k", StoredToken::from_token(&token, SystemTime::now()))
        .await?;
    let client = ::redis::Client::open(redis.url())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let raw: Vec<u8> = ::redis::cmd("HGET")
        .arg("sealed:t:k")
        .arg("d")
        .query_async(&mut conn)
        .await?;
    assert!(!String::from_utf8_lossy(&raw).contains(CANARY_TOKEN_PREFIX));
    let ttl: i64 = ::redis::cmd("PTTL")
        .arg("sealed:t:k")
        .query_async(&mut conn)
        .await?;
    assert!(ttl > 0 && ttl <= 120_000, "ttl {ttl}");
    Ok(())
}

#[tokio::test]
async fn redis_killed_mid_run_degrades_to_memory_and_direct_fetches() -> Result {
    let logs = sdk_tests::log_capture();
    let mut redis = RedisServer::start();
    let store: Arc<dyn TokenStore> = Arc::new(RedisTokenStore::with_timeout(
        &redis.url(),
        "kill:",
        Duration::from_millis(300),
    )?);
    let fake = FakeXink::start().await;
    let client = fake.builder().store(store.clone()).build()?;
    client.get_account_info().send().await?;
    assert_eq!(fake.token_requests().len(), 1);

    // The server dies (by its own pid): warm calls keep working from the in-memory cache.
    let pid = redis.pid();
    redis.kill();
    assert!(pid.is_some());
    for _ in 0..5 {
        client.get_account_info().send().await?;
    }
    assert_eq!(
        fake.token_requests().len(),
        1,
        "the warm path never touches the store"
    );

    // A rejected token needs a new session: the store is down, so it is fetched directly.
    let first = fake.issued()[0].clone();
    fake.config(|c| {
        c.rejected_tokens.insert(first);
    });
    client.get_account_info().send().await?;
    assert_eq!(fake.token_requests().len(), 2);

    // A cold client with the dead store still works (direct fetch), with no secret in errors.
    let cold = fake.builder().store(store.clone()).build()?;
    cold.get_account_info().send().await?;
    let down = store.get("anything").await.unwrap_err();
    let text = format!("{down} {down:?}");
    assert!(
        !text.contains(CANARY_SECRET) && !text.contains(CANARY_TOKEN_PREFIX),
        "{text}"
    );
    assert!(text.contains("Redis"), "{text}");

    // Back up (empty: persistence is off): the store is used again.
    redis.restart();
    let mut ok = false;
    for _ in 0..50 {
        if store.get("anything").await.is_ok() {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "the connection manager reconnected");
    let again = fake.builder().store(store.clone()).build()?;
    again.get_account_info().send().await?;
    let after = fake.builder().store(store).build()?;
    after.get_account_info().send().await?;
    assert_eq!(
        fake.token_requests().len(),
        4,
        "after the restart one fetch fills the store and the next cold client adopts it"
    );
    let _ = CLIENT_ID;
    // The outage was logged as a warning, and no log line holds a secret.
    let text = String::from_utf8_lossy(&logs.bytes()).into_owned();
    assert!(
        text.contains("token store read failed"),
        "the outage is logged"
    );
    for canary in [CANARY_SECRET, CANARY_TOKEN_PREFIX] {
        assert!(!text.contains(canary), "`{canary}` in the logs");
    }
    Ok(())
}

#[tokio::test]
async fn xref_and_xpkit_flows_started_on_one_instance_complete_on_another() -> Result {
    // Two instances of a web app: separate connectors (separate in-memory states), one store.
    let dir = temp_dir("instances");
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::open(&dir)?);
    let fake = sdk_tests::xref::FakeXref::start().await;
    let instance = || -> Result<xref_sdk::Connector> {
        let app = xref_sdk::XrefApp::new(
            "partner-1",
            CANARY_SECRET,
            "https://partner.example/xref/callback",
        )?;
        Ok(xref_sdk::Connector::new(app, store.clone())?
            .region(xref_sdk::Region::custom(fake.base())?)
            .retry(sdk_tests::fast_retry()))
    };
    let (a, b) = (instance()?, instance()?);
    let auth = a.begin().await?;
    let query = format!(
        "state={}&code={}acct-9",
        auth.state(),
        sdk_tests::xref::CANARY_CODE_PREFIX
    );
    // The session binding still holds on B...
    let e = b
        .handle_callback(&query, "another-visitor")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::INVALID_STATE));
    // ...B accepts A's state once...
    let account = b.handle_callback(&query, auth.state()).await?;
    assert_eq!(account.xref_account_id, "acct-9");
    // ...and neither instance accepts it again.
    for instance in [&a, &b] {
        let e = instance
            .handle_callback(&query, auth.state())
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some(sdk_auth::INVALID_STATE), "{e}");
    }
    // A state no instance issued is refused.
    let e = b
        .handle_callback("state=forged&code=x", "forged")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::INVALID_STATE));

    // XPKit's user login: begun on one instance, finished on another with the verifier from
    // the store.
    let xp = FakeXpKit::start().await;
    let login = || {
        xpkit_sdk::UserLogin::new(
            xpkit_sdk::Region::custom(xp.base()).expect("region"),
            "public-app",
            "http://localhost:5173/auth-callback/",
            xpkit_sdk::LoginProvider::Google,
        )
    };
    let pending = login()?.begin(store.as_ref()).await?;
    let redirect = format!(
        "http://localhost:5173/auth-callback/?code=user-code&state={}",
        pending.state()
    );
    let state = pending.state().to_owned();
    drop(pending); // instance A is gone
    let token = login()?.finish(store.as_ref(), &redirect, &state).await?;
    assert!(token.access_token.secret().starts_with(CANARY_TOKEN_PREFIX));
    let exchange = xp.token_requests().pop().expect("exchange");
    let verifier = exchange
        .form()
        .into_iter()
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v)
        .unwrap_or_default();
    assert_eq!(verifier.len(), 43, "the verifier came through the store");
    let again = login()?
        .finish(store.as_ref(), &redirect, &state)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(sdk_auth::INVALID_STATE));
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
