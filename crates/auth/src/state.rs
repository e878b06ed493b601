//! Server-side CSRF `state` for authorization redirects: random, single use, expiring, checked in
//! constant time.
//!
//! For flows where the web server keeps the pending states (rather than the user's session):
//! [`PendingStates::issue`] makes a fresh 256-bit state when the user is sent to the provider,
//! [`PendingStates::consume`] checks the state on the redirect and forgets it, so a state works
//! once. Every pending state is compared with [`subtle`]'s constant-time equality (no early exit,
//! no hash lookup), and expired states are dropped as they are seen.

use crate::cache::{Clock, SystemClock};
use crate::error::{Error, ErrorKind};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most pending states kept; issuing more drops the oldest (bounds memory under abuse).
pub const MAX_PENDING: usize = 10_000;

/// The error code of a token request carrying a single-use grant (authorization code, rotating
/// refresh token) that failed after it may have reached the server (a timeout, a reset): it was
/// not sent again, and whether the server used the grant is unknown.
pub const OUTCOME_UNKNOWN: &str = "outcome_unknown";

/// The error code of a state that does not match any pending authorization.
pub const INVALID_STATE: &str = "invalid_state";

/// Pending authorization states. Cheap to share behind an `Arc`.
pub struct PendingStates {
    ttl: Duration,
    clock: Arc<dyn Clock>,
    pending: Mutex<Vec<(SecretString, Instant)>>,
}

impl std::fmt::Debug for PendingStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.pending.lock().map(|p| p.len()).unwrap_or(0);
        f.debug_struct("PendingStates")
            .field("ttl", &self.ttl)
            .field("pending", &n)
            .finish()
    }
}

impl PendingStates {
    /// States valid for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self::with_clock(ttl, Arc::new(SystemClock))
    }

    /// States valid for `ttl`, timed by `clock` (tests).
    pub fn with_clock(ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            ttl,
            clock,
            pending: Mutex::new(Vec::new()),
        }
    }

    /// How long a state stays valid.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(SecretString, Instant)>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh random state (256 bits, base64url), remembered until used or expired.
    pub fn issue(&self) -> Result<String, Error> {
        let state = crate::oauth::random_token(32)?;
        let now = self.clock.now();
        let mut pending = self.lock();
        pending.retain(|(_, at)| now.saturating_duration_since(*at) < self.ttl);
        if pending.len() >= MAX_PENDING {
            pending.remove(0);
        }
        pending.push((SecretString::from(state.clone()), now));
        Ok(state)
    }

    /// Checks a returned state and forgets it. A state never issued, already used, or expired is
    /// an [`ErrorKind::Auth`] error with code [`INVALID_STATE`].
    pub fn consume(&self, returned: &str) -> Result<(), Error> {
        let now = self.clock.now();
        let mut pending = self.lock();
        let mut found = None;
        for (i, (state, _)) in pending.iter().enumerate() {
            let equal: bool = subtle::ConstantTimeEq::ct_eq(
                state.expose_secret().as_bytes(),
                returned.as_bytes(),
            )
            .into();
            if equal {
                found = Some(i);
            }
        }
        let fail = |message: &str| {
            Error::new(ErrorKind::Auth, message.to_owned())
                .with_code(INVALID_STATE)
                .with_operation("authorize")
        };
        match found {
            Some(i) => {
                let (_, issued) = pending.remove(i);
                if now.saturating_duration_since(issued) >= self.ttl {
                    return Err(fail("the authorization expired; start a new one"));
                }
                pending.retain(|(_, at)| now.saturating_duration_since(*at) < self.ttl);
                Ok(())
            }
            None => Err(fail(
                "the redirect's state matches no pending authorization (forged, reused or unknown)",
            )),
        }
    }

    /// How many states are pending (expired ones included until next seen).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no state is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether the state a redirect returned is the one kept in this visitor's session: equal (in
/// constant time) and not empty. The binding that defeats login CSRF, for every flow.
pub fn bound_to_session(returned: &str, session_state: &str) -> bool {
    !session_state.is_empty()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            returned.as_bytes(),
            session_state.as_bytes(),
        ))
}

/// The message of a state that is not the session's.
pub const NOT_THIS_SESSION: &str = "the redirect's state is not the one kept in this visitor's session (possible login CSRF); start again";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::ManualClock;

    #[test]
    fn single_use_expiring_and_mismatch() {
        let clock = ManualClock::new();
        let states = PendingStates::with_clock(Duration::from_secs(600), clock.clone());
        let a = states.issue().unwrap();
        let b = states.issue().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        states.consume(&a).unwrap();
        let reused = states.consume(&a).unwrap_err();
        assert_eq!(reused.code(), Some(INVALID_STATE));
        assert_eq!(
            states.consume("forged").unwrap_err().code(),
            Some(INVALID_STATE)
        );
        clock.advance(Duration::from_secs(600));
        let expired = states.consume(&b).unwrap_err();
        assert!(expired.to_string().contains("expired"), "{expired}");
        assert!(states.is_empty());
        assert!(!format!("{states:?}").contains(&a));
    }
}
