//! `sdk-auth`: the provider-neutral auth layer of the provider SDK workspace.
//!
//! Every provider crate (`xink-sdk`, ...) is a progenitor-generated client whose inner type
//! holds an [`AuthHooks`]; its `ClientHooks` impl delegates to it. This crate knows nothing about
//! any provider. Its pieces:
//!
//! | piece | what it does |
//! |---|---|
//! | [`ClientSecret`], [`AccessToken`], [`RefreshToken`], [`ApiKey`] | secrets with redacted `Debug`, no `Display`, no `Serialize` (on [`secrecy`]) |
//! | [`TokenSource`], [`ClientCredentials`] | fetch a fresh token; the client-credentials grant (form body or HTTP Basic) |
//! | [`parse_token_response`] | tolerant RFC 6749 token-response parser (`expires_in` number or string) |
//! | [`TokenCache`] | refresh ahead of expiry, single flight, invalidate on rejection, keep a valid token on transient failure |
//! | [`Session`] | a token and the API root it belongs to, cached together (providers with discovery) |
//! | [`AuthHooks`] | what `ClientHooks::pre`/`exec`/`post` do: auth header, one refresh-and-resend on 401 (configurable 403) |
//! | [`RawRequest`] | any method and path under the API root, JSON or multipart, through the same hooks |
//! | [`AuthorizationCodeClient`] | authorization code + PKCE: authorize URL with random state, constant-time single-use state check, code exchange, refresh |
//! | [`PendingStates`] | server-side CSRF states: random, single use, expiring, constant-time check |
//! | [`TokenStore`], [`InMemoryTokenStore`], [`StoredTokenSource`] | tokens that outlive the process, keyed by account; rotated refresh tokens written back under the store's lease, re-read under it |
//! | [`FileTokenStore`], `RedisTokenStore` (feature `redis`), [`EncryptionKey`] | stores other processes share: versions and compare-and-set, leases, single-use records, optional sealing; [`check_store_contract`] tests any store |
//! | [`SharedSessions`] | one client-credentials fetch for a fleet: adopt the stored session, or fetch under the lease while the others wait |
//! | [`Paged`] | the one paging engine behind every `*_stream` (page, empty-page and repeated-cursor bounds) |
//! | [`IntoOptional`] | what optional setters of generated builders accept (`&str` included) |
//! | [`Error`] | one error type: kind, provider, operation, status, provider code and message, request id |
//!
//! # Example: a cached client-credentials token
//!
//! Provider crates wire this up for their users; this is what they do underneath.
//!
//! ```no_run
//! use sdk_auth::{ClientCredentials, ClientId, ClientSecret, Expiring, RefreshPolicy, TokenCache};
//!
//! # async fn run() -> Result<(), sdk_auth::Error> {
//! // The SDK's client: no redirects, timeouts, and the TLS backend of the cargo features.
//! let http = sdk_auth::http::client("my-app/1.0", &sdk_auth::Timeouts::default())?;
//! let grant = ClientCredentials::new(
//!     http,
//!     "example",
//!     "https://auth.example.com/oauth/token".parse().expect("URL"),
//!     ClientId::new("my-client"),
//!     ClientSecret::new("my-secret"),
//! )?
//! .scopes(["read", "write"]);
//!
//! let cache = TokenCache::new(
//!     move || {
//!         let grant = grant.clone();
//!         Box::pin(async move {
//!             let token = grant.request_token().await?;
//!             let lifetime = token.expires_in;
//!             Ok(Expiring { value: token, lifetime })
//!         }) as futures::future::BoxFuture<'static, _>
//!     },
//!     RefreshPolicy::default(),
//! );
//! let token = cache.get().await?; // fetched once, then reused until shortly before expiry
//! # let _ = token;
//! # Ok(()) }
//! ```
//!
//! Crates used rather than written: [`secrecy`] for secrets, `reqwest` 0.13 (the one the
//! generated clients use; rustls on aws-lc-rs by default, or ring or native-tls by feature), `futures`' `Shared` for single flight, `fastrand` for
//! jitter. The `oauth2` crate is not used: its default features build a second reqwest, and the
//! providers' token requests are a few lines each with quirks (Xink's Basic variant, Xref's
//! non-RFC response) that are simpler written directly.
//!
//! # Security
//!
//! * Secrets never appear in `Debug`, `Display`, errors or logs; auth headers are marked
//!   sensitive; bodies of token responses are never copied into errors.
//! * Credentials are sent only over `https`, or plain `http` to loopback (tests); see
//!   [`http::ensure_secure`].
//! * [`AuthHooks::pre`] refuses to attach credentials to a request whose origin is not the
//!   session's API root.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Chainable setters of a `#[non_exhaustive]` struct with public fields, so that code outside
/// the crate can build one from its default and still compile when a field is added. Policies
/// name them after the field (`Timeouts::default().total(..)`, like `RetryPolicy`); data values
/// use `with_<field>` (`StoredToken::new(..).with_refresh_token(..)`).
macro_rules! with_setters {
    ($ty:ty { $($(#[$doc:meta])* $name:ident: $field:ident: $arg:ty => $value:expr;)* }) => {
        impl $ty {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(mut self, $field: $arg) -> Self {
                    self.$field = $value;
                    self
                }
            )*
        }
    };
}

/// A mutex's guard, also after a panic elsewhere poisoned it (the data stays consistent: every
/// critical section here is a plain read or write).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

mod cache;
mod codec;
mod error;
mod file_store;
mod fleet;
mod hooks;
pub mod http;
#[cfg(feature = "mock")]
pub mod mock;
mod oauth;
mod optional;
pub mod paging;
mod raw;
#[cfg(feature = "redis")]
mod redis_store;
mod retry;
mod secret;
mod state;
mod store;
mod store_contract;
mod token;

pub use cache::{
    Clock, Expiring, FETCH_PANICKED, Fetch, ManualClock, RefreshPolicy, SystemClock, TokenCache,
};
pub use codec::EncryptionKey;
pub use error::{Error, ErrorKind, from_reqwest};
pub use file_store::FileTokenStore;
pub use fleet::{DEFAULT_LEASE_TTL, DEFAULT_SHARED_WAIT, SharedSessions};
pub use hooks::{API_ROOT_PLACEHOLDER, AuthHooks, AuthScheme, BODY_TOO_LARGE, Session};
pub use oauth::{
    AuthorizationCode, AuthorizationCodeClient, AuthorizationRequest, DEFAULT_AUTHORIZATION_TTL,
    IssuerCheck, StoredTokenSource, parse_redirect,
};
pub use optional::{IntoOptional, object_from_value};
pub use paging::{PageOf, Paged};
pub use raw::{Multipart, RAW_OPERATION, RawRequest, RawResponse};
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;
pub use retry::{RateLimit, RetryPolicy, Timeouts, retry_after};
pub use secret::{AccessToken, ApiKey, ClientId, ClientSecret, Redactor, RefreshToken};
pub use state::{
    INVALID_STATE, MAX_PENDING, NOT_THIS_SESSION, OUTCOME_UNKNOWN, PendingStates, bound_to_session,
};
pub use store::{
    InMemoryTokenStore, Lease, StoredToken, TokenStore, Versioned, lock_key, pending_key, store_key,
};
pub use store_contract::check_store_contract;
pub use token::{
    ClientAuth, ClientCredentials, Token, TokenSource, parse_token_response, read_token_response,
};

/// Re-exported so that provider crates and users name one version.
pub use secrecy;

/// What every provider crate re-exports (`pub use sdk_auth::exports::*`), so that a provider
/// crate and tokio are all a user adds: the types its API names, the stream traits, and the
/// crates whose types cross the API (`reqwest`, `serde_json`, `url`).
pub mod exports {
    /// The Redis token store (feature `redis` of the provider crate).
    #[cfg(feature = "redis")]
    pub use crate::RedisTokenStore;
    pub use crate::{
        AccessToken, Clock, EncryptionKey, ErrorKind, FileTokenStore, InMemoryTokenStore,
        IntoOptional, ManualClock, Multipart, PageOf, Paged, RateLimit, RawRequest, RawResponse,
        RefreshPolicy, RefreshToken, RetryPolicy, StoredToken, Timeouts, Token, TokenStore,
    };
    /// The stream traits that consume every `*_stream` method.
    pub use futures::{Stream, StreamExt, TryStreamExt};
    /// The HTTP client crate: `http_client` options take a [`reqwest::ClientBuilder`].
    pub use reqwest::{self, Method};
    /// JSON: free-form answers are [`Value`]s; [`serde_json::json!`] builds free-form fields.
    pub use serde_json::{self, Value};
    /// URLs returned by the SDK (inputs take `&str`).
    pub use url::{self, Url};
}
