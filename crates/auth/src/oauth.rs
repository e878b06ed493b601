//! The OAuth 2.0 authorization-code flow (RFC 6749 §4.1) with PKCE (RFC 7636, `S256`), the
//! refresh-token grant (§6), and a token source that keeps tokens in a [`TokenStore`].
//!
//! ```text
//! let pending = oauth.authorize();          // redirect the user to pending.url()
//! // ... keep `pending` (server-side session) until the redirect comes back ...
//! let code = pending.verify_callback(&redirect_url)?;   // state checked, constant time, once
//! let token = oauth.exchange_code(&code).await?;          // code + PKCE verifier
//! ```
//!
//! Random values (state, PKCE verifier) come from the operating system's CSPRNG (`getrandom`).

use crate::error::{Error, ErrorKind};
use crate::http::ensure_secure;
use crate::lock;
use crate::retry::{RetryPolicy, Timeouts};
use crate::secret::Redactor;
use crate::secret::{ClientId, ClientSecret, RefreshToken};
use crate::store::{StoredToken, TokenStore, lock_key, store_key};
use crate::token::{ClientAuth, Policies, Token, post_token_form};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use url::Url;

/// Authorize parameters the flow sets itself.
const RESERVED_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// How long an authorization request stays valid by default (10 minutes).
pub const DEFAULT_AUTHORIZATION_TTL: Duration = Duration::from_secs(600);

/// `bytes` random bytes from the OS CSPRNG, base64url without padding.
pub(crate) fn random_token(bytes: usize) -> Result<String, Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| Error::config(format!("the system random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// How the `iss` parameter of an authorization response is checked (RFC 9207, the mix-up
/// defence): a redirect that names another authorization server than the one this client sent
/// the user to is refused before its code is used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerCheck {
    /// The default: when the response carries `iss`, it must be an `https` URL on the authorize
    /// endpoint's origin (scheme, host and port), the only issuer this client knows for sure.
    #[default]
    AuthorizeOrigin,
    /// When the response carries `iss`, it must equal this issuer identifier exactly (RFC 9207
    /// §2.4: simple string comparison), e.g. the `issuer` of the server's metadata.
    Exact(String),
    /// `iss` must be present and equal this issuer: for a server whose metadata says
    /// `authorization_response_iss_parameter_supported: true`.
    Required(String),
    /// `iss` is not checked.
    Off,
}

/// A client of a provider's authorization server (authorize + token endpoints).
#[derive(Clone)]
pub struct AuthorizationCodeClient {
    http: reqwest::Client,
    provider: Cow<'static, str>,
    authorize_url: Url,
    token_url: Url,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    client_auth: ClientAuth,
    redirect_uri: Url,
    scopes: Vec<String>,
    pkce: bool,
    ttl: Duration,
    extra: Vec<(String, String)>,
    issuer: IssuerCheck,
    policies: Policies,
}

impl std::fmt::Debug for AuthorizationCodeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationCodeClient")
            .field("provider", &self.provider)
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("scopes", &self.scopes)
            .field("pkce", &self.pkce)
            .finish()
    }
}

impl AuthorizationCodeClient {
    /// A client for the given endpoints. The endpoints must be `https` (loopback `http` for
    /// tests); the redirect URI must be `https`, always.
    pub fn new(
        http: reqwest::Client,
        provider: impl Into<Cow<'static, str>>,
        authorize_url: Url,
        token_url: Url,
        client_id: ClientId,
        redirect_uri: Url,
    ) -> Result<Self, Error> {
        ensure_secure(&authorize_url, "authorize URL")?;
        ensure_secure(&token_url, "token URL")?;
        // https, or plain http to a loopback address (RFC 8252 §7.3, local apps and dev servers).
        if redirect_uri.scheme() != "https" && ensure_secure(&redirect_uri, "redirect URL").is_err()
        {
            return Err(Error::config(format!(
                "the redirect URL must use https (got {}://; plain http only to loopback)",
                redirect_uri.scheme()
            )));
        }
        if client_id.as_str().trim().is_empty() {
            return Err(Error::config("the OAuth client id is empty"));
        }
        Ok(Self {
            http,
            provider: provider.into(),
            authorize_url,
            token_url,
            client_id,
            client_secret: None,
            client_auth: ClientAuth::RequestBody,
            redirect_uri,
            scopes: Vec::new(),
            pkce: true,
            ttl: DEFAULT_AUTHORIZATION_TTL,
            extra: Vec::new(),
            issuer: IssuerCheck::default(),
            policies: Policies::default(),
        })
    }

    crate::token::policy_setters!("code exchanges and refreshes");

    /// The client secret (confidential clients).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// How the client secret is sent (default: in the body).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// The scopes to request (space-separated `scope`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether to use PKCE (`S256`; default on).
    pub fn pkce(mut self, enabled: bool) -> Self {
        self.pkce = enabled;
        self
    }

    /// How long an authorization request may wait for its redirect (default 10 minutes).
    pub fn authorization_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// An extra query parameter on the authorize URL (e.g. `prompt=consent`, `nonce`,
    /// `login_hint`). The parameters the flow itself sets (`response_type`, `client_id`,
    /// `redirect_uri`, `state`, `code_challenge`, `code_challenge_method`, and `scope` when
    /// [`scopes`](Self::scopes) are set) cannot be replaced, and no name may be set twice: [`authorize`](Self::authorize) refuses either.
    pub fn authorize_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// How the redirect's `iss` is checked (RFC 9207; default
    /// [`IssuerCheck::AuthorizeOrigin`]).
    pub fn issuer_check(mut self, check: IssuerCheck) -> Self {
        self.issuer = check;
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &Url {
        &self.token_url
    }

    /// The provider's name.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// Starts an authorization: the URL to send the user to, with a fresh random `state` and
    /// (with PKCE) a fresh verifier. Keep the returned request until the redirect comes back.
    pub fn authorize(&self) -> Result<AuthorizationRequest, Error> {
        let state = random_token(32)?;
        let verifier = if self.pkce {
            Some(random_token(32)?)
        } else {
            None
        };
        let mut url = self.authorize_url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", self.client_id.as_str())
                .append_pair("redirect_uri", self.redirect_uri.as_str());
            if !self.scopes.is_empty() {
                q.append_pair("scope", &self.scopes.join(" "));
            }
            q.append_pair("state", &state);
            if let Some(v) = &verifier {
                let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(Sha256::digest(v.as_bytes()));
                q.append_pair("code_challenge", &challenge)
                    .append_pair("code_challenge_method", "S256");
            }
            for (i, (k, v)) in self.extra.iter().enumerate() {
                if self.extra[..i].iter().any(|(seen, _)| seen == k) {
                    return Err(Error::config(format!(
                        "the authorize parameter `{k}` is set twice"
                    )));
                }
                // `scope` is the flow's only when it has scopes of its own.
                let own_scope = k == "scope" && self.scopes.is_empty();
                if RESERVED_PARAMS.contains(&k.as_str()) && !own_scope {
                    return Err(Error::config(format!(
                        "the authorize parameter `{k}` is set by the flow itself and cannot be replaced"
                    )));
                }
                q.append_pair(k, v);
            }
        }
        Ok(AuthorizationRequest {
            url,
            state: SecretString::from(state),
            verifier: verifier.map(SecretString::from),
            redirect_uri: self.redirect_uri.clone(),
            issued_at: SystemTime::now(),
            ttl: self.ttl,
            provider: self.provider.clone(),
            issuer: self.issuer.clone(),
        })
    }

    fn ctx(&self, operation: &'static str) -> impl Fn(Error) -> Error + '_ {
        move |e| {
            e.with_provider(self.provider.clone())
                .with_operation(operation)
        }
    }

    async fn token_request(&self, mut form: Vec<(&str, String)>) -> Result<Token, Error> {
        let basic = match (&self.client_secret, self.client_auth) {
            (Some(secret), auth) if auth.is_basic() => Some((auth, &self.client_id, secret)),
            (secret, _) => {
                form.push(("client_id", self.client_id.as_str().to_owned()));
                if let Some(secret) = secret {
                    form.push(("client_secret", secret.secret().to_owned()));
                }
                None
            }
        };
        post_token_form(&self.http, &self.token_url, &form, basic, &self.policies).await
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    pub async fn exchange_code(&self, code: &AuthorizationCode) -> Result<Token, Error> {
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.code.expose_secret().to_owned()),
            ("redirect_uri", code.redirect_uri.as_str().to_owned()),
        ];
        if let Some(v) = &code.verifier {
            form.push(("code_verifier", v.expose_secret().to_owned()));
        }
        self.token_request(form)
            .await
            .map_err(|e| if e.is_auth() { e.with_reauthorize() } else { e })
            .map_err(self.ctx("exchange_code"))
    }

    /// Uses a refresh token. A refused refresh (`invalid_grant`: revoked or expired) is an
    /// auth error that [needs re-authorization](Error::needs_reauthorization).
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token, Error> {
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.secret().to_owned()),
        ];
        self.token_request(form)
            .await
            .map_err(|e| if e.is_auth() { e.with_reauthorize() } else { e })
            .map_err(self.ctx("refresh_token"))
    }
}

/// An authorization in progress: the URL to send the user to, and what is needed to check and
/// complete the redirect. Not `Clone`: it is used once.
pub struct AuthorizationRequest {
    url: Url,
    state: SecretString,
    verifier: Option<SecretString>,
    redirect_uri: Url,
    issued_at: SystemTime,
    ttl: Duration,
    provider: Cow<'static, str>,
    issuer: IssuerCheck,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("state", &"[redacted]")
            .field("pkce", &self.verifier.is_some())
            .field("issued_at", &self.issued_at)
            .finish()
    }
}

/// The URL a browser was redirected to, parsed. It holds the code, so the error never quotes
/// it.
pub fn parse_redirect(redirect: &str) -> Result<Url, Error> {
    Url::parse(redirect).map_err(|_| Error::config("the redirect URL is not an absolute URL"))
}

impl AuthorizationCodeClient {
    /// [`authorize`](Self::authorize), with the pending request (state, PKCE verifier, expiry)
    /// kept in `store` as a single-use record, so that any instance sharing the store can
    /// complete it ([`take_pending`](Self::take_pending)). The app still binds the returned
    /// state to the visitor's session.
    pub async fn authorize_shared(
        &self,
        store: &dyn TokenStore,
    ) -> Result<AuthorizationRequest, Error> {
        let request = self.authorize()?;
        store
            .put_record(
                &crate::store::pending_key(
                    &self.provider,
                    self.client_id.as_str(),
                    request.state(),
                ),
                request.to_record(),
                request.ttl,
            )
            .await
            .map_err(|e| {
                e.with_provider(self.provider.clone())
                    .with_operation("authorize")
            })?;
        Ok(request)
    }

    /// The pending request the redirect names, taken from `store` (once: a second completion
    /// finds nothing). The redirect's state must equal `session_state`, the state this visitor's
    /// session kept (constant time), before anything is read; then
    /// [`AuthorizationRequest::verify_callback`] applies as usual.
    pub async fn take_pending(
        &self,
        store: &dyn TokenStore,
        redirect: &Url,
        session_state: &str,
    ) -> Result<AuthorizationRequest, Error> {
        let invalid = |m: &str| {
            Error::new(ErrorKind::Auth, m.to_owned())
                .with_code(crate::INVALID_STATE)
                .with_provider(self.provider.clone())
                .with_operation("authorize")
        };
        let state = redirect
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| invalid("the redirect carries no state"))?;
        if !crate::state::bound_to_session(&state, session_state) {
            return Err(invalid(crate::state::NOT_THIS_SESSION));
        }
        let record = store
            .take_record(&crate::store::pending_key(
                &self.provider,
                self.client_id.as_str(),
                &state,
            ))
            .await
            .map_err(|e| {
                e.with_provider(self.provider.clone())
                    .with_operation("authorize")
            })?
            .ok_or_else(|| {
                invalid("no pending authorization has this state (unknown, used or expired)")
            })?;
        let mut request = AuthorizationRequest::from_record(&record, self.provider.clone())?;
        request.issuer = self.issuer.clone();
        Ok(request)
    }
}

impl AuthorizationRequest {
    /// Where to send the user (contains the state; not secret once sent, but do not log it).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The CSRF state, to keep with the request (e.g. as the key of a server-side session).
    pub fn state(&self) -> &str {
        self.state.expose_secret()
    }

    /// The request as a record for a store (secrets included: stores seal it when they have a
    /// key).
    pub fn to_record(&self) -> Vec<u8> {
        serde_json::json!({
            "url": self.url.as_str(),
            "state": self.state.expose_secret(),
            "verifier": self.verifier.as_ref().map(|v| v.expose_secret()),
            "redirect_uri": self.redirect_uri.as_str(),
            "issued_at_ms": crate::codec::millis(self.issued_at),
            "ttl_ms": u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX),
        })
        .to_string()
        .into_bytes()
    }

    /// A request from [`to_record`](Self::to_record)'s bytes.
    pub fn from_record(
        bytes: &[u8],
        provider: impl Into<Cow<'static, str>>,
    ) -> Result<Self, Error> {
        let provider = provider.into();
        let bad = || {
            Error::new(
                ErrorKind::Decode,
                "a pending authorization in the store is malformed",
            )
            .with_provider(provider.clone())
            .with_operation("authorize")
        };
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|_| bad())?;
        let text = |k: &str| v.get(k).and_then(|x| x.as_str());
        let url = text("url")
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(bad)?;
        let redirect_uri = text("redirect_uri")
            .and_then(|u| Url::parse(u).ok())
            .ok_or_else(bad)?;
        Ok(Self {
            url,
            state: SecretString::from(text("state").ok_or_else(bad)?.to_owned()),
            verifier: text("verifier").map(|s| SecretString::from(s.to_owned())),
            redirect_uri,
            issued_at: crate::codec::from_millis(
                v.get("issued_at_ms")
                    .and_then(|x| x.as_u64())
                    .ok_or_else(bad)?,
            ),
            ttl: Duration::from_millis(v.get("ttl_ms").and_then(|x| x.as_u64()).ok_or_else(bad)?),
            provider,
            issuer: IssuerCheck::default(),
        })
    }

    /// Checks an authorization response's `iss` (RFC 9207) as this request's
    /// [`IssuerCheck`] says. [`verify_callback`](Self::verify_callback) calls it; call it
    /// yourself before [`verify`](Self::verify) when you parse the redirect yourself.
    pub fn verify_issuer(&self, iss: Option<&str>) -> Result<(), Error> {
        let refuse = |m: String| {
            Err(Error::new(ErrorKind::Auth, m)
                .with_code("invalid_issuer")
                .with_provider(self.provider.clone())
                .with_operation("authorize"))
        };
        let mix_up = "the redirect's `iss` names another authorization server than the one \
                      the user was sent to (possible mix-up attack); its code was not used";
        match (&self.issuer, iss) {
            (IssuerCheck::Off, _)
            | (IssuerCheck::AuthorizeOrigin | IssuerCheck::Exact(_), None) => Ok(()),
            (IssuerCheck::Required(_), None) => refuse(
                "the redirect carries no `iss`, and this authorization server always sends one"
                    .into(),
            ),
            (IssuerCheck::Exact(expected) | IssuerCheck::Required(expected), Some(iss)) => {
                if iss == expected {
                    Ok(())
                } else {
                    refuse(mix_up.into())
                }
            }
            (IssuerCheck::AuthorizeOrigin, Some(iss)) => {
                let same = Url::parse(iss).is_ok_and(|i| {
                    i.scheme() == "https" || crate::http::ensure_secure(&i, "issuer").is_ok()
                } && i.origin() == self.url.origin());
                if same { Ok(()) } else { refuse(mix_up.into()) }
            }
        }
    }

    /// Checks the redirect's query (`iss` per RFC 9207, then `code`, `state`, or `error`) and
    /// returns the code with its PKCE verifier. The state is compared in constant time; the request is consumed, so a
    /// state works once; an expired request is refused.
    pub fn verify_callback(self, redirect: &Url) -> Result<AuthorizationCode, Error> {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        let mut iss = None;
        for (k, v) in redirect.query_pairs() {
            match k.as_ref() {
                "iss" => iss = Some(v.into_owned()),
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        self.verify_issuer(iss.as_deref())?;
        self.verify(code.as_deref(), state.as_deref(), error, description)
    }

    /// [`verify_callback`](Self::verify_callback) from the parameters already parsed.
    pub fn verify(
        self,
        code: Option<&str>,
        state: Option<&str>,
        error: Option<String>,
        error_description: Option<String>,
    ) -> Result<AuthorizationCode, Error> {
        let fail = |kind: ErrorKind, m: String| {
            Error::new(kind, m)
                .with_provider(self.provider.clone())
                .with_operation("authorize")
        };
        let age = SystemTime::now()
            .duration_since(self.issued_at)
            .unwrap_or(Duration::ZERO);
        if age >= self.ttl {
            return Err(fail(
                ErrorKind::Auth,
                "the authorization request expired; start a new one".into(),
            ));
        }
        let expected = self.state.expose_secret().as_bytes();
        let matches =
            state.is_some_and(|s| subtle::ConstantTimeEq::ct_eq(s.as_bytes(), expected).into());
        if !matches {
            return Err(fail(
                ErrorKind::Auth,
                "the redirect's state does not match the authorization request (possible CSRF)"
                    .into(),
            ));
        }
        if let Some(error) = error {
            let mut e = fail(
                ErrorKind::Auth,
                error_description.unwrap_or_else(|| "authorization refused".into()),
            )
            .with_code(error);
            e = e.with_reauthorize();
            return Err(e);
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| fail(ErrorKind::Auth, "the redirect carries no `code`".into()))?;
        Ok(AuthorizationCode {
            code: SecretString::from(code.to_owned()),
            verifier: self.verifier,
            redirect_uri: self.redirect_uri,
        })
    }
}

/// A verified authorization code with its PKCE verifier: give it to
/// [`AuthorizationCodeClient::exchange_code`]. `Debug` is redacted.
pub struct AuthorizationCode {
    code: SecretString,
    verifier: Option<SecretString>,
    redirect_uri: Url,
}

impl std::fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthorizationCode([redacted])")
    }
}

/// A token source over a [`TokenStore`] entry: uses the stored access token while it is valid,
/// refreshes it with the stored refresh token otherwise (or after the provider rejected it), and
/// writes the result back (rotated refresh tokens included).
///
/// The entry's key is namespaced by provider and client id ([`store_key`]), so that one store
/// can serve several providers and apps without one using another's token.
///
/// **Rotation safety in one process.** However many clients share the store, one refresh of a
/// key runs at a time ([`lock_key`]): the store is read *under* that lock, so a token a sibling
/// just rotated is adopted instead of refreshed again. A refused refresh (`invalid_grant`) is
/// reported as re-authorization only after the store was read again: if another client or
/// process stored a newer grant meanwhile, that one is used. A refresh token that was refused
/// is not sent again while the store still holds it (no request per call).
pub struct StoredTokenSource {
    oauth: AuthorizationCodeClient,
    store: Arc<dyn TokenStore>,
    key: String,
    /// The access token last handed out: when the cache asks again and the store still holds
    /// it, it was rejected or is due, so it is refreshed instead of reused.
    last: Mutex<Option<String>>,
    /// A refresh token the provider refused.
    refused: Mutex<Option<String>>,
    /// The record last read or written: used (with a warning) while the store is unreachable.
    known: Mutex<Option<StoredToken>>,
    margin: Duration,
}

impl std::fmt::Debug for StoredTokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokenSource")
            .field("oauth", &self.oauth)
            .field("key", &self.key)
            .finish()
    }
}

impl AuthorizationCodeClient {
    /// The namespaced store key of `key` for this provider and client id ([`store_key`]).
    pub fn store_key(&self, key: &str) -> String {
        store_key(&self.provider, self.client_id.as_str(), key)
    }
}

impl StoredTokenSource {
    /// A source for the token stored under `key` (namespaced: see
    /// [`AuthorizationCodeClient::store_key`]).
    pub fn new(
        oauth: AuthorizationCodeClient,
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
    ) -> Self {
        let key = oauth.store_key(&key.into());
        Self {
            oauth,
            store,
            key,
            last: Mutex::new(None),
            refused: Mutex::new(None),
            known: Mutex::new(None),
            margin: Duration::from_secs(60),
        }
    }

    /// The namespaced key this source reads and writes.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn ctx(&self, e: Error) -> Error {
        e.with_provider(self.oauth.provider.clone())
            .with_operation("load_token")
    }

    async fn load(&self) -> Result<StoredToken, Error> {
        let found = match self.store.get(&self.key).await {
            Ok(found) => found,
            Err(e) => {
                // The store is down: carry on from what this process last saw (its L1).
                if let Some(known) = lock(&self.known).clone() {
                    tracing::warn!(provider = %self.oauth.provider, error = %e, "token store unreachable; using the grant this process last saw");
                    return Ok(known);
                }
                return Err(self.ctx(e));
            }
        };
        let stored = found.ok_or_else(|| {
            self.ctx(
                Error::new(
                    ErrorKind::Auth,
                    "no token stored for this key: authorize first",
                )
                .with_reauthorize(),
            )
        })?;
        *lock(&self.known) = Some(stored.clone());
        Ok(stored)
    }

    /// This key's lease in a store other processes share, waited for up to
    /// [`crate::DEFAULT_SHARED_WAIT`]: the read-refresh-write of a rotating grant runs in one
    /// process of the fleet at a time. `None` (go on without) when the store is not shared,
    /// fails, or the wait runs out: liveness over strictness.
    async fn fleet_lease(&self) -> Option<crate::store::Lease> {
        if !self.store.is_shared() {
            return None;
        }
        let deadline =
            crate::http::saturating_add(std::time::Instant::now(), crate::DEFAULT_SHARED_WAIT);
        loop {
            match self
                .store
                .acquire_lease(&self.key, crate::DEFAULT_LEASE_TTL)
                .await
            {
                Ok(Some(lease)) => return Some(lease),
                Ok(None) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(None) => {
                    tracing::warn!(provider = %self.oauth.provider, "the grant's lease stayed taken; refreshing without it");
                    return None;
                }
                Err(e) => {
                    tracing::warn!(provider = %self.oauth.provider, error = %e, "token store lease failed; refreshing without it");
                    return None;
                }
            }
        }
    }

    /// The stored access token, if it is usable now and not the one last handed out.
    fn adoptable(
        &self,
        stored: &StoredToken,
        now: SystemTime,
    ) -> Option<(Token, Option<Duration>)> {
        let remaining = stored.remaining(now);
        let handed_out = lock(&self.last).as_deref() == Some(stored.access_token.secret());
        if !stored.adoptable(now, self.margin) || handed_out {
            return None;
        }
        self.remember(&stored.access_token);
        let token = Token {
            access_token: stored.access_token.clone(),
            token_type: None,
            expires_in: remaining,
            refresh_token: stored.refresh_token.clone(),
            scope: stored.scope.clone(),
        };
        Some((token, remaining))
    }

    /// A token usable now, with its remaining lifetime.
    pub async fn fetch(&self) -> Result<(Token, Option<Duration>), Error> {
        // One refresh per key in this process, whoever holds the store; and, in a store other
        // processes share, one in the fleet (the store is read again under the lease).
        let _guard = lock_key(&self.store, &self.key).await;
        let lease = self.fleet_lease().await;
        let result = self.fetch_locked().await;
        if let Some(lease) = lease
            && let Err(e) = self.store.release_lease(&lease).await
        {
            tracing::warn!(provider = %self.oauth.provider, error = %e, "token store lease release failed");
        }
        result
    }

    async fn fetch_locked(&self) -> Result<(Token, Option<Duration>), Error> {
        let stored = self.load().await?;
        let now = SystemTime::now();
        if let Some(adopted) = self.adoptable(&stored, now) {
            return Ok(adopted);
        }
        let Some(refresh) = stored.refresh_token.clone() else {
            return Err(self.ctx(
                Error::new(
                    ErrorKind::Auth,
                    "the access token expired or was rejected and there is no refresh token",
                )
                .with_reauthorize(),
            ));
        };
        if lock(&self.refused).as_deref() == Some(refresh.secret()) {
            return Err(self.ctx(
                Error::new(
                    ErrorKind::Auth,
                    "the stored refresh token was refused by the provider; authorize again",
                )
                .with_code("invalid_grant")
                .with_reauthorize(),
            ));
        }
        match self.oauth.refresh(&refresh).await {
            Ok(token) => self.save(token, refresh, &stored, now).await,
            Err(e) if e.needs_reauthorization() => {
                // A sibling may have rotated the grant meanwhile (another client on this store,
                // or another process): read the store again before giving up on the account.
                if let Ok(again) = self.load().await
                    && again.refresh_token.as_ref().map(|r| r.secret()) != Some(refresh.secret())
                {
                    let now = SystemTime::now();
                    if let Some(adopted) = self.adoptable(&again, now) {
                        return Ok(adopted);
                    }
                    if let Some(newer) = again.refresh_token.clone() {
                        let token = self.oauth.refresh(&newer).await?;
                        return self.save(token, newer, &again, now).await;
                    }
                }
                *lock(&self.refused) = Some(refresh.secret().to_owned());
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    async fn save(
        &self,
        mut token: Token,
        sent: RefreshToken,
        previous: &StoredToken,
        now: SystemTime,
    ) -> Result<(Token, Option<Duration>), Error> {
        if token.refresh_token.is_none() {
            token.refresh_token = Some(sent); // not rotated: keep the old one
        }
        let mut record = StoredToken::from_token(&token, now);
        record.subject = previous.subject.clone();
        *lock(&self.known) = Some(record.clone());
        if let Err(e) = self.store.put(&self.key, record).await {
            // The new grant is kept in this process; the store catches up on the next write.
            tracing::warn!(provider = %self.oauth.provider, error = %e, "token store write failed; the rotated grant lives in this process only");
        }
        self.remember(&token.access_token);
        let lifetime = token.expires_in;
        Ok((token, lifetime))
    }

    fn remember(&self, token: &crate::secret::AccessToken) {
        *lock(&self.last) = Some(token.secret().to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> AuthorizationCodeClient {
        AuthorizationCodeClient::new(
            crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap(),
            "demo",
            Url::parse("https://idp.example/connect/authorize").unwrap(),
            Url::parse("https://idp.example/connect/token").unwrap(),
            ClientId::new("app"),
            Url::parse("https://app.example/callback").unwrap(),
        )
        .unwrap()
        .scopes(["profile", "offline_access"])
    }

    #[test]
    fn authorize_url_has_state_and_s256_challenge() {
        let pending = client().authorize().unwrap();
        let q: std::collections::HashMap<_, _> = pending.url().query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "app");
        assert_eq!(q["redirect_uri"], "https://app.example/callback");
        assert_eq!(q["scope"], "profile offline_access");
        assert_eq!(q["state"], pending.state());
        assert_eq!(q["state"].len(), 43, "256 bits, base64url");
        assert_eq!(q["code_challenge_method"], "S256");
        let verifier = pending
            .verifier
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned();
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        assert_eq!(q["code_challenge"], expected);
        assert_ne!(
            client().authorize().unwrap().state(),
            pending.state(),
            "fresh each time"
        );
    }

    #[test]
    fn callback_state_is_checked() {
        let pending = client().authorize().unwrap();
        let state = pending.state().to_owned();
        let url = Url::parse(&format!(
            "https://app.example/callback?code=c1&state={state}"
        ))
        .unwrap();
        assert!(pending.verify_callback(&url).is_ok());

        let pending = client().authorize().unwrap();
        let url = Url::parse("https://app.example/callback?code=c1&state=forged").unwrap();
        let e = pending.verify_callback(&url).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");

        let pending = client().authorize().unwrap();
        let state = pending.state().to_owned();
        let url = Url::parse(&format!(
            "https://app.example/callback?error=access_denied&state={state}"
        ))
        .unwrap();
        let e = pending.verify_callback(&url).unwrap_err();
        assert_eq!(e.code(), Some("access_denied"));

        let pending = client()
            .authorization_ttl(Duration::ZERO)
            .authorize()
            .unwrap();
        let state = pending.state().to_owned();
        let url = Url::parse(&format!(
            "https://app.example/callback?code=c&state={state}"
        ))
        .unwrap();
        assert!(
            pending
                .verify_callback(&url)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
    }

    /// A code whose exchange reached `server` (for the single-use tests).
    fn code_for(
        server: &httpmock::MockServer,
        timeouts: crate::Timeouts,
    ) -> (AuthorizationCodeClient, AuthorizationCode) {
        let oauth = AuthorizationCodeClient::new(
            crate::http::client("sdk-auth-test", &timeouts).unwrap(),
            "demo",
            Url::parse(&server.url("/authorize")).unwrap(),
            Url::parse(&server.url("/token")).unwrap(),
            ClientId::new("app"),
            Url::parse("https://app.example/callback").unwrap(),
        )
        .unwrap()
        .timeouts(timeouts)
        .retry(
            crate::RetryPolicy::standard()
                .delays(Duration::from_millis(1), Duration::from_millis(5)),
        );
        let pending = oauth.authorize().unwrap();
        let url = Url::parse(&format!(
            "https://app.example/callback?code=single-use-code&state={}",
            pending.state()
        ))
        .unwrap();
        let code = pending.verify_callback(&url).unwrap();
        (oauth, code)
    }

    /// A code exchange or refresh that timed out after it was sent is not resent: one request,
    /// one attempt timeout of waiting, and an error that says the outcome is unknown.
    #[tokio::test]
    async fn single_use_grants_are_not_resent_after_a_timeout() {
        let server = httpmock::MockServer::start_async().await;
        let slow = server
            .mock_async(|when, then| {
                when.path("/token");
                then.status(200)
                    .delay(Duration::from_millis(1500))
                    .json_body(serde_json::json!({"access_token": "late"}));
            })
            .await;
        let timeouts = crate::Timeouts::default()
            .attempt(Duration::from_millis(300))
            .total(Duration::from_secs(10));
        let (oauth, code) = code_for(&server, timeouts);
        let started = std::time::Instant::now();
        let e = oauth.exchange_code(&code).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(600),
            "one attempt timeout"
        );
        assert_eq!(slow.calls_async().await, 1, "the code is presented once");
        assert_eq!(e.code(), Some(crate::OUTCOME_UNKNOWN), "{e}");
        assert_eq!(e.attempts(), Some(1));
        assert!(e.is_timeout(), "{e}");
        let shown = e.to_string();
        assert!(
            shown.contains("outcome is unknown") && shown.contains("authorization code"),
            "{shown}"
        );
        assert!(!shown.contains("single-use-code"), "{shown}");

        let e = oauth
            .refresh(&RefreshToken::new("rotating-refresh"))
            .await
            .unwrap_err();
        assert_eq!(
            slow.calls_async().await,
            2,
            "the refresh token is presented once"
        );
        assert_eq!(e.code(), Some(crate::OUTCOME_UNKNOWN), "{e}");
        assert!(e.to_string().contains("refresh token"), "{e}");
    }

    /// A 502 or 504 may come from a gateway that forwarded the request: not resent. A 503 or
    /// 429 with `Retry-After` is the server refusing it unprocessed: resent.
    #[tokio::test]
    async fn single_use_grants_are_resent_only_when_refused() {
        for (status, sent) in [(502u16, 1), (504, 1), (503, 4), (429, 4)] {
            let server = httpmock::MockServer::start_async().await;
            let answer = server
                .mock_async(|when, then| {
                    when.path("/token");
                    then.status(status).header("retry-after", "0");
                })
                .await;
            let (oauth, code) = code_for(&server, crate::Timeouts::default());
            let e = oauth.exchange_code(&code).await.unwrap_err();
            assert_eq!(answer.calls_async().await, sent, "{status}");
            assert_eq!(e.status(), Some(status));
            assert_ne!(
                e.code(),
                Some(crate::OUTCOME_UNKNOWN),
                "{status}: the server answered"
            );
        }
    }

    /// A connection that was never made is retried: the grant never left the process.
    #[tokio::test]
    async fn single_use_grants_are_resent_when_the_connection_failed() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let oauth = AuthorizationCodeClient::new(
            crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap(),
            "demo",
            Url::parse(&format!("http://127.0.0.1:{port}/authorize")).unwrap(),
            Url::parse(&format!("http://127.0.0.1:{port}/token")).unwrap(),
            ClientId::new("app"),
            Url::parse("https://app.example/callback").unwrap(),
        )
        .unwrap()
        .retry(
            crate::RetryPolicy::standard()
                .delays(Duration::from_millis(1), Duration::from_millis(5)),
        );
        let e = oauth.refresh(&RefreshToken::new("r")).await.unwrap_err();
        assert_eq!(e.attempts(), Some(4), "{e}");
        assert_ne!(e.code(), Some(crate::OUTCOME_UNKNOWN), "{e}");
    }

    /// RFC 9207: a redirect whose `iss` names another server is refused before its code is
    /// used; by default the issuer must be on the authorize endpoint's origin.
    #[test]
    fn issuer_in_the_redirect_is_checked() {
        let redirect = |pending: &AuthorizationRequest, iss: Option<&str>| {
            let mut url = Url::parse("https://app.example/callback").unwrap();
            url.query_pairs_mut()
                .append_pair("code", "c1")
                .append_pair("state", pending.state());
            if let Some(iss) = iss {
                url.query_pairs_mut().append_pair("iss", iss);
            }
            url
        };
        let check = |c: IssuerCheck, iss: Option<&str>| {
            let pending = client().issuer_check(c).authorize().unwrap();
            let url = redirect(&pending, iss);
            pending.verify_callback(&url).map(|_| ())
        };
        assert!(
            check(IssuerCheck::default(), None).is_ok(),
            "no iss: nothing to check"
        );
        assert!(check(IssuerCheck::default(), Some("https://idp.example")).is_ok());
        assert!(check(IssuerCheck::default(), Some("https://idp.example/tenant")).is_ok());
        for bad in [
            "https://evil.example",
            "http://idp.example",
            "https://idp.example:8443",
            "idp.example",
        ] {
            let e = check(IssuerCheck::default(), Some(bad)).unwrap_err();
            assert_eq!(e.code(), Some("invalid_issuer"), "{bad}: {e}");
            assert!(e.to_string().contains("mix-up"), "{e}");
        }
        let exact = || IssuerCheck::Exact("https://idp.example/".into());
        assert!(check(exact(), Some("https://idp.example/")).is_ok());
        assert!(
            check(exact(), Some("https://idp.example")).is_err(),
            "simple string comparison"
        );
        assert!(check(exact(), None).is_ok());
        let required = || IssuerCheck::Required("https://idp.example".into());
        assert!(check(required(), None).is_err());
        assert!(check(required(), Some("https://idp.example")).is_ok());
        assert!(check(IssuerCheck::Off, Some("https://evil.example")).is_ok());
    }

    #[test]
    fn extra_authorize_params_are_sent_but_cannot_replace_the_flows_own() {
        let pending = client()
            .authorize_param("prompt", "consent")
            .authorize()
            .unwrap();
        let q: std::collections::HashMap<_, _> = pending.url().query_pairs().into_owned().collect();
        assert_eq!(q["prompt"], "consent");
        let twice = client()
            .authorize_param("prompt", "a")
            .authorize_param("prompt", "b");
        assert!(
            twice
                .authorize()
                .unwrap_err()
                .to_string()
                .contains("set twice")
        );
        for reserved in ["state", "redirect_uri", "code_challenge", "client_id"] {
            let e = client()
                .authorize_param(reserved, "x")
                .authorize()
                .unwrap_err();
            assert!(e.to_string().contains(reserved), "{e}");
        }
    }

    /// Six sources ("processes") sharing a store, with tokens shorter than any fixed adoption
    /// threshold: the first refreshes, the others adopt what it stored while a useful fraction
    /// of its lifetime is left.
    #[tokio::test]
    async fn short_lived_stored_tokens_are_adopted_not_refreshed_again() {
        let server = httpmock::MockServer::start_async().await;
        let refresh = server
            .mock_async(|when, then| {
                when.path("/token")
                    .form_urlencoded_tuple("grant_type", "refresh_token");
                then.status(200).json_body(serde_json::json!({
                    "access_token": "fresh", "refresh_token": "r2", "expires_in": 30
                }));
            })
            .await;
        let (oauth, _) = code_for(&server, crate::Timeouts::default());
        let store: Arc<dyn TokenStore> = Arc::new(crate::InMemoryTokenStore::new());
        let key = oauth.store_key("acct");
        store
            .put(
                &key,
                StoredToken::new("old")
                    .with_refresh_token("r1")
                    .with_expires_at(SystemTime::now() - Duration::from_secs(1)),
            )
            .await
            .unwrap();
        for _ in 0..6 {
            let source = StoredTokenSource::new(oauth.clone(), store.clone(), "acct");
            let (token, _) = source.fetch().await.unwrap();
            assert_eq!(token.access_token.secret(), "fresh");
        }
        assert_eq!(
            refresh.calls_async().await,
            1,
            "one refresh, five adoptions"
        );
        let stored = store.get(&key).await.unwrap().unwrap();
        assert_eq!(stored.lifetime(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn adoption_threshold_is_a_fraction_of_the_lifetime() {
        let now = SystemTime::now();
        let token = |lifetime: u64, left: u64| {
            StoredToken::new("t")
                .with_issued_at(now - Duration::from_secs(lifetime - left))
                .with_expires_at(now + Duration::from_secs(left))
        };
        let cap = Duration::from_secs(60);
        assert!(token(30, 10).adoptable(now, cap), "a third of 30 s left");
        assert!(!token(30, 5).adoptable(now, cap), "under a fifth");
        assert!(token(300, 61).adoptable(now, cap));
        assert!(
            !token(300, 59).adoptable(now, cap),
            "a fifth of 5 min is 60 s"
        );
        assert!(!token(7200, 59).adoptable(now, cap), "capped at 60 s");
        assert!(token(7200, 61).adoptable(now, cap));
        assert!(StoredToken::new("t").adoptable(now, cap), "no expiry known");
        let legacy = StoredToken::new("t").with_expires_at(now + Duration::from_secs(11));
        assert!(legacy.adoptable(now, cap), "no issued_at: 10 s floor");
        assert!(
            !StoredToken::new("t")
                .with_expires_at(now)
                .adoptable(now, cap)
        );
    }

    #[test]
    fn http_redirect_is_refused() {
        let e = AuthorizationCodeClient::new(
            crate::http::client("sdk-auth-test", &crate::Timeouts::default()).unwrap(),
            "demo",
            Url::parse("https://idp.example/a").unwrap(),
            Url::parse("https://idp.example/t").unwrap(),
            ClientId::new("app"),
            Url::parse("http://app.example/callback").unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("redirect URL must use https"), "{e}");
    }
}
