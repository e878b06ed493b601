//! Test support for code that calls iinked Sign (feature `mock`): typed httpmock helpers per
//! operation ([`MockServerExt`], generated from the spec) and [`MockIinkedSign`], a fake iinked
//! Sign on loopback that already serves what the SDK's auth needs — the OAuth authorization
//! code flow with PKCE, refresh with rotation, and API keys.
//!
//! An OAuth flow end to end, as your code would run it:
//!
//! ```
//! use iinked_sign_sdk::mock::{MockIinkedSign, MockServerExt};
//! use iinked_sign_sdk::{InMemoryTokenStore, types};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), iinked_sign_sdk::Error> {
//! let iinked = MockIinkedSign::start().await;
//! let store = Arc::new(InMemoryTokenStore::new());
//! let flow = iinked.flow(store.clone())?;
//! let pending = flow.begin().await?; // state and PKCE verifier kept in the store
//! let redirect = iinked.authorize(pending.url().as_str())?; // the user says yes
//! flow.finish(&redirect, pending.state(), "user-1").await?; // code + verifier exchanged
//!
//! let empty = types::PackageList { items: vec![], skip: None, take: Some(10), total: Some(0) };
//! iinked.list_packages(|when, then| {
//!     when.body(&types::ListPackagesRequest::builder().take(10).try_into().unwrap());
//!     then.ok(&empty);
//! });
//! let client = iinked.oauth_client(store, "user-1")?;
//! let list = client.list_packages().body(types::ListPackagesRequest::builder().take(10)).send().await?;
//! assert_eq!(list.into_inner().total, Some(0));
//! assert_eq!(iinked.token_requests().len(), 1);
//! # Ok(()) }
//! ```
//!
//! What [`MockIinkedSign`] plays:
//!
//! * `GET /connect/authorize` (and [`MockIinkedSign::authorize`], without a browser): checks the
//!   client id, the redirect URI, `response_type=code` and an `S256` PKCE challenge, and
//!   redirects to [`REDIRECT_URI`] with a single-use code and the state.
//! * `POST /connect/token`: the code exchange (the code's redirect URI, and the verifier must
//!   hash to the challenge) and the refresh grant (each refresh token works once: rotation),
//!   for [`CLIENT_ID`] and [`CLIENT_SECRET`] in the form body or as HTTP Basic; anything else is
//!   `400 invalid_grant` or `401 invalid_client`.
//! * Every `/api/v1/...` request needs either the `api_key` header with [`API_KEY`] or a live
//!   bearer token, not both; otherwise `401`, before any mock of yours.
//!   [`MockIinkedSign::expire_tokens`] makes the SDK refresh.

#[allow(missing_docs, clippy::all)]
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;

pub use generated::*;
pub use sdk_auth::mock::httpmock;
/// `serde_json::json!`, for answers.
pub use serde_json::json;

use httpmock::{HttpMockRequest, HttpMockResponse, MockServer};
use sdk_auth::mock::{
    Codes, Log, Override, Received, TokenMint, authorize_query, client_authenticated, credential,
    form, guard, header, json as answer, pkce_s256_matches, redirect_answer, redirect_with_code,
};
use std::sync::Arc;

/// The OAuth client id [`MockIinkedSign`] accepts.
pub const CLIENT_ID: &str = "mock-iinked-client";
/// The OAuth client secret [`MockIinkedSign`] accepts.
pub const CLIENT_SECRET: &str = "mock-iinked-secret";
/// The redirect URI registered for [`CLIENT_ID`].
pub const REDIRECT_URI: &str = "https://app.example/iinked/callback";
/// The API key [`MockIinkedSign`] accepts.
pub const API_KEY: &str = "mock-iinked-api-key";

/// What a pending code was issued for: the PKCE challenge and the redirect URI.
struct Grant {
    challenge: String,
    redirect_uri: String,
}

struct Shared {
    codes: Codes<Grant>,
    token_requests: Log,
    token_override: Override,
}

/// A fake iinked Sign on loopback (one origin: `/connect/*` and `/api/v1`); the typed mocks of
/// [`MockServerExt`] say what each operation answers. Derefs to the [`MockServer`], which stops
/// when this is dropped.
pub struct MockIinkedSign {
    server: MockServer,
    access: Arc<TokenMint>,
    shared: Arc<Shared>,
}

sdk_auth::mock_server_handle!(MockIinkedSign);

impl MockIinkedSign {
    /// Starts the fake on a free loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start_async().await;
        let access = Arc::new(TokenMint::new("mock-iinked-access-"));
        let refresh = Arc::new(TokenMint::new("mock-iinked-refresh-"));
        let shared = Arc::new(Shared {
            codes: Codes::new("mock-iinked-code-"),
            token_requests: Log::default(),
            token_override: Override::default(),
        });

        let live = access.clone();
        guard(
            &server,
            "^/api/v1/",
            401,
            json!({"message": "Unauthorized"}),
            move |req| {
                // The key or a live bearer token, never both.
                match (
                    header(req, crate::auth::API_KEY_HEADER),
                    credential(req, "Bearer"),
                ) {
                    (Some(key), None) => key == API_KEY,
                    (None, Some(token)) => live.is_live(&token),
                    _ => false,
                }
            },
        );

        let s = shared.clone();
        server.mock(move |when, then| {
            when.method(httpmock::Method::GET)
                .path("/connect/authorize");
            then.respond_with(move |req| redirect_answer(consent(&s, &req.uri().to_string())));
        });

        let (s, a, r) = (shared.clone(), access.clone(), refresh.clone());
        server.mock(move |when, then| {
            when.method(httpmock::Method::POST).path("/connect/token");
            then.respond_with(move |req| token(&s, &a, &r, req));
        });
        Self {
            server,
            access,
            shared,
        }
    }

    /// The fake as a region: `Region::custom(base)`.
    pub fn region(&self) -> Result<crate::Region, crate::Error> {
        crate::Region::custom(&self.server.base_url())
    }

    /// The app the fake knows: [`CLIENT_ID`], [`CLIENT_SECRET`], [`REDIRECT_URI`].
    pub fn app(&self) -> crate::OAuthApp {
        crate::OAuthApp::new(CLIENT_ID, REDIRECT_URI).client_secret(CLIENT_SECRET)
    }

    /// The authorization-code flow of [`app`](Self::app) against the fake, keeping tokens and
    /// pending authorizations in `store`.
    pub fn flow(
        &self,
        store: Arc<dyn crate::TokenStore>,
    ) -> Result<crate::OAuthFlow, crate::Error> {
        crate::OAuthFlow::new(self.region()?, self.app(), store)
    }

    /// What the user's browser does at the authorize URL when they consent: the redirect the
    /// fake sends back (to [`REDIRECT_URI`], with a new single-use code and the state). An
    /// authorize URL the fake would refuse is an error saying why.
    pub fn authorize(&self, authorize_url: &str) -> Result<String, crate::Error> {
        consent(&self.shared, authorize_url).map_err(crate::Error::config)
    }

    /// A client builder pointed at the fake; add the mode (`.api_key(..)` or `.oauth(..)`) and
    /// your own settings before `build()`.
    pub fn builder(&self) -> crate::ClientBuilder {
        match self.region() {
            Ok(region) => crate::Client::builder().region(region),
            // A loopback URL is always a valid custom region.
            Err(_) => crate::Client::builder(),
        }
    }

    /// A client of the fake with [`API_KEY`].
    pub fn api_key_client(&self) -> Result<crate::Client, crate::Error> {
        self.builder().api_key(API_KEY).build()
    }

    /// A client of the fake with the OAuth tokens stored under `key` (by [`flow`](Self::flow)).
    pub fn oauth_client(
        &self,
        store: Arc<dyn crate::TokenStore>,
        key: &str,
    ) -> Result<crate::Client, crate::Error> {
        self.builder().oauth(self.app(), store, key).build()
    }

    /// The token requests the fake received, in order (code exchanges and refreshes, refused
    /// ones included).
    pub fn token_requests(&self) -> Vec<Received> {
        self.shared.token_requests.all()
    }

    /// From now on every token request is answered `status` with `body` of `content_type`
    /// (an HTML page, a 500, a token answer without a token…), until
    /// [`clear_token_answer`](Self::clear_token_answer).
    pub fn answer_token_requests(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        self.shared.token_override.set(status, content_type, body);
    }

    /// Token requests get the fake's own answers again.
    pub fn clear_token_answer(&self) {
        self.shared.token_override.clear();
    }

    /// How many authorization codes the fake issued.
    pub fn codes_issued(&self) -> usize {
        self.shared.codes.issued()
    }

    /// Every access token issued so far stops working, as if it had expired: the next call is
    /// answered 401 and the SDK refreshes once.
    pub fn expire_tokens(&self) {
        self.access.expire_all();
    }
}

/// The consent step: checks the authorize URL and returns the redirect.
fn consent(shared: &Shared, authorize_url: &str) -> Result<String, String> {
    let (_, query) = authorize_query(authorize_url)?;
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    if get("client_id") != CLIENT_ID {
        return Err(format!("unknown client_id (the fake knows `{CLIENT_ID}`)"));
    }
    if get("redirect_uri") != REDIRECT_URI {
        return Err(format!("redirect_uri is not `{REDIRECT_URI}`"));
    }
    if get("response_type") != "code" {
        return Err("response_type is not `code`".into());
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
        return Err("no S256 PKCE challenge".into());
    }
    if get("state").is_empty() {
        return Err("no state".into());
    }
    let code = shared.codes.issue(Grant {
        challenge: get("code_challenge").to_owned(),
        redirect_uri: get("redirect_uri").to_owned(),
    });
    redirect_with_code(REDIRECT_URI, &code, get("state"))
}

/// `POST /connect/token`.
fn token(
    shared: &Shared,
    access: &TokenMint,
    refresh: &TokenMint,
    req: &HttpMockRequest,
) -> HttpMockResponse {
    shared.token_requests.push(req);
    if let Some(answer) = shared.token_override.answer() {
        return answer;
    }
    if !client_authenticated(req, CLIENT_ID, CLIENT_SECRET, crate::ClientAuth::BasicAuth) {
        return answer(401, &json!({"error": "invalid_client"}));
    }
    let f = form(req);
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    let granted = match get("grant_type") {
        "authorization_code" => shared.codes.take(get("code")).is_some_and(|g| {
            g.redirect_uri == get("redirect_uri")
                && pkce_s256_matches(get("code_verifier"), &g.challenge)
        }),
        "refresh_token" => refresh.retire(get("refresh_token")),
        _ => return answer(400, &json!({"error": "unsupported_grant_type"})),
    };
    if !granted {
        return answer(400, &json!({"error": "invalid_grant"}));
    }
    answer(
        200,
        &json!({
            "access_token": access.issue(),
            "refresh_token": refresh.issue(),
            "token_type": "Bearer",
            "expires_in": 3600,
        }),
    )
}
