//! Secret newtypes: redacted `Debug`, no `Display`, no `Serialize`.
//!
//! Each wraps a [`secrecy::SecretString`], which zeroizes its memory on drop. The value is only
//! reachable through [`ExposeSecret::expose_secret`] on the inner secret, through the type's own
//! `secret()` accessor, so every place that reads one is easy to find.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The secret value.
            ///
            /// # Security warning
            ///
            /// Never log or display the returned string.
            pub fn secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_type!(
    /// An OAuth 2.0 client secret (or an API user's password).
    ClientSecret
);
secret_type!(
    /// An access token, as sent in the `Authorization` header.
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token.
    RefreshToken
);
secret_type!(
    /// A static API key.
    ApiKey
);

/// An OAuth 2.0 client identifier. Not a secret, but kept out of logs all the same: some
/// providers embed account names in it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    /// Wraps a client id.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The client id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({} chars)", self.0.chars().count())
    }
}

impl From<String> for ClientId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for ClientId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// The secrets one client holds (client secret, API key, access and refresh tokens, codes),
/// so that a provider's message that echoes one (`token abc lacks scope`) is redacted before it
/// reaches an [`Error`](crate::Error) or a log. Cheap to clone (clones share the set); `Debug`
/// shows only how many secrets it holds. Keeps the most recent [`Redactor::CAPACITY`] secrets.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<SecretString>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.lock().len())
            .finish()
    }
}

impl Redactor {
    /// How many secrets are kept (older ones are forgotten first).
    pub const CAPACITY: usize = 64;
    /// What replaces a secret.
    pub const MARKER: &'static str = "[redacted]";

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<SecretString>> {
        self.secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers `secret` (values shorter than 4 characters are ignored: redacting them would
    /// garble every message).
    pub fn add(&self, secret: &str) {
        if secret.chars().count() < 4 {
            return;
        }
        let mut secrets = self.lock();
        if secrets.iter().any(|s| s.expose_secret() == secret) {
            return;
        }
        if secrets.len() >= Self::CAPACITY {
            secrets.pop_front();
        }
        secrets.push_back(SecretString::from(secret.to_owned()));
    }

    /// `text` with every known secret replaced by [`Redactor::MARKER`] (longest first, so that a
    /// secret containing another is redacted whole).
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.lock();
        let mut found: Vec<&str> = secrets
            .iter()
            .map(|s| s.expose_secret())
            .filter(|s| text.contains(*s))
            .collect();
        if found.is_empty() {
            return text.to_owned();
        }
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_owned();
        for secret in found {
            out = out.replace(secret, Self::MARKER);
        }
        out
    }

    /// `error` with its provider message and code redacted.
    pub fn redact_error(&self, error: crate::Error) -> crate::Error {
        let message = error
            .message()
            .map(|m| self.redact(m))
            .filter(|clean| Some(clean.as_str()) != error.message());
        let code = error
            .code()
            .map(|c| self.redact(c))
            .filter(|clean| Some(clean.as_str()) != error.code());
        let mut error = error;
        if let Some(clean) = message {
            error = error.with_message(clean);
        }
        if let Some(clean) = code {
            error = error.with_code(clean);
        }
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let canary = "canary-4f1d9a";
        assert_eq!(
            format!("{:?}", ClientSecret::new(canary)),
            "ClientSecret([redacted])"
        );
        assert_eq!(
            format!("{:?}", AccessToken::new(canary)),
            "AccessToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", RefreshToken::new(canary)),
            "RefreshToken([redacted])"
        );
        assert_eq!(format!("{:?}", ApiKey::new(canary)), "ApiKey([redacted])");
        assert_eq!(format!("{:?}", ClientId::new(canary)), "ClientId(13 chars)");
        assert_eq!(ClientSecret::new(canary).secret(), canary);
    }
}
