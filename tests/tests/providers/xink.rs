//! Xink SDK against a fake Xink on loopback: what goes over the wire, and what comes back.

use httpmock::prelude::*;
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, CLIENT_ID, Canned, FakeXink};
use serde_json::json;
use std::time::Duration;
use xink_sdk::{Client, ErrorKind, ManualClock, Method, Multipart, Region, Scope};

type Result<T = ()> = std::result::Result<T, xink_sdk::Error>;

fn no_canary(text: &str) {
    assert!(
        !text.contains(CANARY_SECRET),
        "client secret leaked: {text}"
    );
    assert!(!text.contains(CANARY_TOKEN_PREFIX), "token leaked: {text}");
}

// ---- the exact token request, discovery, and the bearer header (httpmock) ----------------------

#[tokio::test]
async fn token_request_discovery_and_bearer_on_the_wire() -> Result {
    let auth = MockServer::start_async().await;
    let api = MockServer::start_async().await;
    let token = auth
        .mock_async(|when, then| {
            when.method(POST)
                .path("/OAuth/Token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header_missing("authorization")
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", CLIENT_ID)
                .form_urlencoded_tuple("client_secret", CANARY_SECRET)
                .form_urlencoded_tuple("scope", "employeeread employeefieldsread signaturectrl");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"access_token": "canary-token-A", "expires_in": 7200, "token_type": "bearer"}));
        })
        .await;
    let discovery = auth
        .mock_async(|when, then| {
            when.method(GET)
                .path("/Discovery")
                .header("authorization", "Bearer canary-token-A");
            then.status(200).json_body(json!({
                "Success": true, "DataCenterID": "EU", "APIRoot": api.base_url(),
                "SyncRoot": "https://s-eu.xink.io", "ImgRoot": "https://i-eu.xink.io",
                "TrackingRoot": "https://t-eu.xink.io"
            }));
        })
        .await;
    let info = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/1.0/account/info")
                .header("authorization", "Bearer canary-token-A")
                .header("accept", "application/json")
                .header_missing("api-version");
            then.status(200).json_body(json!({"AccountName": "Acme"}));
        })
        .await;
    let list = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/1.0/employee/list/100/50")
                .header("authorization", "Bearer canary-token-A")
                .header_missing("api-version");
            then.status(200)
                .json_body(json!([{"Email": "a@example.com"}]));
        })
        .await;
    let fields = api
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/1.0/employee/jane@example.com/fields")
                .header("authorization", "Bearer canary-token-A");
            then.status(200).json_body(json!({"DisplayName": "Jane"}));
        })
        .await;

    let client = Client::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .auth_url(auth.base_url())
        // Discovery names another origin than the auth server: allowed explicitly.
        .allow_api_root(api.base_url())
        .scopes([
            Scope::EmployeeRead,
            Scope::EmployeeFieldsRead,
            "signaturectrl".into(),
        ])
        .build()?;
    assert_eq!(
        token.calls_async().await,
        0,
        "build() makes no network call"
    );

    let account = client.get_account_info().send().await?;
    assert_eq!(account.into_inner().0, json!({"AccountName": "Acme"}));
    let page = client.list_employees().offset(100).limit(50).send().await?;
    assert_eq!(page.into_inner().0[0]["Email"], "a@example.com");
    let f = client
        .get_employee_fields()
        .email("jane@example.com")
        .send()
        .await?;
    assert_eq!(f.into_inner().0["DisplayName"], "Jane");

    assert_eq!(token.calls_async().await, 1);
    assert_eq!(discovery.calls_async().await, 1);
    assert_eq!(info.calls_async().await, 1);
    assert_eq!(list.calls_async().await, 1);
    assert_eq!(fields.calls_async().await, 1);
    assert_eq!(
        client.api_root().await?.as_str(),
        format!("{}/", api.base_url())
    );
    Ok(())
}

#[tokio::test]
async fn documented_token_request_fields_match_what_is_sent() -> Result {
    // Xink knowledge-base article 1000224599: the documented form body.
    let documented = "grant_type=client_credentials&client_id=your_client_id&client_secret=your_client_secret&scope=employeeread%20other_necessary_scopes";
    let doc: Vec<(String, String)> = url::form_urlencoded::parse(documented.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let fake = FakeXink::start().await;
    let client = fake
        .builder()
        .credentials("your_client_id", "your_client_secret")
        .scopes(["employeeread", "other_necessary_scopes"])
        .build()?;
    client.get_account_info().send().await?;
    assert_eq!(fake.token_requests()[0].form(), doc);
    Ok(())
}

// ---- discovery and regions ---------------------------------------------------------------------

#[tokio::test]
async fn discovered_root_is_honoured_and_region_skips_discovery() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().connect().await?;
    assert_eq!(
        fake.token_requests().len(),
        1,
        "connect() establishes the session"
    );
    assert_eq!(fake.discovery_requests().len(), 1);
    assert_eq!(
        fake.discovery_requests()[0].header("authorization"),
        Some(format!("Bearer {}", fake.issued()[0]).as_str())
    );
    client.get_account_info().send().await?;
    let api = fake.api_requests();
    assert_eq!(api.len(), 1);
    assert_eq!(
        api[0].uri, "/eu/api/1.0/account/info",
        "the call went to the discovered APIRoot"
    );

    // An explicit region: no discovery at all.
    let fake = FakeXink::start().await;
    let client = fake
        .builder()
        .region(Region::custom(&format!("{}/eu", fake.base()))?)
        .build()?;
    client.get_account_info().send().await?;
    assert_eq!(fake.discovery_requests().len(), 0);
    assert_eq!(fake.api_requests()[0].uri, "/eu/api/1.0/account/info");
    Ok(())
}

// ---- token lifetime ----------------------------------------------------------------------------

#[tokio::test]
async fn token_reused_then_refreshed_ahead_of_expiry() -> Result {
    let fake = FakeXink::start().await;
    fake.config(|c| c.expires_in = json!("3600")); // a numeric string is accepted
    let clock = ManualClock::new();
    let client = fake
        .builder()
        .clock(clock.clone())
        .refresh_policy(xink_sdk::RefreshPolicy::default().without_jitter())
        .build()?;
    for _ in 0..3 {
        client.get_account_info().send().await?;
    }
    assert_eq!(fake.token_requests().len(), 1, "token reused");
    // Refresh margin: min(10% of 3600 s, 5 min) = 300 s before expiry.
    clock.advance(Duration::from_secs(3299));
    client.get_account_info().send().await?;
    assert_eq!(fake.token_requests().len(), 1);
    clock.advance(Duration::from_secs(1));
    // Inside the refresh window the refresh runs in the background: this call does not wait
    // for it and still uses the valid token.
    client.get_account_info().send().await?;
    assert_eq!(
        fake.api_requests().last().unwrap().header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}1").as_str())
    );
    // Within a bounded number of calls the new session is in use.
    let mut switched = false;
    for _ in 0..50 {
        client.get_account_info().send().await?;
        let last = fake.api_requests().pop().unwrap();
        if last.header("authorization") == Some(format!("Bearer {CANARY_TOKEN_PREFIX}2").as_str()) {
            switched = true;
            break;
        }
    }
    assert!(switched, "the refreshed token was never used");
    assert_eq!(
        fake.token_requests().len(),
        2,
        "refreshed ahead of expiry, once"
    );
    assert_eq!(
        fake.discovery_requests().len(),
        2,
        "token and root refresh together"
    );
    assert!(
        fake.api_requests()
            .iter()
            .all(|r| r.headers.get("authorization").is_some())
    );
    Ok(())
}

/// Lifetimes as providers really send them: zero, negative, absurd or wrong-typed is unknown
/// (Xink's documented two hours), never a token request per call; a wrong-typed field the SDK
/// does not need does not reject the token.
#[tokio::test]
async fn useless_lifetimes_never_cost_a_token_request_per_call() -> Result {
    for lifetime in [
        json!(0),
        json!(-60),
        json!(1e300),
        json!({}),
        json!(true),
        json!("0"),
    ] {
        let fake = FakeXink::start().await;
        fake.config(|c| c.expires_in = lifetime.clone());
        let client = fake.builder().build()?;
        for _ in 0..5 {
            client.get_account_info().send().await?;
        }
        assert_eq!(fake.api_requests().len(), 5, "{lifetime}");
        assert_eq!(
            fake.token_requests().len(),
            1,
            "{lifetime}: one token for every call"
        );
    }
    Ok(())
}

#[tokio::test]
async fn expired_token_is_replaced_before_sending() -> Result {
    let fake = FakeXink::start().await;
    fake.config(|c| c.expires_in = json!(600));
    let clock = ManualClock::new();
    let client = fake.builder().clock(clock.clone()).build()?;
    client.get_account_info().send().await?;
    clock.advance(Duration::from_secs(601)); // expired between two calls
    client.get_account_info().send().await?;
    assert_eq!(fake.token_requests().len(), 2);
    assert_eq!(
        fake.api_requests().len(),
        2,
        "no request was sent with the expired token"
    );
    Ok(())
}

#[tokio::test]
async fn token_expiring_mid_flight_gets_one_refresh_and_one_resend() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    client.get_account_info().send().await?;
    // The server now considers the first token expired, although the client thinks it valid.
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}1"));
    });
    let page = client.list_employees().offset(0).limit(2).send().await?;
    assert_eq!(page.into_inner().0.as_array().map(Vec::len), Some(2));
    assert_eq!(fake.token_requests().len(), 2, "exactly one refresh");
    let api = fake.api_requests();
    assert_eq!(api.len(), 3, "one call, one rejected attempt, one resend");
    assert_eq!(
        api[1].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}1").as_str())
    );
    assert_eq!(
        api[2].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}2").as_str())
    );
    assert_eq!(api[1].uri, api[2].uri);
    Ok(())
}

#[tokio::test]
async fn second_401_is_an_auth_error_without_a_loop() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    client.get_account_info().send().await?;
    fake.config(|c| c.reject_all = true);
    let err: xink_sdk::Error = client.get_account_info().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.provider(), Some("xink"));
    assert_eq!(err.operation(), Some("get_account_info"));
    assert_eq!(
        err.message(),
        Some("Authorization has been denied for this request.")
    );
    assert_eq!(fake.token_requests().len(), 2, "one refresh, not more");
    assert_eq!(fake.api_requests().len(), 3, "one resend, not more");
    no_canary(&format!("{err} {err:?}"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_on_a_cold_client_fetch_one_session() -> Result {
    let fake = FakeXink::start().await;
    // A slow token endpoint widens the window in which callers pile up.
    fake.config(|c| c.token_delay = Duration::from_millis(50));
    let client = fake.builder().build()?;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    client.get_account_info().send().await.map(|_| ())
                } else {
                    client
                        .list_employees()
                        .offset(i)
                        .limit(1)
                        .send()
                        .await
                        .map(|_| ())
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task")?;
    }
    assert_eq!(fake.token_requests().len(), 1, "exactly one token request");
    assert_eq!(fake.discovery_requests().len(), 1, "exactly one discovery");
    assert_eq!(fake.api_requests().len(), 100);
    Ok(())
}

// ---- malformed answers -------------------------------------------------------------------------

#[tokio::test]
async fn malformed_discovery_responses_are_clear_errors() -> Result {
    let cases = [
        (
            Canned::new(200, "text/html", "<html>maintenance</html>"),
            ErrorKind::Decode,
            "discovery response is HTML, not JSON",
        ),
        (
            Canned::new(200, "application/json", ""),
            ErrorKind::Decode,
            "discovery response is empty",
        ),
        (
            Canned::json(200, json!({"DataCenterID": "EU"})),
            ErrorKind::Decode,
            "lacks `Success`",
        ),
        (
            Canned::json(200, json!({"Success": false})),
            ErrorKind::Auth,
            "discovery answered \"Success\": false",
        ),
        (
            Canned::json(200, json!({"Success": true, "DataCenterID": "EU"})),
            ErrorKind::Decode,
            "discovery response has no `APIRoot`",
        ),
        (
            Canned::json(200, json!({"Success": true, "APIRoot": ""})),
            ErrorKind::Decode,
            "discovery response has no `APIRoot`",
        ),
        (
            Canned::json(
                200,
                json!({"Success": true, "APIRoot": "http://e-eu.xink.io"}),
            ),
            ErrorKind::Config,
            "must use https",
        ),
        (
            Canned::json(200, json!({"Success": true, "APIRoot": "not a url"})),
            ErrorKind::Config,
            "not a valid URL",
        ),
        (
            Canned::json(200, json!([1, 2])),
            ErrorKind::Decode,
            "discovery response is not a JSON object",
        ),
        (
            Canned::new(500, "text/plain", "boom"),
            ErrorKind::Api,
            "discovery failed: non-JSON response body",
        ),
    ];
    for (canned, kind, text) in cases {
        let fake = FakeXink::start().await;
        fake.config(|c| c.discovery_override = Some(canned.clone()));
        let client = fake.builder().build()?;
        let err: xink_sdk::Error = client
            .list_employees()
            .offset(0)
            .limit(1)
            .send()
            .await
            .unwrap_err();
        let shown = format!("{err}");
        assert_eq!(err.kind(), kind, "{canned:?}: {shown}");
        assert!(shown.starts_with("xink: get_discovery: "), "{shown}");
        assert!(shown.contains(text), "{canned:?}: {shown}");
        no_canary(&format!("{shown} {err:?}"));
        assert_eq!(fake.api_requests().len(), 0);
    }
    Ok(())
}

#[tokio::test]
async fn unreachable_auth_server_is_a_transport_error() -> Result {
    let fake = FakeXink::start().await;
    let base = fake.base().to_owned();
    drop(fake);
    tokio::task::yield_now().await;
    let client = Client::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .auth_url(base)
        .timeouts(sdk_auth::Timeouts::default().connect(Duration::from_secs(2)))
        .build()?;
    let err: xink_sdk::Error = client.get_account_info().send().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport | ErrorKind::Timeout),
        "{err}"
    );
    assert_eq!(err.operation(), Some("get_token"));
    no_canary(&format!("{err} {err:?}"));
    Ok(())
}

// ---- the raw request method ------------------------------------------------------------------

#[tokio::test]
async fn raw_json_and_multipart_reach_the_discovered_root_with_auth() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    let answer: serde_json::Value = client
        .raw(Method::POST, "/api/1.0/echo")
        .query("mode", "test")
        .json(&json!({"Name": "Banner", "Active": true}))
        .send_json()
        .await?;
    assert_eq!(answer["content_type"], "application/json");
    let sent = fake.api_requests().pop().unwrap();
    assert_eq!(sent.uri, "/eu/api/1.0/echo?mode=test");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}1").as_str())
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&sent.body).unwrap(),
        json!({"Name": "Banner", "Active": true})
    );

    let png = vec![0x89u8, b'P', b'N', b'G', 1, 2, 3];
    let response = client
        .raw(Method::POST, "/api/1.0/echo")
        .multipart(Multipart::new().text("title", "logo").file(
            "file",
            "logo.png",
            "image/png",
            png.clone(),
        ))
        .send()
        .await?;
    assert_eq!(response.status, 200);
    let sent = fake.api_requests().pop().unwrap();
    let ctype = sent.header("content-type").unwrap().to_owned();
    assert!(
        ctype.starts_with("multipart/form-data; boundary="),
        "{ctype}"
    );
    let body = String::from_utf8_lossy(&sent.body);
    assert!(body.contains("name=\"title\"\r\n\r\nlogo\r\n"), "{body}");
    assert!(
        body.contains("name=\"file\"; filename=\"logo.png\"\r\nContent-Type: image/png"),
        "{body}"
    );
    assert!(
        sent.body.windows(png.len()).any(|w| w == png.as_slice()),
        "file bytes sent"
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}1").as_str())
    );
    assert_eq!(fake.token_requests().len(), 1);
    assert_eq!(fake.discovery_requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn raw_requests_refresh_once_on_401_multipart_included() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    client.get_account_info().send().await?;
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}1"));
    });
    let response = client
        .raw(Method::POST, "/api/1.0/echo")
        .multipart(Multipart::new().file("file", "a.png", "image/png", vec![1u8, 2, 3]))
        .send()
        .await?;
    assert_eq!(response.status, 200);
    assert_eq!(fake.token_requests().len(), 2, "one refresh");
    let api = fake.api_requests();
    assert_eq!(
        api.len(),
        3,
        "the multipart request was rebuilt and resent once"
    );
    assert_eq!(
        api[2].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}2").as_str())
    );
    assert!(String::from_utf8_lossy(&api[2].body).contains("filename=\"a.png\""));

    // And a second 401 on the resend: an auth error, no loop.
    fake.config(|c| c.reject_all = true);
    let err = client
        .raw(Method::POST, "/api/1.0/echo")
        .multipart(Multipart::new().text("a", "b"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(fake.token_requests().len(), 3);
    assert_eq!(fake.api_requests().len(), 5);
    Ok(())
}

#[tokio::test]
async fn raw_errors_are_typed_like_generated_calls() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    let generated: xink_sdk::Error = client
        .get_employee_fields()
        .email("nobody@example.com")
        .send()
        .await
        .unwrap_err();
    let raw = client
        .raw(Method::GET, "/api/1.0/employee/nobody@example.com/fields")
        .send()
        .await
        .unwrap_err();
    assert_eq!(raw.kind(), generated.kind());
    assert_eq!(raw.status(), generated.status());
    assert_eq!(raw.message(), generated.message());
    assert_eq!(raw.request_id(), generated.request_id());
    assert_eq!(raw.provider(), Some("xink"));
    assert_eq!(
        raw.operation(),
        Some("GET /api/1.0/employee/nobody@example.com/fields")
    );

    // A path that is not relative to the API root is refused before anything is sent.
    let before = fake.api_requests().len();
    for bad in ["https://evil.example/x", "api/1.0/account/info"] {
        let err = client.raw(Method::GET, bad).send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    }
    assert_eq!(fake.api_requests().len(), before);

    // A 2xx body that is not the expected JSON is a decode error.
    let err = client
        .raw(Method::GET, "/api/1.0/account/info")
        .send_json::<Vec<u8>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.provider(), Some("xink"));
    Ok(())
}

// ---- documented payloads and secret hygiene ----------------------------------------------------

#[test]
fn documented_discovery_example_deserializes_into_the_generated_type() {
    // Xink API Reference 1.4, verbatim.
    let example = r#"{
        "Success": true,
        "DataCenterID": "EU",
        "APIRoot": "https://e-eu.xink.io",
        "SyncRoot": "https://s-eu.xink.io",
        "ImgRoot": "https://i-eu.xink.io",
        "TrackingRoot": "https://t-eu.xink.io"
    }"#;
    let d: xink_sdk::types::DiscoveryResult = serde_json::from_str(example).unwrap();
    assert!(d.success);
    assert_eq!(d.data_center_id.as_deref(), Some("EU"));
    assert_eq!(d.api_root.as_deref(), Some("https://e-eu.xink.io"));
    assert_eq!(d.sync_root.as_deref(), Some("https://s-eu.xink.io"));
    assert_eq!(d.img_root.as_deref(), Some("https://i-eu.xink.io"));
    assert_eq!(d.tracking_root.as_deref(), Some("https://t-eu.xink.io"));
    // Unknown fields are ignored; only Success is required.
    let d: xink_sdk::types::DiscoveryResult =
        serde_json::from_str(r#"{"Success": false, "New": 1}"#).unwrap();
    assert!(!d.success && d.api_root.is_none());
    // §8.2 repaired: the token parameters as a JSON block (these are form fields, not a body).
    let block: serde_json::Value = serde_json::from_str(
        r#"{"grant_type": "client_credentials", "client_id": "your_client_id", "client_secret": "your_client_secret", "scope": "employeeread other_necessary_scopes"}"#,
    )
    .unwrap();
    assert_eq!(block["grant_type"], "client_credentials");
    // Free-form API responses take any JSON.
    for v in [json!({"a": 1}), json!([1, 2]), json!("text"), json!(null)] {
        let _: xink_sdk::types::AccountInfo = serde_json::from_value(v.clone()).unwrap();
        let _: xink_sdk::types::EmployeeList = serde_json::from_value(v.clone()).unwrap();
        let _: xink_sdk::types::EmployeeFields = serde_json::from_value(v).unwrap();
    }
}

#[tokio::test]
async fn canary_secrets_never_appear_in_debug_display_or_errors() -> Result {
    let fake = FakeXink::start().await;
    let builder = fake.builder();
    let mut shown = vec![format!("{builder:?}")];
    let client = builder.build()?;
    client.get_account_info().send().await?;
    shown.push(format!("{client:?}"));
    shown.push(format!("{:?}", client.get_account_info()));
    shown.push(format!(
        "{:?}",
        xink_sdk::Credentials::new(CLIENT_ID, CANARY_SECRET)
    ));
    shown.push(format!(
        "{:?}",
        client.raw(Method::GET, "/x").json(&json!({"k": 1}))
    ));

    // Every failure path, formatted every way.
    fake.config(|c| c.reject_all = true);
    let e: xink_sdk::Error = client.get_account_info().send().await.unwrap_err();
    shown.push(format!("{e} {e:?} {e:#}"));
    let e = client
        .raw(Method::GET, "/api/1.0/account/info")
        .send()
        .await
        .unwrap_err();
    shown.push(format!("{e} {e:?}"));
    let p = client.get_account_info().send().await.unwrap_err();
    shown.push(format!("{p} {p:?}"));
    fake.config(|c| {
        c.token_override = Some(Canned::json(
            200,
            json!({"access_token": 17, "echo": CANARY_SECRET}),
        ));
    });
    let fresh = fake.builder().build()?;
    let p = fresh.get_account_info().send().await.unwrap_err();
    shown.push(format!("{p} {p:?}"));
    let e: xink_sdk::Error = p;
    shown.push(format!("{e} {e:?}"));
    fake.config(|c| {
        c.token_override = Some(Canned::json(
            400,
            json!({"error": "invalid_client", "client_secret": CANARY_SECRET}),
        ));
    });
    let e = fake.builder().connect().await.unwrap_err();
    shown.push(format!("{e} {e:?}"));

    for text in &shown {
        no_canary(text);
    }
    assert!(
        shown.iter().any(|s| s.contains("invalid_client")),
        "the sweep saw real errors"
    );
    Ok(())
}
