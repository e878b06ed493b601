//! Xink's hosts: the authorization server and the data centers' API roots.
//!
//! Every account lives in one of five data centers. By default the SDK asks discovery
//! (`GET https://auth.xink.io/Discovery`) for the account's API root, as Xink documents; choosing
//! a data center here skips discovery and is an explicit override, never a silent fallback.

use sdk_auth::Error;
use std::str::FromStr;
use url::Url;

/// The authorization server (token endpoint and discovery) for every data center.
pub const AUTH_URL: &str = "https://auth.xink.io";

/// Where API calls go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// Ask discovery for the account's API root (the documented way; the default).
    #[default]
    Discover,
    /// EU data center, `https://e-eu.xink.io`.
    Eu,
    /// US data center, `https://e.xink.io`.
    Us,
    /// UK data center, `https://e-uk.xink.io`.
    Uk,
    /// Canadian data center, `https://e-ca.xink.io`.
    Ca,
    /// Australian data center, `https://e-au.xink.io`.
    Au,
    /// Any other API root (a proxy, a new data center). Build it with [`Region::custom`].
    Custom(Url),
}

impl Region {
    /// Every named data center.
    pub const DATA_CENTERS: [Region; 5] =
        [Region::Eu, Region::Us, Region::Uk, Region::Ca, Region::Au];

    /// Every Xink request under one root: a proxy, a new data center, or a fake in tests. API
    /// calls go to `<url>/api/1.0/…`, the token request to `<url>/OAuth/Token` (unless
    /// `ClientBuilder::auth_url` says otherwise), and discovery is skipped. It must be an
    /// absolute `https` URL (plain `http` only to loopback).
    pub fn custom(url: &str) -> Result<Self, Error> {
        sdk_auth::http::parse_base_url(url, "custom Xink API root").map(Region::Custom)
    }

    /// The fixed API root, or `None` for [`Region::Discover`].
    pub fn api_root(&self) -> Option<Url> {
        let text = match self {
            Region::Discover => return None,
            Region::Eu => "https://e-eu.xink.io",
            Region::Us => "https://e.xink.io",
            Region::Uk => "https://e-uk.xink.io",
            Region::Ca => "https://e-ca.xink.io",
            Region::Au => "https://e-au.xink.io",
            Region::Custom(url) => return Some(url.clone()),
        };
        Url::parse(text).ok()
    }
}

impl FromStr for Region {
    type Err = Error;

    /// `discover`, `eu`, `us`, `uk`, `ca`, `au` (any case), or an `https://` URL.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        Ok(match s.to_ascii_lowercase().as_str() {
            "" | "discover" | "auto" => Region::Discover,
            "eu" => Region::Eu,
            "us" => Region::Us,
            "uk" => Region::Uk,
            "ca" => Region::Ca,
            "au" => Region::Au,
            _ if s.contains("://") => Region::custom(s)?,
            _ => {
                return Err(Error::config(format!(
                    "unknown Xink region `{s}` (expected discover, eu, us, uk, ca, au or an https URL)"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_center_has_its_documented_root() {
        let roots: Vec<String> = Region::DATA_CENTERS
            .iter()
            .map(|r| r.api_root().unwrap().origin().ascii_serialization())
            .collect();
        assert_eq!(
            roots,
            [
                "https://e-eu.xink.io",
                "https://e.xink.io",
                "https://e-uk.xink.io",
                "https://e-ca.xink.io",
                "https://e-au.xink.io"
            ]
        );
        assert_eq!(Region::Discover.api_root(), None);
    }

    #[test]
    fn parses_names_and_urls() {
        assert_eq!("EU".parse::<Region>().unwrap(), Region::Eu);
        assert_eq!("discover".parse::<Region>().unwrap(), Region::Discover);
        assert_eq!(
            "https://proxy.example/xink"
                .parse::<Region>()
                .unwrap()
                .api_root()
                .unwrap()
                .as_str(),
            "https://proxy.example/xink"
        );
        assert!("mars".parse::<Region>().is_err());
        assert!(
            "http://e-eu.xink.io".parse::<Region>().is_err(),
            "plain http is refused"
        );
        assert!(
            Region::custom("http://127.0.0.1:9").is_ok(),
            "loopback is allowed for tests"
        );
    }
}
