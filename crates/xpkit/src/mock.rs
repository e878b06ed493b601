//! Test support for code that calls XPKit (feature `mock`): typed httpmock helpers per
//! operation of each service (`xpkit_sdk::<service>::mock::MockServerExt`, generated from the
//! specs) and [`MockXpKit`], a fake XPKit region on loopback that already serves what the SDK's
//! auth needs.
//!
//! ```
//! use xpkit_sdk::mock::{MockXpKit, json};
//! use xpkit_sdk::profiles::mock::MockServerExt as _;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), xpkit_sdk::Error> {
//! let xp = MockXpKit::start().await;
//! xp.read_profile(|when, then| {
//!     when.resource_id("p 1");
//!     then.error(404, json!({"error": "Not found"}));
//! });
//! let e = xp.client()?.profiles().read_profile().resource_id("p 1").send().await.unwrap_err();
//! assert_eq!(e.status(), Some(404));
//! assert_eq!(xp.token_requests().len(), 1);
//! # Ok(()) }
//! ```
//!
//! What [`MockXpKit`] plays, on one origin (`Region::custom`: each service under
//! `/<service>`):
//!
//! * `POST /auth/api/token/`: the client-credentials grant for [`CLIENT_ID`] and
//!   [`CLIENT_SECRET`] (form body or HTTP Basic), answering a new bearer token; other
//!   credentials get `401 invalid_client`.
//! * Every other `/<service>/api/...` request without a live token of its own is answered
//!   `403`, as XPKit answers an expired token, before any mock of yours;
//!   [`MockXpKit::expire_tokens`] makes the SDK fetch a new token once.
//!
//! The end-user login ([`UserLogin`](crate::UserLogin)) is not played.

pub use sdk_auth::mock::httpmock;
/// `serde_json::json!`, for answers.
pub use serde_json::json;

use httpmock::MockServer;
use sdk_auth::mock::{
    Log, Override, Received, TokenMint, client_credentials_answer, credential, guard,
};
use std::sync::Arc;

/// The client id [`MockXpKit`] accepts.
pub const CLIENT_ID: &str = "mock-xpkit-app";
/// The client secret [`MockXpKit`] accepts.
pub const CLIENT_SECRET: &str = "mock-xpkit-secret";
/// The token endpoint's path on the fake.
const TOKEN_PATH: &str = "/auth/api/token/";

/// A fake XPKit region on loopback: the regional token endpoint and an authorization check in
/// front of every service; the typed mocks of each service's `mock::MockServerExt` say what
/// each operation answers. Derefs to the [`MockServer`], which stops when this is dropped.
pub struct MockXpKit {
    server: MockServer,
    tokens: Arc<TokenMint>,
    token_requests: Arc<Log>,
    token_override: Arc<Override>,
}

sdk_auth::mock_server_handle!(MockXpKit);

impl MockXpKit {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let tokens = Arc::new(TokenMint::new("mock-xpkit-token-"));
        let token_requests = Arc::new(Log::default());
        let token_override = Arc::new(Override::default());

        let live = tokens.clone();
        let forbidden =
            json!({"error": "Forbidden", "description": "Token expired or missing permission"});
        guard(&server, "^/[a-z_]+/api/", 403, forbidden, move |req| {
            req.uri().path() == TOKEN_PATH
                || credential(req, "Bearer").is_some_and(|t| live.is_live(&t))
        });

        let (mint, count, canned) = (
            tokens.clone(),
            token_requests.clone(),
            token_override.clone(),
        );
        server.mock(move |when, then| {
            when.method(httpmock::Method::POST).path(TOKEN_PATH);
            then.respond_with(move |req| {
                count.push(req);
                if let Some(answer) = canned.answer() {
                    return answer;
                }
                client_credentials_answer(
                    req,
                    CLIENT_ID,
                    CLIENT_SECRET,
                    &mint,
                    36000,
                    sdk_auth::ClientAuth::BasicAuth,
                )
            });
        });
        Self {
            server,
            tokens,
            token_requests,
            token_override,
        }
    }

    /// The fake as a region: `Region::custom(base)`.
    pub fn region(&self) -> Result<crate::Region, crate::Error> {
        crate::Region::custom(&self.server.base_url())
    }

    /// A builder with the fake's credentials and region; add your own settings before
    /// `build()`.
    pub fn builder(&self) -> Result<crate::XpKitBuilder, crate::Error> {
        Ok(crate::XpKit::builder()
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .region(self.region()?))
    }

    /// A handle on the fake (its service clients share one token).
    pub fn client(&self) -> Result<crate::XpKit, crate::Error> {
        self.builder()?.build()
    }

    /// The token requests the fake received, in order (refused ones included).
    pub fn token_requests(&self) -> Vec<Received> {
        self.token_requests.all()
    }

    /// From now on every token request is answered `status` with `body` of `content_type`
    /// (an HTML page, a 500, a token answer without a token…), until
    /// [`clear_token_answer`](Self::clear_token_answer).
    pub fn answer_token_requests(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        self.token_override.set(status, content_type, body);
    }

    /// Token requests get the fake's own answers again.
    pub fn clear_token_answer(&self) {
        self.token_override.clear();
    }

    /// How many tokens the fake issued.
    pub fn tokens_issued(&self) -> usize {
        self.tokens.issued()
    }

    /// Every token issued so far stops working, as if it had expired: the next call is
    /// answered 403 and the SDK fetches a new token once.
    pub fn expire_tokens(&self) {
        self.tokens.expire_all();
    }
}
