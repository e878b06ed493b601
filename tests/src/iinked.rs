//! A fake iinked Sign: the OAuth token endpoint (authorization code with PKCE, refresh with
//! rotation) and the `/api/v1` API (API key or bearer), on one loopback port.

use crate::{CANARY_TOKEN_PREFIX, Canned, Recorded, canned, lock, record};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The API key the fake accepts.
pub const CANARY_API_KEY: &str = "canary-apikey-0b7c55";
/// The authorization code the fake accepts (once).
pub const GOOD_CODE: &str = "canary-code-91aa";
/// Prefix of refresh tokens the fake issues.
pub const CANARY_REFRESH_PREFIX: &str = "canary-refresh-";
/// A package id used in responses.
/// The redirect URI the fake app registered.
pub const REDIRECT: &str = "https://app.example/callback";
/// The package the fake knows.
pub const PACKAGE_ID: &str = "581aa1e0-49ea-4e49-841a-a74050e7d776";

/// Behaviour switches.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The PKCE challenge the fake expects with [`GOOD_CODE`] (set from the authorize URL).
    pub code_challenge: Option<String>,
    /// Answer token requests with this instead.
    pub token_override: Option<Canned>,
    /// Answer every API call with this instead.
    pub api_override: Option<Canned>,
    /// Access tokens the API refuses with 401.
    pub rejected_tokens: HashSet<String>,
    /// `expires_in` of issued access tokens (seconds).
    pub expires_in: u64,
    /// How many packages `packages/list` pages over (default 1); it honours `skip` and `take`
    /// (default page size 2).
    pub package_count: Option<usize>,
}

#[derive(Default)]
struct Shared {
    config: Mutex<Config>,
    tokens: Mutex<Vec<Recorded>>,
    api: Mutex<Vec<Recorded>>,
    access: Mutex<Vec<String>>,
    refresh: Mutex<Vec<String>>,
    valid_refresh: Mutex<HashSet<String>>,
    code_used: Mutex<bool>,
}

/// The fake.
pub struct FakeIinked {
    base: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeIinked {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeIinked {
    /// Starts the fake.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        lock(&shared.config).expires_in = 3600;
        let app = Router::new()
            .route("/connect/token", axum::routing::post(token))
            .fallback(api)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, shared, task }
    }

    /// `http://127.0.0.1:PORT` (the "origin").
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Changes the behaviour.
    pub fn config(&self, f: impl FnOnce(&mut Config)) {
        f(&mut lock(&self.shared.config));
    }

    /// Token requests received.
    pub fn token_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.tokens).clone()
    }

    /// API requests received.
    pub fn api_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.api).clone()
    }

    /// Access tokens issued, in order.
    pub fn access_tokens(&self) -> Vec<String> {
        lock(&self.shared.access).clone()
    }

    /// Refresh tokens issued, in order.
    pub fn refresh_tokens(&self) -> Vec<String> {
        lock(&self.shared.refresh).clone()
    }

    /// Makes `refresh` a valid refresh token (as if issued earlier), returning it.
    pub fn seed_refresh_token(&self, refresh: &str) -> String {
        lock(&self.shared.valid_refresh).insert(refresh.to_owned());
        refresh.to_owned()
    }

    /// Revokes every refresh token.
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.shared.valid_refresh).clear();
    }
}

fn issue(s: &Shared) -> Response {
    let n = lock(&s.access).len() + 1;
    let access = format!("{CANARY_TOKEN_PREFIX}o{n}");
    let refresh = format!("{CANARY_REFRESH_PREFIX}{n}");
    lock(&s.access).push(access.clone());
    lock(&s.refresh).push(refresh.clone());
    lock(&s.valid_refresh).insert(refresh.clone());
    let expires_in = lock(&s.config).expires_in;
    canned(Canned::json(
        200,
        json!({"access_token": access, "token_type": "Bearer", "expires_in": expires_in,
               "refresh_token": refresh, "scope": "profile offline_access organization"}),
    ))
}

fn invalid_grant() -> Response {
    canned(Canned::json(400, json!({"error": "invalid_grant"})))
}

async fn token(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let rec = record(method, &uri, &headers, body);
    let form: std::collections::HashMap<String, String> = rec.form().into_iter().collect();
    lock(&s.tokens).push(rec);
    let config = lock(&s.config).clone();
    if let Some(c) = config.token_override {
        return canned(c);
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let mut used = lock(&s.code_used);
            let verifier_ok = match (&config.code_challenge, form.get("code_verifier")) {
                (Some(challenge), Some(verifier)) => {
                    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(sha2::Sha256::digest(verifier.as_bytes()));
                    &computed == challenge
                }
                (None, _) => true,
                (Some(_), None) => false,
            };
            if form.get("code").map(String::as_str) != Some(GOOD_CODE) || *used || !verifier_ok {
                return invalid_grant();
            }
            *used = true;
            drop(used);
            issue(&s)
        }
        Some("refresh_token") => {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            // Rotation: a refresh token works once.
            if !lock(&s.valid_refresh).remove(&presented) {
                return invalid_grant();
            }
            issue(&s)
        }
        _ => canned(Canned::json(
            400,
            json!({"error": "unsupported_grant_type"}),
        )),
    }
}

fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let key = headers.get("api_key").and_then(|v| v.to_str().ok());
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match (key, bearer) {
        (Some(k), None) => k == CANARY_API_KEY,
        (None, Some(t)) => {
            lock(&s.access).iter().any(|a| a == t) && !lock(&s.config).rejected_tokens.contains(t)
        }
        _ => false, // none, or both at once
    }
}

fn package() -> Value {
    json!({
        "packageId": PACKAGE_ID, "organizationId": "o-1", "memberId": "m-1", "teamId": null,
        "folderId": null, "shared": false, "name": "Contract", "type": "Live Session",
        "state": "some_future_state", "timeCreated": "2022-02-23T20:19:28.9357901Z",
        "timeLastModified": "2022-02-23T20:19:28.9357901Z", "externalData": {"crm": 42},
        "options": {}, "format": {"locale": "en-US"}, "revisionsSigned": 0, "revisionsCount": 2,
        "api": true, "documents": [{"documentId": "d-1", "packageId": PACKAGE_ID, "fileId": "f-1",
            "index": 0, "name": "Contract", "fileName": "contract.pdf", "fileType": "pdf",
            "fileSize": 1024, "numberPages": 3, "revisions": [{"documentId": "d-1", "revisionId": "r-1", "revisionNumber": 1}]}],
        "signers": [{"signerId": "s-1", "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
            "index": 0, "next": true, "role": "signer", "signLink": "https://sign.syngrafii.com/link/abc"}],
        "unknownNewField": {"x": 1}
    })
}

async fn api(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.api).push(record(method.clone(), &uri, &headers, body.clone()));
    if !authorized(&s, &headers) {
        return canned(Canned::json(401, json!({"message": "Unauthorized"})));
    }
    if let Some(c) = lock(&s.config).api_override.clone() {
        return canned(c);
    }
    let Some(route) = uri.path().strip_prefix("/api/v1/") else {
        return not_found();
    };
    let parts: Vec<&str> = route.split('/').collect();
    let body = match (method.as_str(), parts.as_slice()) {
        ("POST", ["files", "upload"]) => {
            json!({"fileId": "f-1", "name": "contract", "timeCreated": "2021-08-10T15:40:51.7746401Z", "fileName": "contract.pdf", "type": "temporary"})
        }
        ("POST", ["packages", "add"]) => json!({"packageId": PACKAGE_ID, "package": null}),
        ("POST", ["packages", "list"]) => {
            let request: Value = serde_json::from_slice(&body).unwrap_or_default();
            let count = lock(&s.config).package_count.unwrap_or(1);
            let skip = request["skip"].as_u64().unwrap_or(0) as usize;
            let take = request["take"].as_u64().unwrap_or(2) as usize;
            let items: Vec<Value> = (skip..count.min(skip.saturating_add(take)))
                .map(|i| {
                    let mut p = package();
                    if i > 0 {
                        p["packageId"] = json!(format!("pkg-{i}"));
                    }
                    p
                })
                .collect();
            json!({"items": items, "total": count, "take": take, "skip": skip})
        }
        ("POST", ["packages", "send"]) => json!({"packageId": PACKAGE_ID}),
        ("GET", ["packages", id]) if *id == PACKAGE_ID => package(),
        ("POST", ["packages", id, "link", "sign", signer]) if *id == PACKAGE_ID => json!({
            "packageId": PACKAGE_ID, "name": "Signing", "link": "https://sign.syngrafii.com/link/tok",
            "type": "package_sign", "token": "tok", "timeExpires": "2022-02-23T20:19:28.9357901Z", "signer": signer}),
        _ => return not_found(),
    };
    canned(Canned::json(200, body))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            ("content-type", "application/json"),
            ("request-id", "rid-7"),
        ],
        json!({"message": "Package not found"}).to_string(),
    )
        .into_response()
}
