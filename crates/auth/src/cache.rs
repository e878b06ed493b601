//! The token cache: hands out a valid credential, refreshes it ahead of expiry, single-flight.
//!
//! [`TokenCache<T>`] caches any credential `T` that a [`Fetch`] produces with a lifetime: a plain
//! [`Token`](crate::Token), or a [`Session`](crate::Session) (token + discovered API root) for
//! providers with discovery, so that a call never pairs a token with a root it does not belong to.
//!
//! * **Refresh ahead.** A credential is refreshed `margin` before it expires, where `margin` is a
//!   fraction of its lifetime, capped, minus a little random jitter so that a fleet of processes
//!   does not refresh in the same second ([`RefreshPolicy`]).
//! * **Single flight.** However many callers arrive while no valid credential is cached, exactly
//!   one fetch runs; every caller awaits the same result.
//! * **Background refresh.** Inside the refresh window the refresh runs on a background task
//!   (when a tokio runtime is available) and callers keep getting the still-valid credential:
//!   nobody waits for a refresh while the old credential works.
//! * **Failures.** A failed refresh is not retried for [`RefreshPolicy::retry_interval`]; when no
//!   valid credential is left, the failure (transient, or credentials refused) is returned to
//!   every caller in that interval without a new request. A *permanent* failure stops
//!   background refreshes until the old credential expires. A fetch that panics becomes an
//!   error for its waiters and is not remembered: the next caller starts a new fetch.
//! * **Invalidation.** After the provider rejects a credential (401/403), [`TokenCache::invalidate_if`]
//!   drops it, but only if it is still the cached one: a hundred concurrent 401s on the same stale
//!   token cause one refresh, not a hundred. A replacement that is rejected again within the
//!   retry interval is kept, so a resource that always answers 401 costs one extra token
//!   request per interval, not one per call.
//! * **Time** comes from a [`Clock`]: [`SystemClock`] normally, [`ManualClock`] in tests.

use crate::error::Error;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Now.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to: for tests of expiry and refresh.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        })
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset = offset.saturating_add(by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        crate::http::saturating_add(
            self.start,
            *self.offset.lock().unwrap_or_else(|p| p.into_inner()),
        )
    }
}

/// When to refresh a cached credential:
/// `RefreshPolicy::default().max_margin(Duration::from_secs(60))`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Refresh this fraction of the lifetime before expiry (default 0.1)...
    pub fraction: f64,
    /// ...but never more than this long before expiry (default 5 minutes)...
    pub max_margin: Duration,
    /// ...and never less than this (default 10 seconds), unless the lifetime itself is shorter.
    pub min_margin: Duration,
    /// Up to this fraction of the margin is added at random (default 0.2), so that many
    /// processes do not refresh at once. 0 disables jitter.
    pub jitter: f64,
    /// Lifetime assumed when the provider does not say (`None`: valid until invalidated).
    pub default_lifetime: Option<Duration>,
    /// After a failed refresh while the old credential is still valid, wait this long before
    /// trying again (default 5 seconds).
    pub retry_interval: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            fraction: 0.1,
            max_margin: Duration::from_secs(300),
            min_margin: Duration::from_secs(10),
            jitter: 0.2,
            default_lifetime: None,
            retry_interval: Duration::from_secs(5),
        }
    }
}

impl RefreshPolicy {
    /// The policy without jitter (deterministic: for tests).
    pub fn without_jitter(mut self) -> Self {
        self.jitter = 0.0;
        self
    }

    /// The policy with a default lifetime for credentials whose lifetime is unknown.
    pub fn default_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// How long before expiry a credential of `lifetime` is refreshed.
    pub fn margin(&self, lifetime: Duration) -> Duration {
        let fraction = if self.fraction.is_finite() {
            self.fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut margin = lifetime
            .mul_f64(fraction)
            .clamp(self.min_margin.min(self.max_margin), self.max_margin);
        if self.jitter > 0.0 && self.jitter.is_finite() {
            margin = margin.saturating_add(margin.mul_f64(self.jitter.min(1.0) * fastrand::f64()));
        }
        // Never refresh before half the lifetime has passed.
        margin.min(lifetime / 2)
    }
}

/// A credential with the lifetime it was issued with.
#[derive(Debug)]
pub struct Expiring<T> {
    /// The credential.
    pub value: T,
    /// Its lifetime from now; `None` when unknown.
    pub lifetime: Option<Duration>,
}

/// Something that produces a fresh credential.
pub trait Fetch<T>: Send + Sync + 'static {
    /// Fetches a fresh credential.
    fn fetch(&self) -> BoxFuture<'static, Result<Expiring<T>, Error>>;
}

impl<T, F> Fetch<T> for F
where
    F: Fn() -> BoxFuture<'static, Result<Expiring<T>, Error>> + Send + Sync + 'static,
{
    fn fetch(&self) -> BoxFuture<'static, Result<Expiring<T>, Error>> {
        self()
    }
}

struct Entry<T> {
    value: Arc<T>,
    fetched_at: Instant,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
}

impl<T> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            fetched_at: self.fetched_at,
            refresh_at: self.refresh_at,
            expires_at: self.expires_at,
        }
    }
}

type Inflight<T> = Shared<BoxFuture<'static, Result<Arc<T>, Error>>>;

struct State<T> {
    current: Option<Entry<T>>,
    inflight: Option<Inflight<T>>,
    last_failure: Option<(Instant, Error)>,
    /// When the provider last rejected a cached credential that was then dropped.
    last_rejection: Option<Instant>,
    fetches: u64,
}

struct Inner<T> {
    fetch: Box<dyn Fetch<T>>,
    policy: RefreshPolicy,
    clock: Arc<dyn Clock>,
    state: Mutex<State<T>>,
    /// Whether a rejection is remembered (so that the per-call [`TokenCache::accepted`] is one
    /// atomic load when nothing was rejected).
    rejection_armed: std::sync::atomic::AtomicBool,
}

/// A cache of one credential. Cheap to clone (clones share the cache).
pub struct TokenCache<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for TokenCache<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> std::fmt::Debug for TokenCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("TokenCache")
            .field("cached", &state.current.is_some())
            .field("fetches", &state.fetches)
            .field("policy", &self.inner.policy)
            .finish()
    }
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The lock is never held across an await or a user callback that could panic midway
        // through an update, so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T: Send + Sync + 'static> TokenCache<T> {
    /// A cache over `fetch` with the system clock.
    pub fn new(fetch: impl Fetch<T>, policy: RefreshPolicy) -> Self {
        Self::with_clock(fetch, policy, Arc::new(SystemClock))
    }

    /// A cache over `fetch` with a given clock.
    pub fn with_clock(fetch: impl Fetch<T>, policy: RefreshPolicy, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                fetch: Box::new(fetch),
                policy,
                clock,
                state: Mutex::new(State {
                    current: None,
                    inflight: None,
                    last_failure: None,
                    last_rejection: None,
                    fetches: 0,
                }),
                rejection_armed: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// The cached credential when it needs nothing (valid, not yet due for refresh): the
    /// synchronous fast path of [`get`](Self::get), without a future or a timer.
    pub fn ready(&self) -> Option<Arc<T>> {
        let state = self.inner.lock();
        let entry = state.current.as_ref()?;
        let now = self.inner.clock.now();
        let fresh = entry.expires_at.is_none_or(|at| now < at)
            && entry.refresh_at.is_none_or(|at| now < at);
        fresh.then(|| entry.value.clone())
    }

    /// A valid credential: the cached one, or a fresh one.
    pub async fn get(&self) -> Result<Arc<T>, Error> {
        enum Next<T> {
            Done(Result<Arc<T>, Error>),
            /// Refresh now (no runtime for a background task); fall back to `old` on a
            /// transient failure.
            Inline(Inflight<T>, Arc<T>),
            Wait(Inflight<T>),
        }
        let next = {
            let mut state = self.inner.lock();
            let now = self.inner.clock.now();
            let recent_failure: Option<Error> = state
                .last_failure
                .as_ref()
                .filter(|(at, _)| {
                    now.saturating_duration_since(*at) < self.inner.policy.retry_interval
                })
                .map(|(_, e)| e.clone());
            let refused = state
                .last_failure
                .as_ref()
                .is_some_and(|(_, e)| !e.is_transient());
            let mut next = None;
            if let Some(entry) = &state.current {
                let expired = entry.expires_at.is_some_and(|at| now >= at);
                let due = entry.refresh_at.is_some_and(|at| now >= at);
                let old = entry.value.clone();
                if !expired && !due {
                    next = Some(Next::Done(Ok(old)));
                } else if !expired {
                    // Inside the refresh window: the old credential still works.
                    if recent_failure.is_some() || refused || state.inflight.is_some() {
                        next = Some(Next::Done(Ok(old)));
                    } else {
                        let fetch = self.start_fetch();
                        state.inflight = Some(fetch.clone());
                        next = Some(match tokio::runtime::Handle::try_current() {
                            Ok(handle) => {
                                handle.spawn(async move {
                                    if let Err(e) = fetch.await {
                                        tracing::warn!(error = %e, transient = e.is_transient(), "background token refresh failed; the current token stays in use until it expires");
                                    }
                                });
                                Next::Done(Ok(old))
                            }
                            Err(_) => Next::Inline(fetch, old),
                        });
                    }
                } else {
                    state.current = None;
                }
            }
            match next {
                Some(next) => next,
                // A recent failure, transient or not (credentials refused), is answered from
                // memory for the retry interval: no token request per call.
                None => match recent_failure {
                    Some(e) => Next::Done(Err(e)),
                    _ => Next::Wait(match &state.inflight {
                        Some(f) => f.clone(),
                        None => {
                            let f = self.start_fetch();
                            state.inflight = Some(f.clone());
                            f
                        }
                    }),
                },
            }
        };
        match next {
            Next::Done(result) => result,
            Next::Wait(fetch) => fetch.await,
            Next::Inline(fetch, old) => match fetch.await {
                Err(e) if e.is_transient() => Ok(old),
                other => other,
            },
        }
    }

    fn start_fetch(&self) -> Inflight<T> {
        let inner = self.inner.clone();
        // A fetch (or a store it reads) that panics must not poison the cache: the panic becomes
        // an error for the callers waiting on it, and the next caller starts a new fetch.
        let fetch = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.fetch.fetch()))
            .unwrap_or_else(|_| Box::pin(async { Err(fetch_panicked()) }));
        async move {
            let started = inner.clock.now();
            let result = std::panic::AssertUnwindSafe(fetch)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(fetch_panicked()));
            let mut state = inner.lock();
            state.inflight = None;
            state.fetches += 1;
            match result {
                Ok(Expiring { value, lifetime }) => {
                    let lifetime = lifetime.or(inner.policy.default_lifetime);
                    let value = Arc::new(value);
                    state.current = Some(Entry {
                        value: value.clone(),
                        fetched_at: started,
                        refresh_at: lifetime
                            .and_then(|l| started.checked_add(l - inner.policy.margin(l))),
                        expires_at: lifetime.and_then(|l| started.checked_add(l)),
                    });
                    state.last_failure = None;
                    Ok(value)
                }
                // Remembered for the retry interval, except a panic (the next caller tries anew)
                // and a re-authorization verdict, which its source re-checks cheaply against
                // the store, so that a new authorization works at once.
                Err(e) if e.code() == Some(FETCH_PANICKED) || e.needs_reauthorization() => Err(e),
                Err(e) => {
                    state.last_failure = Some((inner.clock.now(), e.clone()));
                    Err(e)
                }
            }
        }
        .boxed()
        .shared()
    }

    /// Drops the cached credential if `rejected` says it is the one the provider rejected.
    /// Returns whether it was dropped.
    ///
    /// A credential fetched *after* the last rejection and rejected again within
    /// [`RefreshPolicy::retry_interval`] is kept: the provider refuses the credentials rather
    /// than one token, and fetching a new token for every call would only hammer the token
    /// endpoint. After the interval a rejection drops it again.
    pub fn invalidate_if(&self, rejected: impl FnOnce(&T) -> bool) -> bool {
        let mut state = self.inner.lock();
        let now = self.inner.clock.now();
        let Some(entry) = state.current.as_ref() else {
            return false;
        };
        if !rejected(&entry.value) {
            return false;
        }
        if let Some(at) = state.last_rejection
            && entry.fetched_at >= at
            && now.saturating_duration_since(at) < self.inner.policy.retry_interval
        {
            return false;
        }
        state.current = None;
        // A rejection is new information: the next caller fetches at once.
        state.last_failure = None;
        state.last_rejection = Some(now);
        self.inner
            .rejection_armed
            .store(true, std::sync::atomic::Ordering::Release);
        true
    }

    /// The provider accepted the cached credential: a later rejection of it invalidates it at
    /// once again (the protection of [`invalidate_if`](Self::invalidate_if) is only for a
    /// replacement that never worked).
    pub fn accepted(&self) {
        use std::sync::atomic::Ordering;
        if self.inner.rejection_armed.swap(false, Ordering::AcqRel) {
            self.inner.lock().last_rejection = None;
        }
    }

    /// Drops the cached credential, whatever it is, and forgets recent failures and rejections.
    pub fn invalidate(&self) {
        let mut state = self.inner.lock();
        state.current = None;
        state.last_failure = None;
        state.last_rejection = None;
        self.inner
            .rejection_armed
            .store(false, std::sync::atomic::Ordering::Release);
    }

    /// How many fetches have completed (successfully or not).
    pub fn fetch_count(&self) -> u64 {
        self.inner.lock().fetches
    }

    /// The clock the cache uses.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }
}

/// The error code of a fetch that panicked.
pub const FETCH_PANICKED: &str = "fetch_panicked";

fn fetch_panicked() -> Error {
    Error::new(
        crate::ErrorKind::Config,
        "getting a token panicked (a bug in a token source or token store); the next call tries again",
    )
    .with_code(FETCH_PANICKED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fetcher that counts calls and returns `token-N` with the given lifetime, or errors from
    /// a script.
    fn counting(
        lifetime: Option<Duration>,
        script: Arc<Mutex<Vec<Result<(), Error>>>>,
    ) -> (Arc<AtomicUsize>, impl Fetch<String>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let fetch = move || -> BoxFuture<'static, Result<Expiring<String>, Error>> {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            let step = script.lock().unwrap().pop();
            Box::pin(async move {
                tokio::task::yield_now().await;
                match step {
                    Some(Err(e)) => Err(e),
                    _ => Ok(Expiring {
                        value: format!("token-{n}"),
                        lifetime,
                    }),
                }
            })
        };
        (calls, fetch)
    }

    fn policy() -> RefreshPolicy {
        RefreshPolicy::default().without_jitter()
    }

    /// Lets background refresh tasks run (current-thread runtime).
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn reuses_then_refreshes_ahead_of_expiry_in_the_background() {
        let clock = ManualClock::new();
        let (calls, fetch) = counting(Some(Duration::from_secs(3600)), Default::default());
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        clock.advance(Duration::from_secs(3299));
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // margin = min(10% of 3600 s, 5 min) = 300 s: refreshed from 3300 s on, in the
        // background; the caller gets the still-valid token without waiting.
        clock.advance(Duration::from_secs(1));
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "refresh started");
        settle().await;
        assert_eq!(*cache.get().await.unwrap(), "token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn expired_credential_is_never_served() {
        let clock = ManualClock::new();
        let script = Arc::new(Mutex::new(vec![Err(Error::new(
            ErrorKind::Transport,
            "down",
        ))]));
        let (_, fetch) = counting(Some(Duration::from_secs(60)), Default::default());
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        cache.get().await.unwrap();
        clock.advance(Duration::from_secs(61));
        assert_eq!(*cache.get().await.unwrap(), "token-2");
        // With the fetch failing after expiry, the error comes back.
        let (_, fetch) = counting(Some(Duration::from_secs(60)), script);
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        assert_eq!(cache.get().await.unwrap_err().kind(), ErrorKind::Transport);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_flight_under_concurrency() {
        let (calls, fetch) = counting(Some(Duration::from_secs(3600)), Default::default());
        let cache = TokenCache::new(fetch, policy());
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let c = cache.clone();
                tokio::spawn(async move { c.get().await.map(|t| (*t).clone()) })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "token-1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failing_fetch_is_shared_by_concurrent_callers() {
        let gate = Arc::new(tokio::sync::Notify::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let (g, c) = (gate.clone(), calls.clone());
        let fetch = move || -> BoxFuture<'static, Result<Expiring<String>, Error>> {
            c.fetch_add(1, Ordering::SeqCst);
            let g = g.clone();
            Box::pin(async move {
                g.notified().await;
                Err(Error::new(ErrorKind::Auth, "refused"))
            })
        };
        let cache = TokenCache::new(fetch, policy());
        let callers = futures::future::join_all((0..50).map(|_| cache.get()));
        let release = async {
            for _ in 0..10 {
                tokio::task::yield_now().await;
            }
            gate.notify_one();
        };
        let (results, ()) = futures::join!(callers, release);
        assert!(results.iter().all(|r| r.as_ref().unwrap_err().is_auth()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn transient_refresh_failure_keeps_valid_token_and_backs_off() {
        let clock = ManualClock::new();
        let script = Arc::new(Mutex::new(Vec::new()));
        let (calls, fetch) = counting(Some(Duration::from_secs(3600)), script.clone());
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        cache.get().await.unwrap();
        clock.advance(Duration::from_secs(3400));
        script
            .lock()
            .unwrap()
            .push(Err(Error::new(ErrorKind::Api, "down").with_status(503)));
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Within the retry interval: no new attempt, the valid token is served.
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        clock.advance(Duration::from_secs(5));
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(*cache.get().await.unwrap(), "token-3");
    }

    #[tokio::test]
    async fn permanent_refresh_failure_stops_background_refresh_and_is_reported_at_expiry() {
        let clock = ManualClock::new();
        let script = Arc::new(Mutex::new(Vec::new()));
        let (calls, fetch) = counting(Some(Duration::from_secs(3600)), script.clone());
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        cache.get().await.unwrap();
        clock.advance(Duration::from_secs(3400));
        let refused = || Err(Error::new(ErrorKind::Auth, "invalid_client").with_status(400));
        script.lock().unwrap().extend([refused(), refused()]);
        assert_eq!(*cache.get().await.unwrap(), "token-1");
        settle().await;
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        clock.advance(Duration::from_secs(100));
        assert_eq!(*cache.get().await.unwrap(), "token-1", "valid until expiry");
        settle().await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "refused credentials are not retried in the background"
        );
        clock.advance(Duration::from_secs(101));
        assert!(
            cache.get().await.unwrap_err().is_auth(),
            "reported once the token expired"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn transient_failure_without_a_token_is_not_refetched_at_once() {
        let clock = ManualClock::new();
        let script = Arc::new(Mutex::new(vec![Err(Error::new(
            ErrorKind::Transport,
            "refused",
        ))]));
        let (calls, fetch) = counting(None, script);
        let cache = TokenCache::with_clock(fetch, policy(), clock.clone());
        assert_eq!(cache.get().await.unwrap_err().kind(), ErrorKind::Transport);
        assert_eq!(cache.get().await.unwrap_err().kind(), ErrorKind::Transport);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "minimum interval between failed attempts"
        );
        clock.advance(Duration::from_secs(5));
        assert_eq!(*cache.get().await.unwrap(), "token-2");
    }

    #[tokio::test]
    async fn invalidate_only_the_rejected_credential() {
        let (calls, fetch) = counting(None, Default::default());
        let cache = TokenCache::new(fetch, policy());
        let first = cache.get().await.unwrap();
        assert!(cache.invalidate_if(|t| *t == *first));
        let second = cache.get().await.unwrap();
        assert_eq!(*second, "token-2");
        // A late 401 for the first token must not drop the second.
        assert!(!cache.invalidate_if(|t| *t == *first));
        assert_eq!(*cache.get().await.unwrap(), "token-2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn margin_is_a_capped_fraction() {
        let p = policy();
        assert_eq!(
            p.margin(Duration::from_secs(7200)),
            Duration::from_secs(300)
        );
        assert_eq!(p.margin(Duration::from_secs(900)), Duration::from_secs(90));
        assert_eq!(p.margin(Duration::from_secs(60)), Duration::from_secs(10));
        assert_eq!(p.margin(Duration::from_secs(4)), Duration::from_secs(2));
        let jittered = RefreshPolicy::default().margin(Duration::from_secs(7200));
        assert!(jittered >= Duration::from_secs(300) && jittered <= Duration::from_secs(360));
    }
}

with_setters!(RefreshPolicy {
    /// Sets [`fraction`](Self::fraction).
    fraction: fraction: f64 => fraction;
    /// Sets [`max_margin`](Self::max_margin).
    max_margin: max_margin: Duration => max_margin;
    /// Sets [`min_margin`](Self::min_margin).
    min_margin: min_margin: Duration => min_margin;
    /// Sets [`jitter`](Self::jitter).
    jitter: jitter: f64 => jitter;
    /// Sets [`retry_interval`](Self::retry_interval).
    retry_interval: retry_interval: Duration => retry_interval;
});
