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
