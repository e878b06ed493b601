//! XPKit credentials: the client-credentials grant against the region's Auth API, one token for
//! every service of the region, refresh-and-resend once on **401 and 403** (XPKit answers an
//! expired token with 403), and the authorization-code + PKCE login for end users.

use crate::region::{Region, Service};
use futures::future::BoxFuture;
use sdk_auth::{
    AccessToken, AuthHooks, AuthorizationCodeClient, AuthorizationRequest, ClientCredentials,
    Error, ErrorKind, Expiring, RefreshPolicy, RetryPolicy, Session, Timeouts, Token, TokenCache,
};
pub use sdk_auth::{ClientId, ClientSecret};
use std::sync::{Arc, Mutex};
use url::Url;

/// The provider name in errors and logs.
pub const PROVIDER: &str = "xpkit";
/// Environment variable holding the app's client id.
pub const ENV_CLIENT_ID: &str = "XPKIT_CLIENT_ID";
/// Environment variable holding the app's client secret.
pub const ENV_CLIENT_SECRET: &str = "XPKIT_CLIENT_SECRET";
/// Environment variable holding the region (`amer`, `apac`, `emea`, `china`, or a base).
pub const ENV_REGION: &str = "XPKIT_REGION";
/// XPKit's documented rate limit, named on 429 errors.
pub const DOCUMENTED_RATE_LIMIT: &str = "2,000 requests per application in any 5-minute window";
/// The statuses that mean "token rejected": 401, and 403, which is how XPKit reports expiry.
pub const REJECT_STATUSES: [u16; 2] = [401, 403];

enum Mode {
    App {
        client_id: ClientId,
        client_secret: ClientSecret,
    },
    User(AccessToken),
}

/// The state every service client carries: the auth hooks over the region's one token cache,
/// routed to this service's host. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct AuthState {
    pub(crate) hooks: AuthHooks,
}

/// Implements the hooks, `raw` and the service accessor for one generated service module.
#[allow(unused_macros)] // unused only in a build with every service feature off
macro_rules! service_client {
    ($module:ident, $service:expr) => {
        sdk_auth::client_hooks!(Client, crate::auth::AuthState);

        impl Client {
            /// A request to any path of this service, authenticated like generated calls.
            pub fn raw(
                &self,
                method: reqwest::Method,
                path: impl Into<String>,
            ) -> sdk_auth::RawRequest<'_, Client, crate::auth::AuthState> {
                sdk_auth::RawRequest::new(self, &self.inner.hooks, method, path)
            }

            /// A single page of a list path with filters, ordering and paging
            /// ([`crate::ListQuery`]), for list paths the spec does not name: every documented
            /// list has a typed `list_*_stream`.
            pub async fn list_page(
                &self,
                path: &str,
                query: &crate::ListQuery,
            ) -> Result<crate::Page<crate::XpKitResource>, sdk_auth::Error> {
                crate::stream::fetch_page(self, &self.inner.hooks, "list_page", path, query, None).await
            }

            /// Every item of a list path, page after page (following `next_token`, else
            /// `next`), as envelopes, for list paths the spec does not name: every documented
            /// list has a typed `list_*_stream`.
            pub fn list_stream<'a>(
                &'a self,
                path: impl Into<String>,
                query: crate::ListQuery,
            ) -> sdk_auth::Paged<'a, crate::XpKitResource> {
                crate::stream::items(self, &self.inner.hooks, "list_page", Ok(path.into()), query)
            }
        }

        impl crate::XpKit {
            #[doc = concat!("The client of the `", stringify!($module), "` service in this region (shares the region's token).")]
            pub fn $module(&self) -> crate::$module::Client {
                crate::$module::Client::new_with_client(
                    sdk_auth::API_ROOT_PLACEHOLDER,
                    self.http.clone(),
                    self.state_for($service, STREAMING_OPERATIONS),
                )
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use service_client;

/// The handle for one region: makes the 17 service clients, which share one token.
#[derive(Clone, Debug)]
pub struct XpKit {
    pub(crate) http: reqwest::Client,
    region: Region,
    hooks: AuthHooks,
}

impl XpKit {
    /// A builder.
    pub fn builder() -> XpKitBuilder {
        XpKitBuilder::default()
    }

    /// A handle from the environment alone: [`ENV_CLIENT_ID`], [`ENV_CLIENT_SECRET`] and
    /// [`ENV_REGION`] (`XpKit::builder().build()` with nothing set; no network call).
    pub fn from_env() -> Result<XpKit, Error> {
        Self::builder().build()
    }

    /// The region.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The shared token cache (for inspection).
    pub fn tokens(&self) -> &TokenCache<Session> {
        self.hooks.sessions()
    }

    pub(crate) fn state_for(
        &self,
        service: Service,
        streaming: &'static [&'static str],
    ) -> AuthState {
        AuthState {
            hooks: self
                .hooks
                .clone()
                .api_root(self.region.service_url(service))
                .streaming_operations(streaming),
        }
    }
}

/// Looks up a configuration value by name.
type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds an [`XpKit`].
#[derive(Default)]
#[must_use]
pub struct XpKitBuilder {
    client_id: Option<String>,
    client_secret: Option<String>,
    user_token: Option<String>,
    region: Option<Region>,
    http: Option<reqwest::ClientBuilder>,
    policy: Option<RefreshPolicy>,
    lookup: Option<Lookup>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    max_body: Option<usize>,
    store: Option<Arc<dyn sdk_auth::TokenStore>>,
}

impl std::fmt::Debug for XpKitBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XpKitBuilder")
            .field("client_id", &self.client_id.as_ref().map(|_| "[set]"))
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "user_token",
                &self.user_token.as_ref().map(|_| "[redacted]"),
            )
            .field("region", &self.region)
            .field("store", &self.store.as_ref().map(|s| s.is_shared()))
            .finish()
    }
}

impl XpKitBuilder {
    /// Shares the region's token with every process that uses the same app credentials and
    /// `store` (a [`sdk_auth::FileTokenStore`] on one machine, a `RedisTokenStore` for a
    /// fleet), as XPKit advises (save the 10-hour token and reuse it): a cold process adopts a
    /// fresh stored token, and of many processes starting together one fetches while the others
    /// wait for it (see [`sdk_auth::SharedSessions`]). The in-memory cache stays in front, and
    /// a store that fails only costs a direct fetch.
    pub fn store(mut self, store: Arc<dyn sdk_auth::TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// An app's client id and secret (from XPKit Portal): the client-credentials grant.
    ///
    /// Important: what is not set here is read from `XPKIT_CLIENT_ID`, `XPKIT_CLIENT_SECRET` and
    /// `XPKIT_REGION` by [`build`](Self::build); explicit values win.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }

    /// A logged-in user's token (from [`UserLogin`]) instead of app credentials. It cannot be
    /// refreshed: once XPKit rejects it, calls fail with a re-authorization error.
    pub fn user_token(mut self, token: &Token) -> Self {
        self.user_token = Some(token.access_token.secret().to_owned());
        self
    }

    /// The region (required, or `XPKIT_REGION`).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Your own `reqwest::ClientBuilder` (proxies, TLS roots). The SDK builds the client from
    /// it and always turns redirects off (a 3xx answer is an error naming its target, so the
    /// token and the client secret never follow one) and applies the
    /// [`timeouts`](Self::timeouts) to every request, token requests included.
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// The most bytes of a success answer that are buffered (default 32 MiB); a longer body is
    /// an error after reading at most this much. Downloads (CSV exports, images) stream.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// When to refresh (default: [`RefreshPolicy::default`]; XPKit tokens live 10 hours).
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// When to retry (default [`RetryPolicy::standard`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Connect, per-attempt and total timeouts (default [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Where unset values are looked up (default: the process environment). For tests and
    /// other configuration sources; blank values count as unset.
    pub fn lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Some(Box::new(lookup));
        self
    }

    /// Builds the handle (no network call).
    pub fn build(self) -> Result<XpKit, Error> {
        self.build_inner().map_err(|e| e.with_provider(PROVIDER))
    }

    /// Builds the handle and fetches the region's token, so bad credentials fail here rather
    /// than on the first call.
    pub async fn connect(self) -> Result<XpKit, Error> {
        let xpkit = self.build()?;
        xpkit.tokens().get().await?;
        Ok(xpkit)
    }

    fn build_inner(self) -> Result<XpKit, Error> {
        let lookup = |name: &str| -> Option<String> {
            let v = match &self.lookup {
                Some(f) => f(name),
                None => std::env::var(name).ok(),
            };
            v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        };
        let region = match self.region.clone() {
            Some(r) => r,
            None => match lookup(ENV_REGION) {
                Some(text) => text.parse()?,
                None => {
                    return Err(Error::config(format!(
                        "no region: call .region(Region::Emea) or another, or set {ENV_REGION}"
                    )));
                }
            },
        };
        let mode = match (&self.user_token, &self.client_id, &self.client_secret) {
            (Some(token), _, _) => Mode::User(AccessToken::new(token.clone())),
            (None, Some(id), Some(secret)) => Mode::App {
                client_id: ClientId::new(id.clone()),
                client_secret: ClientSecret::new(secret.clone()),
            },
            _ => match (lookup(ENV_CLIENT_ID), lookup(ENV_CLIENT_SECRET)) {
                (Some(id), Some(secret)) => Mode::App {
                    client_id: ClientId::new(id),
                    client_secret: ClientSecret::new(secret),
                },
                _ => {
                    return Err(Error::config(format!(
                        "no credentials: call .credentials(..) or .user_token(..), or set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
                    )));
                }
            },
        };
        let http = sdk_auth::http::client_from(
            self.http.unwrap_or_default(),
            concat!("xpkit-sdk/", env!("CARGO_PKG_VERSION")),
            &self.timeouts,
        )?;
        let secrets = sdk_auth::Redactor::new();
        let root = region.service_url(Service::Auth);
        let policy = self.policy.unwrap_or_default();
        let sessions = match mode {
            Mode::App {
                client_id,
                client_secret,
            } => {
                if client_id.as_str().is_empty() || client_secret.secret().is_empty() {
                    return Err(Error::config("the client id or secret is empty"));
                }
                secrets.add(client_secret.secret());
                let grant = ClientCredentials::new(
                    http.clone(),
                    PROVIDER,
                    region.token_url(),
                    client_id,
                    client_secret,
                )?
                .retry(self.retry.clone())
                .timeouts(self.timeouts)
                .redactor(secrets.clone());
                let shared = self.store.clone().map(|store| {
                    let key = sdk_auth::store_key(
                        PROVIDER,
                        grant.client_id().as_str(),
                        &format!("session@{}", region.token_url()),
                    );
                    Arc::new(sdk_auth::SharedSessions::new(store, key, PROVIDER))
                });
                let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
                    let grant = grant.clone();
                    let api_root = root.clone();
                    let shared = shared.clone();
                    Box::pin(async move {
                        let direct = || async move {
                            let token = grant.request_token().await?;
                            let lifetime = token.expires_in;
                            Ok(Expiring {
                                value: Session { token, api_root },
                                lifetime,
                            })
                        };
                        match shared {
                            Some(shared) => shared.fetch(direct).await,
                            None => direct().await,
                        }
                    })
                };
                TokenCache::new(fetch, policy)
            }
            Mode::User(token) => {
                secrets.add(token.secret());
                let handed_out = Arc::new(Mutex::new(false));
                let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
                    let mut once = handed_out.lock().unwrap_or_else(|p| p.into_inner());
                    let result = if *once {
                        // Only asked again after XPKit rejected it: a user token cannot be renewed.
                        Err(Error::new(
                            ErrorKind::Auth,
                            "XPKit rejected the user token; log in again",
                        )
                        .with_provider(PROVIDER)
                        .with_operation("user_token")
                        .with_reauthorize())
                    } else {
                        *once = true;
                        Ok(Expiring {
                            value: Session {
                                token: Token::new(token.secret()),
                                api_root: root.clone(),
                            },
                            lifetime: None,
                        })
                    };
                    Box::pin(async move { result })
                };
                TokenCache::new(fetch, policy)
            }
        };
        let mut hooks = AuthHooks::new(PROVIDER, sessions)
            .reject_statuses(REJECT_STATUSES)
            .retry(self.retry)
            .timeouts(self.timeouts)
            .redactor(secrets)
            .documented_rate_limit(DOCUMENTED_RATE_LIMIT);
        if let Some(max) = self.max_body {
            hooks = hooks.max_success_body(max);
        }
        Ok(XpKit {
            http,
            region,
            hooks,
        })
    }
}

/// A login provider shown on XPKit's login page (`provider` parameter).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginProvider {
    /// `apple`.
    Apple,
    /// `facebook`.
    Facebook,
    /// `google`.
    Google,
    /// `linkedin`, as the official SDK and demo send it (the docs table says
    /// `linkedin_oauth2`; use [`LoginProvider::Other`] for that form).
    LinkedIn,
    /// `microsoft`.
    Microsoft,
    /// `xpkit`: XPKit's own user accounts.
    XpKit,
    /// Any other value, sent as given.
    Other(String),
}

impl LoginProvider {
    /// The value on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            LoginProvider::Apple => "apple",
            LoginProvider::Facebook => "facebook",
            LoginProvider::Google => "google",
            LoginProvider::LinkedIn => "linkedin",
            LoginProvider::Microsoft => "microsoft",
            LoginProvider::XpKit => "xpkit",
            LoginProvider::Other(s) => s,
        }
    }
}

/// End-user login: authorization code + PKCE (`S256`) with a public app (no client secret).
///
/// ```no_run
/// # async fn run(redirect: url::Url) -> Result<(), sdk_auth::Error> {
/// use xpkit_sdk::{LoginProvider, Region, UserLogin, XpKit};
///
/// let login = UserLogin::new(Region::Emea, "public-app-id", "https://app.example/auth-callback/", LoginProvider::Google)?;
/// let pending = login.authorize()?;          // send the browser to pending.url()
/// let token = login.complete(pending, &redirect).await?;
/// let xpkit = XpKit::builder().region(Region::Emea).user_token(&token).build()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct UserLogin {
    client: AuthorizationCodeClient,
}

impl UserLogin {
    /// A login for a public app registered with `redirect_uri` (https, or http to loopback).
    pub fn new(
        region: Region,
        client_id: impl Into<String>,
        redirect_uri: &str,
        provider: LoginProvider,
    ) -> Result<Self, Error> {
        Self::with_http(
            region,
            client_id,
            redirect_uri,
            provider,
            reqwest::Client::builder(),
            Timeouts::default(),
        )
    }

    /// [`UserLogin::new`] with your own `reqwest::ClientBuilder` and timeouts: the SDK turns
    /// redirects off and bounds the code exchange by `timeouts` (per attempt and in total).
    pub fn with_http(
        region: Region,
        client_id: impl Into<String>,
        redirect_uri: &str,
        provider: LoginProvider,
        http: reqwest::ClientBuilder,
        timeouts: Timeouts,
    ) -> Result<Self, Error> {
        let redirect = Url::parse(redirect_uri).map_err(|e| {
            Error::config(format!("the redirect URL is not a valid URL: {e}"))
                .with_provider(PROVIDER)
        })?;
        let http = sdk_auth::http::client_from(
            http,
            concat!("xpkit-sdk/", env!("CARGO_PKG_VERSION")),
            &timeouts,
        )
        .map_err(|e| e.with_provider(PROVIDER))?;
        let client = AuthorizationCodeClient::new(
            http,
            PROVIDER,
            region.authorize_url(),
            region.token_url(),
            ClientId::new(client_id),
            redirect,
        )
        .map_err(|e| e.with_provider(PROVIDER))?
        .timeouts(timeouts)
        .authorize_param("provider", provider.as_str());
        Ok(Self { client })
    }

    /// An extra query parameter on the authorize URL, e.g. `prompt=consent`, `nonce` or
    /// `login_hint`. The flow's own parameters (and `provider`, set from the
    /// [`LoginProvider`]) cannot be replaced: an error when the login starts.
    pub fn authorize_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.client = self.client.authorize_param(name, value);
        self
    }

    /// How the redirect's `iss` is checked (RFC 9207, the mix-up defence). Default
    /// [`IssuerCheck::AuthorizeOrigin`](sdk_auth::IssuerCheck::AuthorizeOrigin): when the
    /// redirect carries `iss`, it must be on the region's authorization server origin
    /// (`https://auth.<region domain>`).
    pub fn issuer_check(mut self, check: sdk_auth::IssuerCheck) -> Self {
        self.client = self.client.issuer_check(check);
        self
    }

    /// Starts a login: send the browser to the returned request's `url()` and keep the request.
    pub fn authorize(&self) -> Result<AuthorizationRequest, Error> {
        self.client.authorize()
    }

    /// [`authorize`](Self::authorize) for a fleet: the pending login (state and PKCE verifier)
    /// is kept in `store` as a single-use record, so that whichever instance receives the
    /// redirect can [`finish`](Self::finish) it. Keep the returned request's `state()` in the
    /// visitor's session.
    pub async fn begin(
        &self,
        store: &dyn sdk_auth::TokenStore,
    ) -> Result<AuthorizationRequest, Error> {
        self.client.authorize_shared(store).await
    }

    /// Completes a login [`begin`](Self::begin) started, on any instance sharing `store`: the
    /// redirect's state must equal `session_state` and name a pending login, which is taken
    /// (single use); then the code is exchanged for the user's token.
    pub async fn finish(
        &self,
        store: &dyn sdk_auth::TokenStore,
        redirect: impl AsRef<str>,
        session_state: &str,
    ) -> Result<Token, Error> {
        let url =
            sdk_auth::parse_redirect(redirect.as_ref()).map_err(|e| e.with_provider(PROVIDER))?;
        let pending = self.client.take_pending(store, &url, session_state).await?;
        let code = pending.verify_callback(&url)?;
        self.client.exchange_code(&code).await
    }

    /// Completes a login from the URL the browser was redirected to (as text or a [`Url`]; with
    /// `code` + `state`, or `error`): the user's token.
    pub async fn complete(
        &self,
        pending: AuthorizationRequest,
        redirect: impl AsRef<str>,
    ) -> Result<Token, Error> {
        let redirect =
            sdk_auth::parse_redirect(redirect.as_ref()).map_err(|e| e.with_provider(PROVIDER))?;
        let code = pending.verify_callback(&redirect)?;
        self.client.exchange_code(&code).await
    }
}
