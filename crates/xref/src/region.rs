//! Xref's hosts: the browser login host and the Open API host.
//!
//! Only one pair is documented (no sandbox, no regions); [`Region::Custom`] points both
//! elsewhere (a proxy, or a fake Xref in tests).

use sdk_auth::Error;
use url::Url;

/// The browser-facing authorization host.
pub const LOGIN_URL: &str = "https://login.xref.com";
/// The Open API host.
pub const API_URL: &str = "https://api-open.xref.com";

/// Where the flow and the API calls go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// `https://login.xref.com` and `https://api-open.xref.com`.
    #[default]
    Production,
    /// Other hosts. Build it with [`Region::custom`].
    Custom {
        /// Replaces `https://login.xref.com`.
        login: Url,
        /// Replaces `https://api-open.xref.com`.
        api: Url,
    },
}

impl Region {
    /// Both hosts at one origin: a proxy, or a fake in tests (the login paths `/connect/…` and
    /// the API paths do not overlap). Must be `https` (plain `http` only to loopback).
    pub fn custom(url: &str) -> Result<Self, Error> {
        Self::custom_hosts(url, url)
    }

    /// A login host and an API host of your own; both must be `https` (plain `http` only to
    /// loopback).
    pub fn custom_hosts(login: &str, api: &str) -> Result<Self, Error> {
        Ok(Region::Custom {
            login: sdk_auth::http::parse_base_url(login, "Xref login URL")?,
            api: sdk_auth::http::parse_base_url(api, "Xref API URL")?,
        })
    }

    /// The login host.
    pub fn login_url(&self) -> Url {
        match self {
            Region::Production => Url::parse(LOGIN_URL).expect("fixed URL"),
            Region::Custom { login, .. } => login.clone(),
        }
    }

    /// The API host.
    pub fn api_url(&self) -> Url {
        match self {
            Region::Production => Url::parse(API_URL).expect("fixed URL"),
            Region::Custom { api, .. } => api.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            Region::Production.login_url().as_str(),
            "https://login.xref.com/"
        );
        assert_eq!(
            Region::Production.api_url().as_str(),
            "https://api-open.xref.com/"
        );
        assert!(Region::custom_hosts("http://127.0.0.1:1", "http://127.0.0.1:2").is_ok());
        assert!(Region::custom("http://127.0.0.1:1").is_ok());
        assert!(Region::custom_hosts("http://login.example", "https://api.example").is_err());
    }
}
