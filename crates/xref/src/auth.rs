//! Xref's account-level authorization code flow, per-account tokens, and the hooks that send them.
//!
//! * [`Connector::authorize_url`] builds `https://login.xref.com/oauth/open-api/{client_id}?state=…`
//!   with a fresh random `state`, remembered server-side ([`sdk_auth::PendingStates`]), and
//!   returns the state too: keep it in the visitor's session (e.g. an `HttpOnly` cookie).
//! * [`Connector::handle_callback`] checks the redirect's `state` twice — equal (constant time)
//!   to the one kept in *this visitor's* session, and issued by this connector, unused and
//!   unexpired — so a state issued to one visitor cannot complete another visitor's callback
//!   (login CSRF). Then it handles Xref's `error`, exchanges the `code` (JSON body with the
//!   client secret) for the account's token, and stores it in the [`TokenStore`] under the
//!   account's namespaced key ([`sdk_auth::store_key`]).
//! * [`Connector::client`] gives a [`Client`](crate::Client) for one account: every call carries
//!   `Authorization: Token <access_token>`.
//! * Xref tokens cannot be refreshed. A call answered 401 is an error that
//!   [needs re-authorization](sdk_auth::Error::needs_reauthorization) and names the account
//!   ([`sdk_auth::Error::subject`]); later calls on that account fail at once, without a request,
//!   until a new authorization stores a new token.

use crate::region::Region;
use futures::future::BoxFuture;
use sdk_auth::{
    AuthHooks, AuthScheme, Error, ErrorKind, Expiring, PendingStates, RefreshPolicy, RetryPolicy,
    Session, StoredToken, Timeouts, Token, TokenCache, TokenStore,
};
pub use sdk_auth::{ClientId, ClientSecret};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// The provider name in errors and logs.
pub const PROVIDER: &str = "xref";
/// How long a user has to come back from Xref's login page (Xref's codes live 5 minutes).
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(10 * 60);

/// Environment variable holding the partner client id.
pub const ENV_CLIENT_ID: &str = "XREF_CLIENT_ID";
/// Environment variable holding the partner client secret.
pub const ENV_CLIENT_SECRET: &str = "XREF_CLIENT_SECRET";
/// Environment variable holding the registered redirect URL.
pub const ENV_REDIRECT_URL: &str = "XREF_REDIRECT_URL";

/// A partner registration: client id, client secret, and the registered redirect URL.
#[derive(Clone, Debug)]
pub struct XrefApp {
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_url: Url,
}

impl XrefApp {
    /// The registration Xref gave you. The redirect URL must be `https` (Xref requires it):
    /// anything else is a configuration error, before anything is sent.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_url: &str,
    ) -> Result<Self, Error> {
        let ctx = |e: Error| e.with_provider(PROVIDER);
        let client_id = ClientId::new(client_id);
        if client_id.as_str().trim().is_empty() {
            return Err(ctx(Error::config("the Xref client id is empty")));
        }
        if client_id.as_str().contains(['/', '?', '#']) {
            return Err(ctx(Error::config(
                "the Xref client id contains `/`, `?` or `#`",
            )));
        }
        let client_secret = ClientSecret::new(client_secret);
        if client_secret.secret().is_empty() {
            return Err(ctx(Error::config("the Xref client secret is empty")));
        }
        let redirect_url = Url::parse(redirect_url).map_err(|e| {
            ctx(Error::config(format!(
                "the redirect URL is not a valid URL: {e}"
            )))
        })?;
        if redirect_url.scheme() != "https" {
            return Err(ctx(Error::config(format!(
                "the registered redirect URL must use https (got {}://); Xref requires it",
                redirect_url.scheme()
            ))));
        }
        Ok(Self {
            client_id,
            client_secret,
            redirect_url,
        })
    }

    /// The registration from the environment: [`ENV_CLIENT_ID`], [`ENV_CLIENT_SECRET`] and
    /// [`ENV_REDIRECT_URL`]. A missing variable is a configuration error naming it.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`XrefApp::from_env`] with another source of variables (tests, a secrets manager).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Error::config(format!("{name} is not set")).with_provider(PROVIDER))
        };
        Self::new(
            get(ENV_CLIENT_ID)?,
            get(ENV_CLIENT_SECRET)?,
            &get(ENV_REDIRECT_URL)?,
        )
    }

    /// The registered redirect URL.
    pub fn redirect_url(&self) -> &Url {
        &self.redirect_url
    }
}

/// An account connected by [`Connector::handle_callback`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectedAccount {
    /// Xref's id of the account (the token store's key).
    pub xref_account_id: String,
}

fn http_client(
    builder: reqwest::ClientBuilder,
    timeouts: &Timeouts,
) -> Result<reqwest::Client, Error> {
    sdk_auth::http::client_from(
        builder,
        concat!("xref-sdk/", env!("CARGO_PKG_VERSION")),
        timeouts,
    )
}

fn default_http(timeouts: &Timeouts) -> Result<reqwest::Client, Error> {
    http_client(reqwest::Client::builder(), timeouts)
}

/// The store key of an Xref account's token: namespaced by provider and partner client id.
pub fn account_store_key(client_id: &str, xref_account_id: &str) -> String {
    sdk_auth::store_key(PROVIDER, client_id, xref_account_id)
}

/// A started authorization: the URL to send the visitor to, and the state to keep in the
/// visitor's session until the callback. `Debug` hides the state.
pub struct Authorization {
    url: Url,
    state: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authorization([redacted])")
    }
}

impl Authorization {
    /// Where to send the visitor.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The CSRF state: keep it in this visitor's session (an `HttpOnly`, `Secure`,
    /// `SameSite=Lax` cookie, or a server-side session) and give it to
    /// [`Connector::handle_callback`].
    pub fn state(&self) -> &str {
        &self.state
    }
}

/// The whole flow for one partner registration: authorize URL, callback, per-account clients.
/// Share one `Connector` (behind an `Arc`) between the "connect" and the callback handlers.
pub struct Connector {
    app: XrefApp,
    region: Region,
    /// The HTTP client, or why it could not be built (reported by the first call that needs
    /// it, so that every setter returns `Self`).
    http: Result<reqwest::Client, Error>,
    store: Arc<dyn TokenStore>,
    states: PendingStates,
    retry: RetryPolicy,
    timeouts: Timeouts,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("app", &self.app)
            .field("region", &self.region)
            .field("states", &self.states)
            .finish()
    }
}

impl Connector {
    /// A connector for `app`, keeping account tokens in `store`.
    pub fn new(app: XrefApp, store: Arc<dyn TokenStore>) -> Result<Self, Error> {
        Ok(Self {
            app,
            region: Region::Production,
            http: Ok(default_http(&Timeouts::default())?),
            store,
            states: PendingStates::new(DEFAULT_STATE_TTL),
            retry: RetryPolicy::standard(),
            timeouts: Timeouts::default(),
        })
    }

    /// When per-account clients retry (default [`RetryPolicy::standard`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeouts of per-account clients and of the code exchange (default
    /// [`Timeouts::default`]). Replaces the HTTP client with one built for them: call it
    /// before [`http_client`](Self::http_client).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self.http = default_http(&timeouts);
        self
    }

    /// Other hosts (tests, proxies).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Your own `reqwest::ClientBuilder` (proxies, TLS roots). The SDK builds the client from
    /// it with redirects off (the client secret and codes never follow one) and the
    /// [`timeouts`](Self::timeouts) on every request. A builder that cannot be built is
    /// reported by the first call that needs the client.
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = http_client(http, &self.timeouts).map_err(|e| e.with_provider(PROVIDER));
        self
    }

    fn http(&self) -> Result<&reqwest::Client, Error> {
        self.http.as_ref().map_err(Clone::clone)
    }

    /// How states are kept (e.g. another lifetime, or a test clock).
    pub fn states(mut self, states: PendingStates) -> Self {
        self.states = states;
        self
    }

    /// Starts a connection: the URL to send the visitor to
    /// (`<login>/oauth/open-api/{client_id}?state=<fresh random state>`) and the state, which
    /// the app keeps in this visitor's session for [`handle_callback`](Self::handle_callback).
    pub fn authorize_url(&self) -> Result<Authorization, Error> {
        let state = self.states.issue().map_err(|e| e.with_provider(PROVIDER))?;
        let mut url = sdk_auth::http::join(&self.region.login_url(), "oauth/open-api")?;
        url.path_segments_mut()
            .map_err(|_| Error::config("the login URL cannot take a path"))?
            .push(self.app.client_id.as_str());
        url.query_pairs_mut().append_pair("state", &state);
        Ok(Authorization { url, state })
    }

    /// [`authorize_url`](Self::authorize_url) for a fleet: the state is also kept in the
    /// connector's token store as a single-use record (expiring with the state), so that
    /// whichever instance receives the redirect accepts it in
    /// [`handle_callback`](Self::handle_callback). The session binding still applies.
    pub async fn begin(&self) -> Result<Authorization, Error> {
        let auth = self.authorize_url()?;
        // The store is the only record of this state: an instance-local copy would let this
        // instance accept it again after another one used it.
        self.states
            .consume(&auth.state)
            .map_err(|e| e.with_provider(PROVIDER))?;
        self.store
            .put_record(
                &self.pending_key(&auth.state),
                b"xref-state".to_vec(),
                self.states.ttl(),
            )
            .await
            .map_err(|e| e.with_provider(PROVIDER).with_operation("authorize"))?;
        Ok(auth)
    }

    fn pending_key(&self, state: &str) -> String {
        sdk_auth::pending_key(PROVIDER, self.app.client_id.as_str(), state)
    }

    /// The store key of an account's token for this partner app ([`account_store_key`]).
    pub fn store_key(&self, xref_account_id: &str) -> String {
        account_store_key(self.app.client_id.as_str(), xref_account_id)
    }

    /// Handles the redirect back from Xref, given the redirect's query string
    /// (`state=…&code=…`, or `…&error=…`) and the state kept in this visitor's session by
    /// [`authorize_url`](Self::authorize_url): the returned state must equal the session's
    /// (constant time) and be one this connector issued, unused and unexpired; then the code is
    /// exchanged and the token stored. A missing or different session state is an auth error
    /// with code [`sdk_auth::INVALID_STATE`], and nothing is sent.
    pub async fn handle_callback(
        &self,
        query: &str,
        session_state: &str,
    ) -> Result<ConnectedAccount, Error> {
        let ctx = |e: Error| e.with_provider(PROVIDER);
        let mut code = None;
        let mut state = None;
        let mut error = None;
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                _ => {}
            }
        }
        let invalid = |message: &str| {
            ctx(Error::new(ErrorKind::Auth, message.to_owned())
                .with_code(sdk_auth::INVALID_STATE)
                .with_operation("authorize"))
        };
        if let Some(state) = &state {
            if !sdk_auth::bound_to_session(state, session_state) {
                return Err(invalid(sdk_auth::NOT_THIS_SESSION));
            }
            // Issued by `authorize_url` here, or by `begin` on any instance sharing the store.
            if let Err(local) = self.states.consume(state) {
                let shared = self
                    .store
                    .take_record(&self.pending_key(state))
                    .await
                    .ok()
                    .flatten()
                    .is_some();
                if !shared {
                    return Err(ctx(local));
                }
            }
        }
        if let Some(error) = error {
            return Err(ctx(Error::new(
                ErrorKind::Auth,
                "the connection was refused or failed at Xref",
            )
            .with_code(error)
            .with_operation("authorize")
            .with_reauthorize()));
        }
        if state.is_none() {
            return Err(invalid("the redirect carries no state"));
        }
        let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
            ctx(Error::new(ErrorKind::Auth, "the redirect carries no code")
                .with_operation("authorize"))
        })?;
        self.exchange_code(&code).await
    }

    /// [`handle_callback`](Self::handle_callback) from the full redirect URL.
    pub async fn handle_callback_url(
        &self,
        redirect: &Url,
        session_state: &str,
    ) -> Result<ConnectedAccount, Error> {
        self.handle_callback(redirect.query().unwrap_or(""), session_state)
            .await
    }

    async fn exchange_code(&self, code: &str) -> Result<ConnectedAccount, Error> {
        let ctx = |e: Error| e.with_provider(PROVIDER).with_operation("create_token");
        let url = sdk_auth::http::join(&self.region.api_url(), "oauth/tokens").map_err(ctx)?;
        sdk_auth::http::ensure_secure(&url, "Xref API URL").map_err(ctx)?;
        let body = serde_json::json!({
            "client_id": self.app.client_id.as_str(),
            "client_secret": self.app.client_secret.secret(),
            "code": code,
        });
        let secrets = sdk_auth::Redactor::new();
        secrets.add(self.app.client_secret.secret());
        secrets.add(code);
        let request = self
            .http()
            .map_err(ctx)?
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body);
        // The code is single-use: never resent once it may have reached Xref.
        let response = sdk_auth::http::send_single_use(
            request,
            &self.retry,
            &self.timeouts,
            "authorization code",
        )
        .await
        .map_err(|e| ctx(secrets.redact_error(e)))?;
        let (status, bytes, _) = sdk_auth::http::read_success(response).await.map_err(|e| {
            // A bad, expired or reused code: the user has to connect again.
            let e = sdk_auth::http::refused_as_auth(secrets.redact_error(e));
            ctx(if e.is_auth() { e.with_reauthorize() } else { e })
        })?;
        let (token, account) =
            parse_token_response(&bytes).map_err(|e| ctx(e.with_status(status)))?;
        let stored = StoredToken::new(token.access_token.secret()).with_subject(account.clone());
        self.store
            .put(&self.store_key(&account), stored)
            .await
            .map_err(ctx)?;
        tracing::debug!(provider = PROVIDER, "account connected");
        Ok(ConnectedAccount {
            xref_account_id: account,
        })
    }

    /// A client for one connected account.
    pub fn client(&self, xref_account_id: &str) -> Result<crate::Client, Error> {
        crate::Client::builder()
            .account(xref_account_id)
            .store(self.store.clone())
            .region(self.region.clone())
            .client_id(self.app.client_id.as_str())
            .built_http(self.http()?.clone())
            .retry(self.retry.clone())
            .timeouts(self.timeouts)
            .build()
    }
}

/// Parses Xref's token answer `{ "access_token": …, "xref_account_id": … }` (not RFC 6749: no
/// `token_type`, no `expires_in`). Unknown fields are ignored; the body is never echoed.
pub fn parse_token_response(body: &[u8]) -> Result<(Token, String), Error> {
    let value = sdk_auth::http::parse_json_object(body, "token response")?;
    let field = |name: &str| -> Result<String, Error> {
        match value.get(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) if name == "xref_account_id" => Ok(n.to_string()),
            Some(serde_json::Value::String(_)) => Err(Error::new(
                ErrorKind::Decode,
                format!("token response has an empty `{name}`"),
            )),
            Some(_) => Err(Error::new(
                ErrorKind::Decode,
                format!("token response `{name}` is not a string"),
            )),
            None => Err(Error::new(
                ErrorKind::Decode,
                format!("token response has no `{name}`"),
            )),
        }
    };
    let token = Token::new(field("access_token")?);
    let account = field("xref_account_id")?;
    Ok((token, account))
}

/// Hands out the stored token of one account; after Xref rejected it, refuses to hand it out
/// again (there is nothing to refresh with).
struct AccountTokens {
    store: Arc<dyn TokenStore>,
    account: String,
    key: String,
    handed_out: Mutex<Option<String>>,
}

impl AccountTokens {
    async fn fetch(&self) -> Result<Token, Error> {
        let ctx = |e: Error| {
            e.with_provider(PROVIDER)
                .with_operation("load_token")
                .with_subject(self.account.clone())
        };
        let stored = self
            .store
            .get(&self.key)
            .await
            .map_err(ctx)?
            .ok_or_else(|| {
                ctx(Error::new(
                    ErrorKind::Auth,
                    "no token stored for this Xref account: connect it first",
                )
                .with_reauthorize())
            })?;
        let mut last = self.handed_out.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_deref() == Some(stored.access_token.secret()) {
            // The cache only asks again after Xref rejected the token (it never expires).
            return Err(ctx(Error::new(
                ErrorKind::Auth,
                "Xref rejected this account's token; connect the account again",
            )
            .with_reauthorize()));
        }
        *last = Some(stored.access_token.secret().to_owned());
        Ok(Token::new(stored.access_token.secret()))
    }
}

/// The client's inner state. `Debug` shows no secret.
#[derive(Clone)]
pub struct AuthState {
    pub(crate) hooks: AuthHooks,
    pub(crate) account: String,
    pub(crate) key: String,
    pub(crate) store: Arc<dyn TokenStore>,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("account", &self.account)
            .field("hooks", &self.hooks)
            .finish()
    }
}

impl AuthState {
    /// The account this client acts for.
    pub fn xref_account_id(&self) -> &str {
        &self.account
    }
}

sdk_auth::client_hooks!(crate::Client, AuthState);

/// Builds a [`Client`](crate::Client) for one account from a stored token.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    account: Option<String>,
    store: Option<Arc<dyn TokenStore>>,
    region: Region,
    client_id: String,
    http: Option<reqwest::ClientBuilder>,
    built: Option<reqwest::Client>,
    retry: RetryPolicy,
    timeouts: Timeouts,
    max_body: Option<usize>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("account", &self.account)
            .field("region", &self.region)
            .finish()
    }
}

impl crate::Client {
    /// A builder for a per-account client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The account this client acts for.
    pub fn xref_account_id(&self) -> &str {
        &self.inner.account
    }
}

impl ClientBuilder {
    /// The Xref account (its `xref_account_id`, the store key).
    pub fn account(mut self, xref_account_id: impl Into<String>) -> Self {
        self.account = Some(xref_account_id.into());
        self
    }

    /// Where the account's token is stored.
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Other hosts (tests, proxies).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// The partner app's client id, which namespaces the store key ([`account_store_key`]);
    /// [`Connector::client`] sets it. Give the same id the connector was built with.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Your own `reqwest::ClientBuilder` (proxies, TLS roots). The SDK builds the client from
    /// it with redirects off (the token never follows one) and the [`timeouts`](Self::timeouts)
    /// on every request.
    pub fn http_client(mut self, http: reqwest::ClientBuilder) -> Self {
        self.http = Some(http);
        self
    }

    /// A client the SDK built already (the connector's).
    pub(crate) fn built_http(mut self, http: reqwest::Client) -> Self {
        self.built = Some(http);
        self
    }

    /// The most bytes of a success answer that are buffered (default 32 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// When to retry (default [`RetryPolicy::standard`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeouts (default [`Timeouts::default`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Builds the client (no network call; the token is read from the store on first use).
    pub fn build(self) -> Result<crate::Client, Error> {
        let ctx = |e: Error| e.with_provider(PROVIDER);
        let account = self
            .account
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                ctx(Error::config(
                    "no Xref account: call .account(xref_account_id)",
                ))
            })?;
        let store = self
            .store
            .ok_or_else(|| ctx(Error::config("no token store: call .store(..)")))?;
        let http = match (self.built, self.http) {
            (Some(built), _) => built,
            (None, builder) => {
                http_client(builder.unwrap_or_default(), &self.timeouts).map_err(ctx)?
            }
        };
        if self.client_id.trim().is_empty() {
            return Err(ctx(Error::config(
                "no client id: call .client_id(<your partner app's client id>), the id the \
                 account was connected with; it namespaces the store key \
                 (`sdk/xref/<client id>/<account>`). Connector::client(account) sets it for you",
            )));
        }
        let key = account_store_key(&self.client_id, &account);
        let api_root = self.region.api_url();
        sdk_auth::http::ensure_secure(&api_root, "Xref API URL").map_err(ctx)?;
        let tokens = Arc::new(AccountTokens {
            store: store.clone(),
            account: account.clone(),
            key: key.clone(),
            handed_out: Mutex::new(None),
        });
        let fetch = move || -> BoxFuture<'static, Result<Expiring<Session>, Error>> {
            let tokens = tokens.clone();
            let api_root = api_root.clone();
            Box::pin(async move {
                let token = tokens.fetch().await?;
                Ok(Expiring {
                    value: Session { token, api_root },
                    lifetime: None,
                })
            })
        };
        // No refresh exists: a 401 invalidates the token, the next fetch refuses it, and the
        // 401 comes back as a re-authorization error naming the account. Never a resend.
        let mut hooks = AuthHooks::new(PROVIDER, TokenCache::new(fetch, RefreshPolicy::default()))
            .scheme(AuthScheme::Token)
            .retry(self.retry)
            .timeouts(self.timeouts)
            .streaming_operations(crate::generated::STREAMING_OPERATIONS);
        if let Some(max) = self.max_body {
            hooks = hooks.max_success_body(max);
        }
        Ok(crate::Client::new_with_client(
            sdk_auth::API_ROOT_PLACEHOLDER,
            http,
            AuthState {
                hooks,
                account,
                key,
                store,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_validation() {
        let e = XrefApp::new("id", "secret", "http://partner.example/cb").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("must use https"), "{e}");
        assert!(XrefApp::new("", "s", "https://p.example/cb").is_err());
        assert!(XrefApp::new("id", "", "https://p.example/cb").is_err());
        assert!(XrefApp::new("a/b", "s", "https://p.example/cb").is_err());
        assert!(XrefApp::new("id", "s", "https://p.example/cb").is_ok());
    }

    #[test]
    fn token_response_parsing() {
        let (t, a) =
            parse_token_response(br#"{"access_token": "abc", "xref_account_id": "acc", "new": 1}"#)
                .unwrap();
        assert_eq!((t.access_token.secret(), a.as_str()), ("abc", "acc"));
        for (body, text) in [
            (&br#"{"xref_account_id": "a"}"#[..], "no `access_token`"),
            (br#"{"access_token": "canary-x"}"#, "no `xref_account_id`"),
            (
                br#"{"access_token": "", "xref_account_id": "a"}"#,
                "empty `access_token`",
            ),
            (
                br#"{"access_token": 5, "xref_account_id": "a"}"#,
                "`access_token` is not a string",
            ),
            (b"<html>", "HTML"),
            (b"", "is empty"),
        ] {
            let e = parse_token_response(body).unwrap_err();
            assert!(e.to_string().contains(text), "{e}");
            assert!(!e.to_string().contains("canary"));
        }
    }
}
