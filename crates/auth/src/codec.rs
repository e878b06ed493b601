//! How stores that leave the process keep a token: JSON, optionally sealed with a key the
//! user supplies (XChaCha20-Poly1305, the entry's key as associated data, so an entry copied
//! under another key does not open).

use crate::error::{Error, ErrorKind};
use crate::secret::{AccessToken, RefreshToken};
use crate::store::StoredToken;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SEALED: &[u8] = b"sdk-sealed-1:";

/// A 256-bit key for encryption at rest of the file and Redis stores. Whoever can read the
/// store but not this key cannot read the tokens, nor swap one entry for another.
#[derive(Clone)]
pub struct EncryptionKey(Arc<XChaCha20Poly1305>);

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

impl EncryptionKey {
    /// A key from 32 bytes (from your secret manager).
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(Arc::new(XChaCha20Poly1305::new(&bytes.into())))
    }

    /// A key from 32 bytes written as standard base64 (e.g. `openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| Error::config("the encryption key is not base64"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::config("the encryption key must be 32 bytes"))?;
        Ok(Self::new(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::config(format!("the system random source failed: {e}")))?;
        Ok(Self::new(bytes))
    }
}

fn store_error(message: &str) -> Error {
    Error::new(ErrorKind::Decode, message.to_owned()).with_operation("token_store")
}

/// `plain`, sealed under `key` for entry `aad` when a key is set.
pub(crate) fn seal(
    key: Option<&EncryptionKey>,
    aad: &str,
    plain: Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let Some(key) = key else { return Ok(plain) };
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce)
        .map_err(|e| Error::config(format!("the system random source failed: {e}")))?;
    let sealed = key
        .0
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| store_error("encryption failed"))?;
    let mut out = SEALED.to_vec();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The plain bytes of a stored value of entry `aad`.
pub(crate) fn open(
    key: Option<&EncryptionKey>,
    aad: &str,
    stored: &[u8],
) -> Result<Vec<u8>, Error> {
    match (key, stored.strip_prefix(SEALED)) {
        (None, None) => Ok(stored.to_vec()),
        (None, Some(_)) => Err(store_error(
            "the stored entry is encrypted: configure the store's encryption key",
        )),
        (Some(_), None) => Err(store_error(
            "the stored entry is not encrypted although the store has a key (refused)",
        )),
        (Some(key), Some(rest)) if rest.len() > 24 => {
            let (nonce, sealed) = rest.split_at(24);
            key.0
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: sealed,
                        aad: aad.as_bytes(),
                    },
                )
                .map_err(|_| {
                    store_error(
                        "the stored entry does not open with this key (wrong key, or altered)",
                    )
                })
        }
        (Some(_), Some(_)) => Err(store_error("the stored entry is truncated")),
    }
}

pub(crate) fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

pub(crate) fn from_millis(ms: u64) -> SystemTime {
    crate::http::saturating_add_system(UNIX_EPOCH, Duration::from_millis(ms))
}

/// A token as JSON (secrets included: seal it before it leaves the process).
pub(crate) fn encode_token(token: &StoredToken) -> Vec<u8> {
    serde_json::json!({
        "access_token": token.access_token.secret(),
        "refresh_token": token.refresh_token.as_ref().map(|r| r.secret()),
        "expires_at_ms": token.expires_at.map(millis),
        "issued_at_ms": token.issued_at.map(millis),
        "scope": token.scope,
        "subject": token.subject,
        "api_root": token.api_root,
    })
    .to_string()
    .into_bytes()
}

/// A token from [`encode_token`]'s JSON; a clear error (naming no value) otherwise.
pub(crate) fn decode_token(bytes: &[u8]) -> Result<StoredToken, Error> {
    let v: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|_| store_error("a stored token is not valid JSON"))?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let access =
        text("access_token").ok_or_else(|| store_error("a stored token has no access token"))?;
    Ok(StoredToken {
        access_token: AccessToken::new(access),
        refresh_token: text("refresh_token").map(RefreshToken::new),
        expires_at: v
            .get("expires_at_ms")
            .and_then(|x| x.as_u64())
            .map(from_millis),
        issued_at: v
            .get("issued_at_ms")
            .and_then(|x| x.as_u64())
            .map(from_millis),
        scope: text("scope"),
        subject: text("subject"),
        api_root: text("api_root"),
    })
}

/// How long a store keeps a token: until its access token expires, unless a refresh token
/// (which outlives it) is there too; `None` is "no expiry".
pub(crate) fn token_ttl(token: &StoredToken, now: SystemTime) -> Option<Duration> {
    if token.refresh_token.is_some() {
        return None;
    }
    token
        .expires_at
        .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_entries_open_only_with_their_key_and_name() {
        let key = EncryptionKey::generate().unwrap();
        let sealed = seal(Some(&key), "sdk/x/a/k", b"canary-secret".to_vec()).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"canary"));
        assert_eq!(
            open(Some(&key), "sdk/x/a/k", &sealed).unwrap(),
            b"canary-secret"
        );
        assert!(
            open(Some(&key), "sdk/x/a/other", &sealed).is_err(),
            "moved entry"
        );
        let other = EncryptionKey::generate().unwrap();
        assert!(open(Some(&other), "sdk/x/a/k", &sealed).is_err());
        assert!(open(None, "sdk/x/a/k", &sealed).is_err());
        assert!(
            open(Some(&key), "sdk/x/a/k", b"{}").is_err(),
            "plain refused"
        );
        assert!(EncryptionKey::from_base64("c2hvcnQ=").is_err());
        assert_eq!(format!("{key:?}"), "EncryptionKey([redacted])");
    }

    #[test]
    fn tokens_round_trip() {
        let mut t = StoredToken::from_token(&crate::Token::new("a"), SystemTime::now());
        t.refresh_token = Some(RefreshToken::new("r"));
        t.api_root = Some("https://e.example".into());
        let back = decode_token(&encode_token(&t)).unwrap();
        assert_eq!(back.access_token.secret(), "a");
        assert_eq!(back.refresh_token.unwrap().secret(), "r");
        assert_eq!(back.api_root.as_deref(), Some("https://e.example"));
        assert!(decode_token(b"[1]").is_err());
    }
}
