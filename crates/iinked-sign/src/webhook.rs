//! Webhook events: typed payloads parsed from a notification's body.
//!
//! iinked Sign `POST`s a JSON body to your endpoint. The documented events are `package_add`,
//! `package_update`, `package_sent`, `package_send`, `package_executed`, `document_signed` and
//! `document_executed`; any other `action` is kept as [`Event::Unknown`] with its raw payload
//! rather than rejected, because the docs mention further events without naming them.
//!
//! # Signatures are not verified
//!
//! Every notification carries an [`SIGNATURE_HEADER`] (`X-Syngrafii-Signature`) header, checked
//! with a secret returned when the endpoint is registered. The algorithm is documented on a page
//! that was not available, so this crate does **not** verify signatures and does not guess
//! (no HMAC of an unknown form): [`signature`] only exposes the header for your own check.
//! Treat unverified events as hints and confirm them with `get_package_status`.

use crate::types::{DocumentEvent, PackageEvent};
use reqwest::header::HeaderMap;
use sdk_auth::{Error, ErrorKind};

/// The header carrying the notification's signature.
pub const SIGNATURE_HEADER: &str = "X-Syngrafii-Signature";

/// The value of [`SIGNATURE_HEADER`], if present and text.
pub fn signature(headers: &HeaderMap) -> Option<&str> {
    headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok())
}

/// A webhook notification.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `package_add`: a package was created.
    PackageAdd(PackageEvent),
    /// `package_update`: a package was updated.
    PackageUpdate(PackageEvent),
    /// `package_sent`: a package moved from select/add/draft to open.
    PackageSent(PackageEvent),
    /// `package_send`: named by the docs as an alternative to `package_sent` (semantics not
    /// documented).
    PackageSend(PackageEvent),
    /// `package_executed`: every document of the package is executed.
    PackageExecuted(PackageEvent),
    /// `document_signed`: the next signer signed a document.
    DocumentSigned(DocumentEvent),
    /// `document_executed`: a document is signed by all signers.
    DocumentExecuted(DocumentEvent),
    /// Any other (or missing) `action`, with the whole payload.
    Unknown {
        /// The `action`, when present.
        action: Option<String>,
        /// The payload as received.
        payload: serde_json::Value,
    },
}

impl Event {
    /// Parses a notification body. A body that is not a JSON object, or a known event whose
    /// fields have the wrong types, is a decode error; an unknown action is not.
    pub fn parse(body: &[u8]) -> Result<Self, Error> {
        let value = sdk_auth::http::parse_json_object(body, "webhook body").map_err(|e| {
            e.with_provider(crate::auth::PROVIDER)
                .with_operation("webhook")
        })?;
        let action = value
            .get("action")
            .and_then(|a| a.as_str())
            .map(str::to_owned);
        let bad = |e: serde_json::Error| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "webhook `{}` event has a field of the wrong type: {}",
                    action.as_deref().unwrap_or("?"),
                    match e.classify() {
                        serde_json::error::Category::Data => "unexpected JSON shape",
                        _ => "invalid JSON",
                    }
                ),
            )
            .with_provider(crate::auth::PROVIDER)
            .with_operation("webhook")
        };
        let package = |v: serde_json::Value| serde_json::from_value::<PackageEvent>(v).map_err(bad);
        let document =
            |v: serde_json::Value| serde_json::from_value::<DocumentEvent>(v).map_err(bad);
        Ok(match action.as_deref() {
            Some("package_add") => Event::PackageAdd(package(value)?),
            Some("package_update") => Event::PackageUpdate(package(value)?),
            Some("package_sent") => Event::PackageSent(package(value)?),
            Some("package_send") => Event::PackageSend(package(value)?),
            Some("package_executed") => Event::PackageExecuted(package(value)?),
            Some("document_signed") => Event::DocumentSigned(document(value)?),
            Some("document_executed") => Event::DocumentExecuted(document(value)?),
            _ => Event::Unknown {
                action,
                payload: value,
            },
        })
    }

    /// The `action`.
    pub fn action(&self) -> Option<&str> {
        match self {
            Event::PackageAdd(e)
            | Event::PackageUpdate(e)
            | Event::PackageSent(e)
            | Event::PackageSend(e)
            | Event::PackageExecuted(e) => Some(&e.action),
            Event::DocumentSigned(e) | Event::DocumentExecuted(e) => Some(&e.action),
            Event::Unknown { action, .. } => action.as_deref(),
        }
    }

    /// The package the event is about.
    pub fn package_id(&self) -> Option<&str> {
        match self {
            Event::PackageAdd(e)
            | Event::PackageUpdate(e)
            | Event::PackageSent(e)
            | Event::PackageSend(e)
            | Event::PackageExecuted(e) => e.package_id.as_deref(),
            Event::DocumentSigned(e) | Event::DocumentExecuted(e) => e.package_id.as_deref(),
            Event::Unknown { payload, .. } => payload.get("packageId").and_then(|v| v.as_str()),
        }
    }

    /// The event id (use it to ignore duplicate deliveries).
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Event::PackageAdd(e)
            | Event::PackageUpdate(e)
            | Event::PackageSent(e)
            | Event::PackageSend(e)
            | Event::PackageExecuted(e) => e.event_id.as_deref(),
            Event::DocumentSigned(e) | Event::DocumentExecuted(e) => e.event_id.as_deref(),
            Event::Unknown { payload, .. } => payload.get("eventId").and_then(|v| v.as_str()),
        }
    }
}
