//! What the providers' test fakes share (feature `mock`): the matchers the generated typed
//! helpers call, and the token bookkeeping of the auth-aware fakes.
//!
//! Users reach this through a provider crate's `mock` module (`xink_sdk::mock::MockXink`, …);
//! depend on it directly only to build a fake of your own on [`httpmock`].

use crate::lock;
use httpmock::{HttpMockRequest, HttpMockResponse, When};
use serde_json::Value;
use sha2::Digest as _;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use httpmock;

/// The regex of a request path as the SDK sends it: `template` (the API root's own path and
/// the spec's path, e.g. `/api/v1/packages/{packageId}`) with each named parameter in `values`
/// encoded exactly as the client encodes it (one segment, `sdk_auth::http::path_segment`),
/// and every other parameter matching any one segment. Literal text is escaped, so `.` in
/// `/api/1.0` matches only a dot.
pub fn path_pattern(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::from("^");
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&escape(&rest[..open]));
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        match values.iter().find(|(n, _)| *n == name) {
            // A value the client refuses is never sent: let nothing match it.
            Some((n, v)) => match crate::http::path_segment(n, v) {
                Ok(encoded) => out.push_str(&escape(&encoded)),
                Err(_) => out.push_str("[^\\s\\S]"),
            },
            None => out.push_str("[^/]+"),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&escape(rest));
    out.push('$');
    out
}

/// Escapes regex syntax.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One `name=item` query pair per item, as the client sends an array parameter.
pub fn query_items<I>(when: When, name: &str, items: I) -> When
where
    I: IntoIterator,
    I::Item: Display,
{
    items
        .into_iter()
        .fold(when, |w, item| w.query_param(name, item.to_string()))
}

/// Matches an `application/x-www-form-urlencoded` body field by field (values compared
/// decoded): strings as they are, numbers and booleans as text, arrays as one pair per item,
/// `null` fields absent.
pub fn form_body<T: serde::Serialize>(when: When, value: &T) -> When {
    let Ok(Value::Object(fields)) = serde_json::to_value(value) else {
        return when;
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    fields.iter().fold(when, |w, (k, v)| match v {
        Value::Null => w.form_urlencoded_tuple_missing(k),
        Value::Array(items) => items
            .iter()
            .fold(w, |w, item| w.form_urlencoded_tuple(k, text(item))),
        other => w.form_urlencoded_tuple(k, text(other)),
    })
}

/// The decoded `application/x-www-form-urlencoded` pairs of a request body.
pub fn form(request: &HttpMockRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(request.body_ref())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A request header (first value), by case-insensitive name.
pub fn header(request: &HttpMockRequest, name: &str) -> Option<String> {
    request
        .headers_vec()
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// Whether `verifier` is the PKCE verifier of the `S256` `challenge` (RFC 7636 §4.6).
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine as _;
    let digest = sha2::Sha256::digest(verifier.as_bytes());
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    !verifier.is_empty()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            challenge.as_bytes(),
        ))
}

/// A JSON answer.
pub fn json(status: u16, body: &Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string())
        .build()
}

/// Answers every request matching `path_regex` with `status` and the JSON `body` unless
/// `allowed` says the request may pass (to the mocks created after this one): a fake's
/// authorization check, created before any mock of the user's, so that it wins (httpmock
/// serves the first matching mock in creation order).
pub fn guard(
    server: &httpmock::MockServer,
    path_regex: &str,
    status: u16,
    body: Value,
    allowed: impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static,
) {
    server.mock(move |when, then| {
        when.path_matches(path_regex)
            .is_true(move |req| !allowed(req));
        then.status(status)
            .header("content-type", "application/json")
            .json_body(body);
    });
}

/// Whether the request authenticates the OAuth client `id`/`secret`: in the form body
/// (`client_id`, `client_secret`) or as HTTP Basic, decoded as `basic` says: for
/// [`ClientAuth::BasicAuth`](crate::ClientAuth::BasicAuth) the user and password are
/// form-urldecoded as RFC 6749 §2.3.1 asks (a standard server); for
/// [`ClientAuth::BasicAuthRaw`](crate::ClientAuth::BasicAuthRaw) they are compared as sent.
pub fn client_authenticated(
    request: &HttpMockRequest,
    id: &str,
    secret: &str,
    basic: crate::ClientAuth,
) -> bool {
    use base64::Engine as _;
    let f = form(request);
    let from_basic = credential(request, "Basic")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            let (user, password) = text.split_once(':')?;
            if basic == crate::ClientAuth::BasicAuthRaw {
                return Some((user.to_owned(), password.to_owned()));
            }
            let decode = |v: &str| -> String {
                url::form_urlencoded::parse(format!("x={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(user), decode(password)))
        });
    if let Some((user, password)) = from_basic {
        return user == id && password == secret;
    }
    f.get("client_id").map(String::as_str) == Some(id)
        && f.get("client_secret").map(String::as_str) == Some(secret)
}

/// A client-credentials token endpoint: `400 unsupported_grant_type` for another grant,
/// `401 invalid_client` for other credentials, else a new token from `mint` with `expires_in`.
pub fn client_credentials_answer(
    request: &HttpMockRequest,
    id: &str,
    secret: &str,
    mint: &TokenMint,
    expires_in: u64,
    basic: crate::ClientAuth,
) -> HttpMockResponse {
    if form(request).get("grant_type").map(String::as_str) != Some("client_credentials") {
        return json(400, &serde_json::json!({"error": "unsupported_grant_type"}));
    }
    if !client_authenticated(request, id, secret, basic) {
        return json(401, &serde_json::json!({"error": "invalid_client"}));
    }
    json(
        200,
        &serde_json::json!({
            "access_token": mint.issue(),
            "token_type": "Bearer",
            "expires_in": expires_in,
        }),
    )
}

/// The single-use authorization codes of a fake's consent step, each bound to what it was
/// issued for (a PKCE challenge, a redirect URI, …).
#[derive(Debug)]
pub struct Codes<T> {
    prefix: String,
    issued: AtomicUsize,
    pending: Mutex<HashMap<String, T>>,
}

impl<T> Codes<T> {
    /// Codes starting with `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            issued: AtomicUsize::new(0),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// A new code bound to `grant`.
    pub fn issue(&self, grant: T) -> String {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let code = format!("{}{n}", self.prefix);
        lock(&self.pending).insert(code.clone(), grant);
        code
    }

    /// Takes `code` (at most once).
    pub fn take(&self, code: &str) -> Option<T> {
        lock(&self.pending).remove(code)
    }

    /// How many codes were issued.
    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }
}

/// `redirect` with `code` and `state` added to its query: the consent step's answer.
pub fn redirect_with_code(redirect: &str, code: &str, state: &str) -> Result<String, String> {
    let mut url = url::Url::parse(redirect).map_err(|e| format!("bad redirect URI: {e}"))?;
    url.query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", state);
    Ok(url.into())
}

/// An authorize URL's query as a map; a path alone is read against a placeholder origin.
pub fn authorize_query(authorize_url: &str) -> Result<(url::Url, HashMap<String, String>), String> {
    let url = url::Url::parse(authorize_url)
        .or_else(|_| url::Url::parse("http://fake").and_then(|b| b.join(authorize_url)))
        .map_err(|_| "the authorize URL is not a URL".to_owned())?;
    let query = url.query_pairs().into_owned().collect();
    Ok((url, query))
}

/// A `302` to `location`, or a `400 invalid_request` naming what was wrong.
pub fn redirect_answer(location: Result<String, String>) -> HttpMockResponse {
    match location {
        Ok(location) => HttpMockResponse::builder()
            .status(302)
            .header("location", location)
            .build(),
        Err(message) => json(
            400,
            &serde_json::json!({"error": "invalid_request", "error_description": message}),
        ),
    }
}

/// `Debug` (the base URL only) and `Deref` to the [`httpmock::MockServer`] in field `server`,
/// for a provider's fake.
#[macro_export]
macro_rules! mock_server_handle {
    ($fake:ident) => {
        impl ::std::fmt::Debug for $fake {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($fake))
                    .field("base_url", &self.server.base_url())
                    .finish_non_exhaustive()
            }
        }

        impl ::std::ops::Deref for $fake {
            type Target = $crate::mock::httpmock::MockServer;
            fn deref(&self) -> &Self::Target {
                &self.server
            }
        }
    };
}

/// A request as a fake received it (for asserting what went over the wire, e.g. the exact
/// token request). It holds whatever the request carried, secrets included, as the provider
/// would see them: keep it in tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, percent-encoded as sent.
    pub path: String,
    /// The query string, when any.
    pub query: Option<String>,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// A copy of `request`.
    pub fn from_request(request: &HttpMockRequest) -> Self {
        let uri = request.uri();
        Self {
            method: request.method_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: request
                .headers_vec()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            body: request.body_ref().to_vec(),
        }
    }

    /// A header (first value), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `application/x-www-form-urlencoded` body as decoded pairs, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The JSON body, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A canned answer that replaces an endpoint's own while set: for testing what your code does
/// when the provider answers badly (an HTML login page, a 500, a token without a token).
#[derive(Debug, Default)]
pub struct Override(Mutex<Option<(u16, String, Vec<u8>)>>);

impl Override {
    /// From now on, answer `status` with `body` of `content_type`.
    pub fn set(&self, status: u16, content_type: &str, body: impl Into<Vec<u8>>) {
        *lock(&self.0) = Some((status, content_type.to_owned(), body.into()));
    }

    /// Back to the endpoint's own answers.
    pub fn clear(&self) {
        *lock(&self.0) = None;
    }

    /// The canned answer, when one is set.
    pub fn answer(&self) -> Option<HttpMockResponse> {
        lock(&self.0).as_ref().map(|(status, content_type, body)| {
            HttpMockResponse::builder()
                .status(*status)
                .header("content-type", content_type.as_str())
                .body(body.clone())
                .build()
        })
    }
}

/// The requests a fake's endpoint served, in order.
#[derive(Debug, Default)]
pub struct Log(Mutex<Vec<Received>>);

impl Log {
    /// Records `request`.
    pub fn push(&self, request: &HttpMockRequest) {
        lock(&self.0).push(Received::from_request(request));
    }

    /// Everything recorded so far.
    pub fn all(&self) -> Vec<Received> {
        lock(&self.0).clone()
    }
}

/// The tokens a fake issued: numbered values with a prefix (`mock-xink-token-1`, …), which of
/// them the API still accepts, and how many were issued. The same bookkeeping as [`Codes`],
/// with nothing bound to a token.
#[derive(Debug)]
pub struct TokenMint(Codes<()>);

impl TokenMint {
    /// A mint whose tokens start with `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self(Codes::new(prefix))
    }

    /// A new live token.
    pub fn issue(&self) -> String {
        self.0.issue(())
    }

    /// How many tokens were issued.
    pub fn issued(&self) -> usize {
        self.0.issued()
    }

    /// Whether the API accepts `token`.
    pub fn is_live(&self, token: &str) -> bool {
        lock(&self.0.pending).contains_key(token)
    }

    /// Stops accepting `token`; returns whether it was live (a refresh token used twice is not).
    pub fn retire(&self, token: &str) -> bool {
        self.0.take(token).is_some()
    }

    /// Stops accepting every token issued so far (they expired, or were revoked).
    pub fn expire_all(&self) {
        lock(&self.0.pending).clear();
    }
}

/// The credential of a request: the token after `scheme ` in `Authorization`.
pub fn credential(request: &HttpMockRequest, scheme: &str) -> Option<String> {
    let value = header(request, "authorization")?;
    let (s, token) = value.split_once(' ')?;
    s.eq_ignore_ascii_case(scheme)
        .then(|| token.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns_encode_values_like_the_client_and_escape_literals() {
        let p = path_pattern("/api/1.0/employee/{email}/fields", &[("email", "a b@x")]);
        let encoded = crate::http::path_segment("email", "a b@x").unwrap();
        assert_eq!(p, format!("^/api/1\\.0/employee/{encoded}/fields$"));
        let re = regex::Regex::new(&p).unwrap();
        assert!(re.is_match(&format!("/api/1.0/employee/{encoded}/fields")));
        assert!(!re.is_match("/api/1x0/employee/a b@x/fields"));
        let any = regex::Regex::new(&path_pattern("/a/{x}/b/{y}", &[("y", "1+1")])).unwrap();
        assert!(any.is_match("/a/anything/b/1+1"));
        assert!(
            !any.is_match("/a/two/segments/b/1+1"),
            "one segment per parameter"
        );
        assert!(!any.is_match("/a/x/b/11"), "`+` is literal");
        let refused = regex::Regex::new(&path_pattern("/a/{x}", &[("x", "..")])).unwrap();
        assert!(!refused.is_match("/a/.."));
    }

    #[test]
    fn pkce_s256() {
        // RFC 7636 appendix B.
        assert!(pkce_s256_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches(
            "other",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches("", ""));
    }

    #[test]
    fn mint_issues_numbered_live_tokens() {
        let m = TokenMint::new("t-");
        assert_eq!(m.issue(), "t-1");
        assert_eq!(m.issue(), "t-2");
        assert!(m.is_live("t-1"));
        assert!(m.retire("t-1"));
        assert!(!m.retire("t-1"));
        m.expire_all();
        assert!(!m.is_live("t-2"));
        assert_eq!(m.issued(), 2);
    }
}
