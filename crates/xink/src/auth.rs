//! Xink credentials, scopes, the session (token + discovered API root), the client builder, and
//! the `ClientHooks` impl that applies them to every call.
//!
//! A Xink session is obtained in two steps, both on `https://auth.xink.io`:
//!
//! 1. `POST /OAuth/Token`, OAuth 2.0 client credentials. By default `client_id` and
//!    `client_secret` travel in the form body (current docs); [`ClientAuth::BasicAuth`] sends them
//!    as HTTP Basic instead (legacy docs: the raw `<id>@SRV:<password>`, as Xink documents it,
//!    not form-urlencoded), with only `grant_type` and `scope` in the body.
//! 2. `GET /Discovery` with `Authorization: Bearer <token>`, which names the account's data
//!    center and `APIRoot`. Skipped when a data center is chosen with
//!    [`ClientBuilder::region`].
//!
//! Token and root are cached together as one [`Session`] and refreshed together ahead of the
//! token's expiry (`expires_in`; two hours when Xink does not say).

use crate::generated::types::DiscoveryResult;
use crate::region::{AUTH_URL, Region};
use futures::future::BoxFuture;
use sdk_auth::{
    AuthHooks, Clock, Error, ErrorKind, Expiring, RefreshPolicy, RetryPolicy, Session, SystemClock,
    Timeouts, TokenCache,
};
pub use sdk_auth::{ClientAuth, ClientId, ClientSecret};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The provider name in errors and logs.
pub const PROVIDER: &str = "xink";

/// Environment variable holding the API user's client id.
pub const ENV_CLIENT_ID: &str = "XINK_CLIENT_ID";
/// Environment variable holding the API user's client secret.
pub const ENV_CLIENT_SECRET: &str = "XINK_CLIENT_SECRET";

/// The token lifetime Xink documents (two hours), used only when a token response has no
/// `expires_in`. Xink has announced it may drop to 10–15 minutes, so `expires_in` always wins.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// An OAuth scope of the Xink API, requested space-separated in the token request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `employeeread`: read employees (needed for the employee list).
    EmployeeRead,
    /// `employeefieldsread`: read employee fields.
    EmployeeFieldsRead,
    /// `employeectrl`: change employees.
    EmployeeCtrl,
    /// `employeesignaturesread`: read employee signatures.
    EmployeeSignaturesRead,
    /// `signaturectrl`: change signatures.
    SignatureCtrl,
    /// `managedaccountsread`: read managed accounts (name not re-verified against Xink's docs).
    ManagedAccountsRead,
    /// `managedaccountsctrl`: change managed accounts (name not re-verified against Xink's docs).
    ManagedAccountsCtrl,
    /// Any other scope name, sent as given.
    Other(String),
}

impl Scope {
    /// The seven documented scopes.
    pub const ALL: [Scope; 7] = [
        Scope::EmployeeRead,
        Scope::EmployeeFieldsRead,
        Scope::EmployeeCtrl,
        Scope::EmployeeSignaturesRead,
        Scope::SignatureCtrl,
        Scope::ManagedAccountsRead,
        Scope::ManagedAccountsCtrl,
    ];

    /// The scope's name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::EmployeeRead => "employeeread",
            Scope::EmployeeFieldsRead => "employeefieldsread",
            Scope::EmployeeCtrl => "employeectrl",
            Scope::EmployeeSignaturesRead => "employeesignaturesread",
            Scope::SignatureCtrl => "signaturectrl",
            Scope::ManagedAccountsRead => "managedaccountsread",
            Scope::ManagedAccountsCtrl => "managedaccountsctrl",
            Scope::Other(s) => s,
        }
    }
}

impl From<&str> for Scope {
    fn from(s: &str) -> Self {
        Scope::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| Scope::Other(s.to_owned()))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API user's credentials (created by an account admin under Preferences → Admins).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Credentials {
    /// The client id (older docs show the form `<id>@SRV`).
    pub client_id: ClientId,
    /// The client secret.
    pub client_secret: ClientSecret,
}

impl Credentials {
    /// Credentials from an id and a secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: ClientId::new(client_id),
            client_secret: ClientSecret::new(client_secret),
        }
    }

    /// Credentials from `XINK_CLIENT_ID` and `XINK_CLIENT_SECRET`.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Credentials from any variable lookup (blank values count as unset). For tests and for
    /// configuration systems other than the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        match (get(ENV_CLIENT_ID), get(ENV_CLIENT_SECRET)) {
            (Some(id), Some(secret)) => Ok(Self::new(id.trim(), secret.trim())),
            (id, secret) => {
                let missing: Vec<&str> = [
                    (ENV_CLIENT_ID, id.is_none()),
                    (ENV_CLIENT_SECRET, secret.is_none()),
                ]
                .into_iter()
                .filter_map(|(n, m)| m.then_some(n))
                .collect();
                Err(Error::config(format!(
                    "Xink credentials not set: {} missing or empty",
                    missing.join(" and ")
                ))
                .with_provider(PROVIDER))
            }
        }
    }
}

/// The client's inner state: the auth hooks over the session cache. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct AuthState {
    pub(crate) hooks: AuthHooks,
}

impl AuthState {
    /// The session cache (for inspection: how many sessions were fetched).
    pub fn sessions(&self) -> &TokenCache<Session> {
        self.hooks.sessions()
    }
}

sdk_auth::client_hooks!(crate::Client, AuthState);

/// Builds a [`Client`](crate::Client). See the [crate docs](crate) for an example.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    scopes: Vec<Scope>,
    region: Region,
    auth_url: Option<String>,
    client_auth: ClientAuth,
    http: Option<reqwest::ClientBuilder>,
    policy: Option<RefreshPolicy>,
    clock: Option<Arc<dyn Clock>>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    allowed_roots: Vec<String>,
    max_body: Option<usize>,
    store: Option<SharedStore>,
}

/// A token store in a builder (its contents are secret: never in `Debug`).
#[derive(Clone)]
struct SharedStore(Arc<dyn sdk_auth::TokenStore>);

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenStore(shared: {})", self.0.is_shared())
    }
}

impl crate::Client {
    /// A client from the environment alone: [`ENV_CLIENT_ID`] and [`ENV_CLIENT_SECRET`], the
    /// data center found by discovery on the first call (`Client::builder().build()`).
    pub fn from_env() -> Result<crate::Client, Error> {
        Self::builder().build()
    }

    /// A builder for a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API root the current session uses (runs token + discovery if there is no session).
    pub async fn api_root(&self) -> Result<Url, Error> {
        Ok(self.inner.hooks.sessions().get().await?.api_root.clone())
    }
}

impl ClientBuilder {
    /// The API user's client id and secret.
    ///
    /// Important: when no credentials are given, [`build`](Self::build) reads
    /// `XINK_CLIENT_ID` / `XINK_CLIENT_SECRET`; explicit credentials always win.
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::new(client_id, client_secret));
        self
    }

    /// Credentials built elsewhere (e.g. [`Credentials::from_env`]).
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The scopes to request, e.g. `[Scope::EmployeeRead, "employeefieldsread".into()]`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Scope>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Where API calls go (default [`Region::Discover`]: ask discovery).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Shares the session (token and discovered API root) with every process that uses the
    /// same credentials and `store` (a [`sdk_auth::FileTokenStore`] on one machine, a
    /// `RedisTokenStore` for a fleet): a cold process adopts a fresh stored session, and of many
    /// processes starting together one fetches while the others wait for it (see
    /// [`sdk_auth::SharedSessions`]). The in-memory cache stays in front: warm calls never touch
    /// the store, and a store that fails only costs a direct fetch.
    pub fn store(mut self, store: Arc<dyn sdk_auth::TokenStore>) -> Self {
        self.store = Some(SharedStore(store));
        self
    }

    /// The authorization server of the token and discovery requests (default
    /// `https://auth.xink.io`, or the root of a [`Region::custom`]). To point everything at a
    /// proxy or a fake, [`Region::custom`] is enough; this moves only the authorization server,
    /// e.g. to exercise discovery against a fake.
    ///
    /// Discovery then accepts only an `APIRoot` on this URL's origin (or `https` on
    /// `*.xink.io`): a fake whose discovery names an API server on another origin (another
    /// port of loopback too) needs that root allowed with
    /// [`allow_api_root`](Self::allow_api_root), or the call fails with a `Config` error naming
    /// the refused host.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// How the client authenticates to the token endpoint (default: credentials in the body).
    ///
    /// Xink's legacy docs show HTTP Basic with the raw values,
    /// `Authorization: Basic base64("<id>@SRV:<password>")`, not the form-urlencoded values
    /// RFC 6749 §2.3.1 asks for (which would send `%40SRV`). So for Xink,
    /// [`ClientAuth::BasicAuth`] sends the documented raw form, the same as
    /// [`ClientAuth::BasicAuthRaw`]; the generic OAuth clients of `sdk-auth` follow the RFC.
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// A `reqwest::ClientBuilder` of your own (proxies, TLS roots, pool settings). The SDK
    /// builds the client from it and always turns redirects off (a 3xx answer is an error
    /// naming its target, so credentials never follow one) and applies the
    /// [`timeouts`](Self::timeouts) to every request, token and discovery included.
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// Also accept this API root when discovery names it (a proxy, a private deployment).
    /// By default a discovered root must be `https` on a Xink domain (`*.xink.io`) or on the
    /// configured [`auth_url`](Self::auth_url)'s origin; any other answer is a `Config` error
    /// naming the refused host, and the token is not sent there.
    pub fn allow_api_root(mut self, root: impl Into<String>) -> Self {
        self.allowed_roots.push(root.into());
        self
    }

    /// The most bytes of a success answer that are buffered (default 32 MiB); a longer body is
    /// an error after reading at most this much.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// When to refresh the session (default: [`RefreshPolicy::default`], with a two-hour
    /// lifetime assumed when Xink sends no `expires_in`).
    pub fn refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The clock the session cache uses (default: the system clock). For tests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
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

    /// Builds the client without any network call; the first call fetches the session.
    pub fn build(self) -> Result<crate::Client, Error> {
        self.build_inner().map_err(|e| e.with_provider(PROVIDER))
    }

    /// Builds the client and establishes a session (token, and discovery unless a region is
    /// set), so that bad credentials fail here rather than on the first call.
    pub async fn connect(self) -> Result<crate::Client, Error> {
        let client = self.build()?;
        client.inner.hooks.sessions().get().await?;
        Ok(client)
    }

    fn build_inner(self) -> Result<crate::Client, Error> {
        let credentials = match self.credentials {
            Some(c) => c,
            None => Credentials::from_env()?,
        };
        if credentials.client_id.as_str().trim().is_empty() {
            return Err(Error::config("the client id is empty"));
        }
        if credentials.client_secret.secret().is_empty() {
            return Err(Error::config("the client secret is empty"));
        }
        for scope in &self.scopes {
            let s = scope.as_str();
            if s.is_empty() || s.contains(char::is_whitespace) {
                return Err(Error::config(format!(
                    "invalid scope `{s}`: scopes are single words"
                )));
            }
        }
        // A custom region (a proxy, a fake) takes the token and discovery requests too, unless
        // `auth_url` moves them.
        let auth_url = match (&self.auth_url, &self.region) {
            (Some(url), _) => sdk_auth::http::parse_base_url(url, "Xink auth URL")?,
            (None, Region::Custom(url)) => url.clone(),
            (None, _) => sdk_auth::http::parse_base_url(AUTH_URL, "Xink auth URL")?,
        };
        let http = sdk_auth::http::client_from(
            self.http.unwrap_or_default(),
            concat!("xink-sdk/", env!("CARGO_PKG_VERSION")),
            &self.timeouts,
        )?;
        let secrets = sdk_auth::Redactor::new();
        secrets.add(credentials.client_secret.secret());
        let mut trusted = vec![auth_url.origin()];
        for root in &self.allowed_roots {
            trusted.push(sdk_auth::http::parse_base_url(root, "allowed Xink API root")?.origin());
        }
        let trusted = Arc::new(trusted);
        let grant = sdk_auth::ClientCredentials::new(
            http.clone(),
            PROVIDER,
            sdk_auth::http::join(&auth_url, "OAuth/Token")?,
            credentials.client_id,
            credentials.client_secret,
        )?
        .scopes(self.scopes.iter().map(|s| s.as_str().to_owned()))
        .client_auth(match self.client_auth {
            // Xink's documented legacy form: the raw `<id>@SRV:<password>` (see `client_auth`).
            ClientAuth::BasicAuth => ClientAuth::BasicAuthRaw,
            other => other,
        })
        .retry(self.retry.clone())
        .timeouts(self.timeouts)
        .redactor(secrets.clone());
        let discovery = Discovery {
            retry: self.retry.clone(),
            timeouts: self.timeouts,
            secrets: secrets.clone(),
            trusted,
        };
        let fixed_root = self.region.api_root();
        let discovery_url = sdk_auth::http::join(&auth_url, "Discovery")?;
        let session_http = http.clone();
        let shared = self.store.map(|SharedStore(store)| {
            let key = sdk_auth::store_key(
                PROVIDER,
                grant.client_id().as_str(),
                &format!("session@{auth_url}"),
            );
            Arc::new(sdk_auth::SharedSessions::new(store, key, PROVIDER))
        });
        let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
            let grant = grant.clone();
            let fixed_root = fixed_root.clone();
            let discovery_url = discovery_url.clone();
            let http = session_http.clone();
            let discovery = discovery.clone();
            let shared = shared.clone();
            Box::pin(async move {
                let direct = || async move {
                    let token = grant.request_token().await?;
                    let api_root = match fixed_root {
                        Some(root) => root,
                        None => discovery.discover(&http, &discovery_url, &token).await?,
                    };
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
        let policy = self.policy.unwrap_or_else(|| {
            RefreshPolicy::default().default_lifetime(Some(DEFAULT_TOKEN_LIFETIME))
        });
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let sessions = TokenCache::with_clock(fetch, policy, clock);
        let mut hooks = AuthHooks::new(PROVIDER, sessions)
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
            AuthState { hooks },
        ))
    }
}

/// How discovery is sent and which answers it trusts.
#[derive(Clone, Debug)]
struct Discovery {
    retry: RetryPolicy,
    timeouts: Timeouts,
    secrets: sdk_auth::Redactor,
    /// Origins besides `https://*.xink.io` a discovered root may have.
    trusted: Arc<Vec<url::Origin>>,
}

/// Whether `root` is `https` on a Xink domain (`xink.io` or a subdomain).
fn is_xink_domain(root: &Url) -> bool {
    root.scheme() == "https"
        && matches!(root.host(), Some(url::Host::Domain(d))
            if d == "xink.io" || d.ends_with(".xink.io"))
}

impl Discovery {
    /// `GET /Discovery` with the new token: the account's API root.
    async fn discover(
        &self,
        http: &reqwest::Client,
        url: &Url,
        token: &sdk_auth::Token,
    ) -> Result<Url, Error> {
        self.secrets.add(token.access_token.secret());
        discover(http, url, token, self)
            .await
            .map_err(|e| self.secrets.redact_error(e))
    }
}

async fn discover(
    http: &reqwest::Client,
    url: &Url,
    token: &sdk_auth::Token,
    config: &Discovery,
) -> Result<Url, Error> {
    let ctx = |e: Error| e.with_provider(PROVIDER).with_operation("get_discovery");
    let header = sdk_auth::AuthScheme::Bearer
        .header_value(&token.access_token)
        .map_err(ctx)?;
    let request = http
        .get(url.clone())
        .header(reqwest::header::AUTHORIZATION, header)
        .header(reqwest::header::ACCEPT, "application/json");
    let response = sdk_auth::http::send_retrying(request, &config.retry, &config.timeouts)
        .await
        .map_err(ctx)?;
    let (status, body, _) = sdk_auth::http::read_success(response).await.map_err(|e| {
        if e.status().is_none() {
            return ctx(e);
        }
        let message = format!(
            "discovery failed: {}",
            e.message().unwrap_or("error status")
        );
        ctx(e.with_message(message))
    })?;
    let decode = |what: &str| {
        ctx(Error::new(ErrorKind::Decode, format!("discovery response {what}")).with_status(status))
    };
    let value = sdk_auth::http::parse_json_object(&body, "discovery response")
        .map_err(|e| ctx(e.with_status(status)))?;
    let result: DiscoveryResult = serde_json::from_value(value)
        .map_err(|_| decode("lacks `Success` or has fields of the wrong type"))?;
    if !result.success {
        return Err(ctx(Error::new(
            ErrorKind::Auth,
            "discovery answered \"Success\": false",
        )
        .with_status(status)));
    }
    let root = result
        .api_root
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| decode("has no `APIRoot`"))?;
    let root = sdk_auth::http::parse_base_url(root, "discovered APIRoot").map_err(ctx)?;
    if !is_xink_domain(&root) && !config.trusted.contains(&root.origin()) {
        return Err(ctx(Error::config(format!(
            "discovery named the API root host `{}`, which is not https on a Xink domain (*.xink.io) nor an allowed root; the token is not sent there (allow it with ClientBuilder::allow_api_root)",
            root.host_str().unwrap_or("")
        ))
        .with_status(status)));
    }
    tracing::debug!(
        provider = PROVIDER,
        data_center = result.data_center_id.as_deref().unwrap_or("?"),
        api_root = %root,
        "discovered API root"
    );
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::from(s.as_str()), s);
        }
        assert_eq!(Scope::from("future"), Scope::Other("future".into()));
    }

    #[test]
    fn credentials_from_lookup() {
        let c = Credentials::from_lookup(|n| Some(format!("{n}-value"))).unwrap();
        assert_eq!(c.client_id.as_str(), "XINK_CLIENT_ID-value");
        let e = Credentials::from_lookup(|n| (n == ENV_CLIENT_ID).then(|| "id".to_owned()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("XINK_CLIENT_SECRET missing"), "{e}");
        let e = Credentials::from_lookup(|_| Some("  ".into())).unwrap_err();
        assert!(
            e.to_string()
                .contains("XINK_CLIENT_ID and XINK_CLIENT_SECRET"),
            "{e}"
        );
    }

    #[test]
    fn builder_rejects_bad_configuration() {
        let e = crate::Client::builder()
            .credentials("id", "")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("client secret is empty"), "{e}");
        let e = crate::Client::builder()
            .credentials("id", "s")
            .scopes(["employee read"])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("invalid scope"), "{e}");
        let e = crate::Client::builder()
            .credentials("id", "s")
            .auth_url("http://auth.xink.io")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("must use https"), "{e}");
    }
}
