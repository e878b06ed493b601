//! The fault-matrix harness: a scripted HTTP server on loopback that can answer anything —
//! including resetting the connection, stalling before the answer, or stalling in the middle of
//! a body — and one adapter per provider that builds a client against it and makes one call.

use crate::{CANARY_SECRET, CANARY_TOKEN_PREFIX, lock};
use futures::future::BoxFuture;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Answer.
    Respond {
        /// Status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// Close the connection without answering.
    Reset,
    /// Wait, then close without answering (a timeout on the client's side).
    Stall(Duration),
    /// Send the status line, headers and part of the body, then stall.
    SlowBody(Duration),
}

impl Action {
    /// A JSON answer.
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Action::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A raw answer with a content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Action::Respond {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Adds a header to a `Respond`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Action::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Which part of a provider a request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// The token endpoint.
    Token,
    /// Xink's discovery.
    Discovery,
    /// Anything else.
    Api,
}

#[derive(Default)]
struct Shared {
    scripts: HashMap<Route, VecDeque<Action>>,
    hits: HashMap<Route, usize>,
    issued: usize,
}

/// The scripted server.
pub struct FaultServer {
    base: String,
    token_path: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    /// Starts a server whose token endpoint is `token_path`.
    pub async fn start(token_path: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (s, b, t) = (shared.clone(), base.clone(), token_path.to_owned());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, s.clone(), b.clone(), t.clone()));
            }
        });
        Self {
            base,
            token_path: token_path.to_owned(),
            shared,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The token endpoint's path.
    pub fn token_path(&self) -> &str {
        &self.token_path
    }

    /// Queues answers for a route (used in order; then the route's default answer).
    pub fn script(&self, route: Route, actions: impl IntoIterator<Item = Action>) {
        lock(&self.shared)
            .scripts
            .entry(route)
            .or_default()
            .extend(actions);
    }

    /// Requests received on a route.
    pub fn hits(&self, route: Route) -> usize {
        lock(&self.shared).hits.get(&route).copied().unwrap_or(0)
    }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    shared: Arc<Mutex<Shared>>,
    base: String,
    token_path: String,
) {
    // Read the head, then the body by Content-Length.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 20 {
            return;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let route = if path == token_path {
        Route::Token
    } else if path == "/Discovery" {
        Route::Discovery
    } else {
        Route::Api
    };
    let action = {
        let mut s = lock(&shared);
        *s.hits.entry(route).or_default() += 1;
        match s.scripts.get_mut(&route).and_then(VecDeque::pop_front) {
            Some(a) => a,
            None => match route {
                Route::Token => {
                    s.issued += 1;
                    let n = s.issued;
                    Action::json(
                        200,
                        serde_json::json!({"access_token": format!("{CANARY_TOKEN_PREFIX}f{n}"), "token_type": "bearer",
                            "expires_in": 3600, "refresh_token": format!("canary-refresh-f{n}")}),
                    )
                }
                Route::Discovery => {
                    Action::json(200, serde_json::json!({"Success": true, "APIRoot": base}))
                }
                Route::Api => Action::json(200, serde_json::json!({})),
            },
        }
    };
    match action {
        Action::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            let _ = stream.write_all(out.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Action::Reset => drop(stream),
        Action::Stall(d) => {
            tokio::time::sleep(d).await;
            drop(stream);
        }
        Action::SlowBody(d) => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\nconnection: close\r\n\r\n{\"a\":")
                .await;
            let _ = stream.flush().await;
            tokio::time::sleep(d).await;
            drop(stream);
        }
    }
}

/// Makes one call through a provider's SDK.
pub type Call = Box<dyn Fn() -> BoxFuture<'static, Result<(), sdk_auth::Error>> + Send + Sync>;

/// How to drive one provider against a [`FaultServer`].
pub struct Provider {
    /// Its name.
    pub name: &'static str,
    /// The token endpoint's path on the server (`None`: the provider has none in its call path).
    pub token_path: Option<&'static str>,
    /// Whether a rejected token is refreshed (Xref's is not).
    pub refreshes: bool,
    /// Whether 403 also means "token rejected" (XPKit).
    pub refreshes_on_403: bool,
    /// Token requests the first call makes on a healthy server.
    pub initial_token_requests: usize,
    /// Whether the token request in the call path carries a single-use grant (iinked Sign's
    /// refresh token): never resent once it may have reached the server.
    pub single_use_token: bool,
    /// Builds a client (`expired`: start without a valid token, so that the first call goes to
    /// the token endpoint) and returns a function making one idempotent call.
    pub connect: fn(&FaultServer, sdk_auth::RetryPolicy, sdk_auth::Timeouts, bool) -> Call,
}

fn boxed<F>(f: F) -> Call
where
    F: Fn() -> BoxFuture<'static, Result<(), sdk_auth::Error>> + Send + Sync + 'static,
{
    Box::new(f)
}

/// The four providers.
pub fn providers() -> Vec<Provider> {
    vec![
        Provider {
            name: "xink",
            token_path: Some("/OAuth/Token"),
            refreshes: true,
            refreshes_on_403: false,
            initial_token_requests: 1,
            single_use_token: false,
            connect: |server, retry, timeouts, _| {
                let client = xink_sdk::Client::builder()
                    .credentials(crate::CLIENT_ID, CANARY_SECRET)
                    .auth_url(server.base())
                    .retry(retry)
                    .timeouts(timeouts)
                    .build()
                    .expect("xink client");
                boxed(move || {
                    let c = client.clone();
                    Box::pin(async move { c.get_account_info().send().await.map(|_| ()) })
                })
            },
        },
        Provider {
            name: "iinked-sign",
            token_path: Some("/connect/token"),
            refreshes: true,
            refreshes_on_403: false,
            initial_token_requests: 0,
            single_use_token: true,
            connect: |server, retry, timeouts, expired| {
                let store = Arc::new(sdk_auth::InMemoryTokenStore::new());
                let expires = if expired {
                    std::time::SystemTime::now() - Duration::from_secs(10)
                } else {
                    std::time::SystemTime::now() + Duration::from_secs(3600)
                };
                futures::executor::block_on(sdk_auth::TokenStore::put(
                    store.as_ref(),
                    &sdk_auth::store_key("iinked-sign", "app", "acct"),
                    sdk_auth::StoredToken::new(format!("{CANARY_TOKEN_PREFIX}stored"))
                        .with_refresh_token("canary-refresh-stored")
                        .with_expires_at(expires),
                ))
                .expect("store");
                let client = iinked_sign_sdk::Client::builder()
                    .region(iinked_sign_sdk::Region::custom(server.base()).expect("origin"))
                    .oauth(
                        iinked_sign_sdk::OAuthApp::new("app", "https://app.example/cb")
                            .client_secret(CANARY_SECRET),
                        store,
                        "acct",
                    )
                    .retry(retry)
                    .timeouts(timeouts)
                    .build()
                    .expect("iinked client");
                boxed(move || {
                    let c = client.clone();
                    Box::pin(
                        async move { c.get_package().package_id("p1").send().await.map(|_| ()) },
                    )
                })
            },
        },
        Provider {
            name: "xref",
            token_path: None,
            refreshes: false,
            refreshes_on_403: false,
            initial_token_requests: 0,
            single_use_token: false,
            connect: |server, retry, timeouts, _| {
                let store = Arc::new(sdk_auth::InMemoryTokenStore::new());
                futures::executor::block_on(sdk_auth::TokenStore::put(
                    store.as_ref(),
                    &xref_sdk::account_store_key("xref-app", "acct"),
                    sdk_auth::StoredToken::new(format!("{CANARY_TOKEN_PREFIX}xref"))
                        .with_subject("acct"),
                ))
                .expect("store");
                let client = xref_sdk::Client::builder()
                    .account("acct")
                    .client_id("xref-app")
                    .store(store)
                    .region(xref_sdk::Region::custom(server.base()).expect("region"))
                    .retry(retry)
                    .timeouts(timeouts)
                    .build()
                    .expect("xref client");
                let client = Arc::new(client);
                boxed(move || {
                    let c = client.clone();
                    Box::pin(async move {
                        c.raw(reqwest::Method::GET, "/candidates")
                            .send()
                            .await
                            .map(|_| ())
                    })
                })
            },
        },
        Provider {
            name: "xpkit",
            token_path: Some("/auth/api/token/"),
            refreshes: true,
            refreshes_on_403: true,
            initial_token_requests: 1,
            single_use_token: false,
            connect: |server, retry, timeouts, _| {
                let xp = xpkit_sdk::XpKit::builder()
                    .credentials(crate::CLIENT_ID, CANARY_SECRET)
                    .region(xpkit_sdk::Region::custom(server.base()).expect("origin"))
                    .retry(retry)
                    .timeouts(timeouts)
                    .build()
                    .expect("xpkit");
                let jobs = Arc::new(xp.jobs());
                boxed(move || {
                    let c = jobs.clone();
                    Box::pin(async move { c.list_jobs().send().await.map(|_| ()) })
                })
            },
        },
    ]
}
