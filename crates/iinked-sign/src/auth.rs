//! Credentials for iinked Sign, two modes on one [`Client`](crate::Client) type:
//!
//! * **API key** (your own organization): sent as the `api_key` header on every call; never a
//!   bearer header. A key cannot be refreshed, so a 401 is returned as an auth error at once.
//! * **OAuth 2.0** (third-party apps acting for customer accounts): the authorization-code flow
//!   with PKCE on the datacenter's origin (`/connect/authorize`, `/connect/token`), tokens kept
//!   in a [`TokenStore`] under a key you choose (e.g. the customer's account id), refreshed with
//!   the refresh token (request the `offline_access` scope), rotated refresh tokens written back.
//!   Sent as `Authorization: Bearer`, never as `api_key`. A 401 refreshes once and resends once;
//!   a refused refresh (revoked) is an error that
//!   [needs re-authorization](sdk_auth::Error::needs_reauthorization).
//!
//! iinked Sign does not document its token response, token lifetimes or the refresh grant; the
//! SDK follows RFC 6749 (form-encoded token requests, `refresh_token` grant) and lets every
//! endpoint be overridden ([`OAuthApp::token_url`], [`OAuthApp::authorize_url`]).

use crate::region::Region;
use futures::future::BoxFuture;
use reqwest::header::HeaderName;
pub use sdk_auth::{ApiKey, ClientAuth, ClientId, ClientSecret, IssuerCheck};
use sdk_auth::{
    AuthHooks, AuthScheme, AuthorizationCodeClient, AuthorizationRequest, Error, Expiring,
    RefreshPolicy, RetryPolicy, Session, StoredToken, StoredTokenSource, Timeouts, Token,
    TokenCache, TokenStore,
};
use std::sync::Arc;
use std::time::SystemTime;
use url::Url;

/// The provider name in errors and logs.
pub const PROVIDER: &str = "iinked-sign";
/// Environment variable holding an API key.
pub const ENV_API_KEY: &str = "IINKED_SIGN_API_KEY";
/// Environment variable naming the region (datacenter) when none is chosen: `sandbox-us`,
/// `sandbox-eu`, `us`, `ca`, `eu`, `private:<name>` or an `https://` origin.
pub const ENV_REGION: &str = "IINKED_SIGN_REGION";
/// The API key header.
pub const API_KEY_HEADER: &str = "api_key";

/// An OAuth scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `profile`.
    Profile,
    /// `openid`: also returns an OpenID Connect `id_token`.
    OpenId,
    /// `offline_access`: a refresh token, so that access outlives the access token.
    OfflineAccess,
    /// `organization`: the organization's data.
    Organization,
    /// Any other scope, sent as given.
    Other(String),
}

impl Scope {
    /// The scopes a typical integration asks for: `profile offline_access organization`.
    pub const TYPICAL: [Scope; 3] = [Scope::Profile, Scope::OfflineAccess, Scope::Organization];

    /// The scope's name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Profile => "profile",
            Scope::OpenId => "openid",
            Scope::OfflineAccess => "offline_access",
            Scope::Organization => "organization",
            Scope::Other(s) => s,
        }
    }
}

impl From<&str> for Scope {
    fn from(s: &str) -> Self {
        match s {
            "profile" => Scope::Profile,
            "openid" => Scope::OpenId,
            "offline_access" => Scope::OfflineAccess,
            "organization" => Scope::Organization,
            other => Scope::Other(other.to_owned()),
        }
    }
}

/// A registered OAuth application (client id, secret, redirect URL, scopes).
#[derive(Clone, Debug)]
pub struct OAuthApp {
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect_uri: String,
    scopes: Vec<Scope>,
    client_auth: ClientAuth,
    authorize_url: Option<String>,
    token_url: Option<String>,
    authorize_params: Vec<(String, String)>,
    issuer: IssuerCheck,
}

impl OAuthApp {
    /// An app with its client id and one of its whitelisted redirect URLs (must be `https`).
    /// Scopes default to [`Scope::TYPICAL`].
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            client_id: ClientId::new(client_id),
            client_secret: None,
            redirect_uri: redirect_uri.into(),
            scopes: Scope::TYPICAL.to_vec(),
            client_auth: ClientAuth::RequestBody,
            authorize_url: None,
            token_url: None,
            authorize_params: Vec::new(),
            issuer: IssuerCheck::default(),
        }
    }

    /// An extra query parameter on the authorize URL, e.g. `prompt=consent` (which OpenID
    /// servers may need before they issue a refresh token for `offline_access`), `nonce` or
    /// `login_hint`. The flow's own parameters cannot be replaced (an error at `begin`).
    pub fn authorize_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.authorize_params.push((name.into(), value.into()));
        self
    }

    /// How the redirect's `iss` is checked (RFC 9207, the mix-up defence). Default
    /// [`IssuerCheck::AuthorizeOrigin`]: when the redirect carries `iss`, it must be on the
    /// authorize endpoint's origin (iinked Sign documents no issuer identifier; with
    /// [`IssuerCheck::Exact`] you can pin the one its metadata names).
    pub fn issuer_check(mut self, check: IssuerCheck) -> Self {
        self.issuer = check;
        self
    }

    /// The client secret.
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// The scopes to request.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Scope>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How the client secret is sent to the token endpoint: in the body (default) or as HTTP
    /// Basic (both are documented).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Overrides the authorize endpoint (default `<origin>/connect/authorize`).
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = Some(url.into());
        self
    }

    /// Overrides the token endpoint (default `<origin>/connect/token`).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    fn client(
        &self,
        datacenter: &Region,
        http: reqwest::Client,
        retry: RetryPolicy,
        timeouts: Timeouts,
        secrets: sdk_auth::Redactor,
    ) -> Result<AuthorizationCodeClient, Error> {
        let url = |over: &Option<String>, default: Url, what: &str| match over {
            Some(text) => sdk_auth::http::parse_base_url(text, what),
            None => Ok(default),
        };
        let redirect = Url::parse(&self.redirect_uri)
            .map_err(|e| Error::config(format!("the redirect URL is not a valid URL: {e}")))?;
        let mut client = AuthorizationCodeClient::new(
            http,
            PROVIDER,
            url(
                &self.authorize_url,
                datacenter.authorize_url(),
                "authorize URL",
            )?,
            url(&self.token_url, datacenter.token_url(), "token URL")?,
            self.client_id.clone(),
            redirect,
        )?
        .scopes(self.scopes.iter().map(|s| s.as_str().to_owned()))
        .client_auth(self.client_auth)
        .issuer_check(self.issuer.clone())
        .retry(retry)
        .timeouts(timeouts);
        for (name, value) in &self.authorize_params {
            client = client.authorize_param(name.clone(), value.clone());
        }
        if let Some(secret) = &self.client_secret {
            secrets.add(secret.secret());
            client = client.client_secret(secret.clone());
        }
        Ok(client.redactor(secrets))
    }
}

fn http_client(
    builder: reqwest::ClientBuilder,
    timeouts: &Timeouts,
) -> Result<reqwest::Client, Error> {
    sdk_auth::http::client_from(
        builder,
        concat!("iinked-sign-sdk/", env!("CARGO_PKG_VERSION")),
        timeouts,
    )
}

/// The authorization-code flow of an [`OAuthApp`] on a datacenter, storing the tokens it
/// obtains in a [`TokenStore`].
///
/// ```no_run
/// # async fn run(redirect: url::Url) -> Result<(), sdk_auth::Error> {
/// use iinked_sign_sdk::{Region, InMemoryTokenStore, OAuthApp, OAuthFlow};
/// use std::sync::Arc;
///
/// let store = Arc::new(InMemoryTokenStore::new());
/// let app = OAuthApp::new("client-id", "https://app.example/callback").client_secret("secret");
/// let flow = OAuthFlow::new(Region::SandboxUs, app, store)?;
///
/// let pending = flow.authorize()?;            // redirect the user to pending.url()
/// // ... the user comes back to https://app.example/callback?code=...&state=...
/// flow.complete(pending, &redirect, "customer-42").await?;
///
/// // The grant is stored under a namespaced key (`sdk/iinked-sign/<client id>/customer-42`),
/// // so read or delete it through the flow, never with the bare "customer-42":
/// let grant = flow.stored("customer-42").await?;   // Some(StoredToken)
/// flow.forget("customer-42").await?;               // the customer disconnected
/// # Ok(()) }
/// ```
///
/// Your own key (`"customer-42"`) is never the store's key: [`store_key`](Self::store_key)
/// names the real one, and [`stored`](Self::stored) and [`forget`](Self::forget) use it for
/// you.
#[derive(Clone)]
pub struct OAuthFlow {
    client: AuthorizationCodeClient,
    store: Arc<dyn TokenStore>,
}

impl std::fmt::Debug for OAuthFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthFlow")
            .field("client", &self.client)
            .finish()
    }
}

impl OAuthFlow {
    /// The flow of `app` on `datacenter`, storing tokens in `store`.
    pub fn new(
        datacenter: Region,
        app: OAuthApp,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, Error> {
        Self::with_http(datacenter, app, store, reqwest::Client::builder())
    }

    /// [`OAuthFlow::new`] with your own `reqwest::ClientBuilder` (proxies, TLS roots). The SDK
    /// turns redirects off and applies the default [`Timeouts`] to the code exchange.
    pub fn with_http(
        datacenter: Region,
        app: OAuthApp,
        store: Arc<dyn TokenStore>,
        http: reqwest::ClientBuilder,
    ) -> Result<Self, Error> {
        let timeouts = Timeouts::default();
        let client = http_client(http, &timeouts)
            .and_then(|http| {
                app.client(
                    &datacenter,
                    http,
                    RetryPolicy::standard(),
                    timeouts,
                    sdk_auth::Redactor::new(),
                )
            })
            .map_err(|e| e.with_provider(PROVIDER))?;
        Ok(Self { client, store })
    }

    /// The key under which the tokens of `key` are stored: namespaced by provider and client
    /// id ([`sdk_auth::store_key`]), so one store can serve other providers and apps.
    pub fn store_key(&self, key: &str) -> String {
        self.client.store_key(key)
    }

    /// Starts an authorization: send the user to the returned request's `url()`, and keep the
    /// request (it holds the state and the PKCE verifier) until the redirect comes back.
    pub fn authorize(&self) -> Result<AuthorizationRequest, Error> {
        self.client.authorize()
    }

    /// Completes an authorization from the URL the browser was redirected to (as text or a
    /// [`Url`]): checks its `state`, exchanges the code, and stores the tokens under `key`.
    pub async fn complete(
        &self,
        pending: AuthorizationRequest,
        redirect: impl AsRef<str>,
        key: &str,
    ) -> Result<(), Error> {
        let redirect =
            sdk_auth::parse_redirect(redirect.as_ref()).map_err(|e| e.with_provider(PROVIDER))?;
        self.complete_url(pending, &redirect, key).await
    }

    async fn complete_url(
        &self,
        pending: AuthorizationRequest,
        redirect: &Url,
        key: &str,
    ) -> Result<(), Error> {
        let code = pending.verify_callback(redirect)?;
        let token = self.client.exchange_code(&code).await?;
        self.store
            .put(
                &self.store_key(key),
                StoredToken::from_token(&token, SystemTime::now()),
            )
            .await
    }

    /// [`authorize`](Self::authorize) for a fleet: the pending request (state and PKCE
    /// verifier) is kept in the flow's store as a single-use record, so that whichever instance
    /// receives the redirect can [`finish`](Self::finish) it. Keep the returned request's
    /// `state()` in the visitor's session and send them to its `url()`.
    pub async fn begin(&self) -> Result<AuthorizationRequest, Error> {
        self.client.authorize_shared(self.store.as_ref()).await
    }

    /// Completes an authorization [`begin`](Self::begin) started, on any instance sharing the
    /// store: the redirect's state must equal `session_state` (the state this visitor's
    /// session kept) and name a pending request, which is taken (single use); then the code
    /// is exchanged and the tokens stored under `key`.
    pub async fn finish(
        &self,
        redirect: impl AsRef<str>,
        session_state: &str,
        key: &str,
    ) -> Result<(), Error> {
        let url =
            sdk_auth::parse_redirect(redirect.as_ref()).map_err(|e| e.with_provider(PROVIDER))?;
        let pending = self
            .client
            .take_pending(self.store.as_ref(), &url, session_state)
            .await?;
        self.complete_url(pending, &url, key).await
    }

    /// The grant stored for `key` (your key, e.g. `"customer-42"`; namespaced for you with
    /// [`store_key`](Self::store_key)), or `None` when that customer has not authorized.
    pub async fn stored(&self, key: &str) -> Result<Option<StoredToken>, Error> {
        self.store.get(&self.store_key(key)).await
    }

    /// Forgets the tokens stored for `key` (your key; namespaced for you).
    pub async fn forget(&self, key: &str) -> Result<(), Error> {
        self.store.delete(&self.store_key(key)).await
    }
}

#[derive(Clone)]
enum Mode {
    ApiKey(ApiKey),
    OAuth {
        app: Box<OAuthApp>,
        store: Arc<dyn TokenStore>,
        key: String,
    },
}

impl std::fmt::Debug for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mode::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
            Mode::OAuth { app, key, .. } => f
                .debug_struct("OAuth")
                .field("app", app)
                .field("key", key)
                .finish(),
        }
    }
}

/// The client's inner state. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct AuthState {
    pub(crate) hooks: AuthHooks,
    oauth: bool,
}

impl AuthState {
    /// Whether the client uses OAuth (else an API key).
    pub fn is_oauth(&self) -> bool {
        self.oauth
    }

    /// The session cache.
    pub fn sessions(&self) -> &TokenCache<Session> {
        self.hooks.sessions()
    }
}

sdk_auth::client_hooks!(crate::Client, AuthState);

/// Builds a [`Client`](crate::Client). See the [crate docs](crate) for both modes.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    datacenter: Option<Region>,
    mode: Option<Mode>,
    http: Option<reqwest::ClientBuilder>,
    policy: Option<RefreshPolicy>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    max_body: Option<usize>,
}

impl crate::Client {
    /// A client from the environment alone: [`ENV_API_KEY`] and [`ENV_REGION`]
    /// (`Client::builder().build()` with nothing set; no network call).
    pub fn from_env() -> Result<crate::Client, Error> {
        Self::builder().build()
    }

    /// A builder for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl ClientBuilder {
    /// Where the organization's data lives, the datacenter in iinked Sign's words (required:
    /// sandbox and production are separate systems).
    pub fn region(mut self, region: Region) -> Self {
        self.datacenter = Some(region);
        self
    }

    /// API-key mode.
    ///
    /// Important: with neither [`api_key`](Self::api_key) nor [`oauth`](Self::oauth),
    /// [`build`](Self::build) reads `IINKED_SIGN_API_KEY`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.mode = Some(Mode::ApiKey(ApiKey::new(key)));
        self
    }

    /// OAuth mode: the tokens stored under `key` in `store` (put there by [`OAuthFlow`]).
    pub fn oauth(
        mut self,
        app: OAuthApp,
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
    ) -> Self {
        self.mode = Some(Mode::OAuth {
            app: Box::new(app),
            store,
            key: key.into(),
        });
        self
    }

    /// Your own `reqwest::ClientBuilder` (proxies, TLS roots). The SDK builds the client from
    /// it and always turns redirects off (a 3xx answer is an error naming its target, so the
    /// `api_key` header and OAuth secrets never follow one) and applies the
    /// [`timeouts`](Self::timeouts) to every request, token refreshes included.
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// The most bytes of a success answer that are buffered (default 32 MiB); a longer body is
    /// an error after reading at most this much. Downloads through `raw(..).send()` count too.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// When to refresh OAuth tokens (default [`RefreshPolicy::default`]).
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Connect, per-attempt and total timeouts (default [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// When to retry (default [`RetryPolicy::standard`]; [`RetryPolicy::none`] turns it off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client (no network call).
    pub fn build(self) -> Result<crate::Client, Error> {
        self.build_inner().map_err(|e| e.with_provider(PROVIDER))
    }

    fn build_inner(self) -> Result<crate::Client, Error> {
        let datacenter = match self.datacenter {
            Some(region) => region,
            None => match std::env::var(ENV_REGION)
                .ok()
                .filter(|r| !r.trim().is_empty())
            {
                Some(name) => name.parse::<Region>()?,
                None => {
                    return Err(Error::config(format!(
                        "no region (datacenter) chosen: call .region(Region::SandboxUs) or another, or set {ENV_REGION}"
                    )));
                }
            },
        };
        let mode = match self.mode {
            Some(mode) => mode,
            None => match std::env::var(ENV_API_KEY)
                .ok()
                .filter(|k| !k.trim().is_empty())
            {
                Some(key) => Mode::ApiKey(ApiKey::new(key.trim())),
                None => {
                    return Err(Error::config(format!(
                        "no credentials: call .api_key(..) or .oauth(..), or set {ENV_API_KEY}"
                    )));
                }
            },
        };
        let http = http_client(self.http.unwrap_or_default(), &self.timeouts)?;
        let secrets = sdk_auth::Redactor::new();
        let api_base = datacenter.api_base();
        sdk_auth::http::ensure_secure(&api_base, "iinked Sign API base")?;
        let policy = self.policy.unwrap_or_default();
        let (hooks, oauth) = match mode {
            Mode::ApiKey(key) => {
                if key.secret().trim().is_empty() {
                    return Err(Error::config("the API key is empty"));
                }
                if reqwest::header::HeaderValue::from_str(key.secret()).is_err() {
                    return Err(Error::config(
                        "the API key contains characters not allowed in a header",
                    ));
                }
                secrets.add(key.secret());
                let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
                    let session = Session {
                        token: Token::new(key.secret()),
                        api_root: api_base.clone(),
                    };
                    Box::pin(async move {
                        Ok(Expiring {
                            value: session,
                            lifetime: None,
                        })
                    })
                };
                let hooks = AuthHooks::new(PROVIDER, TokenCache::new(fetch, policy))
                    .scheme(AuthScheme::Header(HeaderName::from_static(API_KEY_HEADER)))
                    // A key cannot be refreshed: a 401 is final.
                    .reject_statuses([]);
                (hooks, false)
            }
            Mode::OAuth { app, store, key } => {
                let source = Arc::new(StoredTokenSource::new(
                    app.client(
                        &datacenter,
                        http.clone(),
                        self.retry.clone(),
                        self.timeouts,
                        secrets.clone(),
                    )?,
                    store,
                    key,
                ));
                let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
                    let source = source.clone();
                    let api_root = api_base.clone();
                    Box::pin(async move {
                        let (token, lifetime) = source.fetch().await?;
                        Ok(Expiring {
                            value: Session { token, api_root },
                            lifetime,
                        })
                    })
                };
                (
                    AuthHooks::new(PROVIDER, TokenCache::new(fetch, policy)),
                    true,
                )
            }
        };
        let mut hooks = hooks
            .retry(self.retry)
            .timeouts(self.timeouts)
            .redactor(secrets)
            .streaming_operations(crate::generated::STREAMING_OPERATIONS);
        if let Some(max) = self.max_body {
            hooks = hooks.max_success_body(max);
        }
        Ok(crate::Client::new_with_client(
            sdk_auth::API_ROOT_PLACEHOLDER,
            http,
            AuthState { hooks, oauth },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors() {
        let e = crate::Client::builder().api_key("k").build().unwrap_err();
        assert!(
            e.to_string().contains("no region (datacenter) chosen"),
            "{e}"
        );
        let e = crate::Client::builder()
            .region(Region::SandboxUs)
            .api_key(" ")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("API key is empty"), "{e}");
        let e = crate::Client::builder()
            .region(Region::SandboxUs)
            .oauth(
                OAuthApp::new("id", "http://app.example/cb"),
                Arc::new(sdk_auth::InMemoryTokenStore::new()),
                "k",
            )
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("redirect URL must use https"), "{e}");
    }

    #[test]
    fn scopes_round_trip() {
        for s in [
            Scope::Profile,
            Scope::OpenId,
            Scope::OfflineAccess,
            Scope::Organization,
        ] {
            assert_eq!(Scope::from(s.as_str()), s);
        }
    }
}
