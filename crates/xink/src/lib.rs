//! Typed async client for the [Xink](https://www.xink.io) REST API (email signatures).
//!
//! # Quickstart
//!
//! ```no_run
//! use xink_sdk::{Client, Scope};
//!
//! # async fn run() -> Result<(), xink_sdk::Error> {
//! let client = Client::builder()
//!     .credentials("my-api-user@SRV", "my-secret") // or leave out: XINK_CLIENT_ID / XINK_CLIENT_SECRET
//!     .scopes([Scope::EmployeeRead, Scope::EmployeeFieldsRead])
//!     .connect() // token + discovery of the account's data center
//!     .await?;
//!
//! let employees = client.list_employees().offset(0).limit(50).send().await?;
//! println!("{}", employees.into_inner().0);
//!
//! let fields = client
//!     .get_employee_fields()
//!     .email("jane@example.com")
//!     .send()
//!     .await?;
//! println!("{:?}", fields.into_inner());
//! # Ok(()) }
//! ```
//!
//! # What happens on a call
//!
//! 1. The client takes a valid session from its cache: an OAuth 2.0 client-credentials token
//!    from `https://auth.xink.io/OAuth/Token` and the account's `APIRoot` from
//!    `https://auth.xink.io/Discovery`, fetched together, once, however many calls arrive at
//!    the same time, and refreshed ahead of the token's expiry.
//! 2. The request goes to that root with `Authorization: Bearer <token>`.
//! 3. On a 401 the token is dropped, a new session fetched and the request resent once.
//! 4. The answer decodes into the generated type, or into [`Error`]: provider, operation, kind,
//!    status, Xink's message and request id. Generated calls return progenitor's error type;
//!    `?` converts it into [`Error`] with all of that context.
//!
//! # Operations
//!
//! | method | route | scope |
//! |---|---|---|
//! | [`Client::get_account_info`] | `GET api/1.0/account/info` | not documented |
//! | [`Client::list_employees`] | `GET api/1.0/employee/list/{offset}/{limit}` | `employeeread` |
//! | [`Client::get_employee_fields`] | `GET api/1.0/employee/{email}/fields` | not documented |
//! | [`Client::raw`] | any route under the API root | — |
//!
//! Xink documents no response bodies, so responses are free-form JSON ([`serde_json::Value`]
//! behind a newtype). The rest of Xink's routes (images, signatures, signature import,
//! rerouting, managed accounts, shared mailboxes, employee writes) exist but are not public;
//! reach them with [`Client::raw`]. `specs/xink.yaml` lists every unknown.
//!
//! # Regions
//!
//! By default the data center comes from discovery. [`Region`] chooses one explicitly (and
//! skips discovery), or points at a custom root.

mod auth;
#[allow(missing_docs)] // generated builders and fields have no docs
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;
mod manual;
mod region;

pub use auth::{
    AuthState, ClientAuth, ClientBuilder, ClientId, ClientSecret, Credentials,
    DEFAULT_TOKEN_LIFETIME, ENV_CLIENT_ID, ENV_CLIENT_SECRET, PROVIDER, Scope,
};
/// The stream traits that consume every `*_stream` method.
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use generated::*;
pub use region::{AUTH_URL, Region};
/// The HTTP client crate: `http_client` options take a [`reqwest::ClientBuilder`].
pub use reqwest::{self, Method};
/// The error of every call, generated or hand-written: provider, operation, kind, status,
/// message, code, request id and attempts, with the cause as its `source()`.
pub use sdk_auth::Error;
pub use sdk_auth::{
    AccessToken, Clock, ErrorKind, InMemoryTokenStore, IntoOptional, ManualClock, Multipart,
    RateLimit, RawRequest, RawResponse, RefreshPolicy, RefreshToken, RetryPolicy, StoredToken,
    Timeouts, Token, TokenStore,
};
/// JSON: free-form answers are [`Value`]s; [`serde_json::json!`] builds free-form fields.
pub use serde_json::{self, Value};
/// URLs returned by the SDK (inputs take `&str`).
pub use url::{self, Url};
