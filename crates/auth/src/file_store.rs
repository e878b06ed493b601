//! [`FileTokenStore`]: tokens, leases and pending records in one directory, shared safely by
//! every process of one machine.

use crate::codec::{self, EncryptionKey};
use crate::error::{Error, ErrorKind};
use crate::store::{Lease, StoredToken, TokenStore, Versioned};
use futures::future::BoxFuture;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind as IoKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The embedded default store for one machine (CLIs, daemons, cron jobs, several workers on one
/// host): one directory, readable by its owner only.
///
/// * The directory is created with mode 0700 and every file with 0600 (Unix).
/// * Every write replaces the file atomically: a temporary file in the same directory, `fsync`,
///   `rename`, `fsync` of the directory. A reader sees the old entry or the new one, never half.
/// * Each key has a lock file; an OS file lock on it makes compare-and-set, lease and take
///   atomic across processes. The lock is the OS's: a process that dies releases it.
/// * Leases are records with an owner token and an expiry, so a holder that hangs or dies stops
///   blocking the others after the lease's time to live.
/// * With [`FileTokenStore::encryption_key`], entries are sealed (XChaCha20-Poly1305).
///
/// File names are SHA-256 hashes of the keys: nothing about an account shows in a listing.
#[derive(Clone)]
pub struct FileTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    key: Option<EncryptionKey>,
}

impl std::fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("dir", &self.inner.dir)
            .field("encrypted", &self.inner.key.is_some())
            .finish()
    }
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    // The path is the store's (hashed names): no secret in it.
    Error::new(ErrorKind::Transport, format!("token store: {what}: {e}"))
        .with_operation("token_store")
}

impl FileTokenStore {
    /// A store in `dir`, created (mode 0700) if missing. An existing directory is tightened to
    /// 0700.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create the directory", e))?;
        if !std::fs::metadata(&dir)
            .map_err(|e| io_error("cannot read the directory", e))?
            .is_dir()
        {
            return Err(Error::config("token store: the path is not a directory"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io_error("cannot restrict the directory to its owner", e))?;
        }
        Ok(Self {
            inner: Arc::new(Inner { dir, key: None }),
        })
    }

    /// The per-user default directory for `app`: `$XDG_STATE_HOME/provider-sdks/<app>`, else
    /// `$HOME/.local/state/provider-sdks/<app>`.
    pub fn default_dir(app: &str) -> Result<PathBuf, Error> {
        let base = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
            })
            .ok_or_else(|| Error::config("token store: neither XDG_STATE_HOME nor HOME is set"))?;
        let safe: String = app
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(base.join("provider-sdks").join(safe))
    }

    /// Seals every entry with `key` (entries written without it are refused).
    pub fn encryption_key(self, key: EncryptionKey) -> Self {
        Self {
            inner: Arc::new(Inner {
                dir: self.inner.dir.clone(),
                key: Some(key),
            }),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|_| Error::new(ErrorKind::Transport, "token store: the file task failed"))?
    }
}

impl Inner {
    fn path(&self, key: &str, kind: &str) -> PathBuf {
        self.dir
            .join(format!("{}.{kind}", crate::store::sha256_hex(key)))
    }

    /// Runs `f` holding the OS lock of `key`.
    fn locked<T>(&self, key: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        let lock = create_private(&self.path(key, "lock"), false)?;
        lock.lock().map_err(|e| io_error("cannot lock", e))?;
        let result = f();
        let _ = lock.unlock();
        result
    }

    fn read_json(&self, path: &Path) -> Result<Option<serde_json::Value>, Error> {
        let mut text = String::new();
        match File::open(path) {
            Ok(mut f) => f
                .read_to_string(&mut text)
                .map_err(|e| io_error("cannot read an entry", e))?,
            Err(e) if e.kind() == IoKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("cannot open an entry", e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|_| Error::new(ErrorKind::Decode, "token store: an entry is not valid JSON"))
    }

    fn write_json(&self, path: &Path, value: &serde_json::Value) -> Result<(), Error> {
        let tmp = path.with_extension(format!(
            "tmp-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let result = (|| {
            let mut f = create_private(&tmp, true)?;
            f.write_all(value.to_string().as_bytes())
                .map_err(|e| io_error("cannot write an entry", e))?;
            f.sync_all()
                .map_err(|e| io_error("cannot sync an entry", e))?;
            std::fs::rename(&tmp, path).map_err(|e| io_error("cannot replace an entry", e))?;
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn remove(&self, path: &Path) -> Result<(), Error> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == IoKind::NotFound => Ok(()),
            Err(e) => Err(io_error("cannot remove an entry", e)),
        }
    }

    /// The live entry of `key` and its version (an expired one counts as absent), whether or
    /// not it opens with this store's key.
    fn live_entry(&self, key: &str) -> Result<Option<(serde_json::Value, u64)>, Error> {
        let Some(v) = self.read_json(&self.path(key, "token"))? else {
            return Ok(None);
        };
        if let Some(until) = v.get("keep_until_ms").and_then(|x| x.as_u64())
            && codec::from_millis(until) <= SystemTime::now()
        {
            return Ok(None);
        }
        let version = v.get("version").and_then(|x| x.as_u64()).unwrap_or(0);
        Ok(Some((v, version)))
    }

    fn current_version(&self, key: &str) -> Result<Option<u64>, Error> {
        Ok(self.live_entry(key)?.map(|(_, version)| version))
    }

    fn read_token(&self, key: &str) -> Result<Option<Versioned>, Error> {
        let Some((v, version)) = self.live_entry(key)? else {
            return Ok(None);
        };
        let plain = codec::open(self.key.as_ref(), key, &decode_data(&v)?)?;
        Ok(Some(Versioned {
            token: codec::decode_token(&plain)?,
            version,
        }))
    }

    fn write_token(&self, key: &str, token: &StoredToken, version: u64) -> Result<(), Error> {
        let now = SystemTime::now();
        let plain = codec::encode_token(token);
        let data = codec::seal(self.key.as_ref(), key, plain)?;
        let keep_until = codec::token_ttl(token, now)
            .map(|ttl| codec::millis(crate::http::saturating_add_system(now, ttl)));
        self.write_json(
            &self.path(key, "token"),
            &serde_json::json!({"version": version, "keep_until_ms": keep_until, "data": encode_data(&data)}),
        )
    }
}

fn encode_data(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn decode_data(v: &serde_json::Value) -> Result<Vec<u8>, Error> {
    use base64::Engine as _;
    v.get("data")
        .and_then(|d| d.as_str())
        .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
        .ok_or_else(|| Error::new(ErrorKind::Decode, "token store: an entry has no data"))
}

/// Opens (creating if missing) a file readable and writable by its owner only.
fn create_private(path: &Path, truncate: bool) -> Result<File, Error> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    if truncate {
        options.truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| io_error("cannot create a file", e))
}

impl TokenStore for FileTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<StoredToken>, Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            Ok(self
                .blocking(move |i| i.read_token(&key))
                .await?
                .map(|v| v.token))
        })
    }

    fn put<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, Result<(), Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| {
                i.locked(&key, || {
                    let next = i.current_version(&key)?.unwrap_or(0) + 1;
                    i.write_token(&key, &token, next)
                })
            })
            .await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| i.locked(&key, || i.remove(&i.path(&key, "token"))))
                .await
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn get_versioned<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Versioned>, Error>> {
        let key = key.to_owned();
        Box::pin(async move { self.blocking(move |i| i.read_token(&key)).await })
    }

    fn compare_and_set<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: StoredToken,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| {
                i.locked(&key, || {
                    let current = i.current_version(&key)?;
                    if current != expected {
                        return Ok(None);
                    }
                    let next = current.unwrap_or(0) + 1;
                    i.write_token(&key, &token, next)?;
                    Ok(Some(next))
                })
            })
            .await
        })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Lease>, Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| {
                i.locked(&key, || {
                    let path = i.path(&key, "lease");
                    let now = SystemTime::now();
                    if let Some(v) = i.read_json(&path).ok().flatten() {
                        let until = v.get("expires_at_ms").and_then(|x| x.as_u64()).unwrap_or(0);
                        if codec::from_millis(until) > now {
                            return Ok(None);
                        }
                    }
                    let lease = Lease::new(&key, ttl);
                    i.write_json(
                        &path,
                        &serde_json::json!({"owner": lease.owner(), "expires_at_ms": codec::millis(lease.expires_at())}),
                    )?;
                    Ok(Some(lease))
                })
            })
            .await
        })
    }

    fn release_lease<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<bool, Error>> {
        let lease = lease.clone();
        Box::pin(async move {
            self.blocking(move |i| {
                i.locked(lease.key(), || {
                    let path = i.path(lease.key(), "lease");
                    let owned = i
                        .read_json(&path)
                        .ok()
                        .flatten()
                        .and_then(|v| v.get("owner").and_then(|o| o.as_str()).map(str::to_owned))
                        .is_some_and(|o| o == lease.owner());
                    if owned {
                        i.remove(&path)?;
                    }
                    Ok(owned)
                })
            })
            .await
        })
    }

    fn put_record<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| {
                let data = codec::seal(i.key.as_ref(), &key, value)?;
                let until =
                    codec::millis(crate::http::saturating_add_system(SystemTime::now(), ttl));
                i.locked(&key, || {
                    i.write_json(
                        &i.path(&key, "record"),
                        &serde_json::json!({"expires_at_ms": until, "data": encode_data(&data)}),
                    )
                })
            })
            .await
        })
    }

    fn take_record<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, Error>> {
        let key = key.to_owned();
        Box::pin(async move {
            self.blocking(move |i| {
                let taken = i.locked(&key, || {
                    let path = i.path(&key, "record");
                    let v = i.read_json(&path)?;
                    if v.is_some() {
                        i.remove(&path)?;
                    }
                    Ok(v)
                })?;
                let Some(v) = taken else { return Ok(None) };
                let until = v.get("expires_at_ms").and_then(|x| x.as_u64()).unwrap_or(0);
                if codec::from_millis(until) <= SystemTime::now() {
                    return Ok(None);
                }
                codec::open(i.key.as_ref(), &key, &decode_data(&v)?).map(Some)
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("sdk-file-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn file_store_keeps_the_contract_plain_and_sealed() {
        let dir = temp_dir("contract");
        crate::check_store_contract(&FileTokenStore::open(&dir).unwrap()).await;
        let sealed_dir = temp_dir("sealed");
        let key = EncryptionKey::generate().unwrap();
        crate::check_store_contract(
            &FileTokenStore::open(&sealed_dir)
                .unwrap()
                .encryption_key(key),
        )
        .await;
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&sealed_dir);
    }

    #[tokio::test]
    async fn files_are_private_and_sealed_entries_hide_the_token() {
        let dir = temp_dir("private");
        let key = EncryptionKey::generate().unwrap();
        let store = FileTokenStore::open(&dir)
            .unwrap()
            .encryption_key(key.clone());
        let token =
            StoredToken::from_token(&crate::Token::new("canary-access-token"), SystemTime::now());
        store.put("sdk/demo/app/acct", token).await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                let bytes = std::fs::read(&path).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains("canary"), "sealed: {text}");
                assert!(!text.contains("acct"), "hashed names and sealed data");
            }
        }
        // Another key, or none, cannot read it: a clear error, not a token.
        let other = FileTokenStore::open(&dir)
            .unwrap()
            .encryption_key(EncryptionKey::generate().unwrap());
        assert!(other.get("sdk/demo/app/acct").await.is_err());
        assert!(
            FileTokenStore::open(&dir)
                .unwrap()
                .get("sdk/demo/app/acct")
                .await
                .is_err()
        );
        let again = FileTokenStore::open(&dir).unwrap().encryption_key(key);
        assert_eq!(
            again
                .get("sdk/demo/app/acct")
                .await
                .unwrap()
                .unwrap()
                .access_token
                .secret(),
            "canary-access-token"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
