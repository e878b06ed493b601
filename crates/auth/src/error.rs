//! The one error type of every provider SDK.
//!
//! An [`Error`] says what kind of failure happened ([`ErrorKind`]), for which provider and
//! operation, with the HTTP status, the provider's own error code and message, and the request id
//! when the provider sent one. Its `Display` and `Debug` never contain a secret: bodies of token
//! responses are never kept, and provider messages are taken only from well-known JSON fields.
//!
//! Generated calls return `progenitor_client::Error`; convert with `?` (there is a `From` impl),
//! and the context that the SDK's hooks attached on the way (provider, operation, message,
//! request id) comes along.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials were rejected, or no valid token could be obtained (401, a refused token
    /// request, a discovery that failed).
    Auth,
    /// The request could not be sent or the answer not received (connection refused, reset, DNS).
    Transport,
    /// The request or a part of it timed out.
    Timeout,
    /// The provider asked us to slow down (429).
    RateLimited,
    /// The credentials are valid but not allowed to do this (403, after any refresh).
    Permission,
    /// The provider answered with an error status.
    Api,
    /// The provider's answer could not be decoded.
    Decode,
    /// The SDK was configured wrongly, or a request could not be built from the given input.
    Config,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Auth => "authentication error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Permission => "permission denied",
            ErrorKind::Api => "api error",
            ErrorKind::Decode => "decode error",
            ErrorKind::Config => "configuration error",
        }
    }

    /// The kind for an HTTP error status.
    pub fn for_status(status: u16) -> Self {
        match status {
            401 => ErrorKind::Auth,
            403 => ErrorKind::Permission,
            408 | 504 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::Api,
        }
    }
}

/// An error from a provider SDK. Cheap to clone.
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    provider: Option<Cow<'static, str>>,
    operation: Option<Cow<'static, str>>,
    status: Option<u16>,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    reauthorize: bool,
    subject: Option<String>,
    rate_limit: Option<crate::retry::RateLimit>,
    attempts: Option<u32>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` with a short description (`message`).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                kind,
                provider: None,
                operation: None,
                status: None,
                code: None,
                message: Some(message.into()),
                request_id: None,
                reauthorize: false,
                subject: None,
                rate_limit: None,
                attempts: None,
                source: None,
            }),
        }
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        f(Arc::make_mut(&mut self.inner));
        self
    }

    /// Sets the provider (`"xink"`), unless one is set already.
    pub fn with_provider(self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.edit(|i| {
            i.provider.get_or_insert(provider.into());
        })
    }

    /// Sets the operation (`"list_employees"`), unless one is set already.
    pub fn with_operation(self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.edit(|i| {
            i.operation.get_or_insert(operation.into());
        })
    }

    /// Changes the kind.
    pub fn with_kind(self, kind: ErrorKind) -> Self {
        self.edit(|i| i.kind = kind)
    }

    /// Replaces the operation, whatever it was.
    pub(crate) fn replace_operation(self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.edit(|i| i.operation = Some(operation.into()))
    }

    /// Sets the HTTP status.
    pub fn with_status(self, status: u16) -> Self {
        self.edit(|i| i.status = Some(status))
    }

    /// Sets the provider's error code (e.g. OAuth's `invalid_client`).
    pub fn with_code(self, code: impl Into<String>) -> Self {
        self.edit(|i| i.code = Some(code.into()))
    }

    /// Replaces the message.
    pub fn with_message(self, message: impl Into<String>) -> Self {
        self.edit(|i| i.message = Some(message.into()))
    }

    /// Sets the provider's request id.
    pub fn with_request_id(self, request_id: impl Into<String>) -> Self {
        self.edit(|i| i.request_id = Some(request_id.into()))
    }

    /// Marks the error as needing a new authorization by the user (the stored credentials are
    /// no longer accepted and cannot be refreshed).
    pub fn with_reauthorize(self) -> Self {
        self.edit(|i| i.reauthorize = true)
    }

    /// Sets the account (or user) whose credentials failed, e.g. an Xref account id.
    pub fn with_subject(self, subject: impl Into<String>) -> Self {
        self.edit(|i| i.subject = Some(subject.into()))
    }

    /// Attaches rate-limit information (headers of a 429, a provider's documented limit).
    pub fn with_rate_limit(self, rate_limit: crate::retry::RateLimit) -> Self {
        self.edit(|i| i.rate_limit = Some(rate_limit))
    }

    /// Records how many attempts the call made.
    pub fn with_attempts(self, attempts: u32) -> Self {
        self.edit(|i| i.attempts = Some(attempts))
    }

    /// Attaches the underlying cause, returned by [`std::error::Error::source`].
    pub fn with_source(self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.edit(|i| i.source = Some(Arc::new(source)))
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The provider, when known.
    pub fn provider(&self) -> Option<&str> {
        self.inner.provider.as_deref()
    }

    /// The operation, when known.
    pub fn operation(&self) -> Option<&str> {
        self.inner.operation.as_deref()
    }

    /// The HTTP status, when the provider answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The provider's error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The provider's message (or the SDK's description of the failure).
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The provider's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// `true` for authentication failures.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth
    }

    /// `true` when the user has to authorize again (e.g. a revoked refresh token).
    pub fn needs_reauthorization(&self) -> bool {
        self.inner.reauthorize
    }

    /// The account (or user) whose credentials failed, when known.
    pub fn subject(&self) -> Option<&str> {
        self.inner.subject.as_deref()
    }

    /// Rate-limit information, when the provider sent some (or documents a limit).
    pub fn rate_limit(&self) -> Option<&crate::retry::RateLimit> {
        self.inner.rate_limit.as_ref()
    }

    /// How many attempts the call made before failing, when it was sent at least once.
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// `true` for timeouts.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// `true` when retrying the same request later may succeed: transport failures, timeouts,
    /// rate limiting, and 502/503/504.
    pub fn is_transient(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::RateLimited => true,
            ErrorKind::Api | ErrorKind::Auth => {
                matches!(self.inner.status, Some(500 | 502 | 503 | 504))
            }
            ErrorKind::Decode | ErrorKind::Config | ErrorKind::Permission => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let Some(provider) = &i.provider {
            write!(f, "{provider}: ")?;
        }
        if let Some(operation) = &i.operation {
            write!(f, "{operation}: ")?;
        }
        f.write_str(i.kind.as_str())?;
        if let Some(status) = i.status {
            write!(f, " (HTTP {status})")?;
        }
        match (&i.code, &i.message) {
            (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
            (Some(code), None) => write!(f, ": {code}")?,
            (None, Some(message)) => write!(f, ": {message}")?,
            (None, None) => {}
        }
        match (i.reauthorize, &i.subject) {
            (true, Some(subject)) => write!(f, " (re-authorization required for {subject})")?,
            (true, None) => f.write_str(" (re-authorization required)")?,
            (false, Some(subject)) => write!(f, " (for {subject})")?,
            (false, None) => {}
        }
        if let Some(rl) = &i.rate_limit {
            if let Some(after) = rl.retry_after {
                write!(f, " (retry after {} s)", after.as_secs())?;
            }
            if let Some(doc) = &rl.documented {
                write!(f, " (documented limit: {doc})")?;
            }
        }
        if let Some(n) = i.attempts.filter(|n| *n > 1) {
            write!(f, " after {n} attempts")?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind);
        if let Some(v) = &i.provider {
            d.field("provider", v);
        }
        if let Some(v) = &i.operation {
            d.field("operation", v);
        }
        if let Some(v) = &i.status {
            d.field("status", v);
        }
        if let Some(v) = &i.code {
            d.field("code", v);
        }
        if let Some(v) = &i.message {
            d.field("message", v);
        }
        if let Some(v) = &i.request_id {
            d.field("request_id", v);
        }
        if i.reauthorize {
            d.field("reauthorize", &true);
        }
        if let Some(v) = &i.subject {
            d.field("subject", v);
        }
        if let Some(v) = &i.rate_limit {
            d.field("rate_limit", v);
        }
        if let Some(v) = &i.attempts {
            d.field("attempts", v);
        }
        if let Some(v) = &i.source {
            d.field("source", &v.to_string());
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Context the SDK's `exec` hook attaches to an error response (as a response extension), so
/// that the conversion from a generated call's error keeps provider, operation, message and
/// request id.
#[derive(Clone, Debug)]
pub(crate) struct ResponseContext(pub(crate) Error);

// ---- transport through progenitor's error type ---------------------------------------------

impl Error {
    /// Wraps this error for `progenitor_client::Error`, the only error a hook can return, without
    /// losing anything: it rides in the extensions of an empty `UnexpectedResponse`, and the
    /// `From` conversion (which every generated `send()` applies) takes it back out whole, cause
    /// and all.
    pub fn into_progenitor<E>(self) -> progenitor_client::Error<E> {
        let mut carrier = http::Response::new(reqwest::Body::from(Vec::new()));
        carrier.extensions_mut().insert(ResponseContext(self));
        progenitor_client::Error::UnexpectedResponse(reqwest::Response::from(carrier))
    }

    /// What every generated operation's `send()` returns on failure: the error converted from
    /// progenitor's, with the provider and operation filled in where the path that failed did
    /// not set them. Called by generated code; not needed by hand.
    #[doc(hidden)]
    pub fn from_generated<E: serde::Serialize>(
        err: progenitor_client::Error<E>,
        provider: &'static str,
        operation: &'static str,
    ) -> Self {
        let mut e = Error::from(err);
        let inner = Arc::make_mut(&mut e.inner);
        if inner.provider.is_none() {
            inner.provider = Some(Cow::Borrowed(provider));
        }
        if inner.operation.is_none() {
            inner.operation = Some(Cow::Borrowed(operation));
        }
        e
    }
}

impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(err: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match err {
            P::Custom(text) => Error::new(ErrorKind::Config, text),
            P::InvalidRequest(message) => Error::new(ErrorKind::Config, message),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                from_reqwest(e)
            }
            P::InvalidResponsePayload(bytes, e) => Error::new(
                ErrorKind::Decode,
                format!(
                    "response body ({} bytes) does not match the expected type: {}",
                    bytes.len(),
                    serde_error_summary(&e)
                ),
            ),
            P::ErrorResponse(value) => {
                let status = value.status().as_u16();
                let headers = value.headers().clone();
                let body = serde_json::to_value(value.into_inner()).unwrap_or_default();
                crate::http::error_from_parts(status, &headers, ErrorBody::Json(&body))
            }
            P::UnexpectedResponse(response) => {
                if let Some(ResponseContext(e)) = response.extensions().get::<ResponseContext>() {
                    return e.clone();
                }
                let status = response.status().as_u16();
                let mut e =
                    crate::http::error_from_parts(status, response.headers(), ErrorBody::Unread);
                if response.status().is_success() {
                    e = e.with_message("response status not documented for this operation");
                }
                e
            }
        }
    }
}

/// A serde error described by position and category only: serde's message may quote input.
pub(crate) fn serde_error_summary(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "I/O error",
        Category::Syntax => "invalid JSON",
        Category::Data => "unexpected JSON shape",
        Category::Eof => "truncated or empty JSON",
    };
    // serde_json reports line 0 for errors that come from a parsed value, not from text: a
    // position is shown only when it points into the body.
    if e.line() == 0 {
        what.to_owned()
    } else {
        format!("{what} at line {} column {}", e.line(), e.column())
    }
}

/// A response body as far as it was read.
pub(crate) enum ErrorBody<'a> {
    /// Not read (the response was handed over unread).
    Unread,
    /// Parsed JSON.
    Json(&'a serde_json::Value),
    /// Raw bytes with their content type.
    Raw(&'a [u8]),
}

/// Maps a reqwest error; the URL is reduced to scheme, host and port (a query may carry values
/// that do not belong in logs).
pub fn from_reqwest(e: reqwest::Error) -> Error {
    describe_reqwest(&e).with_source(e.without_url())
}

/// [`from_reqwest`] without keeping the error as the source.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_builder() || e.is_request() && e.url().is_none() {
        ErrorKind::Config
    } else if e.is_decode() {
        ErrorKind::Decode
    } else {
        ErrorKind::Transport
    };
    let mut what = if e.is_timeout() {
        "the request timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_body() {
        "the response body could not be read".to_owned()
    } else if e.is_builder() {
        "the request could not be built".to_owned()
    } else {
        "the request failed".to_owned()
    };
    if let Some(url) = e.url() {
        what.push_str(&format!(
            " ({}://{}{})",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        ));
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        what.push_str(&format!(": {c}"));
        cause = c.source();
    }
    let mut out = Error::new(kind, what);
    if let Some(status) = e.status() {
        out = out.with_status(status.as_u16());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_sentence_with_context() {
        let e = Error::new(ErrorKind::Api, "Employee not found")
            .with_provider("xink")
            .with_operation("get_employee_fields")
            .with_status(404)
            .with_request_id("req-1");
        assert_eq!(
            e.to_string(),
            "xink: get_employee_fields: api error (HTTP 404): Employee not found [request id req-1]"
        );
        assert!(!e.is_transient());
        assert!(
            Error::new(ErrorKind::Api, "x")
                .with_status(503)
                .is_transient()
        );
    }

    #[test]
    fn hook_round_trip_keeps_every_field_and_the_cause() {
        let e = Error::new(ErrorKind::Auth, "token request refused")
            .with_provider("xink")
            .with_operation("get_token")
            .with_status(400)
            .with_code("invalid_client")
            .with_request_id("abc")
            .with_subject("acct-1")
            .with_reauthorize();
        let back: Error = e.clone().into_progenitor::<()>().into();
        assert_eq!(back.kind(), ErrorKind::Auth);
        assert_eq!(back.to_string(), e.to_string());
        assert!(back.needs_reauthorization());
        assert_eq!(back.subject(), Some("acct-1"));

        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = Error::new(ErrorKind::Transport, "connect failed").with_source(io);
        let back: Error = e.into_progenitor::<()>().into();
        let source = std::error::Error::source(&back).expect("cause kept");
        assert_eq!(source.to_string(), "refused");
    }

    #[test]
    fn generated_errors_name_provider_and_operation() {
        let e = Error::from_generated(
            progenitor_client::Error::<()>::InvalidRequest("email was not initialized".into()),
            "xink",
            "get_employee_fields",
        );
        assert_eq!(
            e.to_string(),
            "xink: get_employee_fields: configuration error: email was not initialized"
        );
        // Context set by the hooks wins.
        let e = Error::from_generated(
            Error::new(ErrorKind::Api, "x")
                .with_operation("raw")
                .into_progenitor::<()>(),
            "xink",
            "get_employee_fields",
        );
        assert_eq!(e.operation(), Some("raw"));
    }

    #[test]
    fn foreign_custom_is_kept_as_message() {
        let e: Error = progenitor_client::Error::<()>::Custom("boom".into()).into();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert_eq!(e.message(), Some("boom"));
    }

    #[test]
    fn error_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Error>();
    }
}
