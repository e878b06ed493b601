//! [`RedisTokenStore`] (feature `redis`): tokens, leases and pending records in Redis, shared by
//! a fleet.

use crate::codec::{self, EncryptionKey};
use crate::error::{Error, ErrorKind};
use crate::store::{Lease, StoredToken, TokenStore, Versioned};
use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

// Compare-and-set: KEYS[1] the token hash; ARGV[1] the expected version ("" = absent, "*" =
// any), ARGV[2] the data, ARGV[3] the time to live in ms ("" = none). Returns the new version,
// or -1 when another write came first.
static CAS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] ~= '*' then
  if cur == false then
    if ARGV[1] ~= '' then return -1 end
  elseif cur ~= ARGV[1] then
    return -1
  end
end
local next = (tonumber(cur) or 0) + 1
redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[2])
if ARGV[3] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
  redis.call('PERSIST', KEYS[1])
end
return next
",
    )
});

// Owner-checked release: deletes the lease only if it still holds this owner token.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// A store for fleets: every process and machine that reaches the Redis server shares the
/// tokens, the leases of fleet-wide single flight, and the pending authorizations.
///
/// * On [`redis`]'s `ConnectionManager`, which reconnects by itself after the server restarts;
///   operations time out after one second (configurable), so a server that is down makes the
///   SDK fall back to its in-memory cache and direct fetches, not hang.
/// * Compare-and-set and the owner-checked lease release are Lua scripts (atomic on the
///   server); a lease is `SET key owner NX PX ttl`; taking a record is `GETDEL`.
/// * Every key starts with a prefix of yours (`sdk:` by default); tokens without a refresh token
///   expire with their access token, records and leases with their time to live.
/// * With [`RedisTokenStore::encryption_key`], values are sealed (XChaCha20-Poly1305), so
///   whoever can read the server cannot read the tokens.
#[derive(Clone)]
pub struct RedisTokenStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    key: Option<EncryptionKey>,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.prefix)
            .field("encrypted", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

fn redis_error(e: redis::RedisError) -> Error {
    // Only the category: a Redis error may quote the command, and the command carries data.
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connection_refusal() || e.is_connection_dropped() || e.is_io_error() {
        "unreachable"
    } else {
        "refused the command"
    };
    Error::new(ErrorKind::Transport, format!("token store: Redis {what}"))
        .with_operation("token_store")
}

impl RedisTokenStore {
    /// A store on the server at `url` (`redis://host:port/db`, `rediss://` not enabled), with
    /// keys under `prefix`. Connects lazily: a server that is down now is no error here.
    pub fn new(url: &str, prefix: &str) -> Result<Self, Error> {
        Self::with_timeout(url, prefix, Duration::from_secs(1))
    }

    /// [`RedisTokenStore::new`] with another timeout for connecting and for each command.
    pub fn with_timeout(url: &str, prefix: &str, timeout: Duration) -> Result<Self, Error> {
        // The URL may hold a password: never quote it.
        let client = redis::Client::open(url)
            .map_err(|_| Error::config("token store: not a valid Redis URL"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(redis_error)?;
        Ok(Self {
            conn,
            prefix: Arc::from(prefix),
            key: None,
        })
    }

    /// Seals every value with `key` (values written without it are refused).
    pub fn encryption_key(mut self, key: EncryptionKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Checks that the server answers.
    pub async fn ping(&self) -> Result<(), Error> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
            .map_err(redis_error)
    }

    fn name(&self, kind: &str, key: &str) -> String {
        format!("{}{kind}:{key}", self.prefix)
    }

    async fn write(
        &self,
        key: &str,
        expected: &str,
        token: &StoredToken,
    ) -> Result<Option<u64>, Error> {
        let data = codec::seal(self.key.as_ref(), key, codec::encode_token(token))?;
        let ttl = codec::token_ttl(token, SystemTime::now())
            .map(|t| {
                u64::try_from(t.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1)
                    .to_string()
            })
            .unwrap_or_default();
        let mut conn = self.conn.clone();
        let version: i64 = CAS
            .key(self.name("t", key))
            .arg(expected)
            .arg(data)
            .arg(ttl)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_error)?;
        Ok(u64::try_from(version).ok())
    }
}

impl TokenStore for RedisTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        Box::pin(async move { Ok(self.get_versioned(key).await?.map(|v| v.token)) })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { self.write(key, "*", &token).await.map(|_| ()) })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            conn.del::<_, ()>(self.name("t", key))
                .await
                .map_err(redis_error)
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn get_versioned<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Versioned>, Error>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let (version, data): (Option<u64>, Option<Vec<u8>>) = redis::cmd("HMGET")
                .arg(self.name("t", key))
                .arg("v")
                .arg("d")
                .query_async(&mut conn)
                .await
                .map_err(redis_error)?;
            let (Some(version), Some(data)) = (version, data) else {
                return Ok(None);
            };
            let plain = codec::open(self.key.as_ref(), key, &data)?;
            Ok(Some(Versioned {
                token: codec::decode_token(&plain)?,
                version,
            }))
        })
    }

    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: StoredToken,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        Box::pin(async move {
            let expected = expected.map(|v| v.to_string()).unwrap_or_default();
            self.write(key, &expected, &token).await
        })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, Error>> {
        Box::pin(async move {
            let lease = Lease::new(key, ttl);
            let mut conn = self.conn.clone();
            let set: Option<String> = redis::cmd("SET")
                .arg(self.name("l", key))
                .arg(lease.owner())
                .arg("NX")
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async(&mut conn)
                .await
                .map_err(redis_error)?;
            Ok(set.map(|_| lease))
        })
    }

    fn release_lease<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let deleted: i64 = RELEASE
                .key(self.name("l", lease.key()))
                .arg(lease.owner())
                .invoke_async(&mut conn)
                .await
                .map_err(redis_error)?;
            Ok(deleted == 1)
        })
    }

    fn put_record<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let data = codec::seal(self.key.as_ref(), key, value)?;
            let mut conn = self.conn.clone();
            redis::cmd("SET")
                .arg(self.name("r", key))
                .arg(data)
                .arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .query_async::<()>(&mut conn)
                .await
                .map_err(redis_error)
        })
    }

    fn take_record<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let data: Option<Vec<u8>> = redis::cmd("GETDEL")
                .arg(self.name("r", key))
                .query_async(&mut conn)
                .await
                .map_err(redis_error)?;
            data.map(|d| codec::open(self.key.as_ref(), key, &d))
                .transpose()
        })
    }
}
