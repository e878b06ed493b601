//! [`SharedSessions`]: one token fetch for a whole fleet of processes that share credentials.

use crate::cache::Expiring;
use crate::error::Error;
use crate::hooks::Session;
use crate::store::{StoredToken, TokenStore};
use crate::token::Token;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// How long a fetching process holds the lease by default (it is released as soon as the
/// token is written; the time to live only matters when the holder dies).
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);
/// How long a process waits by default for the lease holder to write a token before it fetches
/// one itself (liveness over strictness).
pub const DEFAULT_SHARED_WAIT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// A client-credentials session (a token and its API root) shared through a [`TokenStore`] by
/// every process that uses the same credentials: Xink's token with its discovered root, XPKit's
/// token per region.
///
/// The process's [`TokenCache`](crate::TokenCache) stays the L1: calls never touch the store
/// while its token is fresh. When the cache needs a token, [`SharedSessions::fetch`]:
///
/// 1. adopts the stored session if it is fresh ([`StoredToken::adoptable`]: more than
///    [`SharedSessions::margin`] left, or a fifth of a shorter lifetime) and
///    not the one this process last handed out (that one was just rejected or is expiring);
/// 2. else takes the key's lease, reads again under it, and only then fetches from the provider
///    and writes the session for the others;
/// 3. else (another process holds the lease) polls the store for up to
///    [`SharedSessions::wait`], taking the lease itself if it comes free, and finally fetches on
///    its own if nothing came: a dead holder costs a few seconds, never a failed call.
///
/// A store that fails (down, slow, refusing) is logged at `warn` and bypassed: the process
/// fetches directly, as if it had no store.
pub struct SharedSessions {
    store: Arc<dyn TokenStore>,
    key: String,
    provider: Cow<'static, str>,
    lease_ttl: Duration,
    wait: Duration,
    margin: Duration,
    last: Mutex<Option<String>>,
}

impl std::fmt::Debug for SharedSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSessions")
            .field("key", &self.key)
            .field("lease_ttl", &self.lease_ttl)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl SharedSessions {
    /// Sessions of `provider` shared under `key` (see [`crate::store_key`]) of `store`.
    pub fn new(
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
        provider: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            store,
            key: key.into(),
            provider: provider.into(),
            lease_ttl: DEFAULT_LEASE_TTL,
            wait: DEFAULT_SHARED_WAIT,
            margin: Duration::from_secs(30),
            last: Mutex::new(None),
        }
    }

    /// The lease's time to live (default [`DEFAULT_LEASE_TTL`]).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// How long to wait for another process's fetch (default [`DEFAULT_SHARED_WAIT`]).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// A stored session is adopted with more than this left (default 30 s), or, for a
    /// session shorter than five times this, with more than a fifth of its lifetime left
    /// ([`StoredToken::adoptable`]).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    fn last(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn warn(&self, what: &str, e: &Error) {
        tracing::warn!(provider = %self.provider, error = %e, "token store {what}; fetching without it");
    }

    /// The stored session, if it can be adopted.
    async fn read(&self) -> Result<Option<Expiring<Session>>, Error> {
        let Some(stored) = self.store.get(&self.key).await? else {
            return Ok(None);
        };
        let now = SystemTime::now();
        let remaining = stored.remaining(now);
        let fresh = stored.adoptable(now, self.margin);
        let handed_out = self.last().as_deref() == Some(stored.access_token.secret());
        let Some(root) = stored
            .api_root
            .as_deref()
            .and_then(|r| url::Url::parse(r).ok())
        else {
            return Ok(None);
        };
        if !fresh || handed_out {
            return Ok(None);
        }
        *self.last() = Some(stored.access_token.secret().to_owned());
        let mut token = Token::new(stored.access_token.secret());
        token.expires_in = remaining;
        token.scope = stored.scope.clone();
        Ok(Some(Expiring {
            value: Session {
                token,
                api_root: root,
            },
            lifetime: remaining,
        }))
    }

    async fn write(&self, session: &Expiring<Session>) {
        let mut stored = StoredToken::from_token(&session.value.token, SystemTime::now());
        if stored.expires_at.is_none() {
            stored.expires_at = session
                .lifetime
                .map(|l| crate::http::saturating_add_system(SystemTime::now(), l));
        }
        stored.api_root = Some(session.value.api_root.to_string());
        if let Err(e) = self.store.put(&self.key, stored).await {
            self.warn("write failed", &e);
        }
    }

    fn handed(&self, session: Expiring<Session>) -> Expiring<Session> {
        *self.last() = Some(session.value.token.access_token.secret().to_owned());
        session
    }

    /// A session: the store's, the lease holder's, or `fetch`'s (see the type's docs).
    pub async fn fetch<F, Fut>(&self, fetch: F) -> Result<Expiring<Session>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Expiring<Session>, Error>>,
    {
        match self.read().await {
            Ok(Some(session)) => return Ok(session),
            Ok(None) => {}
            Err(e) => {
                self.warn("read failed", &e);
                return fetch().await.map(|s| self.handed(s));
            }
        }
        let deadline = crate::http::saturating_add(Instant::now(), self.wait);
        loop {
            match self.store.acquire_lease(&self.key, self.lease_ttl).await {
                Ok(Some(lease)) => {
                    // Read again under the lease: the previous holder may have just written.
                    if let Ok(Some(session)) = self.read().await {
                        let _ = self.store.release_lease(&lease).await;
                        return Ok(session);
                    }
                    let result = fetch().await;
                    if let Ok(session) = &result {
                        self.write(session).await;
                    }
                    if let Err(e) = self.store.release_lease(&lease).await {
                        self.warn("lease release failed", &e);
                    }
                    return result.map(|s| self.handed(s));
                }
                Ok(None) => {}
                Err(e) => {
                    self.warn("lease failed", &e);
                    return fetch().await.map(|s| self.handed(s));
                }
            }
            if Instant::now() >= deadline {
                tracing::warn!(provider = %self.provider, "no session appeared in the token store in time; fetching without the lease");
                let result = fetch().await;
                if let Ok(session) = &result {
                    self.write(session).await;
                }
                return result.map(|s| self.handed(s));
            }
            tokio::time::sleep(POLL).await;
            if let Ok(Some(session)) = self.read().await {
                return Ok(session);
            }
        }
    }
}
