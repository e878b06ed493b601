//! XPKit SDK against a fake XPKit on loopback: one token for every service, 403 handling,
//! paging streams, filters, the six multipart uploads, non-JSON answers, errors.

use futures::TryStreamExt;
use sdk_tests::xpkit::FakeXpKit;
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, Canned, Recorded};
use serde_json::json;
use xpkit_sdk::{ErrorKind, FilePart, Filter, ListQuery, Multipart, NftMint, Order, Region, XpKit};

type Result<T = ()> = std::result::Result<T, xpkit_sdk::Error>;

const CLIENT_ID: &str = "xpkit-app-0123456789abcdefghijk";

fn no_canary(text: &str) {
    assert!(
        !text.contains(CANARY_SECRET),
        "client secret leaked: {text}"
    );
    assert!(!text.contains(CANARY_TOKEN_PREFIX), "token leaked: {text}");
}

fn xpkit(fake: &FakeXpKit) -> XpKit {
    XpKit::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(Region::custom(fake.base()).expect("origin"))
        .retry(sdk_tests::fast_retry())
        .build()
        .expect("xpkit")
}

#[tokio::test]
async fn expired_token_403_refreshes_once_and_second_403_is_a_permission_error() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    let profiles = xp.profiles();
    profiles.read_profile().resource_id("p1").send().await?;
    fake.expire(&fake.issued()[0]);
    // Another service: the shared token is refreshed for both.
    let jobs = xp.jobs();
    jobs.list_jobs().send().await?;
    assert_eq!(fake.token_requests().len(), 2, "one refresh");
    let api = fake.api_requests();
    assert_eq!(api.len(), 3, "one call, one 403, one resend");
    assert_eq!(
        api[2].header("authorization"),
        Some(format!("Bearer {CANARY_TOKEN_PREFIX}k2").as_str())
    );
    profiles.read_profile().resource_id("p1").send().await?;
    assert_eq!(
        fake.token_requests().len(),
        2,
        "the refreshed token serves the other service too"
    );

    fake.forbid_all();
    let err: xpkit_sdk::Error = profiles
        .read_profile()
        .resource_id("p1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission, "{err}");
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.provider(), Some("xpkit"));
    assert_eq!(err.operation(), Some("read_profile"));
    assert_eq!(fake.token_requests().len(), 3, "one refresh, no loop");
    assert_eq!(fake.api_requests().len(), 6, "one resend, no loop");
    Ok(())
}

#[tokio::test]
async fn paging_stream_walks_pages_and_stops() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    let activities = xp.activities();
    let items: Vec<_> = activities
        .list_stream("/api/activity", ListQuery::new().limit(2))
        .try_collect()
        .await?;
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i.resource_id.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5"]);
    let uris: Vec<String> = fake.api_requests().iter().map(|r| r.uri.clone()).collect();
    assert_eq!(
        uris,
        [
            "/activities/api/activity?x__limit=2",
            "/activities/api/activity?x__limit=2&x__token=p2",
            "/activities/api/activity?x__limit=2&x__page=3",
        ],
        "next_token first, then the page number, then stop"
    );

    // A server that keeps answering the same cursor: an error, not an endless stream.
    let queues = xp.queues();
    let results: Vec<_> = queues
        .list_stream("/api/configuration", ListQuery::new())
        .collect::<Vec<_>>()
        .await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].as_ref().unwrap_err().kind(), ErrorKind::Decode);
    Ok(())
}

use futures::StreamExt;

#[tokio::test]
async fn filters_and_ordering_serialize_as_documented() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    let query = ListQuery::new()
        .eq("experience_id", "game-developers-conference-2024")
        .filter("payload.number_of_tickets", Filter::Gte, 3)
        .one_of("product.colours", ["red", "green"])
        .filter("created", Filter::Gte, "2022-09-02T04:48:22+10:00")
        .order_by("created", Order::Asc)
        .order_by("name", Order::Desc)
        .limit(50)
        .search("fts");
    xp.activities().list_page("/api/activity", &query).await?;
    let sent = fake.api_requests().pop().expect("request");
    let raw_query = sent
        .uri
        .split_once('?')
        .map(|(_, q)| q.to_owned())
        .unwrap_or_default();
    assert!(
        raw_query.contains("created__gte=2022-09-02T04%3A48%3A22%2B10%3A00"),
        "+ must go out as %2B: {raw_query}"
    );
    let decoded: Vec<(String, String)> = url::form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let expected: Vec<(String, String)> = [
        ("experience_id", "game-developers-conference-2024"),
        ("payload.number_of_tickets__gte", "3"),
        ("product.colours__in", "red|green"),
        ("created__gte", "2022-09-02T04:48:22+10:00"),
        ("x__order_by", "created__asc|name__desc"),
        ("x__limit", "50"),
        ("x__query", "fts"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(decoded, expected);

    // The generated list call takes the x__ parameters by name.
    xp.activities()
        .list_activities()
        .x_order_by("created__desc")
        .x_page(2)
        .x_query("fts")
        .send()
        .await
        .ok();
    let sent = fake.api_requests().pop().expect("request");
    let decoded: Vec<(String, String)> = url::form_urlencoded::parse(
        sent.uri
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .as_bytes(),
    )
    .into_owned()
    .collect();
    assert!(
        decoded.contains(&("x__order_by".into(), "created__desc".into())),
        "{decoded:?}"
    );
    assert!(
        decoded.contains(&("x__page".into(), "2".into())),
        "{decoded:?}"
    );
    Ok(())
}

fn boundary(r: &Recorded) -> String {
    r.header("content-type")
        .and_then(|c| c.strip_prefix("multipart/form-data; boundary="))
        .expect("multipart")
        .to_owned()
}

fn part(b: &str, head: &str, body: &str) -> String {
    format!("--{b}\r\nContent-Disposition: form-data; {head}\r\n\r\n{body}\r\n")
}

#[tokio::test]
async fn each_multipart_upload_sends_a_correct_body() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);

    let t = xp
        .notifications()
        .upload_template(FilePart::new("welcome.html", "text/html", "<p>Hi</p>"))
        .await?;
    assert_eq!(t.resource_id.as_deref(), Some("t1"));
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/notifications/api/template");
    let b = boundary(&r);
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"template\"; filename=\"welcome.html\"\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>\r\n--{b}--\r\n"
        )
    );

    let ack = xp
        .nfts()
        .mint_nft(
            NftMint::new("p1", "e1", "c1", "Badge")
                .with_nft_symbol("BDG")
                .with_grant_ownership_to_profile(true)
                .with_nft(FilePart::new(
                    "badge.png",
                    "image/png",
                    vec![0x89, b'P', b'N', b'G'],
                )),
        )
        .await?;
    assert_eq!(ack.job_id.as_deref(), Some("job-1"));
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/nfts/api/nft/mint");
    let b = boundary(&r);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    for expected in [
        part(&b, "name=\"profile_id\"", "p1"),
        part(&b, "name=\"experience_id\"", "e1"),
        part(&b, "name=\"configuration_id\"", "c1"),
        part(&b, "name=\"nft_name\"", "Badge"),
        part(&b, "name=\"nft_symbol\"", "BDG"),
        part(&b, "name=\"grant_ownership_to_profile\"", "true"),
    ] {
        assert!(body.contains(&expected), "missing {expected:?} in {body}");
    }
    assert!(
        body.contains("name=\"nft\"; filename=\"badge.png\"\r\nContent-Type: image/png"),
        "{body}"
    );
    assert!(
        !body.contains("nft_description"),
        "unset optional parts are not sent"
    );

    xp.identifications()
        .upload_wallet_configuration_file(
            "w 1",
            "icon",
            FilePart::new("icon.png", "image/png", b"PNG".to_vec()),
        )
        .await?;
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/identifications/api/identity/apple/w%201");
    assert!(String::from_utf8_lossy(&r.body).contains("name=\"icon\"; filename=\"icon.png\""));

    let v = xp
        .vcc()
        .upload_vcc_asset(FilePart::new("clip.mp4", "video/mp4", b"mp4".to_vec()))
        .await?;
    assert_eq!(v, json!({"uploaded": true}));
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/vcc/api/asset");
    assert!(
        String::from_utf8_lossy(&r.body)
            .contains("name=\"asset\"; filename=\"clip.mp4\"\r\nContent-Type: video/mp4")
    );

    xp.vcc()
        .trigger_vcc_task(
            FilePart::new("in.jpg", "image/jpeg", b"jpg".to_vec()),
            "cfg-a",
            Some("{\"k\":1}"),
        )
        .await?;
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/vcc/api/task");
    let b = boundary(&r);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        body.contains("name=\"data\"; filename=\"in.jpg\""),
        "{body}"
    );
    assert!(
        body.contains(&part(&b, "name=\"configuration_name\"", "cfg-a")),
        "{body}"
    );
    assert!(
        body.contains(&part(&b, "name=\"extras\"", "{\"k\":1}")),
        "{body}"
    );

    xp.vcc()
        .trigger_vcc_task_group(
            "cfg-a,cfg-b",
            Multipart::new()
                .text("note", "hi")
                .file("img", "a.png", "image/png", b"x".to_vec()),
        )
        .await?;
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.uri, "/vcc/api/taskgroup");
    let b = boundary(&r);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        body.starts_with(&part(&b, "name=\"configuration_names\"", "cfg-a,cfg-b")),
        "{body}"
    );
    assert!(body.contains(&part(&b, "name=\"note\"", "hi")), "{body}");
    assert!(body.contains("name=\"img\"; filename=\"a.png\""), "{body}");

    for r in fake.api_requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {CANARY_TOKEN_PREFIX}k1").as_str())
        );
    }
    Ok(())
}

#[tokio::test]
async fn upload_is_resent_once_after_a_403() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    xp.jobs().list_jobs().send().await?;
    fake.expire(&fake.issued()[0]);
    xp.vcc()
        .upload_vcc_asset(FilePart::new(
            "a.bin",
            "application/octet-stream",
            vec![1u8, 2, 3],
        ))
        .await?;
    let api = fake.api_requests();
    assert_eq!(api.len(), 3);
    assert_eq!(api[1].body, api[2].body, "the same body replayed");
    assert_eq!(fake.token_requests().len(), 2);
    Ok(())
}

#[tokio::test]
async fn non_json_answers_and_identity_check() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    let csv = xp
        .exports()
        .download_export()
        .resource_id("e1")
        .send()
        .await?;
    assert_eq!(
        csv.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv")
    );
    let bytes: Vec<u8> = csv
        .into_inner_stream()
        .try_fold(Vec::new(), |mut acc, chunk| async move {
            acc.extend_from_slice(&chunk);
            Ok(acc)
        })
        .await
        .map_err(|e| xpkit_sdk::Error::new(ErrorKind::Transport, e.to_string()))?;
    assert_eq!(bytes, b"id,name\n1,Ada\n");

    let ids = xp.identifications();
    assert!(ids.identity_exists("acc-1", "known").await?);
    assert!(!ids.identity_exists("acc-1", "unknown").await?);
    let r = fake.api_requests().pop().expect("request");
    assert_eq!(r.header("account-id"), Some("acc-1"));
    assert_eq!(r.uri, "/identifications/api/identity/verify?data=unknown");
    Ok(())
}

#[tokio::test]
async fn xpkit_error_shapes_become_readable_errors() -> Result {
    // The 404 shape is in the kit's tests (`mock.rs`); a refused token request here.
    let fake = FakeXpKit::start().await;
    fake.override_tokens(Some(Canned::json(
        401,
        json!({"error": "Unauthorized", "extra_info": {"error": "invalid_client"}}),
    )));
    let fresh = xpkit(&fake);
    let err: xpkit_sdk::Error = fresh.jobs().list_jobs().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.code(), Some("invalid_client"));
    assert_eq!(
        err.to_string(),
        "xpkit: get_token: authentication error (HTTP 401): invalid_client: Unauthorized"
    );
    no_canary(&format!("{err} {err:?}"));
    Ok(())
}

#[tokio::test]
async fn malformed_responses_are_clear_errors() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    // (answer, error kind of a list page, error kind of a single read; `None`: the answer is a
    // valid envelope for a read, since every envelope field is optional and unknown ones ignored)
    for (canned, list_kind, read_kind) in [
        (
            Canned::new(200, "text/html", "<html>proxy</html>"),
            ErrorKind::Decode,
            Some(ErrorKind::Decode),
        ),
        (
            Canned::new(200, "application/json", "{\"results\": 5}"),
            ErrorKind::Decode,
            None,
        ),
        (
            Canned::new(502, "text/html", "<h1>Bad gateway</h1>"),
            ErrorKind::Api,
            Some(ErrorKind::Api),
        ),
        (
            Canned::json(429, json!({"error": "Too many requests"})),
            ErrorKind::RateLimited,
            Some(ErrorKind::RateLimited),
        ),
    ] {
        fake.override_api(Some(canned.clone()));
        let err = xp
            .activities()
            .list_page("/api/activity", &ListQuery::new())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), list_kind, "{canned:?}: {err}");
        no_canary(&format!("{err} {err:?}"));
        let read = xp.jobs().read_job().resource_id("j").send().await;
        match read_kind {
            Some(kind) => {
                let err: xpkit_sdk::Error = read.unwrap_err();
                assert_eq!(err.kind(), kind, "{canned:?}: {err}");
                no_canary(&format!("{err} {err:?}"));
            }
            None => assert!(read.is_ok()),
        }
    }
    fake.override_api(None);
    fake.override_tokens(Some(Canned::new(200, "text/html", "<html>login</html>")));
    let err: xpkit_sdk::Error = xpkit(&fake).jobs().list_jobs().send().await.unwrap_err();
    assert!(err.to_string().contains("token response is HTML"), "{err}");
    Ok(())
}

#[tokio::test]
async fn user_token_cannot_be_refreshed() -> Result {
    let fake = FakeXpKit::start().await;
    // Obtain a real token from the fake, then use it as a user token.
    xpkit(&fake).jobs().list_jobs().send().await?;
    let token = xpkit_sdk::Token::new(fake.issued()[0].clone());
    let user = XpKit::builder()
        .region(Region::custom(fake.base())?)
        .user_token(&token)
        .build()?;
    user.profiles()
        .read_profile()
        .resource_id("p1")
        .send()
        .await?;
    fake.expire(&fake.issued()[0]);
    let err: xpkit_sdk::Error = user
        .profiles()
        .read_profile()
        .resource_id("p1")
        .send()
        .await
        .unwrap_err();
    assert!(err.needs_reauthorization(), "{err}");
    assert_eq!(
        fake.token_requests().len(),
        1,
        "a user token is never replaced by an app token"
    );
    Ok(())
}

#[tokio::test]
async fn configuration_from_lookup_and_errors() -> Result {
    let fake = FakeXpKit::start().await;
    let base = fake.base().to_owned();
    let xp = XpKit::builder()
        .lookup(move |name| match name {
            "XPKIT_CLIENT_ID" => Some(CLIENT_ID.into()),
            "XPKIT_CLIENT_SECRET" => Some(CANARY_SECRET.into()),
            "XPKIT_REGION" => Some(base.clone()),
            _ => None,
        })
        .build()?;
    xp.jobs().list_jobs().send().await?;
    assert_eq!(fake.token_requests().len(), 1);
    let e = XpKit::builder()
        .lookup(|_| None)
        .credentials("a", "b")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("no region"), "{e}");
    let e = XpKit::builder()
        .lookup(|_| None)
        .region(Region::Emea)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("XPKIT_CLIENT_ID"), "{e}");
    let e = XpKit::builder()
        .lookup(|n| (n == "XPKIT_REGION").then(|| "mars".to_owned()))
        .credentials("a", "b")
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    Ok(())
}

#[test]
fn documented_payloads_deserialize_into_generated_types() {
    // §10 worked shapes: the list answer and a single envelope.
    let list: xpkit_sdk::activities::types::XpKitResources = serde_json::from_value(json!({"results": [{"resource_url": "/api/activity/3fa85f64-5717-4562-b3fc-2c963f66afa6/", "resource_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "resource": {"experience_id": "exp", "owner_id": "p", "activity_type": "scan", "payload": {"object_id": "kiosk"}, "created": "2021-02-20T15:37:22Z", "last_modified": "2021-02-20T15:37:22Z"}}],
        "count": 1, "next": null, "next_token": null, "previous": null, "previous_token": null})).expect("list");
    assert_eq!(list.count, Some(1));
    let doc = serde_json::Value::Object(list.results[0].resource.clone().into_iter().collect());
    let activity: xpkit_sdk::activities::types::Activity =
        serde_json::from_value(doc).expect("activity");
    assert_eq!(
        activity.payload.and_then(|p| p.object_id).as_deref(),
        Some("kiosk")
    );
    // Token response (§10), acknowledgement, job, profile, queue item with an unknown status.
    let token: xpkit_sdk::auth_api::types::TokenResponse = serde_json::from_value(json!({"token_type": "Bearer", "scope": "profiles:read", "expires_in": 36000, "access_token": "t"})).expect("token");
    use xpkit_sdk::auth_api::types::TokenResponseExpiresIn;
    assert_eq!(
        token.expires_in,
        Some(TokenResponseExpiresIn::Number(36000.0))
    );
    let token: xpkit_sdk::auth_api::types::TokenResponse =
        serde_json::from_value(json!({"expires_in": "36000", "access_token": "t"})).expect("token");
    assert_eq!(
        token.expires_in,
        Some(TokenResponseExpiresIn::String("36000".into())),
        "a numeric string is typed too"
    );
    let acks: Vec<xpkit_sdk::exports::types::XpKitAcknowledgement> =
        serde_json::from_value(json!([{"job_id": "j", "info": "i", "status": "Queued"}]))
            .expect("acks");
    assert_eq!(acks[0].status.as_deref(), Some("Queued"));
    let job: xpkit_sdk::jobs::types::Job = serde_json::from_value(json!({"job_id": "j", "status": "Running", "result": {"error": "retrying", "number_of_records": 0}, "xpkit_service": "Notifications API"})).expect("job");
    assert_eq!(job.status.as_deref(), Some("Running"));
    let profile: xpkit_sdk::profiles::types::Profile = serde_json::from_value(json!({"first_name": "Ada", "email": ["a@example.com"], "qr_code": [], "rfid": [], "language": "en_GB", "address": {"city": "Sydney"}, "marketing_optin": true})).expect("profile");
    assert_eq!(profile.email, vec!["a@example.com".to_owned()]);
    let item: xpkit_sdk::queues::types::QueueItem =
        serde_json::from_value(json!({"status": "brand_new_status", "priority": 1}))
            .expect("queue item");
    assert_eq!(item.status.as_deref(), Some("brand_new_status"));
    let err: xpkit_sdk::profiles::types::ErrorResponse = serde_json::from_value(
        json!({"error": "Unauthorized", "extra_info": {"error": "invalid_client"}}),
    )
    .expect("error");
    assert_eq!(err.error, "Unauthorized");
}

#[tokio::test]
async fn canary_secrets_never_appear_in_debug_display_or_errors() -> Result {
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);
    xp.jobs().list_jobs().send().await?;
    let mut shown = vec![
        format!("{xp:?}"),
        format!("{:?}", xp.profiles()),
        format!(
            "{:?}",
            XpKit::builder().credentials(CLIENT_ID, CANARY_SECRET)
        ),
    ];
    fake.forbid_all();
    let p = xp.jobs().list_jobs().send().await.unwrap_err();
    shown.push(format!("{p} {p:?}"));
    let e: xpkit_sdk::Error = p;
    shown.push(format!("{e} {e:?} {e:#}"));
    fake.override_tokens(Some(Canned::json(401, json!({"error": "Unauthorized", "extra_info": {"error": "invalid_client"}, "echo": CANARY_SECRET}))));
    let e: xpkit_sdk::Error = xpkit(&fake).jobs().list_jobs().send().await.unwrap_err();
    shown.push(format!("{e} {e:?}"));
    assert!(shown.iter().any(|s| s.contains("invalid_client")));
    for text in &shown {
        no_canary(text);
    }
    Ok(())
}

#[tokio::test]
async fn user_login_with_pkce() -> Result {
    let fake = FakeXpKit::start().await;
    let region = Region::custom(fake.base())?;
    let login = xpkit_sdk::UserLogin::new(
        region.clone(),
        "public-app",
        "http://localhost:5173/auth-callback/",
        xpkit_sdk::LoginProvider::Google,
    )?;
    let pending = login.authorize()?;
    let url = pending.url().clone();
    assert_eq!(url.path(), "/auth/authorize/");
    let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["provider"], "google");
    assert_eq!(q["client_id"], "public-app");
    assert_eq!(q["redirect_uri"], "http://localhost:5173/auth-callback/");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    let redirect = url::Url::parse(&format!(
        "http://localhost:5173/auth-callback/?code=user-code&state={}",
        pending.state()
    ))
    .expect("url");
    let token = login.complete(pending, &redirect).await?;
    let exchange = fake.token_requests().pop().expect("exchange");
    let f: std::collections::HashMap<String, String> = exchange.form().into_iter().collect();
    assert_eq!(f["grant_type"], "authorization_code");
    assert_eq!(f["code"], "user-code");
    assert_eq!(f["redirect_uri"], "http://localhost:5173/auth-callback/");
    assert_eq!(f["client_id"], "public-app");
    assert_eq!(f["code_verifier"].len(), 43);
    assert!(
        !f.contains_key("client_secret"),
        "a public client sends no secret"
    );
    let xp = XpKit::builder().region(region).user_token(&token).build()?;
    xp.profiles()
        .read_profile()
        .resource_id("p1")
        .send()
        .await?;
    assert_eq!(
        fake.api_requests()
            .pop()
            .expect("call")
            .header("authorization"),
        Some(format!("Bearer {}", fake.issued()[0]).as_str())
    );
    // A non-loopback http redirect is refused before anything is sent.
    let e = xpkit_sdk::UserLogin::new(
        Region::Emea,
        "a",
        "http://app.example/cb",
        xpkit_sdk::LoginProvider::XpKit,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    Ok(())
}
