//! A fake XPKit on one loopback origin: `/<service>/api/...` (the SDK's single-origin region),
//! with a token endpoint, 403 for rejected tokens (XPKit's expiry signal), paging, uploads.

use crate::{CANARY_TOKEN_PREFIX, Canned, Recorded, canned, lock, record};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Shared {
    token_override: Mutex<Option<Canned>>,
    api_override: Mutex<Option<Canned>>,
    tokens: Mutex<Vec<Recorded>>,
    api: Mutex<Vec<Recorded>>,
    issued: Mutex<Vec<String>>,
    rejected: Mutex<HashSet<String>>,
    reject_all: Mutex<bool>,
}

/// The fake.
pub struct FakeXpKit {
    base: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeXpKit {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeXpKit {
    /// Starts the fake.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/auth/api/token/", axum::routing::post(token))
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

    /// The origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Answer token requests with this instead.
    pub fn override_tokens(&self, c: Option<Canned>) {
        *lock(&self.shared.token_override) = c;
    }

    /// Answer every API call with this instead.
    pub fn override_api(&self, c: Option<Canned>) {
        *lock(&self.shared.api_override) = c;
    }

    /// Rejects a token with 403 (as XPKit does when it expired).
    pub fn expire(&self, token: &str) {
        lock(&self.shared.rejected).insert(token.to_owned());
    }

    /// Rejects every token with 403 (missing permission).
    pub fn forbid_all(&self) {
        *lock(&self.shared.reject_all) = true;
    }

    /// Token requests received.
    pub fn token_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.tokens).clone()
    }

    /// API requests received.
    pub fn api_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.api).clone()
    }

    /// Tokens issued.
    pub fn issued(&self) -> Vec<String> {
        lock(&self.shared.issued).clone()
    }
}

async fn token(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.tokens).push(record(method, &uri, &headers, body));
    if let Some(c) = lock(&s.token_override).clone() {
        return canned(c);
    }
    let n = lock(&s.issued).len() + 1;
    let t = format!("{CANARY_TOKEN_PREFIX}k{n}");
    lock(&s.issued).push(t.clone());
    canned(Canned::json(
        200,
        json!({"token_type": "Bearer", "scope": "profiles:read", "expires_in": 36000, "access_token": t}),
    ))
}

fn resource(path: &str, id: &str, doc: Value) -> Value {
    json!({"resource_url": format!("{path}/{id}/"), "resource_id": id, "resource": doc})
}

fn list(results: Vec<Value>, next: Value, next_token: Value) -> Value {
    json!({"results": results, "count": 5, "next": next, "next_token": next_token, "previous": null, "previous_token": null})
}

async fn api(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.api).push(record(method.clone(), &uri, &headers, body));
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let ok = bearer.is_some_and(|t| {
        lock(&s.issued).iter().any(|i| i == t)
            && !lock(&s.rejected).contains(t)
            && !*lock(&s.reject_all)
    });
    if !ok {
        return canned(Canned::json(
            403,
            json!({"error": "Forbidden", "description": "Token expired or missing permission"}),
        ));
    }
    if let Some(c) = lock(&s.api_override).clone() {
        return canned(c);
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let q = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let activity = |i: u32| {
        resource(
            "/api/activity",
            &format!("a{i}"),
            json!({"experience_id": "gdc", "owner_id": "p1", "activity_type": "scan", "payload": {"object_id": "kiosk"}}),
        )
    };
    let body = match (method.as_str(), uri.path()) {
        ("GET", "/activities/api/activity") => match (q("x__token"), q("x__page")) {
            (None, None) => list(vec![activity(1), activity(2)], Value::Null, json!("p2")),
            (Some(t), _) if t == "p2" => {
                list(vec![activity(3), activity(4)], json!(3), Value::Null)
            }
            (None, Some(p)) if p == "3" => list(vec![activity(5)], Value::Null, Value::Null),
            _ => return canned(Canned::json(400, json!({"error": "Bad page"}))),
        },
        ("GET", "/queues/api/configuration") => list(vec![], Value::Null, json!("same")),
        ("GET", "/jobs/api/job") => list(
            vec![resource(
                "/api/job",
                "j1",
                json!({"job_id": "j1", "status": "Succeeded", "result": {"number_of_records": 10}, "xpkit_service": "Exports API"}),
            )],
            Value::Null,
            Value::Null,
        ),
        ("GET", "/profiles/api/profile/p1") => resource(
            "/api/profile",
            "p1",
            json!({"first_name": "Ada", "email": ["ada@example.com"], "qr_code": [], "rfid": [], "language": "en_GB"}),
        ),
        ("GET", "/profiles/api/profile/missing") => {
            return canned(Canned::json(
                404,
                json!({"error": "Not found", "description": "No profile with this id"}),
            ));
        }
        ("GET", "/exports/api/download/e1") => {
            return (
                StatusCode::OK,
                [("content-type", "text/csv")],
                "id,name\n1,Ada\n",
            )
                .into_response();
        }
        ("GET", "/identifications/api/identity/verify")
            if q("data").as_deref() == Some("known") =>
        {
            json!({})
        }
        ("GET", "/identifications/api/identity/verify") => {
            return canned(Canned::json(404, json!({"error": "Not found"})));
        }
        ("POST", "/notifications/api/template") => {
            resource("/api/template", "t1", json!({"name": "welcome"}))
        }
        ("POST", path) if path.starts_with("/identifications/api/identity/apple/") => resource(
            "/api/identity/apple",
            "w1",
            json!({"configuration_name": "pass"}),
        ),
        ("POST", "/nfts/api/nft/mint")
        | ("POST", "/vcc/api/task")
        | ("POST", "/vcc/api/taskgroup") => {
            json!({"job_id": "job-1", "info": "queued", "status": "Queued"})
        }
        ("POST", "/vcc/api/asset") => json!({"uploaded": true}),
        _ => return canned(Canned::json(404, json!({"error": "Not found"}))),
    };
    canned(Canned::json(200, body))
}
