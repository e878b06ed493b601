//! The SDKs against a mock server nobody here wrote that validates every request against our
//! own specs and answers random schema-valid data (Prism): every generated operation is called
//! once by a driver `cargo xtask generate` writes from the specs (`drive/*.rs`), through each
//! provider's real client (auth, hooks, base paths), and must succeed: the request passed
//! Prism's validation (parameters, body, content type, security) and the answer decoded.
//! Self-checks: Prism does refuse a wrong request, and a wrong answer fails decoding.

use sdk_tests::judges::{JudgeProxy, SpecJudge};
use std::sync::Arc;

/// The generated drivers.
mod drive {
    #[rustfmt::skip]
    #[path = "xink.rs"]
    pub mod xink;
    #[rustfmt::skip]
    #[path = "iinked_sign.rs"]
    pub mod iinked_sign;
    #[rustfmt::skip]
    #[path = "xref.rs"]
    pub mod xref;
    #[rustfmt::skip]
    #[path = "xpkit_activities.rs"]
    pub mod xpkit_activities;
    #[rustfmt::skip]
    #[path = "xpkit_alerts.rs"]
    pub mod xpkit_alerts;
    #[rustfmt::skip]
    #[path = "xpkit_auth.rs"]
    pub mod xpkit_auth;
    #[rustfmt::skip]
    #[path = "xpkit_catalogue.rs"]
    pub mod xpkit_catalogue;
    #[rustfmt::skip]
    #[path = "xpkit_exports.rs"]
    pub mod xpkit_exports;
    #[rustfmt::skip]
    #[path = "xpkit_health.rs"]
    pub mod xpkit_health;
    #[rustfmt::skip]
    #[path = "xpkit_identifications.rs"]
    pub mod xpkit_identifications;
    #[rustfmt::skip]
    #[path = "xpkit_jobs.rs"]
    pub mod xpkit_jobs;
    #[rustfmt::skip]
    #[path = "xpkit_moments.rs"]
    pub mod xpkit_moments;
    #[rustfmt::skip]
    #[path = "xpkit_nfts.rs"]
    pub mod xpkit_nfts;
    #[rustfmt::skip]
    #[path = "xpkit_notifications.rs"]
    pub mod xpkit_notifications;
    #[rustfmt::skip]
    #[path = "xpkit_profiles.rs"]
    pub mod xpkit_profiles;
    #[rustfmt::skip]
    #[path = "xpkit_queues.rs"]
    pub mod xpkit_queues;
    #[rustfmt::skip]
    #[path = "xpkit_resources.rs"]
    pub mod xpkit_resources;
    #[rustfmt::skip]
    #[path = "xpkit_socialauth.rs"]
    pub mod xpkit_socialauth;
    #[rustfmt::skip]
    #[path = "xpkit_souvenirs.rs"]
    pub mod xpkit_souvenirs;
    #[rustfmt::skip]
    #[path = "xpkit_vcc.rs"]
    pub mod xpkit_vcc;
}

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Every outcome must be a success; the count must be the spec's.
fn report(
    spec: &str,
    expected: usize,
    outcomes: Vec<(&'static str, std::result::Result<(), sdk_auth::Error>)>,
) {
    assert_eq!(outcomes.len(), expected, "{spec}");
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(op, r)| r.as_ref().err().map(|e| format!("{op}: {e}")))
        .collect();
    assert!(
        failed.is_empty(),
        "{spec}: operations the judge refused or that failed to decode:\n{}",
        failed.join("\n")
    );
}

/// Starts a judge per spec and a proxy routing each prefix to its judge.
async fn judges(routes: &[(&str, &str)]) -> (Vec<SpecJudge>, JudgeProxy) {
    let mut judges: Vec<SpecJudge> = routes
        .iter()
        .map(|(_, spec)| SpecJudge::start(spec))
        .collect();
    for j in &mut judges {
        j.ready().await;
    }
    let proxy = JudgeProxy::start(
        routes
            .iter()
            .zip(&judges)
            .map(|((prefix, _), j)| ((*prefix).to_owned(), j.base().to_owned()))
            .collect(),
    )
    .await;
    (judges, proxy)
}

#[tokio::test]
async fn xink_every_operation_against_the_spec_judge() -> Result {
    let (_judges, proxy) = judges(&[("", "specs/xink.yaml")]).await;
    let client = xink_sdk::Client::builder()
        .credentials("judge-id@SRV", "judge-secret")
        .auth_url(proxy.base())
        .region(xink_sdk::Region::custom(proxy.base())?)
        .build()?;
    report(
        "xink",
        drive::xink::OPERATIONS,
        drive::xink::drive(&client).await,
    );
    Ok(())
}

#[tokio::test]
async fn iinked_sign_every_operation_against_the_spec_judge() -> Result {
    let (judges, proxy) = judges(&[("/api/v1", "specs/iinked-sign.yaml")]).await;
    let client = iinked_sign_sdk::Client::builder()
        .region(iinked_sign_sdk::Region::custom(proxy.base())?)
        .api_key("judge-key")
        .build()?;
    report(
        "iinked-sign",
        drive::iinked_sign::OPERATIONS,
        drive::iinked_sign::drive(&client).await,
    );

    // Self-check 1: the judge refuses a request the spec does not allow (a body without its
    // required field, and a call without credentials).
    let http = reqwest::Client::new();
    let refused = http
        .post(format!("{}/packages/delete", judges[0].base()))
        .header("api_key", "k")
        .json(&serde_json::json!({"wrong": 1}))
        .send()
        .await?;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let refused = http
        .get(format!("{}/packages/p", judges[0].base()))
        .send()
        .await?;
    assert_eq!(refused.status(), 401, "no credentials");
    // Self-check 2: a wrong answer fails decoding.
    proxy.corrupt(true);
    let e = client
        .get_package()
        .package_id("p")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), sdk_auth::ErrorKind::Decode, "{e}");
    Ok(())
}

#[tokio::test]
async fn xref_every_operation_against_the_spec_judge() -> Result {
    let (_judges, proxy) = judges(&[("", "specs/xref.yaml")]).await;
    let store = Arc::new(sdk_auth::InMemoryTokenStore::new());
    sdk_auth::TokenStore::put(
        store.as_ref(),
        &xref_sdk::account_store_key("judge-app", "acct"),
        sdk_auth::StoredToken::new("judge-token").with_subject("acct"),
    )
    .await?;
    let client = xref_sdk::Client::builder()
        .account("acct")
        .client_id("judge-app")
        .store(store as Arc<dyn sdk_auth::TokenStore>)
        .region(xref_sdk::Region::custom(proxy.base())?)
        .build()?;
    report(
        "xref",
        drive::xref::OPERATIONS,
        drive::xref::drive(&client).await,
    );
    Ok(())
}

/// Every XPKit service at once: one judge per service spec behind one origin, with the Auth
/// API's judge answering (and validating) the token request.
#[tokio::test]
async fn xpkit_every_operation_of_every_service_against_the_spec_judge() -> Result {
    let (_judges, proxy) = judges(&[
        ("/activities", "specs/xpkit/activities.yaml"),
        ("/alerts", "specs/xpkit/alerts.yaml"),
        ("/auth", "specs/xpkit/auth.yaml"),
        ("/catalogue", "specs/xpkit/catalogue.yaml"),
        ("/exports", "specs/xpkit/exports.yaml"),
        ("/health", "specs/xpkit/health.yaml"),
        ("/identifications", "specs/xpkit/identifications.yaml"),
        ("/jobs", "specs/xpkit/jobs.yaml"),
        ("/moments", "specs/xpkit/moments.yaml"),
        ("/nfts", "specs/xpkit/nfts.yaml"),
        ("/notifications", "specs/xpkit/notifications.yaml"),
        ("/profiles", "specs/xpkit/profiles.yaml"),
        ("/queues", "specs/xpkit/queues.yaml"),
        ("/resources", "specs/xpkit/resources.yaml"),
        ("/socialauth", "specs/xpkit/socialauth.yaml"),
        ("/souvenirs", "specs/xpkit/souvenirs.yaml"),
        ("/vcc", "specs/xpkit/vcc.yaml"),
    ])
    .await;
    let xp = xpkit_sdk::XpKit::builder()
        .credentials("judge-app", "judge-secret")
        .region(xpkit_sdk::Region::custom(proxy.base())?)
        .build()?;
    report(
        "xpkit_activities",
        drive::xpkit_activities::OPERATIONS,
        drive::xpkit_activities::drive(&xp.activities()).await,
    );
    report(
        "xpkit_alerts",
        drive::xpkit_alerts::OPERATIONS,
        drive::xpkit_alerts::drive(&xp.alerts()).await,
    );
    report(
        "xpkit_auth",
        drive::xpkit_auth::OPERATIONS,
        drive::xpkit_auth::drive(&xp.auth_api()).await,
    );
    report(
        "xpkit_catalogue",
        drive::xpkit_catalogue::OPERATIONS,
        drive::xpkit_catalogue::drive(&xp.catalogue()).await,
    );
    report(
        "xpkit_exports",
        drive::xpkit_exports::OPERATIONS,
        drive::xpkit_exports::drive(&xp.exports()).await,
    );
    report(
        "xpkit_health",
        drive::xpkit_health::OPERATIONS,
        drive::xpkit_health::drive(&xp.health()).await,
    );
    report(
        "xpkit_identifications",
        drive::xpkit_identifications::OPERATIONS,
        drive::xpkit_identifications::drive(&xp.identifications()).await,
    );
    report(
        "xpkit_jobs",
        drive::xpkit_jobs::OPERATIONS,
        drive::xpkit_jobs::drive(&xp.jobs()).await,
    );
    report(
        "xpkit_moments",
        drive::xpkit_moments::OPERATIONS,
        drive::xpkit_moments::drive(&xp.moments()).await,
    );
    report(
        "xpkit_nfts",
        drive::xpkit_nfts::OPERATIONS,
        drive::xpkit_nfts::drive(&xp.nfts()).await,
    );
    report(
        "xpkit_notifications",
        drive::xpkit_notifications::OPERATIONS,
        drive::xpkit_notifications::drive(&xp.notifications()).await,
    );
    report(
        "xpkit_profiles",
        drive::xpkit_profiles::OPERATIONS,
        drive::xpkit_profiles::drive(&xp.profiles()).await,
    );
    report(
        "xpkit_queues",
        drive::xpkit_queues::OPERATIONS,
        drive::xpkit_queues::drive(&xp.queues()).await,
    );
    report(
        "xpkit_resources",
        drive::xpkit_resources::OPERATIONS,
        drive::xpkit_resources::drive(&xp.resources()).await,
    );
    report(
        "xpkit_socialauth",
        drive::xpkit_socialauth::OPERATIONS,
        drive::xpkit_socialauth::drive(&xp.socialauth()).await,
    );
    report(
        "xpkit_souvenirs",
        drive::xpkit_souvenirs::OPERATIONS,
        drive::xpkit_souvenirs::drive(&xp.souvenirs()).await,
    );
    report(
        "xpkit_vcc",
        drive::xpkit_vcc::OPERATIONS,
        drive::xpkit_vcc::drive(&xp.vcc()).await,
    );
    Ok(())
}
