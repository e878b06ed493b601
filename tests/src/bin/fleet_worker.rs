//! One process of a fleet, started several times by the fleet tests against one fake provider
//! and one shared store:
//!
//! ```text
//! fleet_worker <scenario> <provider base URL> <store> [calls]
//!   scenario: xink | xpkit | iinked | iinked-begin | iinked-finish <redirect> <session state>
//!   store:    file:<dir> | redis:<url>
//! ```
//!
//! Client scenarios build the client, print `ready`, wait for a line on standard input (so that
//! every process starts at the same moment), make `calls` concurrent calls and print one JSON
//! line: `{"ok": n, "failed": n, "errors": [...]}`.

use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn store(spec: &str) -> Result<Arc<dyn sdk_auth::TokenStore>> {
    if let Some(dir) = spec.strip_prefix("file:") {
        return Ok(Arc::new(sdk_auth::FileTokenStore::open(dir)?));
    }
    if let Some(url) = spec.strip_prefix("redis:") {
        return Ok(Arc::new(sdk_auth::RedisTokenStore::new(url, "sdk-test:")?));
    }
    Err(format!("unknown store `{spec}`").into())
}

fn iinked_app() -> iinked_sign_sdk::OAuthApp {
    iinked_sign_sdk::OAuthApp::new("app-client", sdk_tests::iinked::REDIRECT)
        .client_secret(sdk_tests::CANARY_SECRET)
}

async fn wait_for_go() -> Result<()> {
    println!("ready");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(())
}

async fn run_calls<F, Fut>(calls: usize, call: F) -> serde_json::Value
where
    F: Fn() -> Fut,
    Fut: Future<Output = std::result::Result<(), sdk_auth::Error>>,
{
    let results = futures::future::join_all((0..calls).map(|_| call())).await;
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
        .collect();
    serde_json::json!({
        "ok": results.len() - errors.len(),
        "failed": errors.len(),
        "reauthorize": results.iter().filter(|r| r.as_ref().is_err_and(|e| e.needs_reauthorization())).count(),
        "errors": errors.iter().take(3).collect::<Vec<_>>(),
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [scenario, base, store_spec, rest @ ..] = args.as_slice() else {
        return Err("usage: fleet_worker <scenario> <base> <store> [calls]".into());
    };
    let store = store(store_spec)?;
    let calls: usize = rest.first().and_then(|n| n.parse().ok()).unwrap_or(100);
    let report = match scenario.as_str() {
        "xink" => {
            let client = xink_sdk::Client::builder()
                .credentials(sdk_tests::CLIENT_ID, sdk_tests::CANARY_SECRET)
                .auth_url(base.clone())
                .store(store)
                .retry(sdk_tests::fast_retry())
                .build()?;
            wait_for_go().await?;
            run_calls(calls, || async {
                client.get_account_info().send().await.map(|_| ())
            })
            .await
        }
        "xpkit" => {
            let xpkit = xpkit_sdk::XpKit::builder()
                .credentials(sdk_tests::CLIENT_ID, sdk_tests::CANARY_SECRET)
                .region(xpkit_sdk::Region::custom(base)?)
                .store(store)
                .retry(sdk_tests::fast_retry())
                .build()?;
            let jobs = xpkit.jobs();
            wait_for_go().await?;
            run_calls(calls, || async {
                jobs.list_jobs().send().await.map(|_| ())
            })
            .await
        }
        "iinked" => {
            let client = iinked_sign_sdk::Client::builder()
                .region(iinked_sign_sdk::Region::custom(base)?)
                .oauth(iinked_app(), store, "customer-42")
                .retry(sdk_tests::fast_retry())
                .build()?;
            wait_for_go().await?;
            run_calls(calls, || async {
                client
                    .get_package()
                    .package_id(sdk_tests::iinked::PACKAGE_ID)
                    .send()
                    .await
                    .map(|_| ())
            })
            .await
        }
        "iinked-begin" => {
            let flow = iinked_sign_sdk::OAuthFlow::new(
                iinked_sign_sdk::Region::custom(base)?,
                iinked_app(),
                store,
            )?;
            let pending = flow.begin().await?;
            serde_json::json!({"url": pending.url().as_str(), "state": pending.state()})
        }
        "iinked-finish" => {
            let [redirect, session_state, ..] = rest else {
                return Err("iinked-finish needs <redirect> <session state>".into());
            };
            let flow = iinked_sign_sdk::OAuthFlow::new(
                iinked_sign_sdk::Region::custom(base)?,
                iinked_app(),
                store,
            )?;
            match flow.finish(redirect, session_state, "customer-7").await {
                Ok(()) => serde_json::json!({"ok": 1}),
                Err(e) => serde_json::json!({"ok": 0, "error": e.to_string(), "code": e.code()}),
            }
        }
        "judge-refresh" => {
            // The grant of `fleet` at the OAuth judge, behind the cache every client has, for
            // `calls` seconds: each process gets a token every 50 ms.
            let oauth = sdk_auth::AuthorizationCodeClient::new(
                sdk_auth::http::client("fleet-worker", &sdk_auth::Timeouts::default())?,
                "iinked-sign",
                url::Url::parse(&format!("{base}/connect/authorize"))?,
                url::Url::parse(&format!("{base}/connect/token"))?,
                sdk_auth::ClientId::new("code-post"),
                url::Url::parse(sdk_tests::judges::JUDGE_REDIRECT)?,
            )?
            .client_secret(sdk_auth::ClientSecret::new(sdk_tests::judges::JUDGE_SECRET));
            let source = Arc::new(sdk_auth::StoredTokenSource::new(oauth, store, "fleet"));
            let fetch = move || -> futures::future::BoxFuture<
                'static,
                std::result::Result<sdk_auth::Expiring<sdk_auth::Token>, sdk_auth::Error>,
            > {
                let source = source.clone();
                Box::pin(async move {
                    let (value, lifetime) = source.fetch().await?;
                    Ok(sdk_auth::Expiring { value, lifetime })
                })
            };
            let cache = sdk_auth::TokenCache::new(fetch, sdk_auth::RefreshPolicy::default());
            wait_for_go().await?;
            let until = std::time::Instant::now() + std::time::Duration::from_secs(calls as u64);
            let (mut ok, mut errors) = (0usize, Vec::new());
            while std::time::Instant::now() < until {
                match cache.get().await {
                    Ok(_) => ok += 1,
                    Err(e) => errors.push(e.to_string()),
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            serde_json::json!({"ok": ok, "failed": errors.len(), "errors": errors.iter().take(3).collect::<Vec<_>>()})
        }
        other => return Err(format!("unknown scenario `{other}`").into()),
    };
    println!("{report}");
    Ok(())
}
