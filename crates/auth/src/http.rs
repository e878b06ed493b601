//! HTTP helpers shared by token sources, hooks and raw requests: error mapping from a response,
//! bounded body reads, and the HTTPS guard.

use crate::error::{Error, ErrorBody, ErrorKind};
use crate::retry::{RetryPolicy, Timeouts};
use reqwest::header::{HeaderMap, HeaderName};
use std::time::{Duration, Instant};
use url::Url;

/// The most of an error or token response body the SDK reads (1 MiB). Larger bodies are
/// truncated (errors) or rejected (token responses).
pub const MAX_BODY: usize = 1024 * 1024;

/// The default cap on a buffered success body (JSON answers, raw `send`/`send_json`): 32 MiB.
/// Streaming downloads are not buffered and not capped.
pub const DEFAULT_MAX_SUCCESS_BODY: usize = 32 * 1024 * 1024;

/// `time + duration` on the wall clock, or a far-future time where that would overflow.
pub fn saturating_add_system(
    time: std::time::SystemTime,
    duration: Duration,
) -> std::time::SystemTime {
    if let Some(at) = time.checked_add(duration) {
        return at;
    }
    let mut step = Duration::from_secs(100 * 365 * 24 * 3600);
    while !step.is_zero() {
        if let Some(at) = time.checked_add(step) {
            return at;
        }
        step /= 2;
    }
    time
}

/// `instant + duration`, or a far-future instant where that would overflow: no configuration or
/// header value can make the SDK panic on time arithmetic.
pub fn saturating_add(instant: Instant, duration: Duration) -> Instant {
    if let Some(at) = instant.checked_add(duration) {
        return at;
    }
    // About a century ahead is "never" for every deadline the SDK keeps; halve until it fits.
    let mut step = Duration::from_secs(100 * 365 * 24 * 3600);
    while !step.is_zero() {
        if let Some(at) = instant.checked_add(step) {
            return at;
        }
        step /= 2;
    }
    instant
}

/// Characters escaped in a path segment: progenitor's set (controls, space, `"`, `#`, `<`,
/// `>`, `?`, backtick, `{`, `}`, `/`, `%`) plus `\`, which URL parsers read as `/`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%')
    .add(b'\\');

/// Encodes one path parameter so that it stays exactly one segment of its route: `/`, `\`, `%`,
/// `?`, `#` and the like are percent-encoded, and a value that a URL parser would resolve as a
/// dot segment (`.` or `..`, in any percent-encoded spelling such as `%2e%2E`) or an empty value
/// is refused before anything is sent. Generated operations call it for every path parameter
/// (`cargo xtask generate` rewrites progenitor's `encode_path`); hand-written ones do too.
///
/// The error names the parameter, never its value in full (it may be an identifier the user
/// considers private, but it is not a secret): `path parameter `email` must not be `..``.
pub fn path_segment(name: &str, value: &str) -> Result<String, String> {
    let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
    if value.is_empty() {
        return Err(format!(
            "path parameter `{name}` is empty: it would change the route"
        ));
    }
    if matches!(decoded.as_ref(), "." | "..") || matches!(value, "." | "..") {
        return Err(format!(
            "path parameter `{name}` must not be `.` or `..` (or their percent-encoded forms): it would leave its route"
        ));
    }
    Ok(percent_encoding::utf8_percent_encode(value, SEGMENT).to_string())
}

/// [`path_segment`] as an SDK [`Error`] of kind `Config`, for hand-written operations.
pub fn path_param(name: &str, value: &str) -> Result<String, Error> {
    path_segment(name, value).map_err(Error::config)
}

/// Headers a provider may use for its request id, in order of preference (static names: no
/// parsing on the per-call path).
static REQUEST_ID_HEADERS: [HeaderName; 7] = [
    HeaderName::from_static("x-request-id"),
    HeaderName::from_static("request-id"),
    HeaderName::from_static("x-correlation-id"),
    HeaderName::from_static("x-ms-request-id"),
    HeaderName::from_static("x-amzn-requestid"),
    HeaderName::from_static("x-amz-request-id"),
    HeaderName::from_static("cf-ray"),
];

/// JSON fields that carry a provider's error message, in order of preference. Only these are
/// ever copied into an [`Error`]; other fields (which might echo input) are not.
const MESSAGE_FIELDS: &[&str] = &[
    "error_description",
    "description",
    "message",
    "Message",
    "extra_info",
    "detail",
    "title",
    "error_message",
    "ErrorMessage",
];

/// JSON fields that carry a provider's error code.
const CODE_FIELDS: &[&str] = &["error", "code", "Code", "error_code", "ErrorCode"];

/// The longest provider message kept.
const MAX_MESSAGE: usize = 500;

/// The request id among `headers`, if any.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS.iter().find_map(|name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| truncate(v, 200))
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The provider's message and code from a JSON error body.
pub fn message_and_code(body: &serde_json::Value) -> (Option<String>, Option<String>) {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => {
            Some(truncate(s.trim(), MAX_MESSAGE))
        }
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let Some(obj) = body.as_object() else {
        return (text(body), None);
    };
    let mut message = MESSAGE_FIELDS
        .iter()
        .find_map(|k| obj.get(*k).and_then(text));
    let mut code = CODE_FIELDS.iter().find_map(|k| obj.get(*k).and_then(text));
    // XPKit: `{"error": "Unauthorized", "extra_info": {"error": "invalid_client"}}`: the nested
    // OAuth code is the code, the top-level text the message.
    if let Some(inner) = obj
        .get("extra_info")
        .and_then(|e| e.get("error"))
        .and_then(text)
    {
        if message.is_none() {
            message = code.take();
        }
        code = Some(inner);
    }
    // `{"error": "text"}` without a description: the error is the message.
    match (message, code) {
        (None, Some(code)) if code.contains(' ') => (Some(code), None),
        other => other,
    }
}

/// Builds the error for an HTTP error answer from its status, headers and body.
pub(crate) fn error_from_parts(status: u16, headers: &HeaderMap, body: ErrorBody<'_>) -> Error {
    let kind = ErrorKind::for_status(status);
    let mut error = Error::new(kind, "").with_status(status);
    if (300..400).contains(&status) {
        error = error.with_message(redirect_message(status, headers));
        if let Some(id) = request_id(headers) {
            error = error.with_request_id(id);
        }
        return error;
    }
    let (message, code) = match body {
        ErrorBody::Unread => (None, None),
        ErrorBody::Json(v) => message_and_code(v),
        ErrorBody::Raw(bytes) => {
            if bytes.is_empty() {
                (Some("empty response body".to_owned()), None)
            } else if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
                message_and_code(&v)
            } else {
                let ctype = headers
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("unknown content type");
                (
                    Some(format!(
                        "non-JSON response body ({ctype}, {} bytes)",
                        bytes.len()
                    )),
                    None,
                )
            }
        }
    };
    error = match message {
        Some(m) => error.with_message(m),
        None => error.with_message(
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error status"),
        ),
    };
    if let Some(code) = code {
        error = error.with_code(code);
    }
    if let Some(id) = request_id(headers) {
        error = error.with_request_id(id);
    }
    error
}

/// The message of a refused redirect: the status and the origin of `Location`, never its path
/// or query (they may carry a code or a token).
fn redirect_message(status: u16, headers: &HeaderMap) -> String {
    let target = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|l| match Url::parse(l) {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => "the same origin (relative Location)".to_owned(),
        })
        .unwrap_or_else(|| "nowhere (no Location header)".to_owned());
    format!(
        "redirect (HTTP {status}) to {target} refused: the SDK never follows redirects, so credentials cannot leave for an origin it did not choose"
    )
}

/// Maps an error response whose body has been read.
pub fn error_from_response(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    error_from_parts(status, headers, ErrorBody::Raw(body))
}

/// Parses a provider's answer that must be a JSON object, with errors that say what was wrong
/// (`"{what} is empty"`, `"{what} is HTML, not JSON"`, `"{what} is not valid JSON: ..."`,
/// `"{what} is not a JSON object"`) and never quote the body.
pub fn parse_json_object(body: &[u8], what: &str) -> Result<serde_json::Value, Error> {
    let fail = |m: String| Error::new(ErrorKind::Decode, m);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(format!("{what} is empty")));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        if body.trim_ascii_start().starts_with(b"<") {
            fail(format!("{what} is HTML, not JSON"))
        } else {
            fail(format!(
                "{what} is not valid JSON: {}",
                crate::error::serde_error_summary(&e)
            ))
        }
    })?;
    if !value.is_object() {
        return Err(fail(format!("{what} is not a JSON object")));
    }
    Ok(value)
}

/// Reads an answer that must be 2xx: its status, its body (at most [`MAX_BODY`]) and whether the
/// body was longer. A non-2xx answer becomes the mapped error (status, the provider's message
/// and code, request id); a body that cannot be read, a transport error.
pub async fn read_success(response: reqwest::Response) -> Result<(u16, bytes::Bytes, bool), Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let (body, truncated) = read_limited(response, MAX_BODY)
        .await
        .map_err(crate::error::from_reqwest)?;
    if !status.is_success() {
        return Err(error_from_response(status.as_u16(), &headers, &body));
    }
    Ok((status.as_u16(), body, truncated))
}

/// A token endpoint's refusal: a 4xx answer other than 429 (bad credentials, bad or reused
/// code, revoked refresh token) is an [`ErrorKind::Auth`] error; anything else is unchanged.
pub fn refused_as_auth(e: Error) -> Error {
    match e.status() {
        Some(s) if (400..500).contains(&s) && s != 429 => e.with_kind(ErrorKind::Auth),
        _ => e,
    }
}

/// Reads a response body, at most `limit` bytes. Returns the bytes and whether the body was
/// longer than `limit` (the rest is not read).
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(bytes::Bytes, bool), reqwest::Error> {
    if let Some(len) = response.content_length()
        && len as usize <= limit
    {
        return Ok((response.bytes().await?, false));
    }
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        if buf.len() + chunk.len() > limit {
            let room = limit - buf.len();
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf.freeze(), true));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), false))
}

/// Makes the TLS backend chosen by cargo features usable by any `reqwest::Client` of the
/// process, including one you build yourself.
///
/// Only the `rustls-ring` backend needs this (alone, without `rustls-aws-lc`): reqwest then has no
/// built-in rustls crypto provider and its `ClientBuilder::build` panics unless one was installed.
/// This installs *ring* as the process default once; it does nothing if a default (yours or an
/// earlier call's) is already installed, and nothing at all under the other backends. Every
/// client the SDK builds calls it first, so you need it only before building a
/// `reqwest::Client` of your own that is not handed to the SDK as a `ClientBuilder`.
pub fn install_crypto_provider() {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // Err means a provider is already installed, which is as good.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

/// The `reqwest::Client` every provider crate builds by default: rustls, no redirects (a
/// redirect could carry credentials elsewhere), the connect timeout, and the per-attempt timeout
/// as the default for requests made outside the hooks (token requests).
pub fn client(user_agent: &str, timeouts: &Timeouts) -> Result<reqwest::Client, Error> {
    client_from(reqwest::Client::builder(), user_agent, timeouts)
}

/// The `reqwest::Client` built from a user's `reqwest::ClientBuilder` (proxies, TLS roots, pool
/// settings): the SDK then sets what keeps credentials safe and calls bounded, whatever the
/// builder said — **no redirects** (a 3xx answer is an error naming the status and the
/// `Location` origin), the connect timeout, and the per-attempt timeout as the default of every
/// request. This is why provider builders take a `ClientBuilder`, not a built `Client`: a built
/// client's redirect policy cannot be changed, and reqwest forwards custom headers such as
/// `api_key` and re-POSTs bodies (client secrets, codes) on 307/308.
pub fn client_from(
    builder: reqwest::ClientBuilder,
    user_agent: &str,
    timeouts: &Timeouts,
) -> Result<reqwest::Client, Error> {
    install_crypto_provider();
    builder
        .user_agent(user_agent)
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.attempt)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::config("cannot build the HTTP client").with_source(e))
}

/// Whether a transport failure is worth another attempt: the connection failed or timed out, or
/// it broke after the request was sent (a reset). Callers decide whether the method allows it.
pub(crate) fn transient_transport(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()
}

/// Sends a request the SDK makes outside the hooks (token, refresh, discovery, code exchange):
/// each attempt bounded by `timeouts.attempt`, all of them by `timeouts.total`, and transient
/// failures (connect error, timeout, reset, 502/503/504, and 429 with `Retry-After`) retried
/// under `retry`. The caller reads the answer (e.g. with [`read_success`]).
pub async fn send_retrying(
    request: reqwest::RequestBuilder,
    retry: &RetryPolicy,
    timeouts: &Timeouts,
) -> Result<reqwest::Response, Error> {
    send_with(request, retry, timeouts, None).await
}

/// Sends a request that carries a single-use grant (an authorization code, a rotating refresh
/// token; `grant` names it in errors). Unlike [`send_retrying`], it is sent again only when it
/// provably never reached the server: the connection could not be made (connect or DNS
/// failure), or the server refused it unprocessed (429 or 503 with `Retry-After`). After a
/// timeout, a reset or a 502/504 once the request was sent, it is not resent (RFC 6749 §4.1.2:
/// a server may revoke every token issued from a code presented twice); the error then has
/// code [`OUTCOME_UNKNOWN`](crate::OUTCOME_UNKNOWN) and says what to do.
pub async fn send_single_use(
    request: reqwest::RequestBuilder,
    retry: &RetryPolicy,
    timeouts: &Timeouts,
    grant: &str,
) -> Result<reqwest::Response, Error> {
    send_with(request, retry, timeouts, Some(grant)).await
}

/// What the error of a single-use request says when it may have reached the server.
fn outcome_unknown(e: Error, grant: &str) -> Error {
    let what = e.message().unwrap_or("the request failed").to_owned();
    e.with_code(crate::OUTCOME_UNKNOWN).with_message(format!(
        "{what}; the outcome is unknown: the request may have reached the server, so the \
         single-use {grant} was not sent again (a server may revoke every token issued from a \
         grant presented twice). Do not retry with the same {grant}: read the token store again \
         (another attempt may have stored the result) or authorize again"
    ))
}

async fn send_with(
    request: reqwest::RequestBuilder,
    retry: &RetryPolicy,
    timeouts: &Timeouts,
    single_use: Option<&str>,
) -> Result<reqwest::Response, Error> {
    let started = Instant::now();
    let deadline = saturating_add(started, timeouts.total);
    let (client, template) = request.build_split();
    let template = template.map_err(crate::error::from_reqwest)?;
    let mut backoff = retry.backoff();
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let Some(mut request) = template.try_clone() else {
            return Err(Error::config("the request body cannot be replayed"));
        };
        *request.timeout_mut() = Some(timeouts.attempt_until(deadline));
        let result = client.execute(request).await;
        let (transient, hint) = match &result {
            // A single-use grant is resent only when the connection was never made.
            Err(e) if single_use.is_some() => (e.is_connect(), None),
            Err(e) => (transient_transport(e), None),
            Ok(r) => {
                let after = crate::retry::retry_after(r.headers());
                match r.status().as_u16() {
                    // A gateway may have forwarded the request: not for a single-use grant.
                    502 | 504 if single_use.is_some() => (false, None),
                    // Refused with `Retry-After`: the server did not process it.
                    503 if single_use.is_some() => (after.is_some(), after),
                    502..=504 => (true, after),
                    429 => (after.is_some(), after),
                    _ => (false, None),
                }
            }
        };
        let delay = if transient {
            retry.next_delay(&mut backoff, hint, deadline)
        } else {
            None
        };
        let Some(delay) = delay else {
            break result.map_err(|e| {
                let sent = !e.is_connect();
                let e = crate::error::from_reqwest(e);
                match single_use {
                    Some(grant) if sent => outcome_unknown(e, grant),
                    _ => e,
                }
            });
        };
        tracing::debug!(
            attempt = attempts,
            delay_ms = delay.as_millis() as u64,
            "retrying an auth request"
        );
        drop(result);
        tokio::time::sleep(delay).await;
    }
    .map_err(|e| e.with_attempts(attempts))
}

/// The HTTPS guard: credentials go only to `https` URLs, or to plain `http` on a loopback
/// address (`127.0.0.0/8`, `::1`, `localhost`) for tests and local fakes.
pub fn ensure_secure(url: &Url, what: &str) -> Result<(), Error> {
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the userinfo: it is a credential.
        return Err(Error::config(format!(
            "{what} must not carry a user name or password (`user:pass@host`): credentials in URLs end up in logs"
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        scheme => Err(Error::config(format!(
            "{what} must use https (got {scheme}://{}); credentials are never sent over plain http except to loopback",
            url.host_str().unwrap_or("")
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `base` joined with `path`, with exactly one `/` between them (`https://h/a/` + `/b` →
/// `https://h/a/b`).
pub fn join(base: &Url, path: &str) -> Result<Url, Error> {
    let text = format!(
        "{}/{}",
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    Url::parse(&text).map_err(|e| Error::config(format!("cannot build `{path}` URL: {e}")))
}

/// Parses `text` as an absolute http(s) URL with a host, for base URLs and API roots.
pub fn parse_base_url(text: &str, what: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::config(format!("{what} is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!(
            "{what} must be an absolute http(s) URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} must not have a query or fragment"
        )));
    }
    ensure_secure(&url, what)?;
    Ok(url)
}

#[doc(hidden)]
/// A declared error answer of a generated operation. Behind the SDK's hooks the answer already
/// carries the SDK's error (status, provider message and code, request id, rate limit,
/// secrets redacted), whatever its body: that error is returned, so that an error body that
/// does not match its declared schema is still an API error. Without the hooks the body is
/// decoded as `E`.
pub async fn error_response<E: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> progenitor_client::Error<E> {
    if response
        .extensions()
        .get::<crate::error::ResponseContext>()
        .is_some()
    {
        return progenitor_client::Error::UnexpectedResponse(response);
    }
    match json_response(response).await {
        Ok(value) => progenitor_client::Error::ErrorResponse(value),
        Err(e) => e,
    }
}

/// What every generated operation decodes a JSON answer with: progenitor's
/// `ResponseValue::from_response`, without copying the headers (they move into the value).
#[doc(hidden)]
pub async fn json_response<T: serde::de::DeserializeOwned, E>(
    response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    use http_body_util::BodyExt as _;
    let status = response.status();
    let (parts, body) = http::Response::from(response).into_parts();
    let full = body
        .collect()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?
        .to_bytes();
    let inner = serde_json::from_slice(&full)
        .map_err(|e| progenitor_client::Error::InvalidResponsePayload(full, e))?;
    Ok(progenitor_client::ResponseValue::new(
        inner,
        status,
        parts.headers,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_come_from_known_fields_only() {
        assert_eq!(
            message_and_code(
                &json!({"error": "invalid_client", "error_description": "bad secret"})
            ),
            (Some("bad secret".into()), Some("invalid_client".into()))
        );
        assert_eq!(
            message_and_code(
                &json!({"Message": "Authorization has been denied for this request."})
            ),
            (
                Some("Authorization has been denied for this request.".into()),
                None
            )
        );
        assert_eq!(
            message_and_code(&json!({"error": "Not found here", "echo": "secret"})),
            (Some("Not found here".into()), None)
        );
        assert_eq!(message_and_code(&json!({"other": 1})), (None, None));
    }

    #[test]
    fn xpkit_error_shape() {
        assert_eq!(
            message_and_code(
                &json!({"error": "Unauthorized", "extra_info": {"error": "invalid_client"}})
            ),
            (Some("Unauthorized".into()), Some("invalid_client".into()))
        );
        assert_eq!(
            message_and_code(
                &json!({"error": "Not found", "description": "No activity with this id"})
            ),
            (
                Some("No activity with this id".into()),
                Some("Not found".into())
            )
        );
    }

    #[test]
    fn html_and_empty_bodies_are_described_not_echoed() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "text/html".parse().unwrap());
        headers.insert("x-request-id", "r-9".parse().unwrap());
        let e = error_from_response(500, &headers, b"<html>secret-ish</html>");
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(
            e.to_string(),
            "api error (HTTP 500): non-JSON response body (text/html, 23 bytes) [request id r-9]"
        );
        let e = error_from_response(401, &HeaderMap::new(), b"");
        assert_eq!(e.kind(), ErrorKind::Auth);
        assert_eq!(e.message(), Some("empty response body"));
    }

    #[test]
    fn https_guard() {
        let ok = |s: &str| ensure_secure(&Url::parse(s).unwrap(), "url").is_ok();
        assert!(ok("https://auth.xink.io"));
        assert!(ok("http://127.0.0.1:8080"));
        assert!(ok("http://[::1]:1"));
        assert!(ok("http://localhost:1"));
        assert!(!ok("http://auth.xink.io"));
        assert!(!ok("http://10.0.0.1"));
        assert!(!ok("ftp://auth.xink.io"));
        assert!(parse_base_url("not a url", "api root").is_err());
        assert!(parse_base_url("https://e-eu.xink.io?x=1", "api root").is_err());
    }
}
