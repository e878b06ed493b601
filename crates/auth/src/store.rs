//! Tokens that must outlive the process: the [`TokenStore`] trait and an in-memory store.
//!
//! OAuth refresh tokens (iinked Sign) and account tokens (Xref) belong to the user's storage (a
//! database, a secret manager). The SDK reads and writes them only through this trait, keyed by a
//! string the caller chooses (an account or user id). Rotated refresh tokens are written back.

use crate::IntoOptional;
use crate::error::Error;
use crate::secret::{AccessToken, RefreshToken};
use crate::token::Token;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, SystemTime};

/// A token as stored: with an absolute expiry, so that it means the same in another process.
///
/// Build one with [`StoredToken::new`] or [`StoredToken::from_token`] and the `with_*` setters.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredToken {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<RefreshToken>,
    /// When the access token expires (wall clock), when known.
    pub expires_at: Option<SystemTime>,
    /// When the access token was issued (wall clock), when known: with
    /// [`expires_at`](Self::expires_at) it gives the token's [`lifetime`](Self::lifetime).
    pub issued_at: Option<SystemTime>,
    /// The granted scopes, when known.
    pub scope: Option<String>,
    /// Provider-specific id the token is bound to (e.g. Xref's account id), when any.
    pub subject: Option<String>,
    /// The API root the token belongs to, for providers that discover it (Xink), when any.
    pub api_root: Option<String>,
}

impl StoredToken {
    /// A stored token with only its access token (no refresh token, expiry, scope, subject or
    /// API root).
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: AccessToken::new(access_token),
            refresh_token: None,
            expires_at: None,
            issued_at: None,
            scope: None,
            subject: None,
            api_root: None,
        }
    }

    /// A stored form of `token`, issued at `now`.
    pub fn from_token(token: &Token, now: SystemTime) -> Self {
        Self {
            access_token: token.access_token.clone(),
            refresh_token: token.refresh_token.clone(),
            expires_at: token.expires_in.and_then(|d| now.checked_add(d)),
            issued_at: Some(now),
            scope: token.scope.clone(),
            subject: None,
            api_root: None,
        }
    }

    /// Time left before the access token expires (`None`: unknown; zero: expired).
    pub fn remaining(&self, now: SystemTime) -> Option<Duration> {
        self.expires_at
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// The access token's whole lifetime, from [`issued_at`](Self::issued_at) to
    /// [`expires_at`](Self::expires_at), when both are known.
    pub fn lifetime(&self) -> Option<Duration> {
        self.expires_at?.duration_since(self.issued_at?).ok()
    }

    /// Whether another process may adopt this token at `now` instead of fetching its own:
    /// its expiry is unknown, or more than `cap` is left, or more than a fifth of its
    /// [`lifetime`](Self::lifetime) (at least 1 s) when that is less than `cap`. A fixed
    /// threshold would make a token shorter than it never adoptable (a fetch per process per
    /// refresh); a fifth of a 5-minute token is 60 s, of a 60 s token 12 s.
    pub fn adoptable(&self, now: SystemTime, cap: Duration) -> bool {
        let Some(remaining) = self.remaining(now) else {
            return true;
        };
        let threshold = match self.lifetime() {
            Some(lifetime) => (lifetime / 5).max(Duration::from_secs(1)).min(cap),
            // An older record without `issued_at`: its lifetime is unknown, so a short fixed
            // threshold (at most `cap`) keeps even short tokens adoptable.
            None => cap.min(Duration::from_secs(10)),
        };
        remaining > threshold
    }
}

with_setters!(StoredToken {
    /// Sets the [`refresh_token`](Self::refresh_token): a value, or an `Option` of one (`None`
    /// clears it).
    with_refresh_token: refresh_token: impl IntoOptional<String> => optional(refresh_token).map(RefreshToken::new);
    /// Sets [`expires_at`](Self::expires_at): a time, or an `Option` of one.
    with_expires_at: expires_at: impl IntoOptional<SystemTime> => optional(expires_at);
    /// Sets [`issued_at`](Self::issued_at): a time, or an `Option` of one.
    with_issued_at: issued_at: impl IntoOptional<SystemTime> => optional(issued_at);
    /// Sets [`scope`](Self::scope): a value, or an `Option` of one.
    with_scope: scope: impl IntoOptional<String> => optional(scope);
    /// Sets [`subject`](Self::subject): a value, or an `Option` of one.
    with_subject: subject: impl IntoOptional<String> => optional(subject);
    /// Sets [`api_root`](Self::api_root): a value, or an `Option` of one.
    with_api_root: api_root: impl IntoOptional<String> => optional(api_root);
});

/// The value of an optional setter (the conversions setters take never fail).
pub(crate) fn optional<T>(value: impl IntoOptional<T>) -> Option<T> {
    value.into_optional().ok().flatten()
}

/// Storage for tokens that outlive the process, and the primitives that let many processes
/// share it safely.
///
/// Implementations must be safe to call concurrently. Errors should be [`Error`]s of kind
/// `Config` or `Transport` with a message that names no secret.
///
/// # The coordination contract
///
/// `get`, `put` and `delete` are required. A store that other processes share (the file and
/// Redis stores) also implements the rest, and says so with [`TokenStore::is_shared`]:
///
/// * **Versions.** Every write of a key gives it a new, larger version;
///   [`TokenStore::get_versioned`] returns it and [`TokenStore::compare_and_set`] writes only if
///   the key is still at the version the caller read (or still absent), atomically.
/// * **Leases.** [`TokenStore::acquire_lease`] grants at most one live lease per key: a random
///   owner token with an expiry, so that a holder that dies stops blocking the others after the
///   lease's time to live. [`TokenStore::release_lease`] deletes it only if the caller still owns
///   it (an expired lease taken over by another process is left alone).
/// * **Single-use records.** [`TokenStore::put_record`] keeps a small secret value with an expiry
///   (a pending authorization: state and PKCE verifier), and [`TokenStore::take_record`] returns
///   it at most once, removing it in the same step.
/// * **Expiry.** A token whose `expires_at` has passed may be dropped by the store; a record or
///   lease past its time to live is never returned.
///
/// The defaults keep a store that implements only the three required methods working inside one
/// process: no versions (always 0), a lease always granted (the SDK still single-flights in the
/// process), and records refused with a clear error.
pub trait TokenStore: Send + Sync + 'static {
    /// The token stored under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>>;
    /// Stores `token` under `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>>;
    /// Removes the token under `key` (no error if there is none).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;

    /// Whether other processes see this store (and it implements the whole contract).
    fn is_shared(&self) -> bool {
        false
    }

    /// The token under `key` with its version.
    fn get_versioned<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Versioned>, Error>> {
        Box::pin(async move {
            Ok(self
                .get(key)
                .await?
                .map(|token| Versioned { token, version: 0 }))
        })
    }

    /// Writes `token` if `key` is still at version `expected` (`None`: still absent). The new
    /// version when written, `None` when another write came first.
    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: StoredToken,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        let _ = expected;
        Box::pin(async move {
            self.put(key, token).await?;
            Ok(Some(0))
        })
    }

    /// A lease on `key` for `ttl`, or `None` while another owner holds a live one.
    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, Error>> {
        Box::pin(async move { Ok(Some(Lease::new(key, ttl))) })
    }

    /// Releases `lease` if its owner still holds it; `true` when it did.
    fn release_lease<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<bool, Error>> {
        let _ = lease;
        Box::pin(async { Ok(true) })
    }

    /// Keeps `value` under `key` for `ttl` (replacing what was there).
    fn put_record<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (key, value, ttl);
        Box::pin(async { Err(records_unsupported()) })
    }

    /// The value under `key`, removed in the same step: a second take finds nothing.
    fn take_record<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        let _ = key;
        Box::pin(async { Err(records_unsupported()) })
    }
}

fn records_unsupported() -> Error {
    Error::config(
        "this token store keeps no single-use records: use InMemoryTokenStore, FileTokenStore or RedisTokenStore for pending authorizations",
    )
}

/// A stored token and the version it was read at.
#[derive(Clone, Debug)]
pub struct Versioned {
    /// The token.
    pub token: StoredToken,
    /// Its version (larger after every write).
    pub version: u64,
}

/// A lease on one key: held by its random owner token until it expires or is released.
#[derive(Clone)]
pub struct Lease {
    key: String,
    owner: String,
    expires_at: SystemTime,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Lease {
    /// A new lease on `key` for `ttl` with a random owner token.
    pub fn new(key: &str, ttl: Duration) -> Self {
        Self {
            key: key.to_owned(),
            owner: crate::oauth::random_token(16)
                .unwrap_or_else(|_| format!("{:032x}", fastrand::u128(..))),
            expires_at: crate::http::saturating_add_system(SystemTime::now(), ttl),
        }
    }

    /// A lease read back from a store.
    pub fn from_parts(key: &str, owner: &str, expires_at: SystemTime) -> Self {
        Self {
            key: key.to_owned(),
            owner: owner.to_owned(),
            expires_at,
        }
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The owner token (random, 128 bits).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// When it expires.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether it is still live at `now`.
    pub fn is_live(&self, now: SystemTime) -> bool {
        self.expires_at > now
    }
}

/// The key under which the SDK keeps `key` of `provider`'s app `app` (a client id): every
/// part percent-encoded and joined as `sdk/<provider>/<app>/<key>`, so that no two different
/// triples share a key — an Xref account id and an iinked Sign customer key that happen to be
/// equal live in different entries, as do two apps of one provider.
pub fn store_key(provider: &str, app: &str, key: &str) -> String {
    const PART: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'/').add(b'%');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, PART).to_string();
    format!("sdk/{}/{}/{}", enc(provider), enc(app), enc(key))
}

/// The lowercase hex SHA-256 of `text`: names that reveal nothing of what they name.
pub(crate) fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The store key of the pending authorization of `provider`'s app `app` whose state is
/// `state`: the state's hash, so a key listing (Redis `SCAN`) shows no state.
pub fn pending_key(provider: &str, app: &str, state: &str) -> String {
    store_key(provider, app, &format!("pending/{}", sha256_hex(state)))
}

type KeyLocks = HashMap<(usize, String), Weak<tokio::sync::Mutex<()>>>;

static KEY_LOCKS: LazyLock<Mutex<KeyLocks>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Waits for, then holds, this process's lock on `key` of `store` (the store is told apart by
/// its address): single flight of the read-refresh-write of one stored grant, however many
/// clients share the store. Released when the guard drops (also on panic).
///
/// This is the in-process half of rotation safety; a store shared by processes needs its own
/// lease (a later addition to [`TokenStore`], as a method with a default, so that existing
/// implementations keep compiling).
pub async fn lock_key(store: &Arc<dyn TokenStore>, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
    let id = Arc::as_ptr(store) as *const () as usize;
    let lock = {
        let mut locks = KEY_LOCKS.lock().unwrap_or_else(|p| p.into_inner());
        if locks.len() > 1024 {
            locks.retain(|_, l| l.strong_count() > 0);
        }
        let slot = locks.entry((id, key.to_owned())).or_default();
        match slot.upgrade() {
            Some(lock) => lock,
            None => {
                let lock = Arc::new(tokio::sync::Mutex::new(()));
                *slot = Arc::downgrade(&lock);
                lock
            }
        }
    };
    lock.lock_owned().await
}

/// A [`TokenStore`] in memory with the whole coordination contract, for one process: tests,
/// and processes that re-authorize on restart. Nothing is shared with other processes
/// ([`TokenStore::is_shared`] is false), so the SDK does not wait on its leases.
#[derive(Debug, Default)]
pub struct InMemoryTokenStore {
    state: Mutex<MemoryState>,
}

/// A record's value: secret, so never in `Debug`.
struct RecordBytes(Vec<u8>);

impl std::fmt::Debug for RecordBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[redacted; {} bytes]", self.0.len())
    }
}

#[derive(Debug, Default)]
struct MemoryState {
    tokens: HashMap<String, (StoredToken, u64)>,
    leases: HashMap<String, Lease>,
    records: HashMap<String, (RecordBytes, SystemTime)>,
    clock: u64,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The keys of the tokens stored, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().tokens.keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl MemoryState {
    fn write(&mut self, key: &str, token: StoredToken) -> u64 {
        self.clock += 1;
        let version = self.clock;
        self.tokens.insert(key.to_owned(), (token, version));
        version
    }
}

impl TokenStore for InMemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let value = self.lock().tokens.get(key).map(|(t, _)| t.clone());
        Box::pin(async move { Ok(value) })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        self.lock().write(key, token);
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.lock().tokens.remove(key);
        Box::pin(async { Ok(()) })
    }

    fn get_versioned<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Versioned>, Error>> {
        let value = self
            .lock()
            .tokens
            .get(key)
            .map(|(token, version)| Versioned {
                token: token.clone(),
                version: *version,
            });
        Box::pin(async move { Ok(value) })
    }

    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: StoredToken,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        let mut state = self.lock();
        let current = state.tokens.get(key).map(|(_, v)| *v);
        let written = (current == expected).then(|| state.write(key, token));
        Box::pin(async move { Ok(written) })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, Error>> {
        let mut state = self.lock();
        let now = SystemTime::now();
        let granted = match state.leases.get(key) {
            Some(held) if held.is_live(now) => None,
            _ => {
                let lease = Lease::new(key, ttl);
                state.leases.insert(key.to_owned(), lease.clone());
                Some(lease)
            }
        };
        Box::pin(async move { Ok(granted) })
    }

    fn release_lease<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<bool, Error>> {
        let mut state = self.lock();
        let owned = state
            .leases
            .get(lease.key())
            .is_some_and(|held| held.owner() == lease.owner());
        if owned {
            state.leases.remove(lease.key());
        }
        Box::pin(async move { Ok(owned) })
    }

    fn put_record<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let mut state = self.lock();
        let now = SystemTime::now();
        state.records.retain(|_, (_, at)| *at > now);
        state.records.insert(
            key.to_owned(),
            (
                RecordBytes(value),
                crate::http::saturating_add_system(now, ttl),
            ),
        );
        Box::pin(async { Ok(()) })
    }

    fn take_record<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        let taken = self
            .lock()
            .records
            .remove(key)
            .filter(|(_, at)| *at > SystemTime::now())
            .map(|(v, _)| v.0);
        Box::pin(async move { Ok(taken) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_take_values_and_options() {
        let at = SystemTime::now();
        let maybe_refresh: Option<String> = None;
        let t = StoredToken::new("a")
            .with_refresh_token(maybe_refresh)
            .with_expires_at(Some(at))
            .with_scope("s")
            .with_subject(Some("acct"))
            .with_api_root(None::<String>);
        assert!(t.refresh_token.is_none());
        assert_eq!(t.expires_at, Some(at));
        assert_eq!(t.scope.as_deref(), Some("s"));
        assert_eq!(t.subject.as_deref(), Some("acct"));
        assert_eq!(t.api_root, None);
        let t = t.with_refresh_token("r").with_expires_at(None);
        assert_eq!(t.refresh_token.as_ref().map(|r| r.secret()), Some("r"));
        assert_eq!(t.expires_at, None);
    }

    #[tokio::test]
    async fn in_memory_round_trip() {
        let store = InMemoryTokenStore::new();
        assert!(store.get("a").await.unwrap().is_none());
        let now = SystemTime::now();
        let mut token = Token::new("canary-access");
        token.expires_in = Some(Duration::from_secs(60));
        store
            .put("a", StoredToken::from_token(&token, now))
            .await
            .unwrap();
        let back = store.get("a").await.unwrap().unwrap();
        assert_eq!(back.access_token.secret(), "canary-access");
        assert_eq!(back.remaining(now), Some(Duration::from_secs(60)));
        assert!(!format!("{back:?} {store:?}").contains("canary"));
        store.delete("a").await.unwrap();
        store.delete("a").await.unwrap();
        assert!(store.keys().is_empty());
    }

    #[tokio::test]
    async fn in_memory_keeps_the_contract() {
        crate::check_store_contract(&InMemoryTokenStore::new()).await;
    }
}
