//! Tokens that must outlive the process: the [`TokenStore`] trait and an in-memory store.
//!
//! OAuth refresh tokens (iinked Sign) and account tokens (Xref) belong to the user's storage (a
//! database, a secret manager). The SDK reads and writes them only through this trait, keyed by a
//! string the caller chooses (an account or user id). Rotated refresh tokens are written back.

use crate::error::Error;
use crate::secret::{AccessToken, RefreshToken};
use crate::token::Token;
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::{Duration, SystemTime};

/// A token as stored: with an absolute expiry, so that it means the same in another process.
#[derive(Clone, Debug)]
pub struct StoredToken {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<RefreshToken>,
    /// When the access token expires (wall clock), when known.
    pub expires_at: Option<SystemTime>,
    /// The granted scopes, when known.
    pub scope: Option<String>,
    /// Provider-specific id the token is bound to (e.g. Xref's account id), when any.
    pub subject: Option<String>,
}

impl StoredToken {
    /// A stored form of `token`, issued at `now`.
    pub fn from_token(token: &Token, now: SystemTime) -> Self {
        Self {
            access_token: token.access_token.clone(),
            refresh_token: token.refresh_token.clone(),
            expires_at: token.expires_in.and_then(|d| now.checked_add(d)),
            scope: token.scope.clone(),
            subject: None,
        }
    }

    /// Time left before the access token expires (`None`: unknown; zero: expired).
    pub fn remaining(&self, now: SystemTime) -> Option<Duration> {
        self.expires_at
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

/// Storage for tokens that outlive the process.
///
/// Implementations must be safe to call concurrently. Errors should be [`Error`]s of kind
/// `Config` or `Transport` with a message that names no secret.
pub trait TokenStore: Send + Sync + 'static {
    /// The token stored under `key`, if any.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>>;
    /// Stores `token` under `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>>;
    /// Removes the token under `key` (no error if there is none).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;
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

/// A [`TokenStore`] in memory: for tests, and for processes that re-authorize on restart.
#[derive(Debug, Default)]
pub struct InMemoryTokenStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
}

impl InMemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredToken>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The keys stored, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        keys
    }
}

impl TokenStore for InMemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let value = self.lock().get(key).cloned();
        Box::pin(async move { Ok(value) })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        self.lock().insert(key.to_owned(), token);
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.lock().remove(key);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
