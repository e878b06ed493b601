//! Independent judges the suite runs against: servers nobody on this project wrote, installed
//! from the npm registry into `tests/judges/node_modules` (`npm ci --prefix tests/judges`,
//! which `.ci/run` does), started by the tests and stopped by process id. A missing judge is a
//! test failure, never a skip.
//!
//! * [`OAuthJudge`]: oidc-provider, a certified OpenID Connect / OAuth 2.0 authorization
//!   server, configured by `tests/judges/oauth-server.mjs` with a provider's routes, with
//!   refresh-token rotation and its reuse detection on.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The client secret of every confidential judge client: it needs form-urlencoding in HTTP
/// Basic (RFC 6749 §2.3.1), so a client that sends it raw is refused.
pub const JUDGE_SECRET: &str = "judge+s%e:c/r t";
/// The redirect URI every judge client registered.
pub const JUDGE_REDIRECT: &str = "https://app.example/callback";

/// The judges' directory (`tests/judges`).
pub fn judges_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("judges")
}

fn installed(package: &str) -> PathBuf {
    let path = judges_dir().join("node_modules").join(package);
    assert!(
        path.exists(),
        "the judge `{package}` is not installed: run `npm ci --prefix tests/judges` (.ci/run does)"
    );
    path
}

/// A running oidc-provider.
pub struct OAuthJudge {
    child: Child,
    base: String,
}

impl OAuthJudge {
    /// Starts the judge with a provider's routes (`iinked`: `/connect/authorize`,
    /// `/connect/token`; `xpkit`: `/auth/authorize/`, `/auth/api/token/`) and access tokens
    /// living `access_ttl` seconds.
    pub fn start(profile: &str, access_ttl: u64) -> Self {
        installed("oidc-provider");
        let mut child = Command::new("node")
            .arg("oauth-server.mjs")
            .arg(profile)
            .current_dir(judges_dir())
            .env("JUDGE_ACCESS_TTL", access_ttl.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start node ({e}): install Node.js; .ci/run needs it")
            });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the judge's first line");
        // Keep reading what it prints: a closed pipe would end the judge at its next notice.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stdout.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the OAuth judge did not start: {line:?}"))
            .to_owned();
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `http://127.0.0.1:<port>`: the issuer, and the origin of every route.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// What the server counted: `grants` by grant type, `reuse` (a consumed refresh token or
    /// code presented again), `revoked` grants, `errors`.
    pub async fn stats(&self) -> serde_json::Value {
        reqwest::get(format!("{}/judge/stats", self.base))
            .await
            .expect("judge stats")
            .json()
            .await
            .expect("judge stats JSON")
    }

    /// Plays the browser: opens the authorize URL, follows the server's own redirects (the
    /// judge approves login and consent at once) with its cookies, and returns the URL it
    /// finally redirects to on the app's redirect URI (with `code`, `state` and `iss`).
    pub async fn approve(&self, authorize_url: &str) -> String {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let mut cookies: Vec<(String, String)> = Vec::new();
        let mut url = authorize_url.to_owned();
        for _ in 0..10 {
            if url.starts_with(JUDGE_REDIRECT) {
                return url;
            }
            let cookie = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = http
                .get(&url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("judge authorize");
            for value in response.headers().get_all("set-cookie") {
                let text = value.to_str().unwrap_or_default();
                if let Some((pair, _)) = text.split_once(';').or(Some((text, "")))
                    && let Some((k, v)) = pair.split_once('=')
                {
                    cookies.retain(|(name, _)| name != k);
                    cookies.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
            let status = response.status();
            let Some(location) = response.headers().get("location") else {
                let body = response.text().await.unwrap_or_default();
                panic!("the judge answered {status} without a redirect: {body}");
            };
            let location = location.to_str().expect("location").to_owned();
            url = url::Url::parse(&url)
                .and_then(|base| base.join(&location))
                .expect("redirect URL")
                .to_string();
        }
        panic!("the judge kept redirecting");
    }
}

impl Drop for OAuthJudge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running Prism (`@stoplight/prism-cli`): a mock server that validates every request
/// against one spec (parameters, bodies, content types, security) and answers random
/// schema-valid data (`--dynamic`).
pub struct SpecJudge {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl SpecJudge {
    /// Starts Prism on `spec` (a path relative to the workspace root). Call
    /// [`ready`](Self::ready) before use.
    pub fn start(spec: &str) -> Self {
        installed("@stoplight/prism-cli");
        let port = free_port();
        let spec = judges_dir().join("../..").join(spec);
        let child = Command::new("node")
            .arg(judges_dir().join("node_modules/@stoplight/prism-cli/dist/index.js"))
            .args(["mock", "--dynamic", "--errors", "-h", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .arg(&spec)
            .current_dir(judges_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start node ({e}): install Node.js; .ci/run needs it")
            });
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until the server accepts connections (Prism takes seconds to start).
    pub async fn ready(&mut self) {
        let addr = self.base.trim_start_matches("http://").to_owned();
        for _ in 0..600 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Prism exited ({status}) before it listened on {addr}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("Prism did not listen on {addr} within 60 s");
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Drop for SpecJudge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback proxy in front of several spec judges: a request whose path starts with a
/// route's prefix goes, without the prefix, to that route's judge (Prism serves a spec's paths
/// from its root; the SDKs put a provider's base path, iinked Sign's `/api/v1` or XPKit's
/// `/<service>`, in front). [`corrupt`](Self::corrupt) replaces every success body with one
/// that is not JSON: the self-check that a wrong answer fails decoding.
pub struct JudgeProxy {
    base: String,
    corrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
    _server: tokio::task::JoinHandle<()>,
}

impl JudgeProxy {
    /// Serves `routes` (`(prefix, judge base)`, longest prefix first wins).
    pub async fn start(mut routes: Vec<(String, String)>) -> Self {
        use axum::body::Bytes;
        use axum::http::{HeaderMap, Method, StatusCode, Uri};
        routes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let routes = std::sync::Arc::new(routes);
        let corrupt = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let (r, c) = (routes.clone(), corrupt.clone());
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (routes, corrupt, http) = (r.clone(), c.clone(), http.clone());
                async move {
                    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                    let Some((prefix, judge)) =
                        routes.iter().find(|(p, _)| path.starts_with(p.as_str()))
                    else {
                        return (
                            StatusCode::NOT_FOUND,
                            HeaderMap::new(),
                            Bytes::from_static(b"no judge"),
                        );
                    };
                    let rest = &path[prefix.len()..];
                    let mut request = http.request(method, format!("{judge}{rest}")).body(body);
                    for (name, value) in &headers {
                        if name != "host" && name != "content-length" {
                            request = request.header(name, value);
                        }
                    }
                    let response = request.send().await.expect("the judge answers");
                    let status = StatusCode::from_u16(response.status().as_u16()).expect("status");
                    let mut out = HeaderMap::new();
                    for (name, value) in response.headers() {
                        if name != "content-length"
                            && name != "transfer-encoding"
                            && name != "connection"
                        {
                            out.append(name, value.clone());
                        }
                    }
                    let mut bytes = response.bytes().await.unwrap_or_default();
                    if status.is_success() && corrupt.load(std::sync::atomic::Ordering::SeqCst) {
                        bytes = Bytes::from_static(b"{\"judge\": [1, 2");
                    }
                    (status, out, bytes)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base,
            corrupt,
            _server: server,
        }
    }

    /// The proxy's origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Turns answer corruption on or off.
    pub fn corrupt(&self, on: bool) {
        self.corrupt.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}
