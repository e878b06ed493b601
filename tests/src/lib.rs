//! Fake providers on loopback for the cross-provider tests.
//!
//! [`iinked::FakeIinked`] plays iinked Sign (OAuth token endpoint and API).
//!
//! [`FakeXink`] is a small axum server that plays Xink's authorization server (token endpoint,
//! discovery) and an API root, records every request it receives, and can be told to misbehave
//! (malformed token or discovery answers, revoked tokens, slow token endpoint).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod faults;
pub mod iinked;
pub mod judges;
pub mod redis;
pub mod xpkit;
pub mod xref;

/// Everything the test binary logs at TRACE level from the first call on, except the httpmock
/// fake servers' own lines (a fake provider logs the bodies it receives, secrets included, as
/// a provider would). It is the process-wide subscriber: a thread-local one races with other
/// tests' threads over tracing's per-callsite interest cache. Shared by every test that sweeps
/// logs for secrets.
pub fn log_capture() -> LogCapture {
    static CAPTURE: std::sync::OnceLock<LogCapture> = std::sync::OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            use tracing_subscriber::layer::SubscriberExt as _;
            let capture = LogCapture::default();
            let not_the_fake = tracing_subscriber::filter::Targets::new()
                .with_default(tracing::Level::TRACE)
                .with_target("httpmock", tracing_subscriber::filter::LevelFilter::OFF);
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
                .with_writer(capture.clone())
                .finish()
                .with(not_the_fake);
            tracing::subscriber::set_global_default(subscriber)
                .expect("the only global subscriber");
            capture
        })
        .clone()
}

/// The captured log output.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl LogCapture {
    /// What was logged so far.
    pub fn bytes(&self) -> Vec<u8> {
        lock(&self.0).clone()
    }
}

impl std::io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;
    fn make_writer(&'a self) -> LogCapture {
        self.clone()
    }
}

/// A client secret that must never appear in any output.
pub const CANARY_SECRET: &str = "canary-secret-7f3e91";
/// Prefix of every token the fakes issue: must never appear in any output either.
pub const CANARY_TOKEN_PREFIX: &str = "canary-token-";
/// The standard retry policy with millisecond delays, so that tests of retried answers stay
/// fast (the counts and rules are the defaults).
pub fn fast_retry() -> sdk_auth::RetryPolicy {
    sdk_auth::RetryPolicy::standard()
        .delays(Duration::from_millis(1), Duration::from_millis(5))
        .jitter(false)
}

/// A client id used by the tests (Xink's documented `<id>@SRV` form).
pub const CLIENT_ID: &str = "5d1c6e0a-api-user@SRV";

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Method.
    pub method: Method,
    /// Path and query, as sent (percent-encoding kept).
    pub uri: String,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl Recorded {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body decoded as `application/x-www-form-urlencoded` pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// A canned answer: status, content type, body.
#[derive(Clone, Debug)]
pub struct Canned {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl Canned {
    /// A canned answer.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Self {
        Self::new(status, "application/json", body.to_string())
    }
}

/// How the fake behaves; change it at any time through [`FakeXink::config`].
#[derive(Clone, Debug)]
pub struct Config {
    /// `expires_in` of issued tokens (any JSON: a number, a string, or null to leave it out).
    pub expires_in: Value,
    /// Answer token requests with this instead of issuing a token.
    pub token_override: Option<Canned>,
    /// Answer discovery with this instead of the default EU-style record.
    pub discovery_override: Option<Canned>,
    /// Tokens the API refuses with 401 (as if expired or revoked server-side).
    pub rejected_tokens: HashSet<String>,
    /// The API refuses every token with 401.
    pub reject_all: bool,
    /// How long the token endpoint takes to answer.
    pub token_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            expires_in: json!(7200),
            token_override: None,
            discovery_override: None,
            rejected_tokens: HashSet::new(),
            reject_all: false,
            token_delay: Duration::ZERO,
        }
    }
}

#[derive(Default)]
struct Shared {
    config: Mutex<Config>,
    tokens: Mutex<Vec<Recorded>>,
    discovery: Mutex<Vec<Recorded>>,
    api: Mutex<Vec<Recorded>>,
    issued: Mutex<Vec<String>>,
    base: Mutex<String>,
}

/// The fake Xink: authorization server and API root on one loopback port.
pub struct FakeXink {
    base: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeXink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeXink {
    /// Starts the fake on an ephemeral loopback port.
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/OAuth/Token", axum::routing::post(token))
            .route("/Discovery", axum::routing::get(discovery))
            .fallback(api)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        *lock(&shared.base) = base.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, shared, task }
    }

    /// `http://127.0.0.1:PORT`.
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

    /// Discovery requests received.
    pub fn discovery_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.discovery).clone()
    }

    /// API requests received (everything but token and discovery).
    pub fn api_requests(&self) -> Vec<Recorded> {
        lock(&self.shared.api).clone()
    }

    /// Tokens issued so far, in order.
    pub fn issued(&self) -> Vec<String> {
        lock(&self.shared.issued).clone()
    }

    /// A client builder pointed at this fake, with the canary credentials.
    pub fn builder(&self) -> xink_sdk::ClientBuilder {
        xink_sdk::Client::builder()
            .credentials(CLIENT_ID, CANARY_SECRET)
            .auth_url(self.base.clone())
            .scopes([xink_sdk::Scope::EmployeeRead])
            .retry(fast_retry())
    }
}

pub(crate) fn record(method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Recorded {
    Recorded {
        method,
        uri: uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: headers.clone(),
        body,
    }
}

pub(crate) fn canned(c: Canned) -> Response {
    let status = StatusCode::from_u16(c.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", c.content_type)], c.body).into_response()
}

async fn token(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.tokens).push(record(method, &uri, &headers, body));
    let config = lock(&s.config).clone();
    if !config.token_delay.is_zero() {
        tokio::time::sleep(config.token_delay).await;
    }
    if let Some(c) = config.token_override {
        return canned(c);
    }
    let token = {
        let mut issued = lock(&s.issued);
        let t = format!("{CANARY_TOKEN_PREFIX}{}", issued.len() + 1);
        issued.push(t.clone());
        t
    };
    let mut body = json!({"access_token": token, "token_type": "bearer"});
    if !config.expires_in.is_null() {
        body["expires_in"] = config.expires_in.clone();
    }
    canned(Canned::json(200, body))
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// Whether the request carries a token this fake issued.
fn issued_bearer(s: &Shared, headers: &HeaderMap) -> bool {
    bearer(headers).is_some_and(|t| lock(&s.issued).iter().any(|i| i == t))
}

/// Whether the API accepts the request's token: issued, and not rejected.
fn valid_bearer(s: &Shared, headers: &HeaderMap) -> bool {
    let config = lock(&s.config);
    issued_bearer(s, headers)
        && !config.reject_all
        && bearer(headers).is_some_and(|t| !config.rejected_tokens.contains(t))
}

async fn discovery(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.discovery).push(record(method, &uri, &headers, body));
    if let Some(c) = lock(&s.config).discovery_override.clone() {
        return canned(c);
    }
    // Discovery only needs a token the fake issued (API-side rejection does not apply here).
    if !issued_bearer(&s, &headers) {
        return canned(Canned::json(
            401,
            json!({"Message": "Authorization has been denied for this request."}),
        ));
    }
    let base = lock(&s.base).clone();
    canned(Canned::json(
        200,
        json!({
            "Success": true,
            "DataCenterID": "EU",
            "APIRoot": format!("{base}/eu"),
            "SyncRoot": "https://s-eu.xink.io",
            "ImgRoot": "https://i-eu.xink.io",
            "TrackingRoot": "https://t-eu.xink.io"
        }),
    ))
}

/// The API root lives under `/eu` on the fake, so a call that ignored discovery would miss it.
async fn api(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    lock(&s.api).push(record(method.clone(), &uri, &headers, body.clone()));
    if !valid_bearer(&s, &headers) {
        return canned(Canned::json(
            401,
            json!({"Message": "Authorization has been denied for this request."}),
        ));
    }
    let path = uri.path();
    let Some(route) = path.strip_prefix("/eu/api/1.0/") else {
        return not_found();
    };
    let parts: Vec<&str> = route.split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["account", "info"]) => canned(Canned::json(
            200,
            json!({"AccountName": "Acme", "DataCenter": "EU", "Employees": 2}),
        )),
        ("GET", ["employee", "list", offset, limit]) => {
            let (Ok(offset), Ok(limit)) = (offset.parse::<usize>(), limit.parse::<usize>()) else {
                return canned(Canned::json(
                    400,
                    json!({"Message": "The request is invalid."}),
                ));
            };
            let all: Vec<Value> = (0..120)
                .map(|i| json!({"Email": format!("user{i}@example.com"), "DisplayName": format!("User {i}")}))
                .collect();
            let page: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
            canned(Canned::json(200, Value::Array(page)))
        }
        ("GET", ["employee", email, "fields"]) => {
            let email = percent_decode(email);
            if email == "jane@example.com" {
                canned(Canned::json(
                    200,
                    json!({"Email": email, "DisplayName": "Jane Doe", "JobTitle": "CTO", "Phone": "+44 20 0000"}),
                ))
            } else {
                not_found()
            }
        }
        ("POST", ["echo"]) => canned(Canned::json(
            200,
            json!({
                "content_type": headers.get("content-type").and_then(|v| v.to_str().ok()),
                "length": body.len(),
            }),
        )),
        _ => not_found(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            ("content-type", "application/json"),
            ("x-request-id", "req-404"),
        ],
        json!({"Message": "No HTTP resource was found that matches the request URI."}).to_string(),
    )
        .into_response()
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
