//! Tokens, token sources, and the client-credentials grant.

use crate::error::{Error, ErrorKind};
use crate::retry::{RetryPolicy, Timeouts};
use crate::secret::{AccessToken, ClientId, ClientSecret, Redactor, RefreshToken};
use futures::future::BoxFuture;
use std::borrow::Cow;
use std::time::Duration;
use url::Url;

/// An access token as a token endpoint returned it.
///
/// A [`TokenSource`] of your own builds one with [`Token::new`] and the `with_*` setters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Token {
    /// The token.
    pub access_token: AccessToken,
    /// `token_type`, when the provider sent one (`"bearer"`).
    pub token_type: Option<String>,
    /// How long the token lives from when it was issued (`expires_in`), when known.
    pub expires_in: Option<Duration>,
    /// A refresh token, when the provider sent one.
    pub refresh_token: Option<RefreshToken>,
    /// The granted scopes, when the provider echoed them.
    pub scope: Option<String>,
}

impl Token {
    /// A token with only its value.
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: AccessToken::new(access_token),
            token_type: None,
            expires_in: None,
            refresh_token: None,
            scope: None,
        }
    }
}

with_setters!(Token {
    /// Sets [`token_type`](Self::token_type): a value, or an `Option` of one.
    with_token_type: token_type: impl crate::IntoOptional<String> => crate::store::optional(token_type);
    /// Sets [`expires_in`](Self::expires_in): a duration, or an `Option` of one.
    with_expires_in: expires_in: impl crate::IntoOptional<Duration> => crate::store::optional(expires_in);
    /// Sets the [`refresh_token`](Self::refresh_token): a value, or an `Option` of one.
    with_refresh_token: refresh_token: impl crate::IntoOptional<String> => crate::store::optional(refresh_token).map(RefreshToken::new);
    /// Sets [`scope`](Self::scope): a value, or an `Option` of one.
    with_scope: scope: impl crate::IntoOptional<String> => crate::store::optional(scope);
});

/// Something that fetches a fresh token: a client-credentials grant, a refresh-token grant, an
/// authorization-code exchange.
pub trait TokenSource: Send + Sync + 'static {
    /// Fetches a new token from the provider.
    fn fetch_token(&self) -> BoxFuture<'_, Result<Token, Error>>;
}

/// The longest lifetime taken as meant (ten years): beyond it, `expires_in` is unknown.
const MAX_LIFETIME_SECS: f64 = 315_360_000.0;

/// `expires_in` as a number or a numeric string (some servers send `"7200"`). Zero, negative,
/// NaN, absurd (beyond ten years) or wrong-typed lifetimes are unknown (`None`): the cache then
/// uses the provider's default lifetime or keeps the token until it is rejected, and never
/// fetches a token per call.
fn lifetime(value: &serde_json::Value) -> Option<Duration> {
    let secs = match value {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => None?,
    };
    (secs.is_finite() && secs > 0.0 && secs <= MAX_LIFETIME_SECS)
        .then(|| Duration::from_secs_f64(secs))
}

/// A text field the SDK only passes on (`token_type`, `scope`): another type is ignored, with
/// a debug log naming the field (never its value).
fn optional_text(
    object: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<String> {
    match object.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => {
            tracing::debug!(
                field = name,
                json_type = json_type(other),
                "token response field of an unexpected type ignored"
            );
            None
        }
    }
}

/// The JSON type of a value, for messages that must not quote it.
fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Parses an RFC 6749 §5.1 token response tolerantly: only `access_token` is required;
/// `expires_in` may be a number or a numeric string (zero, negative, absurd or wrong-typed:
/// unknown); a wrong-typed field the SDK does not need (`token_type`, `scope`) is ignored with a
/// debug log; unknown fields are ignored. A `refresh_token` that is not a string is an error
/// (the grant it carries would be lost). The body is never copied into the error (it may hold
/// the token).
pub fn parse_token_response(body: &[u8]) -> Result<Token, Error> {
    let value = crate::http::parse_json_object(body, "token response")?;
    let serde_json::Value::Object(object) = value else {
        return Err(Error::new(
            ErrorKind::Decode,
            "token response is not a JSON object",
        ));
    };
    let access_token = match object.get("access_token") {
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(serde_json::Value::String(_)) => {
            return Err(Error::new(
                ErrorKind::Decode,
                "token response has an empty `access_token`",
            ));
        }
        Some(serde_json::Value::Null) | None => {
            return Err(Error::new(
                ErrorKind::Decode,
                "token response has no `access_token`",
            ));
        }
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "token response `access_token` is not a string (a JSON {})",
                    json_type(other)
                ),
            ));
        }
    };
    let refresh_token = match object.get("refresh_token") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(RefreshToken::new(s.clone())),
        Some(serde_json::Value::String(_) | serde_json::Value::Null) | None => None,
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "token response `refresh_token` is not a string (a JSON {})",
                    json_type(other)
                ),
            ));
        }
    };
    let expires_in = object.get("expires_in").and_then(|v| {
        let parsed = lifetime(v);
        if parsed.is_none() && !v.is_null() {
            tracing::debug!(
                json_type = json_type(v),
                "token response `expires_in` is not a usable lifetime; treated as unknown"
            );
        }
        parsed
    });
    Ok(Token {
        access_token: AccessToken::new(access_token),
        token_type: optional_text(&object, "token_type"),
        expires_in,
        refresh_token,
        scope: optional_text(&object, "scope"),
    })
}

/// How the client authenticates to the token endpoint (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    #[default]
    RequestBody,
    /// HTTP Basic as RFC 6749 §2.3.1 defines it: the client id and the secret are each
    /// form-urlencoded first, then sent as
    /// `Authorization: Basic base64(urlencode(client_id):urlencode(client_secret))`; the body
    /// carries neither. A standard server decodes both, so a secret with `+`, `%`, `:`, `/` or
    /// non-ASCII characters works.
    BasicAuth,
    /// HTTP Basic without the RFC's form-urlencoding: `base64(client_id:client_secret)` of the
    /// raw values, as some providers document it (Xink's legacy token request). Only for a
    /// server known to expect it: a standard server refuses a secret that needs encoding.
    BasicAuthRaw,
}

impl ClientAuth {
    /// Whether the credentials travel as HTTP Basic (either form).
    pub fn is_basic(self) -> bool {
        matches!(self, Self::BasicAuth | Self::BasicAuthRaw)
    }
}

/// The `(user, password)` of HTTP Basic client authentication, encoded as `auth` says.
pub(crate) fn basic_credentials<'a>(
    auth: ClientAuth,
    id: &'a ClientId,
    secret: &'a ClientSecret,
) -> (Cow<'a, str>, Cow<'a, str>) {
    let encode = |v: &'a str| -> Cow<'a, str> {
        if auth == ClientAuth::BasicAuthRaw {
            Cow::Borrowed(v)
        } else {
            Cow::Owned(url::form_urlencoded::byte_serialize(v.as_bytes()).collect())
        }
    };
    (encode(id.as_str()), encode(secret.secret()))
}

/// The OAuth 2.0 client-credentials grant (RFC 6749 §4.4): a form-encoded `POST` to the token
/// endpoint with `grant_type=client_credentials` and the scopes, space-separated.
#[derive(Clone)]
pub struct ClientCredentials {
    http: reqwest::Client,
    provider: Cow<'static, str>,
    token_url: Url,
    client_id: ClientId,
    client_secret: ClientSecret,
    scopes: Vec<String>,
    auth: ClientAuth,
    extra: Vec<(String, String)>,
    policies: Policies,
}

/// The `retry`, `timeouts` and `redactor` setters of a grant type holding `policies: Policies`;
/// `$what` names its requests in the docs.
macro_rules! policy_setters {
    ($what:literal) => {
        #[doc = concat!("How ", $what, " are retried on transient failures (default [`RetryPolicy::standard`]): connect errors, timeouts, resets, 502/503/504, and 429 with `Retry-After`.")]
        pub fn retry(mut self, policy: RetryPolicy) -> Self {
            self.policies.retry = policy;
            self
        }

        #[doc = concat!("Per-attempt and total timeouts of ", $what, " (default [`Timeouts::default`]).")]
        pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
            self.policies.timeouts = timeouts;
            self
        }

        #[doc = concat!("The secrets redacted from the error messages of ", $what, " (the secrets each request sends are always redacted).")]
        pub fn redactor(mut self, redactor: Redactor) -> Self {
            self.policies.redactor = redactor;
            self
        }
    };
}
pub(crate) use policy_setters;

/// How the SDK's own requests to an authorization server are sent: retries, timeouts, and the
/// secrets redacted from its error messages.
#[derive(Clone, Debug, Default)]
pub(crate) struct Policies {
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) redactor: Redactor,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("provider", &self.provider)
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("auth", &self.auth)
            .finish()
    }
}

impl ClientCredentials {
    /// The client id the grant authenticates as.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// A grant against `token_url` (checked by the HTTPS guard).
    pub fn new(
        http: reqwest::Client,
        provider: impl Into<Cow<'static, str>>,
        token_url: Url,
        client_id: ClientId,
        client_secret: ClientSecret,
    ) -> Result<Self, Error> {
        crate::http::ensure_secure(&token_url, "token URL")?;
        Ok(Self {
            http,
            provider: provider.into(),
            token_url,
            client_id,
            client_secret,
            scopes: Vec::new(),
            auth: ClientAuth::default(),
            extra: Vec::new(),
            policies: Policies::default(),
        })
    }

    policy_setters!("token requests");

    /// The scopes to request (sent space-separated in `scope`; omitted when empty).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client authenticates (body or HTTP Basic).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// An extra form field sent with every token request (e.g. `audience`).
    pub fn extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// Requests a token.
    pub async fn request_token(&self) -> Result<Token, Error> {
        let ctx = |e: Error| {
            e.with_provider(self.provider.clone())
                .with_operation("get_token")
        };
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !self.auth.is_basic() {
            form.push(("client_id", self.client_id.as_str()));
            form.push(("client_secret", self.client_secret.secret()));
        }
        let scope = self.scopes.join(" ");
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        for (k, v) in &self.extra {
            form.push((k, v));
        }
        let basic =
            self.auth
                .is_basic()
                .then_some((self.auth, &self.client_id, &self.client_secret));
        tracing::debug!(provider = %self.provider, url = %self.token_url, "requesting token");
        post_token_form(&self.http, &self.token_url, &form, basic, &self.policies)
            .await
            .map_err(ctx)
    }
}

/// Reads a token endpoint's answer: a token on 2xx, otherwise an auth error (4xx) or a
/// transient API error (5xx) carrying the OAuth `error` code and description.
pub async fn read_token_response(response: reqwest::Response) -> Result<Token, Error> {
    let (status, body, truncated) = crate::http::read_success(response)
        .await
        .map_err(crate::http::refused_as_auth)?;
    if truncated {
        return Err(Error::new(
            ErrorKind::Decode,
            "token response is larger than 1 MiB",
        ));
    }
    parse_token_response(&body).map_err(|e| e.with_status(status))
}

/// Form fields whose values are secrets (redacted from the endpoint's error messages).
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "password",
    "assertion",
];

/// POSTs a token request (`application/x-www-form-urlencoded`, `Accept: application/json`),
/// with HTTP Basic client authentication when `basic` is given, and reads the token answer.
/// Callers put the grant's fields (and body credentials) in `form`, in the order they document.
/// Transient failures are retried and every attempt is timed ([`crate::http::send_retrying`];
/// a code or refresh grant only when it never reached the server,
/// [`crate::http::send_single_use`]);
/// every secret sent is redacted from the error.
pub(crate) async fn post_token_form<K: AsRef<str>, V: AsRef<str>>(
    http: &reqwest::Client,
    url: &Url,
    form: &[(K, V)],
    basic: Option<(ClientAuth, &ClientId, &ClientSecret)>,
    policies: &Policies,
) -> Result<Token, Error> {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    let redactor = policies.redactor.clone();
    for (k, v) in &pairs {
        if SECRET_FIELDS.contains(k) {
            redactor.add(v);
        }
    }
    let mut request = http
        .post(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&pairs);
    if let Some((auth, id, secret)) = basic {
        let (user, password) = basic_credentials(auth, id, secret);
        redactor.add(secret.secret());
        redactor.add(&password);
        request = request.basic_auth(user, Some(password));
    }
    let result = async {
        // An authorization code and a refresh token (which may rotate) are single-use.
        let single_use = pairs.iter().find_map(|(k, v)| match (*k, *v) {
            ("grant_type", "authorization_code") => Some("authorization code"),
            ("grant_type", "refresh_token") => Some("refresh token"),
            _ => None,
        });
        let response = match single_use {
            Some(grant) => {
                crate::http::send_single_use(request, &policies.retry, &policies.timeouts, grant)
                    .await?
            }
            None => {
                crate::http::send_retrying(request, &policies.retry, &policies.timeouts).await?
            }
        };
        read_token_response(response).await
    }
    .await;
    let token = result.map_err(|e| redactor.redact_error(e))?;
    redactor.add(token.access_token.secret());
    if let Some(refresh) = &token.refresh_token {
        redactor.add(refresh.secret());
    }
    Ok(token)
}

impl TokenSource for ClientCredentials {
    fn fetch_token(&self) -> BoxFuture<'_, Result<Token, Error>> {
        Box::pin(self.request_token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tolerantly() {
        let t = parse_token_response(
            br#"{"access_token":"t1","expires_in":7200,"token_type":"bearer","x":1}"#,
        )
        .unwrap();
        assert_eq!(t.access_token.secret(), "t1");
        assert_eq!(t.expires_in, Some(Duration::from_secs(7200)));
        assert_eq!(t.token_type.as_deref(), Some("bearer"));

        let t = parse_token_response(br#"{"access_token":"t1","expires_in":"3600"}"#).unwrap();
        assert_eq!(t.expires_in, Some(Duration::from_secs(3600)));
        let t = parse_token_response(br#"{"access_token":"t1"}"#).unwrap();
        assert_eq!(t.expires_in, None);
        let t = parse_token_response(br#"{"access_token":"t1","expires_in":"soon"}"#).unwrap();
        assert_eq!(t.expires_in, None);
        let t = parse_token_response(br#"{"access_token":"t1","expires_in":-5}"#).unwrap();
        assert_eq!(t.expires_in, None);
        // Zero, absurd and wrong-typed lifetimes are unknown, never "expired at once".
        for lifetime in ["0", "\"0\"", "0.0", "1e300", "{}", "true", "[]", "null"] {
            let body = format!(r#"{{"access_token":"t1","expires_in":{lifetime}}}"#);
            let t = parse_token_response(body.as_bytes()).unwrap();
            assert_eq!(t.expires_in, None, "{lifetime}");
        }
        let t = parse_token_response(br#"{"access_token":"t1","expires_in":"90.5"}"#).unwrap();
        assert_eq!(t.expires_in, Some(Duration::from_secs_f64(90.5)));
        // Wrong-typed fields the SDK does not need are ignored.
        let t = parse_token_response(
            br#"{"access_token":"t1","token_type":{},"scope":true,"expires_in":60}"#,
        )
        .unwrap();
        assert_eq!((t.token_type, t.scope), (None, None));
        assert_eq!(t.expires_in, Some(Duration::from_secs(60)));
    }

    #[test]
    fn malformed_bodies_are_clear_and_never_echo() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "token response is empty"),
            (
                b"<html>canary-tok</html>",
                "token response is HTML, not JSON",
            ),
            (
                b"{\"token\":\"canary-tok\"}",
                "token response has no `access_token`",
            ),
            (
                b"{\"access_token\":\"\"}",
                "token response has an empty `access_token`",
            ),
            (
                b"{\"access_token\":5}",
                "token response `access_token` is not a string",
            ),
            (b"[\"canary-tok\"]", "token response is not a JSON object"),
            (
                b"{\"access_token\":\"canary-tok\",\"refresh_token\":7}",
                "token response `refresh_token` is not a string (a JSON number)",
            ),
            (
                b"{\"access_token\":\"canary-tok\"",
                "token response is not valid JSON",
            ),
        ];
        for (body, expected) in cases {
            let e = parse_token_response(body).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode);
            let shown = format!("{e} {e:?}");
            assert!(shown.contains(expected), "{shown}");
            assert!(!shown.contains("canary-tok"), "{shown}");
        }
    }

    /// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic; `BasicAuthRaw` sends
    /// them as they are. The exact header on the wire, for characters that need encoding.
    #[tokio::test]
    async fn basic_client_authentication_encodes_per_rfc() {
        use base64::Engine as _;
        let server = httpmock::MockServer::start_async().await;
        let (id, secret) = ("app@x y", "s+e%c:r/\u{e9}t");
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let rfc = server
            .mock_async(|when, then| {
                when.path("/token").header(
                    "authorization",
                    format!("Basic {}", b64("app%40x+y:s%2Be%25c%3Ar%2F%C3%A9t")),
                );
                then.status(200)
                    .json_body(serde_json::json!({"access_token": "a"}));
            })
            .await;
        let raw = server
            .mock_async(|when, then| {
                when.path("/token").header(
                    "authorization",
                    format!("Basic {}", b64(&format!("{id}:{secret}"))),
                );
                then.status(200)
                    .json_body(serde_json::json!({"access_token": "b"}));
            })
            .await;
        let grant = |auth| {
            ClientCredentials::new(
                crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap(),
                "p",
                Url::parse(&server.url("/token")).unwrap(),
                ClientId::new(id),
                ClientSecret::new(secret),
            )
            .unwrap()
            .client_auth(auth)
        };
        let t = grant(ClientAuth::BasicAuth).request_token().await.unwrap();
        assert_eq!(t.access_token.secret(), "a");
        let t = grant(ClientAuth::BasicAuthRaw)
            .request_token()
            .await
            .unwrap();
        assert_eq!(t.access_token.secret(), "b");
        rfc.assert_async().await;
        raw.assert_async().await;
    }

    #[test]
    fn debug_hides_secret() {
        let cc = ClientCredentials::new(
            crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap(),
            "p",
            Url::parse("https://auth.example").unwrap(),
            ClientId::new("id"),
            ClientSecret::new("canary-secret"),
        )
        .unwrap();
        assert!(!format!("{cc:?}").contains("canary-secret"));
        let t = Token::new("canary-secret");
        assert!(!format!("{t:?}").contains("canary-secret"));
    }
}
