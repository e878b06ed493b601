//! Test support for code that calls Xink (feature `mock`): typed httpmock helpers per
//! operation ([`MockServerExt`], generated from the spec) and [`MockXink`], a fake Xink on
//! loopback that already serves what the SDK's auth needs.
//!
//! ```
//! use xink_sdk::Value;
//! use xink_sdk::mock::{MockServerExt, MockXink, json};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), xink_sdk::Error> {
//! let xink = MockXink::start().await;
//! let list = xink.list_employees(|when, then| {
//!     when.offset(0).limit(500);
//!     then.ok(&json!([{"Email": "jane@example.com"}]).into());
//! });
//! let client = xink.client()?;
//! let page: Value = client.list_employees().send().await?.into_inner().0;
//! assert_eq!(page[0]["Email"], "jane@example.com");
//! list.assert_async().await;
//! assert_eq!(xink.token_requests().len(), 1);
//! # Ok(()) }
//! ```
//!
//! What [`MockXink`] plays:
//!
//! * `POST /OAuth/Token`: the client-credentials grant for [`CLIENT_ID`] and [`CLIENT_SECRET`]
//!   (form body or HTTP Basic), answering a new bearer token valid for an hour; other
//!   credentials get `401 invalid_client`.
//! * `GET /Discovery`: the fake itself as the account's `APIRoot` (only asked when the client's
//!   `auth_url` is set and its region is not).
//! * Every `/api/...` request without a live token of its own is answered
//!   `401 {"Message": "Authorization has been denied for this request."}`, before any mock of
//!   yours; [`MockXink::expire_tokens`] makes the SDK refresh.

#[allow(missing_docs, clippy::all)]
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;

pub use generated::*;
pub use sdk_auth::mock::httpmock;
/// `serde_json::json!`, for answers.
pub use serde_json::json;

use httpmock::MockServer;
use sdk_auth::mock::{
    Log, Override, Received, TokenMint, client_credentials_answer, credential, guard,
    json as answer,
};
use std::sync::Arc;

/// The client id [`MockXink`] accepts.
pub const CLIENT_ID: &str = "mock-api-user@SRV";
/// The client secret [`MockXink`] accepts.
pub const CLIENT_SECRET: &str = "mock-client-secret";

/// A fake Xink on loopback: its token endpoint, discovery, and an authorization check in front
/// of the API; the typed mocks of [`MockServerExt`] say what each operation answers. Derefs to
/// the [`MockServer`], which stops when this is dropped.
pub struct MockXink {
    server: MockServer,
    tokens: Arc<TokenMint>,
    token_requests: Arc<Log>,
    token_override: Arc<Override>,
}

sdk_auth::mock_server_handle!(MockXink);

impl MockXink {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let tokens = Arc::new(TokenMint::new("mock-xink-token-"));
        let token_requests = Arc::new(Log::default());
        let token_override = Arc::new(Override::default());
        let denied = json!({"Message": "Authorization has been denied for this request."});

        let live = tokens.clone();
        guard(&server, "^/api/", 401, denied.clone(), move |req| {
            credential(req, "Bearer").is_some_and(|t| live.is_live(&t))
        });

        let (mint, count, canned) = (
            tokens.clone(),
            token_requests.clone(),
            token_override.clone(),
        );
        server.mock(move |when, then| {
            when.method(httpmock::Method::POST).path("/OAuth/Token");
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
                    3600,
                    // Xink documents its legacy Basic form with the raw values.
                    crate::ClientAuth::BasicAuthRaw,
                )
            });
        });

        let (live, base) = (tokens.clone(), server.base_url());
        server.mock(move |when, then| {
            when.method(httpmock::Method::GET).path("/Discovery");
            then.respond_with(move |req| {
                if !credential(req, "Bearer").is_some_and(|t| live.is_live(&t)) {
                    return answer(401, &denied);
                }
                answer(
                    200,
                    &json!({"Success": true, "DataCenterID": "MOCK", "APIRoot": base}),
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
    /// A client builder with the fake's credentials, pointed at the fake
    /// (`Region::custom(base)`); add your own settings before `build()`.
    pub fn builder(&self) -> crate::ClientBuilder {
        let builder = crate::Client::builder().credentials(CLIENT_ID, CLIENT_SECRET);
        match crate::Region::custom(&self.server.base_url()) {
            Ok(region) => builder.region(region),
            // A loopback URL is always a valid custom region.
            Err(_) => builder,
        }
    }

    /// A client of the fake.
    pub fn client(&self) -> Result<crate::Client, crate::Error> {
        self.builder().build()
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
    /// answered 401 and the SDK fetches a new token once.
    pub fn expire_tokens(&self) {
        self.tokens.expire_all();
    }
}
