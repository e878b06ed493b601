//! Typed async client for the iinked Sign (formerly Syngrafii) e-signing API.
//!
//! One [`Client`] type, two credential modes.
//!
//! # Quickstart: API key (your own organization)
//!
//! ```no_run
//! use iinked_sign_sdk::{Client, Region, FileUpload, types};
//!
//! # async fn run() -> Result<(), iinked_sign_sdk::Error> {
//! let client = Client::builder()
//!     .region(Region::SandboxUs)
//!     .api_key("my-api-key") // or leave out: IINKED_SIGN_API_KEY
//!     .build()?;
//!
//! let pdf = std::fs::read("contract.pdf").expect("a PDF to sign");
//! let file = client.upload_file(FileUpload::pdf("contract.pdf", pdf)).await?;
//! let added = client
//!     .add_package()
//!     .body(
//!         types::AddPackageRequest::builder()
//!             .name("Contract")
//!             .type_(types::PackageType::Sequential)
//!             .state(types::PackageState::Open)
//!             .documents(vec![types::DocumentInput {
//!                 file_id: file.file_id,
//!                 ..Default::default()
//!             }])
//!             .signers(vec![types::SignerInput {
//!                 first_name: Some("Jane".into()),
//!                 last_name: Some("Doe".into()),
//!                 email: Some("jane@example.com".into()),
//!                 ..Default::default()
//!             }]),
//!     )
//!     .send()
//!     .await?;
//! let status = client
//!     .get_package_status()
//!     .package_id(added.package_id.clone().unwrap_or_default())
//!     .send()
//!     .await?;
//! println!("{:?}", status.state);
//! # Ok(()) }
//! ```
//!
//! # Quickstart: OAuth 2.0 (a third-party app acting for customers)
//!
//! ```no_run
//! use iinked_sign_sdk::{Client, Region, OAuthApp, OAuthFlow, TokenStore};
//! use std::sync::Arc;
//!
//! # async fn run(redirect: url::Url) -> Result<(), iinked_sign_sdk::Error> {
//! let store: Arc<dyn TokenStore> = Arc::new(InMemoryTokenStore::new()); // use durable storage
//! let app = OAuthApp::new("client-id", "https://app.example/callback").client_secret("client-secret");
//!
//! // 1. Send the user to the authorize URL; keep `pending` until the redirect comes back.
//! let flow = OAuthFlow::new(Region::SandboxUs, app.clone(), store.clone())?;
//! let pending = flow.authorize()?;
//! println!("open {}", pending.url());
//! // 2. On the redirect: state checked, code exchanged, tokens stored under the customer's key.
//! flow.complete(pending, &redirect, "customer-42").await?;
//!
//! // 3. Calls use (and refresh) the stored tokens.
//! let client = Client::builder()
//!     .region(Region::SandboxUs)
//!     .oauth(app, store, "customer-42")
//!     .build()?;
//! let templates = client.list_templates().body(iinked_sign_sdk::types::ListTemplatesRequest::builder()).send().await?;
//! println!("{} templates", templates.total.unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! # Operations
//!
//! All 14 documented operations: `upload_file` (hand-written, multipart), `add_package`,
//! `update_package`, `get_package`, `get_package_status`, `get_package_data`, `list_packages`,
//! `send_package`, `rescind_package`, `delete_package`, `create_sign_link`, `create_edit_link`,
//! `list_templates`, `set_event_endpoint`. Routes the docs reference without documenting them
//! (the download of executed documents, `packages/{packageId}/link`) are reachable with
//! [`Client::raw`]. Package `type` and `state` are typed enums in requests
//! ([`types::PackageType`], [`types::PackageState`]) and strings in responses, because new states
//! may be added.
//!
//! # Webhooks
//!
//! [`webhook::Event::parse`] turns a notification body into a typed event (unknown events are
//! kept). Signatures are **not** verified: the algorithm is not public (see [`webhook`]).
//!
//! Errors are [`Error`] (= `sdk_auth::Error`); generated calls' errors convert with `?`.

mod auth;
#[allow(missing_docs)] // generated builders and fields have no docs
#[rustfmt::skip] // prettyplease output is not rustfmt-stable
mod generated;
mod manual;
mod region;
pub mod webhook;

pub use auth::{
    API_KEY_HEADER, ApiKey, AuthState, ClientAuth, ClientBuilder, ClientId, ClientSecret,
    ENV_API_KEY, ENV_REGION, OAuthApp, OAuthFlow, PROVIDER, Scope,
};
/// The stream traits that consume every `*_stream` method.
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use generated::*;
pub use manual::FileUpload;
pub use region::{PrivateInstance, Region};
/// The HTTP client crate: `http_client` options take a [`reqwest::ClientBuilder`].
pub use reqwest::{self, Method};
pub use sdk_auth::AuthorizationRequest;
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
