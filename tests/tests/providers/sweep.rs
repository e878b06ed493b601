//! The secret sweep: every provider's flows with canary secrets, under a TRACE-level subscriber
//! that captures every log line and span (the SDK's, reqwest's, hyper's). No canary may appear in
//! the logs, nor in any `Debug`/`Display` of the clients and errors met on the way.

use sdk_tests::iinked::{CANARY_API_KEY, FakeIinked, GOOD_CODE};
use sdk_tests::xpkit::FakeXpKit;
use sdk_tests::xref::{CANARY_CODE_PREFIX, FakeXref};
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, CLIENT_ID, Canned, FakeXink, fast_retry};
use serde_json::json;
use std::sync::Arc;

const CANARIES: &[&str] = &[
    CANARY_SECRET,
    CANARY_TOKEN_PREFIX,
    CANARY_API_KEY,
    "canary-refresh",
    GOOD_CODE,
    CANARY_CODE_PREFIX,
];

fn shown<T: std::fmt::Debug + std::fmt::Display>(seen: &mut Vec<String>, value: &T) {
    seen.push(format!("{value} {value:?} {value:#}"));
}

#[tokio::test(flavor = "current_thread")]
async fn canaries_never_reach_logs_debug_display_or_errors() {
    // Every test's output in this binary is swept too (see `log_capture`).
    let capture = sdk_tests::log_capture();
    let mut seen: Vec<String> = Vec::new();

    // Xink: token + discovery, calls, a 401 with refresh, a second 401, raw multipart, errors.
    let fake = FakeXink::start().await;
    let client = fake.builder().build().expect("xink");
    client.get_account_info().send().await.expect("call");
    client
        .raw(reqwest::Method::POST, "/api/1.0/echo")
        .json(&json!({"k": CANARY_SECRET.len()}))
        .send()
        .await
        .expect("raw");
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}1"));
    });
    client
        .list_employees()
        .offset(0)
        .limit(1)
        .send()
        .await
        .expect("refreshed");
    fake.config(|c| c.reject_all = true);
    let e: sdk_auth::Error = client.get_account_info().send().await.unwrap_err();
    shown(&mut seen, &e);
    seen.push(format!("{client:?}"));
    fake.config(|c| {
        c.token_override = Some(Canned::json(
            400,
            json!({"error": "invalid_client", "echo": CANARY_SECRET}),
        ))
    });
    let e: sdk_auth::Error = fake
        .builder()
        .build()
        .expect("xink")
        .get_account_info()
        .send()
        .await
        .unwrap_err();
    shown(&mut seen, &e);

    // iinked Sign: key mode, OAuth code exchange with PKCE, refresh after 401, revoked refresh.
    let fake = FakeIinked::start().await;
    let dc = iinked_sign_sdk::Region::custom(fake.base()).expect("dc");
    let key = iinked_sign_sdk::Client::builder()
        .region(dc.clone())
        .api_key(CANARY_API_KEY)
        .retry(fast_retry())
        .build()
        .expect("key");
    key.get_package()
        .package_id(sdk_tests::iinked::PACKAGE_ID)
        .send()
        .await
        .expect("key call");
    key.upload_file(iinked_sign_sdk::FileUpload::pdf("a.pdf", b"%PDF".to_vec()))
        .await
        .expect("upload");
    seen.push(format!("{key:?}"));
    let store = Arc::new(sdk_auth::InMemoryTokenStore::new());
    let app = iinked_sign_sdk::OAuthApp::new("app", "https://app.example/cb")
        .client_secret(CANARY_SECRET);
    let flow =
        iinked_sign_sdk::OAuthFlow::new(dc.clone(), app.clone(), store.clone()).expect("flow");
    let pending = flow.authorize().expect("authorize");
    seen.push(format!("{pending:?} {flow:?}"));
    let challenge: String = pending
        .url()
        .query_pairs()
        .find(|(k, _)| k == "code_challenge")
        .map(|(_, v)| v.into_owned())
        .expect("challenge");
    fake.config(|c| c.code_challenge = Some(challenge));
    let redirect = url::Url::parse(&format!(
        "https://app.example/cb?code={GOOD_CODE}&state={}",
        pending.state()
    ))
    .expect("url");
    flow.complete(pending, &redirect, "acct")
        .await
        .expect("exchange");
    let oauth = iinked_sign_sdk::Client::builder()
        .region(dc)
        .oauth(app, store.clone(), "acct")
        .retry(fast_retry())
        .build()
        .expect("oauth");
    oauth
        .get_package()
        .package_id(sdk_tests::iinked::PACKAGE_ID)
        .send()
        .await
        .expect("oauth call");
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
    });
    oauth
        .get_package()
        .package_id(sdk_tests::iinked::PACKAGE_ID)
        .send()
        .await
        .expect("refreshed");
    fake.revoke_refresh_tokens();
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o2"));
    });
    let e: sdk_auth::Error = oauth
        .get_package()
        .package_id(sdk_tests::iinked::PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    shown(&mut seen, &e);
    seen.push(format!("{oauth:?} {store:?}"));

    // Xref: connect, call, 401, deauthorize.
    let fake = FakeXref::start().await;
    let xstore = Arc::new(sdk_auth::InMemoryTokenStore::new());
    let xref = xref_sdk::Connector::new(
        xref_sdk::XrefApp::new("partner-1", CANARY_SECRET, "https://p.example/cb").expect("app"),
        xstore.clone(),
    )
    .expect("connector")
    .region(xref_sdk::Region::custom(fake.base()).expect("region"))
    .retry(fast_retry());
    let url = xref.authorize_url().expect("url");
    let state: String = url
        .url()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .expect("state");
    let account = xref
        .handle_callback(
            &format!("state={state}&code={CANARY_CODE_PREFIX}acct"),
            &state,
        )
        .await
        .expect("connect");
    let xc = xref.client(&account.xref_account_id).expect("client");
    xc.check_auth().send().await.expect("check");
    xc.deauthorize().await.expect("deauthorize");
    let e: sdk_auth::Error = xc.check_auth().send().await.unwrap_err();
    shown(&mut seen, &e);
    seen.push(format!("{xref:?} {xc:?}"));

    // XPKit: token, calls on two services, 403 refresh, upload, token refusal.
    let fake = FakeXpKit::start().await;
    let xp = xpkit_sdk::XpKit::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(xpkit_sdk::Region::custom(fake.base()).expect("origin"))
        .retry(fast_retry())
        .build()
        .expect("xpkit");
    xp.jobs().list_jobs().send().await.expect("jobs");
    fake.expire(&fake.issued()[0]);
    xp.profiles()
        .read_profile()
        .resource_id("p1")
        .send()
        .await
        .expect("refreshed");
    xp.vcc()
        .upload_vcc_asset(xpkit_sdk::FilePart::new(
            "a.bin",
            "application/octet-stream",
            b"x".to_vec(),
        ))
        .await
        .expect("upload");
    fake.forbid_all();
    let e: sdk_auth::Error = xp.jobs().list_jobs().send().await.unwrap_err();
    shown(&mut seen, &e);
    seen.push(format!("{xp:?}"));

    // Generated types whose spec marks a secret (`x-secret`): Debug never shows it.
    let endpoint =
        iinked_sign_sdk::types::EventEndpoint(serde_json::json!({"secret": CANARY_SECRET}));
    seen.push(format!("{endpoint:?} {endpoint:#?}"));
    let token: xpkit_sdk::auth_api::types::TokenResponse =
        serde_json::from_value(serde_json::json!({"access_token": CANARY_SECRET})).expect("token");
    seen.push(format!("{token:?} {token:#?}"));

    let logs = String::from_utf8(capture.bytes()).expect("utf-8 logs");
    assert!(logs.contains("sdk_call"), "the SDK's spans were captured");
    assert!(logs.contains("TRACE"), "TRACE-level events were captured");
    assert!(
        logs.lines().count() > 100,
        "a real amount of output was captured: {}",
        logs.lines().count()
    );
    for canary in CANARIES {
        for (n, line) in logs.lines().enumerate() {
            assert!(
                !line.contains(canary),
                "canary `{canary}` in log line {n}: {line}"
            );
        }
        for text in &seen {
            assert!(!text.contains(canary), "canary `{canary}` in: {text}");
        }
    }
}
