//! Typed async client for XPKit's 17 APIs (experience platform).
//!
//! One [`XpKit`] handle per region makes a client per service; they share one token (XPKit
//! issues one per region), refreshed ahead of its 10-hour expiry and after XPKit rejects it
//! (XPKit answers an expired token with **403**, so 401 and 403 both cause one refresh and one
//! resend, never more). Each service is a module and a cargo feature (all on by default): a
//! crate that needs only profiles builds only profiles.
//!
//! # Quickstart
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use xpkit_sdk::{Filter, ListQuery, Order, Region, XpKit};
//!
//! # async fn run() -> Result<(), xpkit_sdk::Error> {
//! let xpkit = XpKit::builder()
//!     .credentials("client-id", "client-secret") // or XPKIT_CLIENT_ID / XPKIT_CLIENT_SECRET
//!     .region(Region::Emea) // or XPKIT_REGION
//!     .build()?;
//!
//! // A generated call.
//! let profile = xpkit.profiles().read_profile().resource_id("3f2c…").send().await?;
//! println!("{:?}", profile.resource);
//!
//! // Every matching activity, page after page, with filters and ordering.
//! let activities = xpkit.activities();
//! let query = ListQuery::new()
//!     .eq("experience_id", "gdc-2024")
//!     .filter("payload.number_of_tickets", Filter::Gte, 3)
//!     .order_by("created", Order::Desc);
//! let all: Vec<_> = activities.list_stream("/api/activity", query).try_collect().await?;
//! println!("{} activities", all.len());
//! # Ok(()) }
//! ```
//!
//! # Services
//!
//! `activities`, `alerts`, `auth_api`, `catalogue`, `exports`, `health`,
//! `identifications`, `jobs`, `moments`, `nfts`, `notifications`, `profiles`, `queues`,
//! `resources`, `socialauth`, `souvenirs`, `vcc`: each module holds the generated `Client`
//! (with `raw`, `list_page` and `list_stream`) and its `types`. The six multipart uploads and the
//! identity check are hand-written in `manual.rs`; the five non-JSON answers (CSV export, PNG and
//! text identities, zip batches) come back as bytes with their content type.
//!
//! # Errors
//!
//! [`Error`] (= `sdk_auth::Error`); XPKit's error body (`error`, `description`, `extra_info`)
//! becomes its message and code. Generated calls' errors convert with `?`.
//!
//! # End-user login
//!
//! [`UserLogin`]: authorization code with PKCE on the region's Auth API, for browser apps.

// With every service feature off only the token handle and the login remain; the plumbing
// the services share is then unused, and that is expected.
#![cfg_attr(
    not(any(
        feature = "activities",
        feature = "alerts",
        feature = "auth_api",
        feature = "catalogue",
        feature = "exports",
        feature = "health",
        feature = "identifications",
        feature = "jobs",
        feature = "moments",
        feature = "nfts",
        feature = "notifications",
        feature = "profiles",
        feature = "queues",
        feature = "resources",
        feature = "socialauth",
        feature = "souvenirs",
        feature = "vcc"
    )),
    allow(dead_code, unused_imports)
)]

mod auth;
mod manual;
mod region;
mod stream;

/// The envelope, acknowledgement, summary and error types every service shares (one type each,
/// re-exported by every service's `types`), generated from `specs/xpkit/common.yaml`.
pub mod common {
    #[allow(missing_docs)] // generated fields have no docs
    #[rustfmt::skip] // prettyplease output is not rustfmt-stable
    mod generated;
    pub use generated::types;
}
pub use common::types::{
    ErrorResponse, XpKitAcknowledgement, XpKitResource, XpKitResources, XpKitSummary,
};

pub use auth::{
    AuthState, ClientId, ClientSecret, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REGION, LoginProvider,
    PROVIDER, REJECT_STATUSES, UserLogin, XpKit, XpKitBuilder,
};
/// The stream traits that consume every `*_stream` method.
pub use futures::{Stream, StreamExt, TryStreamExt};
pub use manual::FilePart;
#[cfg(feature = "nfts")]
pub use manual::NftMint;
pub use region::{CustomBase, Region, Service};
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
pub use sdk_auth::{PageOf, Paged};
/// JSON: free-form answers are [`Value`]s; [`serde_json::json!`] builds free-form fields.
pub use serde_json::{self, Value};
pub use stream::{
    Cursor, DEFAULT_MAX_EMPTY_PAGES, DEFAULT_MAX_PAGES, Filter, ListQuery, Order, PAGING_LIMIT,
    Page, Resource,
};
/// URLs returned by the SDK (inputs take `&str`).
pub use url::{self, Url};

macro_rules! services {
    ($( $feature:literal => $module:ident, $service:ident, $doc:literal; )*) => { $(
        #[cfg(feature = $feature)]
        #[doc = $doc]
        pub mod $module {
            #[allow(missing_docs)] // generated builders and fields have no docs
            #[rustfmt::skip] // prettyplease output is not rustfmt-stable
            mod generated;
            pub use generated::*;

            crate::auth::service_client!($module, crate::region::Service::$service);
        }
    )* };
}

services! {
    "activities" => activities, Activities, "Activities API (`https://activities.<region>`).";
    "alerts" => alerts, Alerts, "Alerts API (`https://alerts.<region>`).";
    "auth_api" => auth_api, Auth, "Auth API (`https://auth.<region>`): the logged-in user, invitations (tokens are handled by the SDK).";
    "catalogue" => catalogue, Catalogue, "Catalogue API (`https://catalogue.<region>`).";
    "exports" => exports, Exports, "Exports API (`https://exports.<region>`).";
    "health" => health, Health, "Health API (`https://health.<region>`).";
    "identifications" => identifications, Identifications, "Identifications API (`https://identifications.<region>`).";
    "jobs" => jobs, Jobs, "Jobs API (`https://jobs.<region>`).";
    "moments" => moments, Moments, "Moments API (`https://moments.<region>`).";
    "nfts" => nfts, Nfts, "NFTs API (`https://nfts.<region>`).";
    "notifications" => notifications, Notifications, "Notifications API (`https://notifications.<region>`).";
    "profiles" => profiles, Profiles, "Profiles API (`https://profiles.<region>`).";
    "queues" => queues, Queues, "Queues API (`https://queues.<region>`).";
    "resources" => resources, Resources, "Resources API (`https://resources.<region>`).";
    "socialauth" => socialauth, SocialAuth, "Social Linking API (`https://socialauth.<region>`).";
    "souvenirs" => souvenirs, Souvenirs, "Souvenirs API (`https://souvenirs.<region>`).";
    "vcc" => vcc, Vcc, "VCC API (`https://vcc.<region>`).";
}
