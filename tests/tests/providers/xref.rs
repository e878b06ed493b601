//! Xref SDK against a fake Xref on loopback: connect, call, deauthorize.

use sdk_tests::xref::{CANARY_CODE_PREFIX, FakeXref};
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use xref_sdk::{
    Connector, ErrorKind, InMemoryTokenStore, ManualClock, Method, PendingStates, Region,
    TokenStore, XrefApp,
};

type Result<T = ()> = std::result::Result<T, xref_sdk::Error>;

const REDIRECT: &str = "https://partner.example/xref/callback";

fn no_canary(text: &str) {
    for canary in [CANARY_SECRET, CANARY_TOKEN_PREFIX, CANARY_CODE_PREFIX] {
        assert!(!text.contains(canary), "secret `{canary}` leaked: {text}");
    }
}

fn connector(fake: &FakeXref, store: Arc<InMemoryTokenStore>) -> Connector {
    let app = XrefApp::new("partner-1", CANARY_SECRET, REDIRECT).expect("app");
    Connector::new(app, store as Arc<dyn TokenStore>)
        .expect("connector")
        .region(Region::custom(fake.base()).expect("region"))
        .retry(sdk_tests::fast_retry())
}

fn state_of(auth: &xref_sdk::Authorization) -> String {
    let q: HashMap<String, String> = auth.url().query_pairs().into_owned().collect();
    q["state"].clone()
}

/// Connects account `acct` through the whole redirect flow.
async fn connect(xref: &Connector, account: &str) -> Result<xref_sdk::Client> {
    let url = xref.authorize_url()?;
    let query = format!(
        "state={}&code={CANARY_CODE_PREFIX}{account}",
        state_of(&url)
    );
    let connected = xref.handle_callback(&query, url.state()).await?;
    assert_eq!(connected.xref_account_id, account);
    xref.client(&connected.xref_account_id)
}

#[tokio::test]
async fn authorize_url_shape() -> Result {
    let fake = FakeXref::start().await;
    let xref = connector(&fake, Arc::new(InMemoryTokenStore::new()));
    let a = xref.authorize_url()?;
    let b = xref.authorize_url()?;
    assert_eq!(a.url().path(), "/oauth/open-api/partner-1");
    let keys: Vec<String> = a.url().query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(
        keys,
        ["state"],
        "no response_type, redirect_uri or scope: Xref documents none"
    );
    assert_eq!(state_of(&a).len(), 43, "256 random bits");
    assert_ne!(state_of(&a), state_of(&b), "a fresh state each time");

    let production = Connector::new(
        XrefApp::new("partner-1", "s", REDIRECT)?,
        Arc::new(InMemoryTokenStore::new()),
    )?;
    assert!(
        production
            .authorize_url()?
            .url()
            .as_str()
            .starts_with("https://login.xref.com/oauth/open-api/partner-1?state=")
    );
    Ok(())
}

/// A per-account client without the partner's client id would read another key than the
/// connector wrote: a build error that names the fix.
#[tokio::test]
async fn client_without_client_id_is_a_build_error_naming_the_fix() -> Result {
    let e = xref_sdk::Client::builder()
        .account("acct-1")
        .store(Arc::new(InMemoryTokenStore::new()) as Arc<dyn TokenStore>)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains(".client_id("), "{e}");
    // Every Connector setter returns Self, like every other builder.
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref: Connector = connector(&fake, store)
        .timeouts(sdk_auth::Timeouts::default())
        .http_client(reqwest::Client::builder());
    connect(&xref, "acct-2").await?;
    Ok(())
}

#[tokio::test]
async fn connect_call_deauthorize() -> Result {
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref = connector(&fake, store.clone());
    let client = connect(&xref, "acct-7").await?;

    // The code exchange: JSON body with exactly the documented fields, no Authorization header.
    let exchange = &fake.token_requests()[0];
    assert_eq!(exchange.method, "POST");
    assert_eq!(exchange.uri, "/oauth/tokens");
    assert_eq!(exchange.header("content-type"), Some("application/json"));
    assert_eq!(exchange.header("authorization"), None);
    let body: serde_json::Value = serde_json::from_slice(&exchange.body).expect("json");
    assert_eq!(
        body,
        json!({"client_id": "partner-1", "client_secret": CANARY_SECRET, "code": format!("{CANARY_CODE_PREFIX}acct-7")})
    );
    let stored = store
        .get(&xref_sdk::account_store_key("partner-1", "acct-7"))
        .await?
        .expect("stored under the account id");
    assert_eq!(
        stored.access_token.secret(),
        format!("{CANARY_TOKEN_PREFIX}x1")
    );
    assert_eq!(stored.subject.as_deref(), Some("acct-7"));

    // Calls carry `Token`, never `Bearer`.
    client.check_auth().send().await?;
    let listed: serde_json::Value = client.raw(Method::GET, "/candidates").send_json().await?;
    assert_eq!(listed, json!([{"id": 1}]));
    for r in fake.api_requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Token {CANARY_TOKEN_PREFIX}x1").as_str())
        );
        assert_eq!(r.header("api-version"), None);
    }
    assert_eq!(fake.api_requests()[0].uri, "/auth");

    // Deauthorize: Xref confirms, the store forgets the account.
    client.deauthorize().await?;
    let deauth = fake.api_requests().pop().expect("request");
    assert_eq!(
        (deauth.method.as_str(), deauth.uri.as_str()),
        ("POST", "/oauth/deauthorize")
    );
    assert!(deauth.body.is_empty());
    assert!(
        store
            .get(&xref_sdk::account_store_key("partner-1", "acct-7"))
            .await?
            .is_none()
    );
    let before = fake.api_requests().len();
    let err: xref_sdk::Error = client.check_auth().send().await.unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    assert_eq!(err.subject(), Some("acct-7"));
    assert_eq!(
        fake.api_requests().len(),
        before,
        "no request without a stored token"
    );
    Ok(())
}

#[tokio::test]
async fn failed_deauthorize_keeps_the_token() -> Result {
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref = connector(&fake, store.clone());
    let client = connect(&xref, "acct-1").await?;
    fake.revoke(&fake.issued()[0]);
    let err = client.deauthorize().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.operation(), Some("deauthorize"));
    assert!(
        store
            .get(&xref_sdk::account_store_key("partner-1", "acct-1"))
            .await?
            .is_some(),
        "not removed without Xref's confirmation"
    );
    Ok(())
}

#[tokio::test]
async fn state_round_trip_reuse_mismatch_expiry_and_error() -> Result {
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let clock = ManualClock::new();
    let xref = connector(&fake, store.clone()).states(PendingStates::with_clock(
        Duration::from_secs(600),
        clock.clone(),
    ));

    let url = xref.authorize_url()?;
    let state = state_of(&url);
    xref.handle_callback(
        &format!("state={state}&code={CANARY_CODE_PREFIX}a1"),
        url.state(),
    )
    .await?;
    // The same state again: refused before any exchange.
    let err = xref
        .handle_callback(
            &format!("state={state}&code={CANARY_CODE_PREFIX}a2"),
            url.state(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_state"));
    assert_eq!(err.kind(), ErrorKind::Auth);
    // A state never issued.
    let err = xref
        .handle_callback(
            &format!("state=forged&code={CANARY_CODE_PREFIX}a3"),
            url.state(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_state"));
    // No state at all.
    let err = xref
        .handle_callback(&format!("code={CANARY_CODE_PREFIX}a4"), url.state())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_state"));
    // Expired.
    let url = xref.authorize_url()?;
    clock.advance(Duration::from_secs(601));
    let err = xref
        .handle_callback(
            &format!("state={}&code={CANARY_CODE_PREFIX}a5", state_of(&url)),
            url.state(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expired"), "{err}");
    // The user denied the connection.
    let url = xref.authorize_url()?;
    let err = xref
        .handle_callback(
            &format!("state={}&error=access_denied", state_of(&url)),
            url.state(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("access_denied"));
    assert!(err.needs_reauthorization());
    assert_eq!(
        fake.token_requests().len(),
        1,
        "only the first callback exchanged a code"
    );
    assert_eq!(
        store.keys(),
        [xref_sdk::account_store_key("partner-1", "a1")]
    );
    Ok(())
}

#[tokio::test]
async fn rejected_token_is_a_reauthorization_error_without_a_loop() -> Result {
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref = connector(&fake, store.clone());
    let client = connect(&xref, "acct-9").await?;
    client.check_auth().send().await?;
    fake.revoke(&fake.issued()[0]);

    let err: xref_sdk::Error = client.check_auth().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(401));
    assert!(err.needs_reauthorization(), "{err}");
    assert_eq!(err.subject(), Some("acct-9"));
    assert!(
        err.to_string()
            .contains("re-authorization required for acct-9"),
        "{err}"
    );
    assert_eq!(fake.api_requests().len(), 2, "one call, no resend");
    assert_eq!(fake.token_requests().len(), 1, "no refresh exists");

    // Later calls fail at once, without a request.
    let err = client
        .raw(Method::GET, "/candidates")
        .send()
        .await
        .unwrap_err();
    assert!(err.needs_reauthorization());
    assert_eq!(fake.api_requests().len(), 2);

    // Connecting the account again (a new code from Xref) stores a new token, and the same
    // client works again.
    let url = xref.authorize_url()?;
    let connected = xref
        .handle_callback_url(
            &url::Url::parse(&format!(
                "{REDIRECT}?state={}&code={CANARY_CODE_PREFIX}acct-9~2",
                state_of(&url)
            ))
            .expect("url"),
            url.state(),
        )
        .await?;
    assert_eq!(connected.xref_account_id, "acct-9");
    client.check_auth().send().await?;
    let last = fake.api_requests().pop().expect("request");
    assert_eq!(
        last.header("authorization"),
        Some(format!("Token {CANARY_TOKEN_PREFIX}x2").as_str())
    );
    Ok(())
}

#[test]
fn documented_payloads_parse() {
    // The guide's token answer: 40-hex token, 32-hex account id (shapes not validated).
    let (token, account) = xref_sdk::parse_token_response(
        br#"{"access_token": "6d1e0b0c5fd2e7c0b77be9a5f33d86fbcbb4cb8e", "xref_account_id": "2d6b3b3c1e2e4c9a8a7f6e5d4c3b2a19"}"#,
    )
    .expect("parses");
    assert_eq!(token.access_token.secret().len(), 40);
    assert_eq!(account.len(), 32);
    assert!(!format!("{token:?}").contains("6d1e0b0c"));
}

#[tokio::test]
async fn canary_secrets_never_appear_in_debug_display_or_errors() -> Result {
    let fake = FakeXref::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let xref = connector(&fake, store.clone());
    let client = connect(&xref, "acct-c").await?;
    let mut shown = vec![
        format!("{xref:?}"),
        format!("{client:?}"),
        format!(
            "{:?}",
            store
                .get(&xref_sdk::account_store_key("partner-1", "acct-c"))
                .await?
        ),
        format!("{:?}", XrefApp::new("partner-1", CANARY_SECRET, REDIRECT)?),
        format!("{:?}", xref_sdk::Client::builder().account("acct-c")),
    ];
    fake.revoke(&fake.issued()[0]);
    let p = client.check_auth().send().await.unwrap_err();
    shown.push(format!("{p} {p:?}"));
    let e: xref_sdk::Error = p;
    shown.push(format!("{e} {e:?} {e:#}"));
    let url = xref.authorize_url()?;
    let e = xref
        .handle_callback(
            &format!("state={}&code={CANARY_CODE_PREFIX}acct-c", state_of(&url)),
            url.state(),
        )
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    assert!(
        shown.iter().any(|s| s.contains("invalid_grant")),
        "the sweep saw real errors"
    );
    for text in &shown {
        no_canary(text);
    }
    let e = XrefApp::new("partner-1", CANARY_SECRET, "http://partner.example/cb").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    no_canary(&format!("{e} {e:?}"));
    Ok(())
}
