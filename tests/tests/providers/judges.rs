//! The SDKs against an independent, standards-conformant OAuth 2.0 authorization server
//! (oidc-provider, configured with each standard-OAuth provider's routes): client credentials
//! in the body and as RFC 6749 Basic, code + PKCE with the RFC 9207 `iss` check, `prompt=consent`
//! for a refresh token, refresh rotation with the server's reuse detection on, and several OS
//! processes sharing a file store and a Redis store refreshing one grant.

use sdk_auth::{
    AuthorizationCodeClient, ClientAuth, ClientCredentials, ClientId, ClientSecret, FileTokenStore,
    InMemoryTokenStore, StoredTokenSource, TokenStore,
};
use sdk_tests::judges::{JUDGE_REDIRECT, JUDGE_SECRET, OAuthJudge};
use sdk_tests::redis::RedisServer;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use url::Url;

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

fn http() -> reqwest::Client {
    sdk_auth::http::client("sdk-judge-test", &sdk_auth::Timeouts::default()).expect("client")
}

/// An iinked Sign OAuth flow of the judge's client `client` on `store`, authorized once (the
/// judge approves at once) and completed under `key`; with `prompt=consent`, as OpenID servers
/// need before they issue a refresh token for `offline_access`.
async fn authorized(
    judge: &OAuthJudge,
    client: &str,
    auth: ClientAuth,
    store: Arc<dyn TokenStore>,
    key: &str,
) -> Result<iinked_sign_sdk::OAuthFlow> {
    let flow = consent_flow(judge, client, auth, store)?;
    let pending = flow.authorize()?;
    let redirect = judge.approve(pending.url().as_str()).await;
    assert!(
        redirect.contains("iss="),
        "the judge sends RFC 9207 iss: {redirect}"
    );
    flow.complete(pending, &redirect, key).await?;
    Ok(flow)
}

fn consent_flow(
    judge: &OAuthJudge,
    client: &str,
    auth: ClientAuth,
    store: Arc<dyn TokenStore>,
) -> Result<iinked_sign_sdk::OAuthFlow> {
    let app = iinked_sign_sdk::OAuthApp::new(client, JUDGE_REDIRECT)
        .client_secret(JUDGE_SECRET)
        .client_auth(auth)
        .scopes(["openid", "offline_access", "profile"])
        .authorize_param("prompt", "consent");
    Ok(iinked_sign_sdk::OAuthFlow::new(
        iinked_sign_sdk::Region::custom(judge.base())?,
        app,
        store,
    )?)
}

#[tokio::test]
async fn client_credentials_in_the_body_and_as_rfc_basic() -> Result {
    let judge = OAuthJudge::start("xpkit", 300);
    let token_url = Url::parse(&format!("{}/auth/api/token/", judge.base()))?;
    let grant = |id: &str, auth| {
        ClientCredentials::new(
            http(),
            "judge",
            token_url.clone(),
            ClientId::new(id),
            ClientSecret::new(JUDGE_SECRET),
        )
        .expect("grant")
        .scopes(["api"])
        .client_auth(auth)
    };
    let body = grant("cc-post", ClientAuth::RequestBody)
        .request_token()
        .await?;
    assert_eq!(body.expires_in, Some(Duration::from_secs(300)));
    grant("cc-basic", ClientAuth::BasicAuth)
        .request_token()
        .await?;
    // Self-check: the judge does refuse what the RFC forbids (the raw secret in Basic).
    let raw = grant("cc-basic", ClientAuth::BasicAuthRaw)
        .request_token()
        .await
        .unwrap_err();
    assert!(raw.is_auth() || raw.status() == Some(400), "{raw}");
    // XPKit's own client, as users build it, on the judge's XPKit routes.
    let xp = xpkit_sdk::XpKit::builder()
        .credentials("cc-post", JUDGE_SECRET)
        .region(xpkit_sdk::Region::custom(judge.base())?)
        .connect()
        .await?;
    drop(xp);
    let stats = judge.stats().await;
    assert_eq!(stats["grants"]["client_credentials"], 3, "{stats}");
    Ok(())
}

/// The iinked Sign OAuth app against the judge on iinked Sign's routes: code + PKCE, the
/// redirect's `iss` checked, `prompt=consent` for the refresh token, then rotation.
#[tokio::test]
async fn iinked_sign_code_pkce_iss_and_rotation_with_reuse_detection() -> Result {
    let judge = OAuthJudge::start("iinked", 300);
    for (round, (client, auth)) in [
        ("code-post", ClientAuth::RequestBody),
        ("code-basic", ClientAuth::BasicAuth),
    ]
    .into_iter()
    .enumerate()
    {
        let store = Arc::new(InMemoryTokenStore::new());
        let flow = authorized(&judge, client, auth, store.clone(), "customer").await?;
        let grant = flow.stored("customer").await?.expect("stored");
        assert!(
            grant.refresh_token.is_some(),
            "prompt=consent got a refresh token"
        );

        // Rotation: the stored grant expires twice; each refresh sends the latest refresh
        // token and writes the rotated one back.
        let oauth = AuthorizationCodeClient::new(
            http(),
            "iinked-sign",
            Url::parse(&format!("{}/connect/authorize", judge.base()))?,
            Url::parse(&format!("{}/connect/token", judge.base()))?,
            ClientId::new(client),
            Url::parse(JUDGE_REDIRECT)?,
        )?
        .client_secret(ClientSecret::new(JUDGE_SECRET))
        .client_auth(auth);
        let key = flow.store_key("customer");
        let first = grant.refresh_token.clone().expect("refresh");
        for _ in 0..2 {
            let mut expired = store.get(&key).await?.expect("grant");
            expired.expires_at = Some(SystemTime::now() - Duration::from_secs(1));
            store.put(&key, expired).await?;
            let source = StoredTokenSource::new(oauth.clone(), store.clone(), "customer");
            source.fetch().await?;
        }
        let rotated = store
            .get(&key)
            .await?
            .expect("grant")
            .refresh_token
            .expect("refresh");
        assert_ne!(rotated.secret(), first.secret(), "rotated");
        let stats = judge.stats().await;
        assert_eq!(
            stats["reuse"], round,
            "no refresh token presented twice: {stats}"
        );
        // Self-check: the judge does detect a reused refresh token.
        let reused = oauth.refresh(&first).await.unwrap_err();
        assert!(reused.needs_reauthorization(), "{reused}");
        let stats = judge.stats().await;
        assert_eq!(stats["reuse"], round + 1, "{stats}");
    }
    let stats = judge.stats().await;
    assert_eq!(stats["grants"]["authorization_code"], 2, "{stats}");
    assert_eq!(stats["grants"]["refresh_token"], 4, "{stats}");
    Ok(())
}

/// A redirect whose `iss` is not the judge is refused before the code is used.
#[tokio::test]
async fn a_mixed_up_issuer_is_refused_before_the_code_is_used() -> Result {
    let judge = OAuthJudge::start("iinked", 300);
    let store = Arc::new(InMemoryTokenStore::new());
    let flow = consent_flow(&judge, "code-post", ClientAuth::RequestBody, store)?;
    let pending = flow.authorize()?;
    let redirect = judge.approve(pending.url().as_str()).await;
    let mut url = Url::parse(&redirect)?;
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "iss" {
                "https://evil.example".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let e = flow
        .complete(pending, url.as_str(), "customer")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("invalid_issuer"), "{e}");
    assert!(
        judge.stats().await["grants"]
            .get("authorization_code")
            .is_none()
    );
    Ok(())
}

/// XPKit's user login (a public client with PKCE) on XPKit's routes.
#[tokio::test]
async fn xpkit_user_login_code_pkce() -> Result {
    let judge = OAuthJudge::start("xpkit", 300);
    let login = xpkit_sdk::UserLogin::new(
        xpkit_sdk::Region::custom(judge.base())?,
        "code-public",
        JUDGE_REDIRECT,
        xpkit_sdk::LoginProvider::Google,
    )?
    // XPKit documents no login scopes; an OpenID server needs `openid`.
    .authorize_param("scope", "openid");
    let pending = login.authorize()?;
    let redirect = judge.approve(pending.url().as_str()).await;
    let token = login.complete(pending, &redirect).await?;
    assert!(!token.access_token.secret().is_empty());
    Ok(())
}

/// Several OS processes share one grant in a file store, then in a Redis store, with 2 s
/// access tokens: they refresh it under the store's lease, adopt each other's rotations, and
/// the judge detects no reuse.
#[tokio::test]
async fn processes_sharing_a_store_rotate_one_grant_without_reuse() -> Result {
    let redis = RedisServer::start();
    let dir = std::env::temp_dir().join(format!("sdk-judge-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for store_spec in [
        format!("file:{}", dir.display()),
        format!("redis:{}", redis.url()),
    ] {
        let judge = OAuthJudge::start("iinked", 2);
        // One authorization, stored where the fleet reads it.
        let store: Arc<dyn TokenStore> = if store_spec.starts_with("file:") {
            Arc::new(FileTokenStore::open(&dir)?)
        } else {
            Arc::new(sdk_auth::RedisTokenStore::new(&redis.url(), "sdk-test:")?)
        };
        authorized(&judge, "code-post", ClientAuth::RequestBody, store, "fleet").await?;

        let mut children = Vec::new();
        for _ in 0..6 {
            let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fleet_worker"))
                .args(["judge-refresh", judge.base(), &store_spec, "5"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()?;
            let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            children.push((child, lines));
        }
        for (_, lines) in &mut children {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await??;
            assert_eq!(line.as_deref(), Some("ready"));
        }
        for (child, _) in &mut children {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(b"go\n")
                .await?;
        }
        for (mut child, mut lines) in children {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await??
                .ok_or("no report")?;
            assert!(child.wait().await?.success());
            let report: serde_json::Value = serde_json::from_str(&line)?;
            assert_eq!(report["failed"], 0, "{store_spec}: {report}");
        }
        let stats = judge.stats().await;
        assert_eq!(
            stats["reuse"], 0,
            "{store_spec}: no refresh token presented twice: {stats}"
        );
        assert_eq!(stats["revoked"], 0, "{store_spec}: {stats}");
        let refreshes = stats["grants"]["refresh_token"].as_u64().unwrap_or(0);
        // 5 s of 2 s tokens: a handful of refreshes for the fleet, not one per process.
        assert!(
            (1..=10).contains(&refreshes),
            "{store_spec}: {refreshes} refreshes: {stats}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
