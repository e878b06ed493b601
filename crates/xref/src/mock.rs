//! Test support for code that calls Xref (feature `mock`): typed httpmock helpers per
//! operation ([`MockServerExt`], generated from the spec) and [`MockXref`], a fake Xref on
//! loopback that already serves what the SDK's auth needs — the account authorization, the
//! code exchange and the `Token` scheme.
//!
//! ```
//! use xref_sdk::mock::{MockServerExt, MockXref};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), xref_sdk::Error> {
//! let xref = MockXref::start().await;
//! let check = xref.check_auth(|_, then| {
//!     then.ok();
//! });
//! let client = xref.client().await?; // authorize, callback, code exchange: one token
//! client.check_auth().send().await?;
//! check.assert_async().await;
//! assert_eq!(xref.token_requests().len(), 1);
//! # Ok(()) }
//! ```
//!
//! What [`MockXref`] plays, on one origin (`Region::custom`):
//!
//! * `GET /oauth/open-api/{client_id}` (and [`MockXref::authorize`], without a browser): an
//!   account admin approves [`CLIENT_ID`]; redirects to [`REDIRECT_URL`] with a single-use code
//!   and the state.
//! * `POST /oauth/tokens`: the code exchange (JSON body with [`CLIENT_ID`], [`CLIENT_SECRET`] and
//!   an unused code), answering a token for [`ACCOUNT_ID`]; anything else is `400
//!   invalid_grant`.
//! * Every other request needs `Authorization: Token <live token>`; otherwise `401`, before any
//!   mock of yours. [`MockXref::revoke_tokens`] plays a deauthorized account.

#[allow(missing_docs, clippy::all)]
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;

pub use generated::*;
pub use sdk_auth::mock::httpmock;
/// `serde_json::json!`, for answers.
pub use serde_json::json;

use httpmock::MockServer;
use sdk_auth::mock::{
    Codes, Log, Override, Received, TokenMint, authorize_query, credential, guard, json as answer,
    redirect_answer, redirect_with_code,
};
use std::sync::Arc;

/// The partner client id [`MockXref`] accepts.
pub const CLIENT_ID: &str = "mock-xref-partner";
/// The partner client secret [`MockXref`] accepts.
pub const CLIENT_SECRET: &str = "mock-xref-secret";
/// The redirect URL registered for [`CLIENT_ID`].
pub const REDIRECT_URL: &str = "https://app.example/xref/callback";
/// The Xref account that approves every authorization.
pub const ACCOUNT_ID: &str = "mock-xref-account-1";

struct Shared {
    codes: Codes<()>,
    token_requests: Log,
    token_override: Override,
}

/// A fake Xref on loopback; the typed mocks of [`MockServerExt`] say what each operation
/// answers. Derefs to the [`MockServer`], which stops when this is dropped.
pub struct MockXref {
    server: MockServer,
    tokens: Arc<TokenMint>,
    shared: Arc<Shared>,
}

sdk_auth::mock_server_handle!(MockXref);

impl MockXref {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let tokens = Arc::new(TokenMint::new("mock-xref-token-"));
        let shared = Arc::new(Shared {
            codes: Codes::new("mock-xref-code-"),
            token_requests: Log::default(),
            token_override: Override::default(),
        });

        let live = tokens.clone();
        let invalid = json!({"error": "unauthorized", "message": "Invalid token"});
        guard(&server, "^/", 401, invalid, move |req| {
            let path = req.uri().path().to_owned();
            path == "/oauth/tokens"
                || path.starts_with("/oauth/open-api/")
                || credential(req, "Token").is_some_and(|t| live.is_live(&t))
        });

        let s = shared.clone();
        server.mock(move |when, then| {
            when.method(httpmock::Method::GET)
                .path(format!("/oauth/open-api/{CLIENT_ID}"));
            then.respond_with(move |req| redirect_answer(consent(&s, &req.uri().to_string())));
        });

        let (s, mint) = (shared.clone(), tokens.clone());
        server.mock(move |when, then| {
            when.method(httpmock::Method::POST).path("/oauth/tokens");
            then.respond_with(move |req| {
                s.token_requests.push(req);
                if let Some(answer) = s.token_override.answer() {
                    return answer;
                }
                let body: serde_json::Value =
                    serde_json::from_slice(req.body_ref()).unwrap_or_default();
                let text = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                let ok = text("client_id") == CLIENT_ID
                    && text("client_secret") == CLIENT_SECRET
                    && s.codes.take(text("code")).is_some();
                if !ok {
                    return answer(
                        400,
                        &json!({"error": "invalid_grant", "message": "Code is invalid or expired"}),
                    );
                }
                answer(
                    200,
                    &json!({"access_token": mint.issue(), "xref_account_id": ACCOUNT_ID}),
                )
            });
        });
        Self {
            server,
            tokens,
            shared,
        }
    }

    /// The fake as a region: `Region::custom(base)` (login and API on one origin).
    pub fn region(&self) -> Result<crate::Region, crate::Error> {
        crate::Region::custom(&self.server.base_url())
    }

    /// The partner app the fake knows: [`CLIENT_ID`], [`CLIENT_SECRET`], [`REDIRECT_URL`].
    pub fn app(&self) -> Result<crate::XrefApp, crate::Error> {
        crate::XrefApp::new(CLIENT_ID, CLIENT_SECRET, REDIRECT_URL)
    }

    /// A connector of [`app`](Self::app) against the fake, keeping account tokens in `store`.
    pub fn connector(
        &self,
        store: Arc<dyn crate::TokenStore>,
    ) -> Result<crate::Connector, crate::Error> {
        Ok(crate::Connector::new(self.app()?, store)?.region(self.region()?))
    }

    /// What the account admin's browser does at the authorize URL when they approve: the
    /// redirect the fake sends back (to [`REDIRECT_URL`], with a new single-use code and the
    /// state). An authorize URL the fake would refuse is an error saying why.
    pub fn authorize(&self, authorize_url: &str) -> Result<String, crate::Error> {
        consent(&self.shared, authorize_url).map_err(crate::Error::config)
    }

    /// A client of [`ACCOUNT_ID`], connected the way your app connects one: authorize URL,
    /// approval, callback and code exchange, with the token in an in-memory store.
    pub async fn client(&self) -> Result<crate::Client, crate::Error> {
        let connector = self.connector(Arc::new(crate::InMemoryTokenStore::new()))?;
        let pending = connector.authorize_url()?;
        let redirect = self.authorize(pending.url().as_str())?;
        let redirect =
            url::Url::parse(&redirect).map_err(|e| crate::Error::config(e.to_string()))?;
        let account = connector
            .handle_callback_url(&redirect, pending.state())
            .await?;
        connector.client(&account.xref_account_id)
    }

    /// The code exchanges the fake received, in order (refused ones included).
    pub fn token_requests(&self) -> Vec<Received> {
        self.shared.token_requests.all()
    }

    /// From now on every code exchange is answered `status` with `body` of `content_type`
    /// (an HTML page, a 500, a token answer without a token…), until
    /// [`clear_token_answer`](Self::clear_token_answer).
    pub fn answer_token_requests(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        self.shared.token_override.set(status, content_type, body);
    }

    /// Code exchanges get the fake's own answers again.
    pub fn clear_token_answer(&self) {
        self.shared.token_override.clear();
    }

    /// How many authorization codes the fake issued.
    pub fn codes_issued(&self) -> usize {
        self.shared.codes.issued()
    }

    /// Every token issued so far stops working, as when an account deauthorizes the app: the
    /// next call is answered 401, an error that asks for a new authorization.
    pub fn revoke_tokens(&self) {
        self.tokens.expire_all();
    }
}

/// The approval step: checks the authorize URL and returns the redirect.
fn consent(shared: &Shared, authorize_url: &str) -> Result<String, String> {
    let (url, query) = authorize_query(authorize_url)?;
    if url.path() != format!("/oauth/open-api/{CLIENT_ID}") {
        return Err(format!("the path is not /oauth/open-api/{CLIENT_ID}"));
    }
    let state = query
        .get("state")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| "no state".to_owned())?;
    redirect_with_code(REDIRECT_URL, &shared.codes.issue(()), state)
}
