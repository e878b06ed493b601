//! The helper every provider's `ClientHooks` impl delegates to.
//!
//! * [`AuthHooks::pre`] drops the headers the provider does not want (progenitor's
//!   `api-version`), takes a valid [`Session`] from the cache, routes the request to the
//!   session's API root, refuses to send credentials to any other origin, and sets the auth
//!   header (marked sensitive).
//! * [`AuthHooks::exec`] sends; when the provider rejects the token (401, and 403 where a provider
//!   says so), it invalidates exactly that token, gets a fresh session and resends **once** —
//!   never a loop. Error answers are read (bounded) and the provider's message, code and request
//!   id are attached to the response, so that converting a generated call's error into
//!   [`Error`](crate::Error) keeps them.
//! * [`AuthHooks::post`] turns transport failures into errors that name provider and operation.

use crate::cache::TokenCache;
use crate::error::{Error, ErrorKind, ResponseContext};
use crate::http::{
    DEFAULT_MAX_SUCCESS_BODY, MAX_BODY, ensure_secure, error_from_response, read_limited,
    saturating_add,
};
use crate::retry::{RetryPolicy, Timeouts};
use crate::secret::{AccessToken, Redactor};
use crate::token::Token;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use std::borrow::Cow;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;
use tracing::Instrument;
use url::Url;

/// The base URL generated clients of providers with a per-session API root are built with.
/// [`AuthHooks::pre`] replaces it with the session's API root on every request; a request that
/// somehow kept it would fail to resolve (`.invalid` is reserved) rather than go anywhere.
pub const API_ROOT_PLACEHOLDER: &str = "https://api-root.sdk.invalid";

/// A token and the API root it belongs to, obtained and cached together.
#[derive(Clone, Debug)]
pub struct Session {
    /// The access token.
    pub token: Token,
    /// Where API calls made with this token go (from discovery, a region, or configuration).
    pub api_root: Url,
}

/// How a token is presented on API calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>` (RFC 6750).
    Bearer,
    /// `Authorization: Token <token>`.
    Token,
    /// The raw token in a header of its own (e.g. `api_key: <key>`).
    Header(HeaderName),
}

impl AuthScheme {
    /// The header this scheme sets.
    pub fn header_name(&self) -> HeaderName {
        match self {
            AuthScheme::Bearer | AuthScheme::Token => AUTHORIZATION,
            AuthScheme::Header(name) => name.clone(),
        }
    }

    /// The header value for `token`, marked sensitive.
    pub fn header_value(&self, token: &AccessToken) -> Result<HeaderValue, Error> {
        let text = match self {
            AuthScheme::Bearer => format!("Bearer {}", token.secret()),
            AuthScheme::Token => format!("Token {}", token.secret()),
            AuthScheme::Header(_) => token.secret().to_owned(),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            Error::new(
                ErrorKind::Auth,
                "the token contains characters that are not allowed in an HTTP header",
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// The auth behaviour of one provider client: what its `ClientHooks` impl delegates to.
///
/// `pre` strips unwanted headers, routes the request to the session's API root and sets the
/// (sensitive) auth header; `exec` sends and, when the provider rejects the token, invalidates
/// exactly that token, fetches a fresh session and resends once; `post` maps transport failures.
#[derive(Clone)]
pub struct AuthHooks {
    provider: Cow<'static, str>,
    sessions: TokenCache<Session>,
    scheme: AuthScheme,
    reject: Vec<u16>,
    strip: Vec<HeaderName>,
    api_root: Option<Url>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    documented_rate_limit: Option<String>,
    redactor: Redactor,
    max_success_body: usize,
    streaming: &'static [&'static str],
    /// The auth header of the current session, computed once per session. A `Weak` key: a
    /// dropped session can never be mistaken for a new one at the same address.
    header: Arc<Mutex<Option<CachedHeader>>>,
}

/// A session (weakly held) and its auth header value.
type CachedHeader = (Weak<Session>, HeaderValue);

impl std::fmt::Debug for AuthHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHooks")
            .field("provider", &self.provider)
            .field("scheme", &self.scheme)
            .field("reject", &self.reject)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("sessions", &self.sessions)
            .finish_non_exhaustive()
    }
}

impl AuthHooks {
    /// Hooks for `provider` over a session cache: bearer scheme, 401 rejects a token,
    /// `api-version` is dropped.
    pub fn new(provider: impl Into<Cow<'static, str>>, sessions: TokenCache<Session>) -> Self {
        Self {
            provider: provider.into(),
            sessions,
            scheme: AuthScheme::Bearer,
            reject: vec![401],
            strip: vec![HeaderName::from_static("api-version")],
            api_root: None,
            retry: RetryPolicy::standard(),
            timeouts: Timeouts::default(),
            documented_rate_limit: None,
            redactor: Redactor::new(),
            max_success_body: DEFAULT_MAX_SUCCESS_BODY,
            streaming: &[],
            header: Arc::new(Mutex::new(None)),
        }
    }

    /// The retry policy (default [`RetryPolicy::standard`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The per-attempt and total timeouts (default [`Timeouts::default`]; the connect timeout
    /// belongs to the `reqwest::Client`).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The secrets of this client (client secret, API key; session tokens are added as they
    /// are used): provider messages that echo one are redacted before they reach an error.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The secrets this client redacts from provider messages.
    pub fn secrets(&self) -> &Redactor {
        &self.redactor
    }

    /// The most bytes of a success body that are buffered (JSON answers, raw `send`); a longer
    /// body is an error after reading at most this much (default
    /// [`DEFAULT_MAX_SUCCESS_BODY`], 32 MiB). Streaming operations are not affected.
    pub fn max_success_body(mut self, bytes: usize) -> Self {
        self.max_success_body = bytes;
        self
    }

    /// The operations whose success answer is a byte stream (downloads): not buffered, not
    /// capped. Generated code lists them in `STREAMING_OPERATIONS`.
    pub fn streaming_operations(mut self, operations: &'static [&'static str]) -> Self {
        self.streaming = operations;
        self
    }

    /// The provider's documented rate limit, named on 429 errors.
    pub fn documented_rate_limit(mut self, text: impl Into<String>) -> Self {
        self.documented_rate_limit = Some(text.into());
        self
    }

    /// Sends this client's calls to `root` instead of the session's API root: for providers
    /// whose one token serves several service hosts (XPKit). Clones of the hooks share the
    /// token cache, so each service gets its own root and all share one token.
    pub fn api_root(mut self, root: Url) -> Self {
        self.api_root = Some(root);
        self
    }

    /// How the token is presented.
    pub fn scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The statuses that mean "this token is no longer accepted" (default: 401). XPKit adds 403.
    pub fn reject_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.reject = statuses.into_iter().collect();
        self
    }

    /// Also drop this header from every request.
    pub fn strip_header(mut self, name: HeaderName) -> Self {
        self.strip.push(name);
        self
    }

    /// The provider's name.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The session cache.
    pub fn sessions(&self) -> &TokenCache<Session> {
        &self.sessions
    }

    /// Whether `status` means the token was rejected.
    pub fn rejects(&self, status: reqwest::StatusCode) -> bool {
        self.reject.contains(&status.as_u16())
    }

    fn context(&self, e: Error, operation: &str) -> Error {
        e.with_provider(self.provider.clone())
            .with_operation(operation.to_owned())
    }

    /// Before sending: strip headers, route to the session's API root, set the auth header.
    ///
    /// Getting the session counts against the call's total deadline ([`Timeouts::total`]): a
    /// slow token endpoint ends the call with a timeout error when the deadline passes. What
    /// is left of the deadline travels to [`exec`](Self::exec) in the request's timeout.
    pub async fn pre(&self, request: &mut reqwest::Request, operation: &str) -> Result<(), Error> {
        let started = Instant::now();
        for name in &self.strip {
            request.headers_mut().remove(name);
        }
        let total = self.timeouts.total;
        // Warm path: the cached session, without a future or a timer.
        let session = match self.sessions.ready() {
            Some(session) => session,
            None => match tokio::time::timeout(total, self.sessions.get()).await {
                Ok(result) => result.map_err(|e| self.context(e, operation))?,
                Err(_) => {
                    return Err(self.context(
                        Error::new(
                            ErrorKind::Timeout,
                            format!(
                                "the total deadline ({} ms) passed while getting a token",
                                total.as_millis()
                            ),
                        ),
                        operation,
                    ));
                }
            },
        };
        self.authorize(request, &session)
            .map_err(|e| self.context(e, operation))?;
        *request.timeout_mut() = Some(total.saturating_sub(started.elapsed()));
        Ok(())
    }

    fn authorize(
        &self,
        request: &mut reqwest::Request,
        session: &Arc<Session>,
    ) -> Result<(), Error> {
        let root = self.api_root.as_ref().unwrap_or(&session.api_root);
        let url = route(request.url(), root)?;
        ensure_secure(&url, "API root")?;
        *request.url_mut() = url;
        let value = self.header_for(session)?;
        request
            .headers_mut()
            .insert(self.scheme.header_name(), value);
        Ok(())
    }

    /// The auth header of `session`, computed once per session.
    fn header_for(&self, session: &Arc<Session>) -> Result<HeaderValue, Error> {
        let mut cached = self.header.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((key, value)) = cached.as_ref()
            && key.upgrade().is_some_and(|s| Arc::ptr_eq(&s, session))
        {
            return Ok(value.clone());
        }
        let value = self.scheme.header_value(&session.token.access_token)?;
        self.redactor.add(session.token.access_token.secret());
        if let Some(refresh) = &session.token.refresh_token {
            self.redactor.add(refresh.secret());
        }
        *cached = Some((Arc::downgrade(session), value.clone()));
        Ok(value)
    }

    /// Sends, within the [`Timeouts`]; retries transient failures under the [`RetryPolicy`];
    /// on a rejected token, refreshes once and resends once. Error answers come back with their
    /// body read and the mapped [`Error`] attached. One `sdk_call` tracing span per call records
    /// provider, operation, method, host, path (never the query), status, attempts, duration and
    /// request id; no header and no body is logged.
    pub async fn exec(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let url = request.url();
        let span = tracing::debug_span!(
            "sdk_call",
            provider = %self.provider,
            operation,
            method = %request.method(),
            host = url.host_str().unwrap_or(""),
            path = url.path(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        self.exec_in_span(http, request, operation, &span)
            .instrument(span.clone())
            .await
    }

    async fn exec_in_span(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &str,
        span: &tracing::Span,
    ) -> reqwest::Result<reqwest::Response> {
        let started = Instant::now();
        // `pre` left what remains of the total deadline in the request's timeout.
        let budget = request
            .timeout()
            .copied()
            .unwrap_or(self.timeouts.total)
            .min(self.timeouts.total);
        let deadline = saturating_add(started, budget);
        let retryable_method = self.retry.allows(request.method());
        let streaming = self.streaming.contains(&operation);
        let mut backoff = self.retry.backoff();
        let mut attempts = 0u32;
        let mut refreshed = false;
        let mut note = None;
        let result = loop {
            attempts += 1;
            let replay = request.try_clone();
            let sent = request.headers().get(self.scheme.header_name()).cloned();
            *request.timeout_mut() = Some(self.timeouts.attempt_until(deadline));
            let result = match http.execute(request).await {
                // Read success bodies here, inside the attempt, so that a body that stalls or
                // breaks is a failure of this attempt (timed, retried, mapped with context) rather
                // than of the decoder later, and so that no body beyond the cap is ever held.
                // Streaming operations (downloads) keep streaming, uncapped.
                Ok(response) if response.status().is_success() && !streaming => {
                    self.buffer(response, operation).await
                }
                other => other,
            };

            // A rejected token: refresh once and resend once (not counted as a retry).
            if let Ok(response) = &result
                && self.rejects(response.status())
                && !refreshed
            {
                refreshed = true;
                let invalidated = self.sessions.invalidate_if(|s| {
                    sent.is_some() && self.scheme.header_value(&s.token.access_token).ok() == sent
                });
                tracing::debug!(
                    status = response.status().as_u16(),
                    invalidated,
                    "token rejected"
                );
                if let Some(mut next) = replay {
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(remaining, self.sessions.get()).await {
                        Ok(Ok(session)) => match self.authorize(&mut next, &session) {
                            // The same token again (kept: its replacement was rejected moments
                            // ago): a resend would only be rejected too.
                            Ok(())
                                if next.headers().get(self.scheme.header_name())
                                    == sent.as_ref() =>
                            {
                                tracing::debug!(
                                    "token kept after a recent rejection; not resending"
                                );
                            }
                            Ok(()) => {
                                tracing::debug!("resending once with a fresh token");
                                request = next;
                                continue;
                            }
                            Err(e) => note = Some(e),
                        },
                        Ok(Err(e)) => note = Some(e),
                        Err(_) => {
                            note = Some(Error::new(
                                ErrorKind::Timeout,
                                "the total deadline passed while getting a fresh token",
                            ))
                        }
                    }
                }
                break result;
            }

            // A transient failure: retry within the policy and the deadline.
            let (transient, hint) = match &result {
                // A reset after the request was sent counts like a timeout (for methods the
                // policy allows, checked below).
                Err(e) => (crate::http::transient_transport(e), None),
                Ok(r) if self.retry.statuses.contains(&r.status().as_u16()) => {
                    (true, crate::retry::retry_after(r.headers()))
                }
                Ok(_) => (false, None),
            };
            if !transient || !retryable_method {
                break result;
            }
            let Some(next) = replay else { break result };
            let Some(delay) = self.retry.next_delay(&mut backoff, hint, deadline) else {
                break result;
            };
            tracing::debug!(
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            drop(result);
            tokio::time::sleep(delay).await;
            request = next;
        };
        span.record("attempts", attempts);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        let response = match result {
            Ok(response) => response,
            Err(e) => {
                tracing::debug!(
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "call failed"
                );
                return Err(e);
            }
        };
        span.record("status", response.status().as_u16());
        if let Some(id) = crate::http::request_id(response.headers()) {
            span.record("request_id", id.as_str());
        }
        if response.status().is_success() {
            self.sessions.accepted();
        }
        if !response.status().is_success() {
            // 3xx too: redirects are never followed, and one is an error naming its target.
            return self.attach_error(response, operation, note, attempts).await;
        }
        Ok(response)
    }

    async fn attach_error(
        &self,
        response: reqwest::Response,
        operation: &str,
        note: Option<Error>,
        attempts: u32,
    ) -> reqwest::Result<reqwest::Response> {
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let (body, _) = read_limited(response, MAX_BODY).await?;
        let mut error =
            error_from_response(status.as_u16(), &headers, &body).with_attempts(attempts);
        let mut rate_limit = crate::retry::RateLimit::from_headers(&headers);
        if status.as_u16() == 429
            && let Some(doc) = &self.documented_rate_limit
        {
            rate_limit.get_or_insert_with(Default::default).documented = Some(doc.clone());
        }
        if let Some(rate_limit) = rate_limit {
            error = error.with_rate_limit(rate_limit);
        }
        if let Some(note) = note {
            let message = format!(
                "{}; getting a fresh token failed: {}",
                error.message().unwrap_or("rejected"),
                note.message().unwrap_or("unknown error")
            );
            error = error.with_message(message);
            if note.needs_reauthorization() {
                error = error.with_reauthorize();
            }
            if let Some(subject) = note.subject() {
                error = error.with_subject(subject.to_owned());
            }
        }
        let error = self.context(self.redactor.redact_error(error), operation);
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        rebuilt.extensions_mut().insert(ResponseContext(error));
        Ok(reqwest::Response::from(rebuilt))
    }

    /// After sending: a transport failure becomes an error naming provider and operation, and
    /// so does a success answer that `exec` refused (a body over the cap).
    pub fn post(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        operation: &str,
    ) -> Result<(), Error> {
        match result {
            Ok(response) if response.status().is_success() => {
                match response.extensions().get::<ResponseContext>() {
                    Some(ResponseContext(e)) => Err(e.clone()),
                    None => Ok(()),
                }
            }
            Ok(_) => Ok(()),
            Err(e) => Err(self.context(crate::error::describe_reqwest(e), operation)),
        }
    }

    /// The response with its body read into memory (same status, version and headers), at
    /// most `max_success_body` bytes; a longer body leaves an error on the response (which
    /// [`post`](Self::post) returns) and is not read further.
    async fn buffer(
        &self,
        response: reqwest::Response,
        operation: &str,
    ) -> reqwest::Result<reqwest::Response> {
        // The parts move into the rebuilt response (no copy of the headers); the body is read
        // up to the cap.
        let announced = response.content_length();
        // Kept on the rebuilt response: reqwest would otherwise parse a placeholder URL for it.
        let url = response.url().clone();
        let (parts, body) = http::Response::from(response).into_parts();
        let status = parts.status;
        let (body, truncated) = match announced {
            // Announced as too long: refused without reading any of it.
            Some(len) if len > self.max_success_body as u64 => (bytes::Bytes::new(), true),
            _ => {
                use http_body_util::BodyExt as _;
                match http_body_util::Limited::new(body, self.max_success_body)
                    .collect()
                    .await
                {
                    Ok(collected) => (collected.to_bytes(), false),
                    Err(e) => match e.downcast::<reqwest::Error>() {
                        Ok(e) => return Err(*e),
                        // `LengthLimitError`: longer than the cap (the body's only other
                        // errors are reqwest's).
                        Err(_) => (bytes::Bytes::new(), true),
                    },
                }
            }
        };
        let mut rebuilt = http::Response::from_parts(parts, body);
        rebuilt.extensions_mut().extend(
            reqwest::ResponseBuilderExt::url(http::Response::builder(), url)
                .body(())
                .map(|r| r.into_parts().0.extensions)
                .unwrap_or_default(),
        );
        if truncated {
            let error = Error::new(
                ErrorKind::Decode,
                format!(
                    "the response body is larger than the {}-byte limit (raise it with the client's max_body setting)",
                    self.max_success_body
                ),
            )
            .with_status(status.as_u16())
            .with_code(BODY_TOO_LARGE);
            rebuilt
                .extensions_mut()
                .insert(ResponseContext(self.context(error, operation)));
        }
        Ok(reqwest::Response::from(rebuilt))
    }
}

/// The error code of a success body over the client's cap.
pub const BODY_TOO_LARGE: &str = "body_too_large";

/// `url` moved onto `root` when it is on the placeholder base; otherwise it must already be on
/// `root`'s origin (credentials never go to another host).
fn route(url: &Url, root: &Url) -> Result<Url, Error> {
    let text = url.as_str();
    if let Some(rest) = text.strip_prefix(API_ROOT_PLACEHOLDER)
        && (rest.is_empty() || rest.starts_with(['/', '?']))
    {
        // The common case, a root without a path: swap scheme, host and port in place.
        if root.path() == "/" {
            let mut out = url.clone();
            if out.set_scheme(root.scheme()).is_ok()
                && out.set_host(root.host_str()).is_ok()
                && out.set_port(root.port()).is_ok()
            {
                return Ok(out);
            }
        }
        let joined = format!("{}{rest}", root.as_str().trim_end_matches('/'));
        return Url::parse(&joined)
            .map_err(|e| Error::config(format!("cannot build the request URL: {e}")));
    }
    if url.origin() == root.origin() {
        return Ok(url.clone());
    }
    Err(Error::config(format!(
        "refusing to send credentials to {}: not the API root {}",
        url.origin().ascii_serialization(),
        root.origin().ascii_serialization()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_placeholder_to_root() {
        let root = Url::parse("https://e-eu.xink.io").unwrap();
        let url = Url::parse(&format!("{API_ROOT_PLACEHOLDER}/api/1.0/account/info?x=1")).unwrap();
        assert_eq!(
            route(&url, &root).unwrap().as_str(),
            "https://e-eu.xink.io/api/1.0/account/info?x=1"
        );
        let root = Url::parse("https://proxy.example/xink/").unwrap();
        assert_eq!(
            route(&url, &root).unwrap().as_str(),
            "https://proxy.example/xink/api/1.0/account/info?x=1"
        );
        let other = Url::parse("https://evil.example/api").unwrap();
        let e = route(&other, &root).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(
            e.to_string()
                .contains("refusing to send credentials to https://evil.example")
        );
    }

    #[test]
    fn schemes_set_sensitive_headers() {
        let t = AccessToken::new("abc");
        let v = AuthScheme::Bearer.header_value(&t).unwrap();
        assert_eq!(v, "Bearer abc");
        assert!(v.is_sensitive());
        assert_eq!(AuthScheme::Token.header_value(&t).unwrap(), "Token abc");
        assert!(
            AuthScheme::Bearer
                .header_value(&AccessToken::new("a\nb"))
                .is_err()
        );
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;
    use crate::cache::{Expiring, RefreshPolicy};
    use futures::future::BoxFuture;
    use httpmock::prelude::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn sessions(root: &str) -> (TokenCache<Session>, Arc<AtomicUsize>) {
        let n = Arc::new(AtomicUsize::new(0));
        let (c, root) = (n.clone(), Url::parse(root).unwrap());
        let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
            let i = c.fetch_add(1, Ordering::SeqCst) + 1;
            let api_root = root.clone();
            Box::pin(async move {
                Ok(Expiring {
                    value: Session {
                        token: Token::new(format!("tok-{i}")),
                        api_root,
                    },
                    lifetime: None,
                })
            })
        };
        (TokenCache::new(fetch, RefreshPolicy::default()), n)
    }

    async fn call(hooks: &AuthHooks) -> reqwest::Response {
        let http = crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap();
        let mut req = http
            .get(format!("{API_ROOT_PLACEHOLDER}/x"))
            .header("api-version", "1.0")
            .build()
            .unwrap();
        hooks.pre(&mut req, "get_x").await.unwrap();
        hooks.exec(&http, req, "get_x").await.unwrap()
    }

    #[tokio::test]
    async fn reject_statuses_are_configurable_to_include_403() {
        let server = MockServer::start_async().await;
        let stale = server
            .mock_async(|when, then| {
                when.path("/x").header("authorization", "Bearer tok-1");
                then.status(403)
                    .json_body(serde_json::json!({"error": "token expired"}));
            })
            .await;
        let fresh = server
            .mock_async(|when, then| {
                when.path("/x")
                    .header("authorization", "Bearer tok-2")
                    .header_missing("api-version");
                then.status(200).body("{}");
            })
            .await;

        // Default: 401 only, so a 403 is returned as is, with its error attached.
        let (cache, fetches) = sessions(&server.base_url());
        let hooks = AuthHooks::new("demo", cache);
        let response = call(&hooks).await;
        assert_eq!(response.status(), 403);
        let ResponseContext(e) = response
            .extensions()
            .get::<ResponseContext>()
            .unwrap()
            .clone();
        assert_eq!(
            e.to_string(),
            "demo: get_x: permission denied (HTTP 403): token expired"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        // With 403 in the set (XPKit): one refresh, one resend.
        let (cache, fetches) = sessions(&server.base_url());
        let hooks = AuthHooks::new("demo", cache).reject_statuses([401, 403]);
        let response = call(&hooks).await;
        assert_eq!(response.status(), 200);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        assert_eq!(stale.calls_async().await, 2);
        assert_eq!(fresh.calls_async().await, 1);
    }
}

/// Implements `progenitor_client::ClientHooks` for a generated client whose inner state has a
/// `hooks: AuthHooks` field: `pre`, `exec` and `post` delegate to [`AuthHooks`], and hook errors
/// travel as [`Error`](crate::Error). Every provider crate invokes it once per client type in
/// its `auth.rs`:
///
/// ```ignore
/// sdk_auth::client_hooks!(crate::Client, crate::auth::AuthState);
/// ```
#[macro_export]
macro_rules! client_hooks {
    ($client:ty, $state:ty) => {
        impl ::progenitor_client::ClientHooks<$state> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                self.inner
                    .hooks
                    .pre(request, info.operation_id)
                    .await
                    .map_err($crate::Error::into_progenitor)
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                self.inner
                    .hooks
                    .exec(&self.client, request, info.operation_id)
                    .await
            }

            async fn post<E>(
                &self,
                result: &::reqwest::Result<::reqwest::Response>,
                info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                self.inner
                    .hooks
                    .post(result, info.operation_id)
                    .map_err($crate::Error::into_progenitor)
            }
        }
    };
}
