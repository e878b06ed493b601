//! Typed async client for the Xref Open API (reference checks).
//!
//! Xref authorizes a whole **account**: a user of the account approves your platform, and the
//! token that comes back is that account's key until you deauthorize it. This crate makes the
//! flow safe and boring: random single-use `state`, code exchange, tokens stored per account
//! ([`TokenStore`]), `Authorization: Token …` on every call, a typed re-authorization error when
//! Xref rejects a token, and deauthorization that cleans up the store.
//!
//! # Quickstart: the whole flow in an axum app
//!
//! ```no_run
//! use axum::extract::{RawQuery, State};
//! use axum::http::{HeaderMap, header};
//! use axum::response::{IntoResponse, Redirect};
//! use axum::{Router, routing::get};
//! use std::sync::Arc;
//! use xref_sdk::{Connector, InMemoryTokenStore, TokenStore, XrefApp};
//!
//! type Shared = Arc<Connector>;
//! const STATE_COOKIE: &str = "xref_state";
//!
//! // "Connect Xref" button: send the user to Xref with a fresh state, and bind that state to
//! // this browser (an HttpOnly cookie here; a server-side session works the same way).
//! async fn connect(State(xref): State<Shared>) -> Result<impl IntoResponse, String> {
//!     let auth = xref.authorize_url().map_err(|e| e.to_string())?;
//!     let cookie = format!(
//!         "{STATE_COOKIE}={}; HttpOnly; Secure; SameSite=Lax; Path=/xref; Max-Age=600",
//!         auth.state()
//!     );
//!     Ok(([(header::SET_COOKIE, cookie)], Redirect::to(auth.url().as_str())))
//! }
//!
//! // The state this browser was given, from its cookie.
//! fn session_state(headers: &HeaderMap) -> String {
//!     headers
//!         .get_all(header::COOKIE)
//!         .iter()
//!         .filter_map(|v| v.to_str().ok())
//!         .flat_map(|v| v.split(';'))
//!         .find_map(|c| c.trim().strip_prefix("xref_state=").map(str::to_owned))
//!         .unwrap_or_default()
//! }
//!
//! // The registered redirect URL: the returned state must be this browser's and one we
//! // issued (single use, expiring); then the code is exchanged and the token stored.
//! async fn callback(
//!     State(xref): State<Shared>,
//!     headers: HeaderMap,
//!     RawQuery(query): RawQuery,
//! ) -> Result<String, String> {
//!     let account = xref
//!         .handle_callback(query.as_deref().unwrap_or(""), &session_state(&headers))
//!         .await
//!         .map_err(|e| e.to_string())?;
//!     let client = xref.client(&account.xref_account_id).map_err(|e| e.to_string())?;
//!     client.check_auth().send().await.map_err(|e| xref_sdk::Error::from(e).to_string())?;
//!     Ok(format!("connected {}", account.xref_account_id))
//! }
//!
//! // Disconnect: Xref revokes the token, then it leaves the store.
//! async fn disconnect(State(xref): State<Shared>, RawQuery(account): RawQuery) -> Result<&'static str, String> {
//!     let client = xref.client(account.as_deref().unwrap_or("")).map_err(|e| e.to_string())?;
//!     client.deauthorize().await.map_err(|e| e.to_string())?;
//!     Ok("disconnected")
//! }
//!
//! # async fn run() -> Result<(), xref_sdk::Error> {
//! let store: Arc<dyn TokenStore> = Arc::new(InMemoryTokenStore::new()); // use durable storage
//! let app = XrefApp::new("client-id", "client-secret", "https://partner.example/xref/callback")?;
//! let xref = Arc::new(Connector::new(app, store)?);
//! let router: Router = Router::new()
//!     .route("/xref/connect", get(connect))
//!     .route("/xref/callback", get(callback))
//!     .route("/xref/disconnect", get(disconnect))
//!     .with_state(xref);
//! # let _ = router;
//! # Ok(()) }
//! ```
//!
//! # Operations
//!
//! | call | route |
//! |---|---|
//! | [`Connector::authorize_url`] | browser: `https://login.xref.com/oauth/open-api/{client_id}?state=…` |
//! | [`Connector::handle_callback`] | `POST /oauth/tokens` (JSON body) |
//! | [`Client::check_auth`] | `POST /auth` |
//! | [`Client::deauthorize`] | `POST /oauth/deauthorize` |
//! | [`Client::raw`] | anything else on `https://api-open.xref.com` |
//!
//! Xref's resource endpoints (the reference checks themselves) are not publicly documented and
//! are not invented here: add them to `specs/xref.yaml` when the reference is available, or use
//! [`Client::raw`] meanwhile.

mod auth;
#[allow(missing_docs)] // generated builders and fields have no docs
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;
mod manual;
mod region;

pub use auth::{
    AuthState, Authorization, ClientBuilder, ClientId, ClientSecret, ConnectedAccount, Connector,
    DEFAULT_STATE_TTL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URL, PROVIDER, XrefApp,
    account_store_key, parse_token_response,
};
/// The stream traits that consume every `*_stream` method.
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use generated::*;
pub use region::{API_URL, LOGIN_URL, Region};
/// The HTTP client crate: `http_client` options take a [`reqwest::ClientBuilder`].
pub use reqwest::{self, Method};
/// The error of every call, generated or hand-written: provider, operation, kind, status,
/// message, code, request id and attempts, with the cause as its `source()`.
pub use sdk_auth::Error;
pub use sdk_auth::PendingStates;
pub use sdk_auth::{
    AccessToken, Clock, ErrorKind, InMemoryTokenStore, IntoOptional, ManualClock, Multipart,
    RateLimit, RawRequest, RawResponse, RefreshPolicy, RefreshToken, RetryPolicy, StoredToken,
    Timeouts, Token, TokenStore,
};
/// JSON: free-form answers are [`Value`]s; [`serde_json::json!`] builds free-form fields.
pub use serde_json::{self, Value};
/// URLs returned by the SDK (inputs take `&str`).
pub use url::{self, Url};
