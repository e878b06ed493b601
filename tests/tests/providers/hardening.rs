//! The hardening rules, one test (or more) per defect of the adversarial review: each fails
//! without its fix in sdk-auth or xtask.

use httpmock::prelude::*;
use sdk_auth::{ErrorKind, InMemoryTokenStore, StoredToken, Timeouts, TokenStore};
use sdk_tests::iinked::FakeIinked;
use sdk_tests::xpkit::FakeXpKit;
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, CLIENT_ID, Canned, FakeXink, fast_retry};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn xpkit(fake: &FakeXpKit) -> xpkit_sdk::XpKit {
    xpkit_sdk::XpKit::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(xpkit_sdk::Region::custom(fake.base()).expect("origin"))
        .retry(fast_retry())
        .build()
        .expect("xpkit")
}

fn iinked_key(base: &str) -> iinked_sign_sdk::Client {
    iinked_sign_sdk::Client::builder()
        .region(iinked_sign_sdk::Region::custom(base).expect("origin"))
        .api_key(sdk_tests::iinked::CANARY_API_KEY)
        .http_client(reqwest::Client::builder())
        .retry(fast_retry())
        .build()
        .expect("iinked")
}

// 1. Path parameters stay one segment ------------------------------------------------------------

#[tokio::test]
async fn dot_segments_are_refused_and_backslash_is_encoded() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    for bad in ["..", ".", "%2e%2E", ".%2e", ""] {
        let e: sdk_auth::Error = client
            .get_employee_fields()
            .email(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{bad}: {e}");
        assert!(e.to_string().contains("`email`"), "{e}");
    }
    assert!(fake.api_requests().is_empty(), "nothing was sent");
    let _ = client.get_employee_fields().email(r"a\b").send().await;
    let sent = fake.api_requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].uri, "/eu/api/1.0/employee/a%5Cb/fields");

    let xp = FakeXpKit::start().await;
    let activities = xpkit(&xp).activities();
    for bad in [".", "..", r"..\profile\p1"] {
        let result = activities.delete_activity().resource_id(bad).send().await;
        if bad.contains('\\') {
            // Not a dot segment: sent, but inside its segment.
            let _ = result;
        } else {
            let e: sdk_auth::Error = result.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        }
    }
    let uris: Vec<String> = xp.api_requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/activities/api/activity/..%5Cprofile%5Cp1"]);

    let iinked = FakeIinked::start().await;
    let e: sdk_auth::Error = iinked_key(iinked.base())
        .get_package()
        .package_id("..")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(iinked.api_requests().is_empty());
    Ok(())
}

// 2. No credential follows a redirect, whatever client builder is given --------------------------

#[tokio::test]
async fn redirects_are_errors_and_credentials_never_follow() -> Result {
    let evil = MockServer::start_async().await;
    let stolen = evil
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let api = MockServer::start_async().await;
    for status in [302, 307, 308] {
        let location = format!("{}/steal?s={status}", evil.base_url());
        let m = api
            .mock_async(|when, then| {
                when.any_request();
                then.status(status).header("location", location.as_str());
            })
            .await;
        let e: sdk_auth::Error = iinked_key(&api.base_url())
            .get_package()
            .package_id("p1")
            .send()
            .await
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&format!("redirect (HTTP {status})")),
            "{text}"
        );
        assert!(text.contains(&evil.base_url()), "names the origin: {text}");
        assert!(!text.contains("steal"), "no path or query: {text}");
        m.delete_async().await;
    }
    // A token endpoint answering 307 (reqwest would re-POST the secret).
    let auth = MockServer::start_async().await;
    auth.mock_async(|when, then| {
        when.path("/OAuth/Token");
        then.status(307)
            .header("location", format!("{}/token", evil.base_url()));
    })
    .await;
    let client = xink_sdk::Client::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .auth_url(auth.base_url())
        .http_client(reqwest::Client::builder())
        .retry(fast_retry())
        .build()?;
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    assert!(e.to_string().contains("redirect (HTTP 307)"), "{e}");
    assert_eq!(
        stolen.calls_async().await,
        0,
        "nothing reached the other origin"
    );
    Ok(())
}

// 3. Success bodies are bounded -----------------------------------------------------------------

#[tokio::test]
async fn success_bodies_over_the_cap_are_errors() -> Result {
    let fake = FakeXink::start().await;
    let api = MockServer::start_async().await;
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(8 * 1024));
    api.mock_async(|when, then| {
        when.any_request();
        then.status(200)
            .header("content-type", "text/plain") // not even JSON: still buffered and capped
            .body(big.as_str());
    })
    .await;
    let client = fake
        .builder()
        .region(xink_sdk::Region::custom(&api.base_url())?)
        .max_body(1024)
        .build()?;
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::BODY_TOO_LARGE), "{e}");
    assert!(e.to_string().contains("1024-byte limit"), "{e}");
    let e = client
        .raw(reqwest::Method::GET, "/x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::BODY_TOO_LARGE), "{e}");
    // Under the cap: fine.
    let roomy = fake
        .builder()
        .region(xink_sdk::Region::custom(&api.base_url())?)
        .build()?;
    assert_eq!(
        roomy
            .raw(reqwest::Method::GET, "/x")
            .send()
            .await?
            .body
            .len(),
        big.len()
    );
    Ok(())
}

// 4. Authorization state is bound to the visitor's session --------------------------------------

#[tokio::test]
async fn xref_state_of_another_visitor_is_refused() -> Result {
    let fake = sdk_tests::xref::FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref = xref_sdk::Connector::new(
        xref_sdk::XrefApp::new("partner-1", CANARY_SECRET, "https://p.example/cb")?,
        store.clone() as Arc<dyn TokenStore>,
    )?
    .region(xref_sdk::Region::custom(fake.base())?);
    let attacker = xref.authorize_url()?;
    let victim = xref.authorize_url()?;
    // The attacker's callback URL (their state, their code) opened in the victim's browser.
    let query = format!("state={}&code=canary-code-attacker", attacker.state());
    for session in [victim.state(), ""] {
        let e = xref.handle_callback(&query, session).await.unwrap_err();
        assert_eq!(e.code(), Some(sdk_auth::INVALID_STATE), "{e}");
    }
    assert!(fake.token_requests().is_empty(), "no code was exchanged");
    assert!(store.keys().is_empty());
    // The attacker's own session still completes (the state was not burnt by the refusals).
    let query = format!(
        "state={}&code={}acct-x",
        attacker.state(),
        sdk_tests::xref::CANARY_CODE_PREFIX
    );
    xref.handle_callback(&query, attacker.state()).await?;
    Ok(())
}

// 5. One refresh per stored grant, however many clients share it ---------------------------------

#[tokio::test]
async fn concurrent_clients_on_one_grant_refresh_once() -> Result {
    let fake = FakeIinked::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(InMemoryTokenStore::new());
    let seed = fake.seed_refresh_token("canary-refresh-shared");
    let app = || iinked_sign_sdk::OAuthApp::new("app", "https://app.example/cb");
    store
        .put(
            &sdk_auth::store_key("iinked-sign", "app", "acct"),
            StoredToken::new("canary-token-old")
                .with_refresh_token(seed)
                .with_expires_at(SystemTime::now() - Duration::from_secs(1)),
        )
        .await?;
    let clients: Vec<iinked_sign_sdk::Client> = (0..4)
        .map(|_| {
            iinked_sign_sdk::Client::builder()
                .region(iinked_sign_sdk::Region::custom(fake.base()).expect("origin"))
                .oauth(app(), store.clone(), "acct")
                .build()
                .expect("client")
        })
        .collect();
    let calls = clients.iter().map(|c| async move {
        c.get_package()
            .package_id(sdk_tests::iinked::PACKAGE_ID)
            .send()
            .await
            .map(|_| ())
    });
    for result in futures::future::join_all(calls).await {
        result?;
    }
    assert_eq!(
        fake.token_requests().len(),
        1,
        "one refresh for four clients"
    );
    Ok(())
}

// 6. XPKit paging cannot loop forever ------------------------------------------------------------

#[tokio::test]
async fn xpkit_empty_pages_and_page_limit_stop_the_stream() -> Result {
    use futures::StreamExt;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/auth/api/token/");
            then.status(200)
                .json_body(json!({"access_token": "canary-token-p", "expires_in": 36000}));
        })
        .await;
    for page in 1..=40 {
        server
            .mock_async(|when, then| {
                when.path("/activities/api/activity").query_param("x__page", page.to_string());
                then.status(200).json_body(json!({
                    "results": if page > 20 { json!([{"_id": format!("a{page}")}]) } else { json!([]) },
                    "next": page + 1
                }));
            })
            .await;
    }
    server
        .mock_async(|when, then| {
            when.path("/activities/api/activity")
                .query_param_missing("x__page");
            then.status(200)
                .json_body(json!({"results": [], "next": 1}));
        })
        .await;
    let xp = xpkit_sdk::XpKit::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(xpkit_sdk::Region::custom(&server.base_url())?)
        .retry(fast_retry())
        .build()?;
    let activities = xp.activities();
    let items: Vec<_> = activities
        .list_stream("/api/activity", xpkit_sdk::ListQuery::new())
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.code(), Some(xpkit_sdk::PAGING_LIMIT), "{e}");
    assert!(e.to_string().contains("5 empty pages"), "{e}");

    // A page limit set by the user: items of the allowed pages, then the error.
    let query = xpkit_sdk::ListQuery::new()
        .max_empty_pages(30)
        .max_pages(23);
    let items: Vec<_> = activities
        .list_stream("/api/activity", query)
        .collect()
        .await;
    assert_eq!(
        items.iter().filter(|i| i.is_ok()).count(),
        2,
        "pages 21 and 22"
    );
    let e = items.last().unwrap().as_ref().unwrap_err();
    assert!(e.to_string().contains("after 23 pages"), "{e}");
    Ok(())
}

// 7, 8. Timeouts and the total deadline bound every request, token fetch included ---------------

#[tokio::test]
async fn timeouts_bound_token_requests_with_a_user_builder_and_the_deadline() -> Result {
    let fake = FakeXink::start().await;
    fake.config(|c| c.token_delay = Duration::from_secs(20));
    let client = fake
        .builder()
        .http_client(reqwest::Client::builder())
        .timeouts(
            Timeouts::default()
                .attempt(Duration::from_millis(200))
                .total(Duration::from_millis(700)),
        )
        .build()?;
    let started = Instant::now();
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the deadline"
    );
    assert!(!fake.token_requests().is_empty());

    // XPKit's user login exchange gets timeouts too.
    let slow = MockServer::start_async().await;
    slow.mock_async(|when, then| {
        when.path("/auth/api/token/");
        then.status(200).delay(Duration::from_secs(20)).body("{}");
    })
    .await;
    let login = xpkit_sdk::UserLogin::with_http(
        xpkit_sdk::Region::custom(&slow.base_url())?,
        "public-app",
        "http://127.0.0.1:9/cb",
        xpkit_sdk::LoginProvider::XpKit,
        reqwest::Client::builder(),
        Timeouts::default()
            .attempt(Duration::from_millis(200))
            .total(Duration::from_millis(500)),
    )?;
    let pending = login.authorize()?;
    let redirect = url::Url::parse(&format!(
        "http://127.0.0.1:9/cb?code=c&state={}",
        pending.state()
    ))?;
    let started = Instant::now();
    let e = login.complete(pending, &redirect).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    Ok(())
}

// 9. No configuration or header value panics on time arithmetic ----------------------------------

#[tokio::test]
async fn huge_durations_do_not_panic() -> Result {
    let fake = FakeXink::start().await;
    let api = MockServer::start_async().await;
    api.mock_async(|when, then| {
        when.any_request();
        then.status(429)
            .header("retry-after", "18446744073709551615")
            .body("{}");
    })
    .await;
    let client = fake
        .builder()
        .region(xink_sdk::Region::custom(&api.base_url())?)
        .retry(fast_retry().max_retry_after(Duration::MAX))
        .timeouts(Timeouts::default().total(Duration::MAX))
        .refresh_policy(
            sdk_auth::RefreshPolicy::default()
                .max_margin(Duration::MAX)
                .default_lifetime(Some(Duration::MAX)),
        )
        .build()?;
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    Ok(())
}

// 10. A panicking store does not poison the cache ------------------------------------------------

struct PanicsOnce {
    inner: InMemoryTokenStore,
    calls: AtomicUsize,
}

impl TokenStore for PanicsOnce {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<'a, std::result::Result<Option<StoredToken>, sdk_auth::Error>>
    {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("store bug");
        }
        self.inner.get(key)
    }
    fn put<'a>(
        &'a self,
        key: &'a str,
        token: StoredToken,
    ) -> futures::future::BoxFuture<'a, std::result::Result<(), sdk_auth::Error>> {
        self.inner.put(key, token)
    }
    fn delete<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<'a, std::result::Result<(), sdk_auth::Error>> {
        self.inner.delete(key)
    }
}

#[tokio::test]
async fn a_panicking_fetch_is_an_error_and_the_next_call_recovers() -> Result {
    let fake = sdk_tests::xref::FakeXref::start().await;
    let store = Arc::new(PanicsOnce {
        inner: InMemoryTokenStore::new(),
        calls: AtomicUsize::new(0),
    });
    store
        .inner
        .put(
            &xref_sdk::account_store_key("xref-app", "acct"),
            StoredToken::new(format!("{CANARY_TOKEN_PREFIX}xref")),
        )
        .await?;
    let client = xref_sdk::Client::builder()
        .account("acct")
        .client_id("xref-app")
        .store(store as Arc<dyn TokenStore>)
        .region(xref_sdk::Region::custom(fake.base())?)
        .build()?;
    let e: sdk_auth::Error = client.check_auth().send().await.unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::FETCH_PANICKED), "{e}");
    let _ = client.check_auth().send().await;
    assert_eq!(fake.api_requests().len(), 1, "the second call fetched anew");
    Ok(())
}

// 11. No token-endpoint amplification ------------------------------------------------------------

#[tokio::test]
async fn always_401_and_refused_credentials_do_not_hammer_the_token_endpoint() -> Result {
    let fake = FakeXink::start().await;
    fake.config(|c| c.reject_all = true);
    let client = fake.builder().build()?;
    for _ in 0..20 {
        assert!(client.get_account_info().send().await.is_err());
    }
    assert_eq!(fake.token_requests().len(), 2, "first token + one refresh");
    assert_eq!(fake.discovery_requests().len(), 2);
    assert_eq!(
        fake.api_requests().len(),
        21,
        "one resend, then one request per call"
    );

    let refused = FakeXink::start().await;
    refused
        .config(|c| c.token_override = Some(Canned::json(401, json!({"error": "invalid_client"}))));
    let client = refused.builder().build()?;
    for _ in 0..30 {
        let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth);
    }
    assert_eq!(
        refused.token_requests().len(),
        1,
        "remembered for the retry interval"
    );
    Ok(())
}

// 12, 13. Discovery cannot send the token elsewhere; no userinfo in URLs -------------------------

#[tokio::test]
async fn discovered_roots_are_checked_and_userinfo_is_refused() -> Result {
    let fake = FakeXink::start().await;
    fake.config(|c| {
        c.discovery_override = Some(Canned::json(
            200,
            json!({"Success": true, "APIRoot": "https://evil.example/api"}),
        ))
    });
    let client = fake.builder().build()?;
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("`evil.example`"), "{e}");
    assert!(fake.api_requests().is_empty());

    for url in [
        "https://user:canary-pass@e.xink.io",
        "https://user@e.xink.io",
    ] {
        let e = xink_sdk::Region::custom(url).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(!e.to_string().contains("canary-pass"), "{e}");
        let e = xink_sdk::Client::builder()
            .credentials("id", "s")
            .auth_url(url)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("user name or password"), "{e}");
    }
    Ok(())
}

// 14. Store keys are namespaced per provider and app ---------------------------------------------

#[tokio::test]
async fn a_token_stored_by_one_provider_is_not_used_by_another() -> Result {
    let xref_fake = sdk_tests::xref::FakeXref::start().await;
    let iinked = FakeIinked::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(InMemoryTokenStore::new());
    let xref = xref_sdk::Connector::new(
        xref_sdk::XrefApp::new("partner-1", CANARY_SECRET, "https://p.example/cb")?,
        store.clone(),
    )?
    .region(xref_sdk::Region::custom(xref_fake.base())?);
    let auth = xref.authorize_url()?;
    let query = format!(
        "state={}&code={}same",
        auth.state(),
        sdk_tests::xref::CANARY_CODE_PREFIX
    );
    xref.handle_callback(&query, auth.state()).await?;
    let client = iinked_sign_sdk::Client::builder()
        .region(iinked_sign_sdk::Region::custom(iinked.base())?)
        .oauth(
            iinked_sign_sdk::OAuthApp::new("app", "https://app.example/cb"),
            store.clone(),
            "same",
        )
        .build()?;
    let e: sdk_auth::Error = client
        .get_package()
        .package_id("p1")
        .send()
        .await
        .unwrap_err();
    assert!(e.needs_reauthorization(), "{e}");
    assert!(
        iinked.api_requests().is_empty(),
        "the Xref token went nowhere"
    );
    assert_ne!(
        sdk_auth::store_key("iinked-sign", "a", "k"),
        sdk_auth::store_key("iinked-sign", "b", "k")
    );
    assert_ne!(
        sdk_auth::store_key("x", "a/b", "c"),
        sdk_auth::store_key("x", "a", "b/c")
    );
    Ok(())
}

// 15. Secrets echoed by a provider are redacted --------------------------------------------------

#[tokio::test]
async fn echoed_secrets_are_redacted_from_errors() -> Result {
    let fake = FakeXink::start().await;
    let api = MockServer::start_async().await;
    api.mock_async(|when, then| {
        when.any_request();
        then.status(403).json_body(json!({
            "Message": format!("token {CANARY_TOKEN_PREFIX}1 lacks scope; secret {CANARY_SECRET}")
        }));
    })
    .await;
    let client = fake
        .builder()
        .region(xink_sdk::Region::custom(&api.base_url())?)
        .build()?;
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("token [redacted] lacks scope"), "{shown}");
    assert!(
        !shown.contains(CANARY_TOKEN_PREFIX) && !shown.contains(CANARY_SECRET),
        "{shown}"
    );

    fake.config(|c| {
        c.token_override = Some(Canned::json(
            400,
            json!({"error": "invalid_client", "error_description": format!("unknown secret '{CANARY_SECRET}'")}),
        ))
    });
    let e: sdk_auth::Error = fake
        .builder()
        .build()?
        .get_account_info()
        .send()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown secret '[redacted]'"), "{e}");
    Ok(())
}

// 16. Generated types with secret fields redact them in Debug ------------------------------------

#[test]
fn generated_secret_fields_are_redacted_in_debug() {
    let canary = "canary-generated-secret";
    let endpoint = iinked_sign_sdk::types::EventEndpoint(json!({"secret": canary}));
    let token: xpkit_sdk::auth_api::types::TokenResponse =
        serde_json::from_value(json!({"access_token": canary, "expires_in": 36000})).unwrap();
    let options: xpkit_sdk::nfts::types::NftBlockchainOptions = serde_json::from_value(
        json!({"wallet_auth": "private_key", "private_key": canary, "network": "devnet"}),
    )
    .unwrap();
    let builder = xpkit_sdk::nfts::types::builder::NftBlockchainOptions::from(options.clone());
    let shown = format!("{endpoint:?} {token:?} {options:?} {builder:?}");
    assert!(!shown.contains(canary), "{shown}");
    assert!(
        shown.contains("expires_in: Some(Number(36000.0))"),
        "other fields stay: {shown}"
    );
}
