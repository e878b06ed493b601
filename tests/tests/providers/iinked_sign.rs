//! iinked Sign SDK against a fake iinked Sign on loopback: both auth modes, OAuth code exchange,
//! refresh with rotation, 401 handling, the multipart upload, webhooks, and secret hygiene.

use iinked_sign_sdk::webhook::{self, Event};
use iinked_sign_sdk::{
    Client, ErrorKind, FileUpload, InMemoryTokenStore, OAuthApp, OAuthFlow, Region, StoredToken,
    TokenStore, types,
};
use sdk_tests::iinked::{CANARY_API_KEY, CANARY_REFRESH_PREFIX, FakeIinked, GOOD_CODE, PACKAGE_ID};
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, Canned, Recorded};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use url::Url;

type Result<T = ()> = std::result::Result<T, iinked_sign_sdk::Error>;

const REDIRECT: &str = "https://app.example/callback";

fn no_canary(text: &str) {
    for canary in [
        CANARY_SECRET,
        CANARY_TOKEN_PREFIX,
        CANARY_API_KEY,
        CANARY_REFRESH_PREFIX,
        GOOD_CODE,
    ] {
        assert!(!text.contains(canary), "secret `{canary}` leaked: {text}");
    }
}

fn form(r: &Recorded) -> HashMap<String, String> {
    r.form().into_iter().collect()
}

fn datacenter(fake: &FakeIinked) -> Region {
    Region::custom(fake.base()).expect("loopback origin")
}

fn key_client(fake: &FakeIinked) -> Client {
    Client::builder()
        .region(datacenter(fake))
        .api_key(CANARY_API_KEY)
        .retry(sdk_tests::fast_retry())
        .build()
        .expect("client")
}

fn app() -> OAuthApp {
    OAuthApp::new("app-client", REDIRECT).client_secret(CANARY_SECRET)
}

/// Runs the whole authorization-code flow against the fake; tokens end up under `customer-42`.
async fn authorize(fake: &FakeIinked, store: Arc<InMemoryTokenStore>) -> Result<Client> {
    let flow = OAuthFlow::new(datacenter(fake), app(), store.clone())?;
    let pending = flow.authorize()?;
    let q: HashMap<String, String> = pending.url().query_pairs().into_owned().collect();
    fake.config(|c| c.code_challenge = Some(q["code_challenge"].clone()));
    let redirect = Url::parse(&format!(
        "{REDIRECT}?code={GOOD_CODE}&state={}",
        pending.state()
    ))
    .expect("url");
    flow.complete(pending, &redirect, "customer-42").await?;
    Client::builder()
        .region(datacenter(fake))
        .oauth(app(), store as Arc<dyn TokenStore>, "customer-42")
        .retry(sdk_tests::fast_retry())
        .build()
}

// ---- API key mode ------------------------------------------------------------------------------

#[tokio::test]
async fn api_key_header_on_every_call_and_never_a_bearer() -> Result {
    let fake = FakeIinked::start().await;
    let client = key_client(&fake);
    let package = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await?
        .into_inner();
    assert_eq!(package.package_id.as_deref(), Some(PACKAGE_ID));
    assert_eq!(package.type_.as_deref(), Some("Live Session"));
    assert_eq!(
        package.state.as_deref(),
        Some("some_future_state"),
        "unknown states decode"
    );
    let list = client
        .list_packages()
        .body(types::ListPackagesRequest {
            states: Some(vec![types::PackageState::Open, types::PackageState::Draft]),
            types: vec![types::PackageType::LiveSession],
            take: Some(50),
            skip: Some(0),
            ..Default::default()
        })
        .send()
        .await?;
    assert_eq!(list.total, Some(1));
    let link = client
        .create_sign_link()
        .package_id(PACKAGE_ID)
        .signer_id("s-1")
        .send()
        .await?;
    assert_eq!(link.type_.as_deref(), Some("package_sign"));
    client
        .upload_file(FileUpload::pdf("a.pdf", b"%PDF-1.7".to_vec()))
        .await?;

    let requests = fake.api_requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert_eq!(r.header("api_key"), Some(CANARY_API_KEY), "{}", r.uri);
        assert_eq!(
            r.header("authorization"),
            None,
            "no bearer in key mode: {}",
            r.uri
        );
        assert_eq!(r.header("api-version"), None);
        assert!(r.uri.starts_with("/api/v1/"), "{}", r.uri);
    }
    assert_eq!(requests[0].uri, format!("/api/v1/packages/{PACKAGE_ID}"));
    assert_eq!(
        requests[2].uri,
        format!("/api/v1/packages/{PACKAGE_ID}/link/sign/s-1")
    );
    // Enum constants go out exactly as documented (case, and the space in `Live Session`).
    let body: serde_json::Value = serde_json::from_slice(&requests[1].body).expect("json body");
    assert_eq!(
        body,
        json!({"states": ["open", "draft"], "types": ["Live Session"], "take": 50, "skip": 0})
    );
    assert!(
        fake.token_requests().is_empty(),
        "no OAuth traffic in key mode"
    );
    Ok(())
}

#[tokio::test]
async fn add_package_serializes_the_documented_names() -> Result {
    let fake = FakeIinked::start().await;
    let client = key_client(&fake);
    let added = client
        .add_package()
        .body(
            types::AddPackageRequest::builder()
                .name("Contract")
                .type_(types::PackageType::Sequential)
                .state(types::PackageState::Draft)
                .return_package(false)
                .generate_signer_links(true)
                .documents(vec![types::DocumentInput {
                    file_id: Some("f-1".into()),
                    ..Default::default()
                }])
                .signers(vec![types::SignerInput {
                    first_name: Some("Jane".into()),
                    last_name: Some("Doe".into()),
                    email: Some("jane@example.com".into()),
                    ..Default::default()
                }]),
        )
        .send()
        .await?;
    assert_eq!(added.package_id.as_deref(), Some(PACKAGE_ID));
    assert!(
        added.package.is_none(),
        "null package with returnPackage: false"
    );
    let sent: serde_json::Value =
        serde_json::from_slice(&fake.api_requests()[0].body).expect("json");
    assert_eq!(
        sent,
        json!({"name": "Contract", "type": "Sequential", "state": "draft", "returnPackage": false,
               "generateSignerLinks": true, "documents": [{"fileId": "f-1"}],
               "signers": [{"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"}]})
    );
    Ok(())
}

// ---- OAuth mode --------------------------------------------------------------------------------

/// The documented way to read and delete a customer's grant uses the customer's own key; the
/// store's key is namespaced, so the bare key finds nothing.
#[tokio::test]
async fn stored_grants_are_read_and_forgotten_by_the_customers_key() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    authorize(&fake, store.clone()).await?;
    let flow = OAuthFlow::new(datacenter(&fake), app(), store.clone())?;
    let grant = flow
        .stored("customer-42")
        .await?
        .expect("stored for the customer");
    assert!(grant.refresh_token.is_some());
    assert!(
        store.get("customer-42").await?.is_none(),
        "the bare key is not the store's"
    );
    assert_eq!(
        flow.store_key("customer-42"),
        "sdk/iinked-sign/app-client/customer-42"
    );
    flow.forget("customer-42").await?;
    assert!(flow.stored("customer-42").await?.is_none());
    Ok(())
}

/// Extra authorize parameters (`prompt=consent`) and the RFC 9207 issuer check reach the flow.
#[tokio::test]
async fn oauth_app_authorize_params_and_issuer_check() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let flow = OAuthFlow::new(
        datacenter(&fake),
        app().authorize_param("prompt", "consent"),
        store.clone(),
    )?;
    let pending = flow.authorize()?;
    let q: HashMap<String, String> = pending.url().query_pairs().into_owned().collect();
    assert_eq!(q["prompt"], "consent");
    let redirect = format!(
        "{REDIRECT}?code={GOOD_CODE}&state={}&iss=https%3A%2F%2Fevil.example",
        pending.state()
    );
    let e = flow
        .complete(pending, &redirect, "customer-9")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("invalid_issuer"), "{e}");
    assert!(fake.token_requests().is_empty(), "the code was not used");
    Ok(())
}

#[tokio::test]
async fn oauth_authorize_exchange_and_bearer_calls() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let flow = OAuthFlow::new(datacenter(&fake), app(), store.clone())?;
    let pending = flow.authorize()?;
    let url = pending.url().clone();
    assert_eq!(
        url.path(),
        "/connect/authorize",
        "on the origin, not under /api/v1"
    );
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "app-client");
    assert_eq!(q["redirect_uri"], REDIRECT);
    assert_eq!(q["scope"], "profile offline_access organization");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["state"], pending.state());
    fake.config(|c| c.code_challenge = Some(q["code_challenge"].clone()));

    let redirect = Url::parse(&format!(
        "{REDIRECT}?code={GOOD_CODE}&state={}",
        pending.state()
    ))
    .expect("url");
    flow.complete(pending, &redirect, "customer-42").await?;
    let exchange = &fake.token_requests()[0];
    assert_eq!(exchange.uri, "/connect/token");
    assert_eq!(
        exchange.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let f = form(exchange);
    assert_eq!(f["grant_type"], "authorization_code");
    assert_eq!(f["code"], GOOD_CODE);
    assert_eq!(f["redirect_uri"], REDIRECT);
    assert_eq!(
        f["code_verifier"].len(),
        43,
        "PKCE verifier sent (the fake checked it against the challenge)"
    );
    assert_eq!(f["client_id"], "app-client");
    assert_eq!(f["client_secret"], CANARY_SECRET);
    let stored = store
        .get(&sdk_auth::store_key(
            "iinked-sign",
            "app-client",
            "customer-42",
        ))
        .await?
        .expect("stored");
    assert_eq!(
        stored.refresh_token.as_ref().map(|r| r.secret()),
        Some("canary-refresh-1")
    );

    let client = Client::builder()
        .region(datacenter(&fake))
        .oauth(app(), store.clone() as Arc<dyn TokenStore>, "customer-42")
        .build()?;
    client.get_package().package_id(PACKAGE_ID).send().await?;
    client
        .send_package()
        .body(types::PackageIdRequest {
            package_id: PACKAGE_ID.into(),
        })
        .send()
        .await?;
    for r in fake.api_requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {CANARY_TOKEN_PREFIX}o1").as_str())
        );
        assert_eq!(r.header("api_key"), None, "no api_key in OAuth mode");
    }
    assert_eq!(
        fake.token_requests().len(),
        1,
        "the stored token is used as is"
    );

    // A state that does not match, or a reused code, never reaches a token.
    let pending = flow.authorize()?;
    let forged = Url::parse(&format!("{REDIRECT}?code={GOOD_CODE}&state=forged")).expect("url");
    let e = flow.complete(pending, &forged, "x").await.unwrap_err();
    assert!(e.to_string().contains("state does not match"), "{e}");
    assert_eq!(fake.token_requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn expired_stored_token_is_refreshed_and_rotation_written_back() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let old_refresh = fake.seed_refresh_token("canary-refresh-seed");
    store
        .put(
            &sdk_auth::store_key("iinked-sign", "app-client", "customer-7"),
            StoredToken::new("canary-token-expired")
                .with_refresh_token(old_refresh.clone())
                .with_expires_at(SystemTime::now() - Duration::from_secs(5)),
        )
        .await?;
    let client = Client::builder()
        .region(datacenter(&fake))
        .oauth(
            app().client_auth(iinked_sign_sdk::ClientAuth::BasicAuth),
            store.clone() as Arc<dyn TokenStore>,
            "customer-7",
        )
        .build()?;
    client.get_package().package_id(PACKAGE_ID).send().await?;

    let refresh = &fake.token_requests()[0];
    let f = form(refresh);
    assert_eq!(f["grant_type"], "refresh_token");
    assert_eq!(f["refresh_token"], old_refresh);
    assert!(
        !f.contains_key("client_secret"),
        "Basic client auth: no secret in the body"
    );
    assert!(
        refresh
            .header("authorization")
            .is_some_and(|h| h.starts_with("Basic "))
    );
    let stored = store
        .get(&sdk_auth::store_key(
            "iinked-sign",
            "app-client",
            "customer-7",
        ))
        .await?
        .expect("stored");
    assert_eq!(
        stored.access_token.secret(),
        format!("{CANARY_TOKEN_PREFIX}o1")
    );
    assert_eq!(
        stored.refresh_token.as_ref().map(|r| r.secret()),
        Some("canary-refresh-1"),
        "rotated token written back"
    );
    assert!(
        stored
            .remaining(SystemTime::now())
            .is_some_and(|r| r > Duration::from_secs(3500))
    );
    assert_eq!(fake.api_requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn oauth_401_refreshes_once_and_resends_once() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let client = authorize(&fake, store.clone()).await?;
    client.get_package().package_id(PACKAGE_ID).send().await?;
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
    });
    client.get_package().package_id(PACKAGE_ID).send().await?;
    assert_eq!(
        fake.token_requests().len(),
        2,
        "code exchange + one refresh"
    );
    assert_eq!(
        form(&fake.token_requests()[1])["grant_type"],
        "refresh_token"
    );
    let api = fake.api_requests();
    assert_eq!(api.len(), 3);
    assert_eq!(
        api[1].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}o1").as_str())
    );
    assert_eq!(
        api[2].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}o2").as_str())
    );
    let stored = store
        .get(&sdk_auth::store_key(
            "iinked-sign",
            "app-client",
            "customer-42",
        ))
        .await?
        .expect("stored");
    assert_eq!(
        stored.refresh_token.as_ref().map(|r| r.secret()),
        Some("canary-refresh-2")
    );

    // The refreshed token rejected too: an auth error, no loop.
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o2"));
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o3"));
    });
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(fake.token_requests().len(), 3);
    assert_eq!(fake.api_requests().len(), 5);
    Ok(())
}

#[tokio::test]
async fn revoked_refresh_token_needs_reauthorization() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let client = authorize(&fake, store.clone()).await?;
    fake.revoke_refresh_tokens();
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
    });
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.needs_reauthorization(), "{err}");
    no_canary(&format!("{err} {err:?}"));

    // Same when the stored token has expired and the refresh is refused before any API call.
    let store = Arc::new(InMemoryTokenStore::new());
    store
        .put(
            &sdk_auth::store_key("iinked-sign", "app-client", "gone"),
            StoredToken::new("canary-token-old")
                .with_refresh_token("canary-refresh-revoked")
                .with_expires_at(SystemTime::now() - Duration::from_secs(1)),
        )
        .await?;
    let before = fake.api_requests().len();
    let client = Client::builder()
        .region(datacenter(&fake))
        .oauth(app(), store as Arc<dyn TokenStore>, "gone")
        .build()?;
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    assert_eq!(err.code(), Some("invalid_grant"));
    assert_eq!(err.operation(), Some("refresh_token"));
    assert_eq!(
        fake.api_requests().len(),
        before,
        "no API call without a token"
    );

    // And with nothing stored at all.
    let client = Client::builder()
        .region(datacenter(&fake))
        .oauth(
            app(),
            Arc::new(InMemoryTokenStore::new()) as Arc<dyn TokenStore>,
            "nobody",
        )
        .build()?;
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    assert!(
        err.needs_reauthorization() && err.to_string().contains("authorize first"),
        "{err}"
    );
    Ok(())
}

// ---- malformed answers and errors --------------------------------------------------------------

#[tokio::test]
async fn malformed_responses_are_clear_errors() -> Result {
    let fake = FakeIinked::start().await;
    let client = key_client(&fake);
    let cases = [
        (
            Canned::new(200, "text/html", "<html>oops</html>"),
            ErrorKind::Decode,
        ),
        (Canned::new(200, "application/json", ""), ErrorKind::Decode),
        (
            Canned::json(200, json!({"packageId": 5})),
            ErrorKind::Decode,
        ),
        (
            Canned::new(500, "text/html", "<h1>down</h1>"),
            ErrorKind::Api,
        ),
        (
            Canned::json(429, json!({"message": "slow down"})),
            ErrorKind::RateLimited,
        ),
    ];
    for (canned, kind) in cases {
        fake.config(|c| c.api_override = Some(canned.clone()));
        let err: iinked_sign_sdk::Error = client
            .get_package()
            .package_id(PACKAGE_ID)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{canned:?}: {err}");
        no_canary(&format!("{err} {err:?}"));
    }
    fake.config(|c| c.api_override = None);
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.request_id(), Some("rid-7"));
    assert_eq!(
        err.to_string(),
        "iinked-sign: get_package: api error (HTTP 404): Package not found [request id rid-7]"
    );

    // Malformed token endpoint answers during a refresh.
    let store = Arc::new(InMemoryTokenStore::new());
    let client = authorize(&fake, store).await?;
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
        c.token_override = Some(Canned::new(200, "text/html", "<html>login</html>"));
    });
    let err: iinked_sign_sdk::Error = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "the 401 stands: {err}");
    assert!(err.to_string().contains("token response is HTML"), "{err}");
    no_canary(&format!("{err} {err:?}"));
    Ok(())
}

// ---- the multipart upload ----------------------------------------------------------------------

#[tokio::test]
async fn upload_sends_a_correct_multipart_body() -> Result {
    let fake = FakeIinked::start().await;
    let client = key_client(&fake);
    let pdf = b"%PDF-1.7\n\x00\xff binary".to_vec();
    let file = client
        .upload_file(FileUpload::pdf("résumé.pdf", pdf.clone()).external_id("crm-123"))
        .await?;
    assert_eq!(file.file_id.as_deref(), Some("f-1"));
    assert_eq!(file.type_.as_deref(), Some("temporary"));
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.method, "POST");
    assert_eq!(r.uri, "/api/v1/files/upload?externalId=crm-123");
    let ctype = r.header("content-type").expect("content type").to_owned();
    let boundary = ctype
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart");
    let mut expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    expected.extend_from_slice(&pdf);
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(r.body.to_vec(), expected, "raw bytes, no base64");

    client
        .upload_file(FileUpload::docx("plain.docx", b"PK".to_vec()).file_type("temporary"))
        .await?;
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/api/v1/files/upload?type=temporary");
    let body = String::from_utf8_lossy(&r.body);
    assert!(
        body.contains(
            "name=\"file\"; filename=\"plain.docx\"\r\nContent-Type: application/octet-stream"
        ),
        "{body}"
    );

    let err = client
        .upload_file(FileUpload::pdf(" ", b"x".to_vec()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    Ok(())
}

#[tokio::test]
async fn upload_is_resent_once_after_a_401() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let client = authorize(&fake, store).await?;
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
    });
    client
        .upload_file(FileUpload::pdf("a.pdf", b"%PDF".to_vec()))
        .await?;
    let api = fake.api_requests();
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].body, api[1].body, "the same multipart body replayed");
    assert_eq!(
        api[1].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}o2").as_str())
    );
    Ok(())
}

// ---- webhooks and documented payloads ----------------------------------------------------------

#[test]
fn webhook_events_parse_and_unknown_events_are_kept() {
    let package =
        br#"{"packageId": "581aa1e0-49ea-4e49-841a-a74050e7d776", "externalData": {"crm": "A-1"},
        "action": "package_executed", "eventId": "e-1", "eventOwnerOrganizationId": "o-1",
        "eventOwnerMemberId": "m-1", "eventTime": "2022-02-23T20:19:28.9357901Z"}"#;
    match Event::parse(package).expect("parses") {
        Event::PackageExecuted(e) => {
            assert_eq!(e.package_id.as_deref(), Some(PACKAGE_ID));
            assert_eq!(e.event_owner_member_id.as_deref(), Some("m-1"));
        }
        other => panic!("{other:?}"),
    }
    for action in [
        "package_add",
        "package_update",
        "package_sent",
        "package_send",
    ] {
        let body = format!(r#"{{"action": "{action}", "packageId": "p", "externalData": null}}"#);
        let event = Event::parse(body.as_bytes()).expect("parses");
        assert_eq!(event.action(), Some(action));
        assert!(!matches!(event, Event::Unknown { .. }), "{action}");
    }
    let document = br#"{"packageId": "p-1", "externalData": null, "action": "document_signed", "eventId": "e-2",
        "eventOwnerOrganizationId": "o", "eventOwnerMemberId": "m", "eventTime": "2021-08-10T15:40:51.7746401Z",
        "documentId": "d-1", "revisionId": "r-1", "signerId": "s-1", "nextSignerId": null, "externalId": "crm-123"}"#;
    match Event::parse(document).expect("parses") {
        Event::DocumentSigned(e) => {
            assert_eq!(e.signer_id.as_deref(), Some("s-1"));
            assert_eq!(e.next_signer_id, None);
            assert_eq!(e.external_id.as_deref(), Some("crm-123"));
        }
        other => panic!("{other:?}"),
    }
    let executed =
        Event::parse(br#"{"action": "document_executed", "documentId": "d-9"}"#).expect("parses");
    assert!(matches!(executed, Event::DocumentExecuted(_)));

    let unknown = Event::parse(
        br#"{"action": "verification_completed", "packageId": "p", "eventId": "e-3"}"#,
    )
    .expect("kept");
    assert_eq!(unknown.action(), Some("verification_completed"));
    assert_eq!(unknown.package_id(), Some("p"));
    assert_eq!(unknown.event_id(), Some("e-3"));
    assert!(matches!(unknown, Event::Unknown { .. }));

    for bad in [
        &b""[..],
        b"<html>",
        b"[1]",
        b"{\"action\": \"package_add\", \"packageId\": 7}",
    ] {
        let e = Event::parse(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    }
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-syngrafii-signature",
        "sig-value".parse().expect("header"),
    );
    assert_eq!(webhook::signature(&headers), Some("sig-value"));
}

/// The docs send `null` for `package` (add_package answer), `states` (list_packages request)
/// and `shared` (list_templates request): the generated types take them.
#[test]
fn documented_nulls_deserialize() {
    let added: types::PackageResponse =
        serde_json::from_value(json!({"packageId": "p", "package": null})).expect("package: null");
    assert!(added.package.is_none());
    let list: types::ListPackagesRequest =
        serde_json::from_value(json!({"states": null, "take": 10})).expect("states: null");
    assert_eq!(list.states, None);
    let templates: types::ListTemplatesRequest =
        serde_json::from_value(json!({"shared": null})).expect("shared: null");
    assert_eq!(templates.shared, None);
}

#[test]
fn documented_payloads_deserialize_into_generated_types() {
    // §7.7 Link, §6.1 upload example, §7.4 status, §7.8 delete, list envelopes.
    let link: types::Link =
        serde_json::from_value(json!({"packageId": PACKAGE_ID, "name": "Signing",
        "link": "https://sign.syngrafii.com/link/tok", "type": "package_edit", "token": "tok",
        "timeExpires": "2022-02-23T20:19:28.9357901Z"}))
        .expect("link");
    assert_eq!(link.name.as_deref(), Some("Signing"));
    let file: types::UploadedFile = serde_json::from_value(json!({"fileId": "f", "name": "n",
        "timeCreated": "2021-08-10T15:40:51.7746401Z", "fileName": "n.pdf", "type": "temporary"}))
    .expect("file");
    assert_eq!(file.file_name.as_deref(), Some("n.pdf"));
    let status: types::PackageStatus = serde_json::from_value(json!({"packageId": "p", "organizationId": "o",
        "memberId": "m", "name": "n", "timeSignBy": null, "type": "concurrent", "state": "open", "externalData": null,
        "isExecuted": false, "documents": [{"packageId": "p", "documentId": "d", "fileId": "f", "externalId": null,
        "name": "n", "fileName": "n.pdf", "order": 0, "isExecuted": false, "revisions": [{"packageId": "p",
        "documentId": "d", "revisionId": "r", "signerId": "s", "link": "l", "isNext": true, "isSigned": false}]}],
        "signers": [{"signerId": "s", "firstName": "a", "lastName": "b", "email": "e", "mobileNumber": null, "order": 0,
        "links": [{"token": "t", "packageId": "p", "documentId": "d", "revisionId": "r", "name": "n", "link": "l",
        "timeExpires": "2022-02-23T20:19:28Z", "type": "package_sign", "isNext": true, "isSigned": false}]}]})).expect("status");
    assert_eq!(
        status.signers.as_ref().expect("signers")[0]
            .links
            .as_ref()
            .expect("links")[0]
            .type_
            .as_deref(),
        Some("package_sign")
    );
    let deleted: types::DeletePackageResponse =
        serde_json::from_value(json!({"packageId": "p", "videos": [{
        "meetingVideoId": "v", "duration": "PT1H", "size": 10, "timeDeleted": null, "url": "u"}]}))
        .expect("delete");
    assert_eq!(deleted.videos.as_ref().expect("videos")[0].size, Some(10));
    let templates: types::TemplateList = serde_json::from_value(json!({"items": [{"templateId": "t", "name": "NDA",
        "packageType": "Counterpart", "type": "auto_template", "signers": [{"signerId": "s", "templateRole": "Client"}]}],
        "total": 1, "take": 100, "skip": 0})).expect("templates");
    assert_eq!(
        templates.items[0].signers.as_ref().expect("signers")[0]
            .template_role
            .as_deref(),
        Some("Client")
    );
    // Every package type and state constant round-trips exactly.
    for t in [
        "concurrent",
        "Sequential",
        "Counterpart",
        "video_closing_room",
        "Live Session",
    ] {
        let v: types::PackageType = serde_json::from_value(json!(t)).expect("type");
        assert_eq!(serde_json::to_value(v).expect("ser"), json!(t));
    }
    for s in [
        "draft",
        "open",
        "executed",
        "expired",
        "rescinded",
        "select",
        "add",
    ] {
        let v: types::PackageState = serde_json::from_value(json!(s)).expect("state");
        assert_eq!(serde_json::to_value(v).expect("ser"), json!(s));
    }
    assert!(
        serde_json::from_value::<types::PackageType>(json!("sequential")).is_err(),
        "case-sensitive"
    );
}

// ---- secret hygiene ----------------------------------------------------------------------------

#[tokio::test]
async fn canary_secrets_never_appear_in_debug_display_or_errors() -> Result {
    let fake = FakeIinked::start().await;
    let store = Arc::new(InMemoryTokenStore::new());
    let mut shown = Vec::new();
    let flow = OAuthFlow::new(datacenter(&fake), app(), store.clone())?;
    let pending = flow.authorize()?;
    shown.push(format!("{flow:?} {pending:?} {:?}", app()));
    let client = authorize(&fake, store.clone()).await?;
    client.get_package().package_id(PACKAGE_ID).send().await?;
    shown.push(format!(
        "{client:?} {store:?} {:?}",
        store
            .get(&sdk_auth::store_key(
                "iinked-sign",
                "app-client",
                "customer-42"
            ))
            .await?
    ));
    let key = key_client(&fake);
    shown.push(format!(
        "{key:?} {:?}",
        Client::builder().api_key(CANARY_API_KEY)
    ));

    fake.revoke_refresh_tokens();
    fake.config(|c| {
        c.rejected_tokens.insert(format!("{CANARY_TOKEN_PREFIX}o1"));
    });
    let p = client
        .get_package()
        .package_id(PACKAGE_ID)
        .send()
        .await
        .unwrap_err();
    shown.push(format!("{p} {p:?}"));
    let e: iinked_sign_sdk::Error = p;
    shown.push(format!("{e} {e:?} {e:#}"));
    fake.config(|c| {
        c.token_override = Some(Canned::json(
            400,
            json!({"error": "invalid_client", "echo": CANARY_SECRET}),
        ))
    });
    let pending = flow.authorize()?;
    let redirect = Url::parse(&format!(
        "{REDIRECT}?code={GOOD_CODE}&state={}",
        pending.state()
    ))
    .expect("url");
    let e = flow.complete(pending, &redirect, "k").await.unwrap_err();
    shown.push(format!("{e} {e:?}"));
    assert!(
        shown.iter().any(|s| s.contains("invalid_client")),
        "the sweep saw real errors"
    );
    for text in &shown {
        no_canary(text);
    }
    Ok(())
}
