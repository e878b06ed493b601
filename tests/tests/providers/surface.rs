//! One SDK surface: one error type from generated and hand-written calls, builder ergonomics,
//! typed paging streams with one shape in every crate, XPKit's shared types, and the iinked
//! Sign and XPKit fidelity fixes. Every assertion is on what the fakes received or answered.

use futures::TryStreamExt;
use sdk_tests::iinked::{FakeIinked, PACKAGE_ID};
use sdk_tests::xpkit::FakeXpKit;
use sdk_tests::{CANARY_SECRET, CLIENT_ID, Canned, FakeXink, fast_retry};
use serde_json::json;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn xpkit(fake: &FakeXpKit) -> xpkit_sdk::XpKit {
    xpkit_sdk::XpKit::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(xpkit_sdk::Region::custom(fake.base()).expect("origin"))
        .retry(fast_retry())
        .build()
        .expect("xpkit")
}

fn iinked(fake: &FakeIinked) -> iinked_sign_sdk::Client {
    iinked_sign_sdk::Client::builder()
        .region(iinked_sign_sdk::Region::custom(fake.base()).expect("origin"))
        .api_key(sdk_tests::iinked::CANARY_API_KEY)
        .retry(fast_retry())
        .build()
        .expect("iinked")
}

/// What a user's `fn main() -> Result<(), Box<dyn Error>>` or `anyhow` prints, with the chain.
fn report(e: &(dyn std::error::Error + 'static)) -> (String, usize) {
    let mut depth = 0;
    let mut cause = e.source();
    while let Some(c) = cause {
        depth += 1;
        cause = c.source();
    }
    (e.to_string(), depth)
}

#[tokio::test]
async fn generated_and_hand_written_calls_return_one_error_type() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;

    // Generated: no conversion, the SDK error itself.
    let generated: xink_sdk::Error = client
        .get_employee_fields()
        .email("nobody@example.com")
        .send()
        .await
        .unwrap_err();
    let expected = "xink: get_employee_fields: api error (HTTP 404): No HTTP resource was found that matches the request URI. [request id req-404]";
    assert_eq!(generated.to_string(), expected);
    assert_eq!(generated.provider(), Some("xink"));
    assert_eq!(generated.operation(), Some("get_employee_fields"));
    assert_eq!(generated.status(), Some(404));
    // Boxed, as `?` into `Box<dyn Error>` or `anyhow` does: the same sentence.
    let boxed: Box<dyn std::error::Error + Send + Sync> = generated.clone().into();
    assert_eq!(boxed.to_string(), expected);
    assert!(!format!("{generated:?}").contains("no.url.provided"));

    // Hand-written (raw): the same type, the same sentence shape.
    let raw: xink_sdk::Error = client
        .raw(
            xink_sdk::Method::GET,
            "/api/1.0/employee/nobody@example.com/fields",
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(raw.status(), Some(404));
    assert_eq!(raw.request_id(), Some("req-404"));

    // A refused connection keeps its cause.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", listener.local_addr()?)
    };
    let offline = xink_sdk::Client::builder()
        .credentials(CLIENT_ID, CANARY_SECRET)
        .region(xink_sdk::Region::custom(&closed)?)
        .retry(xink_sdk::RetryPolicy::none())
        .build()?;
    let e = offline.get_account_info().send().await.unwrap_err();
    assert_eq!(e.kind(), xink_sdk::ErrorKind::Transport, "{e}");
    let (text, depth) = report(&e);
    assert!(text.starts_with("xink: "), "{text}");
    assert!(depth >= 1, "a refused connection has a cause: {e:?}");

    // A missing required parameter: a configuration error naming provider and operation.
    let e = client.get_employee_fields().send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "xink: get_employee_fields: configuration error: email was not initialized"
    );
    Ok(())
}

#[tokio::test]
async fn hook_errors_of_generated_calls_keep_every_field() -> Result {
    // A token endpoint that refuses the credentials: the error comes from the hooks.
    let fake = FakeXink::start().await;
    fake.config(|c| {
        c.token_override = Some(Canned::json(
            400,
            json!({"error": "invalid_client", "error_description": "bad secret"}),
        ));
    });
    let e = fake
        .builder()
        .build()?
        .list_employees()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), xink_sdk::ErrorKind::Auth, "{e}");
    assert_eq!(e.provider(), Some("xink"));
    assert_eq!(e.code(), Some("invalid_client"));
    assert!(!e.to_string().contains("sdk-auth-error"), "{e}");
    assert!(!e.to_string().contains('{'), "no JSON in the sentence: {e}");
    Ok(())
}

#[tokio::test]
async fn xink_list_defaults_and_offset_limit_stream() -> Result {
    let fake = FakeXink::start().await;
    let client = fake.builder().build()?;
    // Documented defaults: no setter needed.
    client.list_employees().send().await?;
    assert_eq!(
        fake.api_requests().last().map(|r| r.uri.clone()).as_deref(),
        Some("/eu/api/1.0/employee/list/0/500")
    );

    // 120 employees, 50 a page: 3 requests, every employee once, in order.
    let before = fake.api_requests().len();
    let all: Vec<xink_sdk::Value> = client.list_employees_stream(50).try_collect().await?;
    assert_eq!(all.len(), 120);
    assert_eq!(all[119]["Email"], "user119@example.com");
    let uris: Vec<String> = fake.api_requests()[before..]
        .iter()
        .map(|r| r.uri.clone())
        .collect();
    assert_eq!(
        uris,
        [
            "/eu/api/1.0/employee/list/0/50",
            "/eu/api/1.0/employee/list/50/50",
            "/eu/api/1.0/employee/list/100/50"
        ]
    );

    // Bounds: at most two pages, then a paging-limit error after the items fetched.
    let out: Vec<_> =
        futures::StreamExt::collect::<Vec<_>>(client.list_employees_stream(10).max_pages(2)).await;
    assert_eq!(out.len(), 21);
    let e = out[20].as_ref().unwrap_err();
    assert_eq!(e.code(), Some(sdk_auth::paging::PAGING_LIMIT));
    assert_eq!(e.operation(), Some("list_employees"));

    // A page size below 1 is refused before anything is sent.
    let before = fake.api_requests().len();
    let e = client
        .list_employees_stream(0)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), xink_sdk::ErrorKind::Config);
    assert_eq!(fake.api_requests().len(), before);
    Ok(())
}

#[tokio::test]
async fn iinked_skip_take_stream_optional_str_setters_and_extension_objects() -> Result {
    let fake = FakeIinked::start().await;
    fake.config(|c| c.package_count = Some(5));
    let client = iinked(&fake);
    use iinked_sign_sdk::types::ListPackagesRequest;

    // Optional text fields take `&str`; the stream pages with `skip` (page size 2 by default).
    let request = ListPackagesRequest::builder()
        .member_id("m-1")
        .search("Contract*");
    let ids: Vec<String> = client
        .list_packages_stream(request)
        .map_ok(|p| p.package_id.unwrap_or_default())
        .try_collect()
        .await?;
    assert_eq!(ids, [PACKAGE_ID, "pkg-1", "pkg-2", "pkg-3", "pkg-4"]);
    let sent: Vec<serde_json::Value> = fake
        .api_requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let skips: Vec<_> = sent.iter().map(|b| b["skip"].clone()).collect();
    assert_eq!(skips, [json!(0), json!(2), json!(4)], "stops at the total");
    assert!(
        sent.iter()
            .all(|b| b["memberId"] == "m-1" && b["search"] == "Contract*")
    );

    // Free-form extension objects from a JSON value.
    let add = iinked_sign_sdk::types::AddPackageRequest::builder()
        .name("Contract")
        .external_data(json!({"crm_id": "42"}));
    let added = client.add_package().body(add).send().await?;
    assert_eq!(added.package_id.as_deref(), Some(PACKAGE_ID));
    assert_eq!(added.package, None, "`package: null` is allowed");
    let body: serde_json::Value =
        serde_json::from_slice(&fake.api_requests().last().unwrap().body)?;
    assert_eq!(body["externalData"], json!({"crm_id": "42"}));
    // Not an object: a clear error when sent, nothing sent.
    let before = fake.api_requests().len();
    let bad = iinked_sign_sdk::types::AddPackageRequest::builder()
        .name("Contract")
        .external_data(json!([1, 2]));
    let e = client.add_package().body(bad).send().await.unwrap_err();
    assert_eq!(e.kind(), iinked_sign_sdk::ErrorKind::Config, "{e}");
    assert!(e.to_string().contains("expected a JSON object"), "{e}");
    assert_eq!(fake.api_requests().len(), before);
    Ok(())
}

#[test]
fn iinked_documented_examples_with_nulls_decode() -> Result {
    use iinked_sign_sdk::types;
    // The list requests of the docs send `null` for unused filters.
    let packages: types::ListPackagesRequest = serde_json::from_value(json!({
        "memberId": null, "search": null, "states": ["open"], "take": 20, "skip": 0
    }))?;
    assert_eq!(packages.member_id, None);
    let templates: types::ListTemplatesRequest = serde_json::from_value(json!({
        "memberId": null, "search": null, "mostRecent": null, "take": 20
    }))?;
    assert_eq!(templates.most_recent, None);
    // The add-package answer of the docs: `package` is null when not asked for.
    let added: types::PackageResponse =
        serde_json::from_value(json!({"packageId": PACKAGE_ID, "package": null}))?;
    assert_eq!(added.package, None);
    Ok(())
}

#[tokio::test]
async fn iinked_upload_answer_may_be_one_file_or_a_list() -> Result {
    let fake = FakeIinked::start().await;
    let client = iinked(&fake);
    let file =
        || iinked_sign_sdk::FileUpload::new("contract.pdf", "application/pdf", b"%PDF".to_vec());
    let one = client.upload_file(file()).await?;
    assert_eq!(one.file_id.as_deref(), Some("f-1"));

    fake.config(|c| {
        c.api_override = Some(Canned::json(
            200,
            json!([{"fileId": "f-9", "fileName": "contract.pdf", "type": "temporary"}]),
        ))
    });
    let listed = client.upload_file(file()).await?;
    assert_eq!(listed.file_id.as_deref(), Some("f-9"));

    fake.config(|c| c.api_override = Some(Canned::json(200, json!([]))));
    let e = client.upload_file(file()).await.unwrap_err();
    assert_eq!(e.kind(), iinked_sign_sdk::ErrorKind::Decode, "{e}");
    assert_eq!(e.operation(), Some("upload_file"));
    Ok(())
}

#[tokio::test]
async fn xpkit_typed_streams_shared_types_and_accept() -> Result {
    use xpkit_sdk::activities::types::Activity;
    let fake = FakeXpKit::start().await;
    let xp = xpkit(&fake);

    // Typed all the way: no path string, no serde_json::from_value.
    let all: Vec<xpkit_sdk::Resource<Activity>> = xp
        .activities()
        .list_activities_stream(xpkit_sdk::ListQuery::new())
        .try_collect()
        .await?;
    let ids: Vec<_> = all.iter().map(|r| r.resource_id.clone().unwrap()).collect();
    assert_eq!(ids, ["a1", "a2", "a3", "a4", "a5"]);
    assert_eq!(all[0].resource.activity_type.as_deref(), Some("scan"));
    let pages: Vec<String> = fake.api_requests().iter().map(|r| r.uri.clone()).collect();
    assert_eq!(
        pages,
        [
            "/activities/api/activity",
            "/activities/api/activity?x__token=p2",
            "/activities/api/activity?x__page=3"
        ]
    );

    // Path parameters of a stream stay in their segment; nothing is sent.
    let before = fake.api_requests().len();
    let e = xp
        .queues()
        .list_queue_items_stream("..", xpkit_sdk::ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), xpkit_sdk::ErrorKind::Config, "{e}");
    assert_eq!(e.operation(), Some("list_queue_items"));
    assert_eq!(fake.api_requests().len(), before);

    // One envelope type for every service, with a typed accessor to the document view.
    let profile: xpkit_sdk::XpKitResource = xp
        .profiles()
        .read_profile()
        .resource_id("p1")
        .send()
        .await?
        .into_inner();
    let same: &xpkit_sdk::profiles::types::XpKitResource = &profile;
    let view: xpkit_sdk::profiles::types::Profile = same.document()?;
    assert_eq!(view.first_name.as_deref(), Some("Ada"));
    let typed = profile.typed::<xpkit_sdk::profiles::types::Profile>()?;
    assert_eq!(typed.resource_id.as_deref(), Some("p1"));
    let wrong = profile.document::<Vec<u8>>().unwrap_err();
    assert_eq!(wrong.kind(), xpkit_sdk::ErrorKind::Decode);

    // The CSV download asks for CSV, as XPKit's own SDK does.
    xp.exports()
        .download_export()
        .resource_id("e1")
        .send()
        .await?;
    let last = fake.api_requests().pop().unwrap();
    assert_eq!(last.header("accept"), Some("text/csv"));

    // Open request documents keep extra fields.
    let mut extra = serde_json::Map::new();
    extra.insert("ticket_tier".into(), json!("gold"));
    let request = xpkit_sdk::activities::types::ActivityRequest::builder()
        .experience_id("gdc")
        .extra(extra);
    let _ = xp.activities().create_activity().body(request).send().await;
    let sent: serde_json::Value = serde_json::from_slice(&fake.api_requests().pop().unwrap().body)?;
    assert_eq!(sent["ticket_tier"], "gold");
    assert_eq!(sent["experience_id"], "gdc");
    Ok(())
}
