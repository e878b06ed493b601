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
