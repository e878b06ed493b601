//! A fake Xref Open API: code exchange (JSON), `/auth`, `/oauth/deauthorize`, one resource route.

use crate::{CANARY_TOKEN_PREFIX, Canned, Recorded, canned, lock, record};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Prefix of the authorization codes the fake accepts (each once).
pub const CANARY_CODE_PREFIX: &str = "canary-xcode-";

#[derive(Default)]
struct Shared {
    token_override: Mutex<Option<Canned>>,
    tokens: Mutex<Vec<Recorded>>,
    api: Mutex<Vec<Recorded>>,
    used_codes: Mutex<HashSet<String>>,
    issued: Mutex<Vec<String>>,
    revoked: Mutex<HashSet<String>>,
}

/// The fake (login and API on one loopback port).
pub struct FakeXref {
    base: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeXref {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeXref {
    /// Starts the fake.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/oauth/tokens", axum::routing::post(tokens))
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

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Answer token requests with this instead.
    pub fn override_tokens(&self, canned: Option<Canned>) {
        *lock(&self.shared.token_override) = canned;
    }

    /// Token requests received.
    pub fn token_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.tokens).clone()
    }

    /// API requests received.
    pub fn api_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.api).clone()
    }

    /// Tokens issued, in order.
    pub fn issued(&self) -> Vec<String> {
        lock(&self.shared.issued).clone()
    }

    /// Revokes a token on Xref's side.
    pub fn revoke(&self, token: &str) {
        lock(&self.shared.revoked).insert(token.to_owned());
    }
}

async fn tokens(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.tokens).push(record(method, &uri, &headers, body.clone()));
    if let Some(c) = lock(&s.token_override).clone() {
        return canned(c);
    }
    let Ok(req) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return canned(Canned::json(400, json!({"error": "invalid_request"})));
    };
    let code = req["code"].as_str().unwrap_or_default().to_owned();
    let ok = req["client_id"] == "partner-1"
        && req["client_secret"] == crate::CANARY_SECRET
        && code.starts_with(CANARY_CODE_PREFIX)
        && lock(&s.used_codes).insert(code.clone());
    if !ok {
        return canned(Canned::json(
            400,
            json!({"error": "invalid_grant", "message": "Code is invalid or expired"}),
        ));
    }
    // `canary-xcode-<account>` or `canary-xcode-<account>~<n>` (a later code for the same account).
    let rest = code.trim_start_matches(CANARY_CODE_PREFIX);
    let account = rest.split('~').next().unwrap_or(rest).to_owned();
    let n = lock(&s.issued).len() + 1;
    let token = format!("{CANARY_TOKEN_PREFIX}x{n}");
    lock(&s.issued).push(token.clone());
    canned(Canned::json(
        200,
        json!({"access_token": token, "xref_account_id": account}),
    ))
}

async fn api(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.api).push(record(method.clone(), &uri, &headers, body));
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
        .map(str::to_owned);
    let valid = token
        .as_ref()
        .is_some_and(|t| lock(&s.issued).contains(t) && !lock(&s.revoked).contains(t));
    if !valid {
        return canned(Canned::json(401, json!({"detail": "Invalid token."})));
    }
    let token = token.unwrap_or_default();
    match (method.as_str(), uri.path()) {
        ("POST", "/auth") => canned(Canned::json(200, json!({"status": "ok"}))),
        ("POST", "/oauth/deauthorize") => {
            lock(&s.revoked).insert(token.clone());
            canned(Canned::json(200, json!({"access_token": token})))
        }
        ("GET", "/candidates") => canned(Canned::json(200, json!([{"id": 1}]))),
        _ => canned(Canned::json(404, json!({"detail": "Not found."}))),
    }
}
