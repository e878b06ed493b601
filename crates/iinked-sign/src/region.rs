//! iinked Sign's datacenters.
//!
//! Every API call goes to `<origin>/api/v1`; the OAuth endpoints (`/connect/authorize`,
//! `/connect/token`) and signing links live on the origin itself. Sandbox and production are
//! separate systems: credentials belong to one instance.

use sdk_auth::Error;
use std::str::FromStr;
use url::Url;

/// Where an organization's data lives: iinked Sign's datacenters (every provider crate of this
/// workspace calls the place a provider runs a `Region`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// Sandbox, US: `https://sandbox.syngrafii.com`.
    SandboxUs,
    /// Sandbox, EU: `https://sandbox.syngrafii.eu`.
    SandboxEu,
    /// Production, US: `https://sign.syngrafii.com`.
    ProductionUs,
    /// Production, Canada: `https://sign.syngrafii.ca`.
    ProductionCa,
    /// Production, EU: `https://sign.syngrafii.eu`.
    ProductionEu,
    /// A private instance, `https://<subdomain>.syngrafii.com`. Build it with
    /// [`Region::private`], which validates the name.
    Private(PrivateInstance),
    /// Any other origin (a proxy; a fake in tests). Build it with [`Region::custom`].
    Custom(Url),
}

/// A validated private-instance subdomain (one lower-case DNS label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateInstance(String);

impl PrivateInstance {
    /// The subdomain.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Region {
    /// The five public datacenters.
    pub const PUBLIC: [Region; 5] = [
        Region::SandboxUs,
        Region::SandboxEu,
        Region::ProductionUs,
        Region::ProductionCa,
        Region::ProductionEu,
    ];

    /// A private instance by subdomain (`acme` → `https://acme.syngrafii.com`).
    ///
    /// The name must be one DNS label: 1 to 63 letters, digits or hyphens, not starting or
    /// ending with a hyphen. Anything else (dots, slashes, `@`, spaces) is a configuration error,
    /// so that a bad name can never send credentials to another host.
    pub fn private(subdomain: &str) -> Result<Self, Error> {
        let name = subdomain.trim().to_ascii_lowercase();
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if !valid {
            return Err(Error::config(format!(
                "invalid private instance name `{subdomain}`: expected one DNS label such as `acme` (letters, digits, hyphens)"
            ))
            .with_provider(crate::auth::PROVIDER));
        }
        Ok(Region::Private(PrivateInstance(name)))
    }

    /// Any origin (scheme, host, port; a path is kept as a prefix). Must be `https` (plain
    /// `http` only to loopback).
    pub fn custom(origin: &str) -> Result<Self, Error> {
        sdk_auth::http::parse_base_url(origin, "custom iinked Sign origin")
            .map(Region::Custom)
            .map_err(|e| e.with_provider(crate::auth::PROVIDER))
    }

    /// The origin, e.g. `https://sign.syngrafii.com/`.
    pub fn origin(&self) -> Url {
        let text = match self {
            Region::SandboxUs => "https://sandbox.syngrafii.com".to_owned(),
            Region::SandboxEu => "https://sandbox.syngrafii.eu".to_owned(),
            Region::ProductionUs => "https://sign.syngrafii.com".to_owned(),
            Region::ProductionCa => "https://sign.syngrafii.ca".to_owned(),
            Region::ProductionEu => "https://sign.syngrafii.eu".to_owned(),
            Region::Private(name) => format!("https://{}.syngrafii.com", name.0),
            Region::Custom(url) => return url.clone(),
        };
        // Fixed hosts, or a validated DNS label inside a fixed pattern: always a valid URL.
        Url::parse(&text).expect("datacenter origins are valid URLs by construction")
    }

    /// `origin` joined with `path` (no double slashes).
    pub fn join(&self, path: &str) -> Url {
        let origin = self.origin();
        sdk_auth::http::join(&origin, path).unwrap_or(origin)
    }

    /// The API base, `<origin>/api/v1`.
    pub fn api_base(&self) -> Url {
        self.join("api/v1")
    }

    /// The OAuth authorize endpoint, `<origin>/connect/authorize` (documented for sandbox US;
    /// the same path on the other origins is an assumption).
    pub fn authorize_url(&self) -> Url {
        self.join("connect/authorize")
    }

    /// The OAuth token endpoint, `<origin>/connect/token` (the full URL is not shown in the
    /// docs; this follows the authorize endpoint).
    pub fn token_url(&self) -> Url {
        self.join("connect/token")
    }
}

impl FromStr for Region {
    type Err = Error;

    /// `sandbox-us`, `sandbox-eu`, `us`, `ca`, `eu` (also `production-us` etc.), a private
    /// instance name prefixed with `private:`, or an `https://` origin.
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        Ok(match t.to_ascii_lowercase().as_str() {
            "sandbox-us" | "sandbox" => Region::SandboxUs,
            "sandbox-eu" => Region::SandboxEu,
            "us" | "production-us" => Region::ProductionUs,
            "ca" | "production-ca" => Region::ProductionCa,
            "eu" | "production-eu" => Region::ProductionEu,
            _ if t.contains("://") => Region::custom(t)?,
            lower => match lower.strip_prefix("private:") {
                Some(name) => Region::private(name)?,
                None => {
                    return Err(Error::config(format!(
                        "unknown iinked Sign datacenter `{t}` (expected sandbox-us, sandbox-eu, us, ca, eu, private:<name> or an https URL)"
                    )));
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_datacenter_resolves_to_its_host() {
        let bases: Vec<String> = Region::PUBLIC
            .iter()
            .map(|d| d.api_base().to_string())
            .collect();
        assert_eq!(
            bases,
            [
                "https://sandbox.syngrafii.com/api/v1",
                "https://sandbox.syngrafii.eu/api/v1",
                "https://sign.syngrafii.com/api/v1",
                "https://sign.syngrafii.ca/api/v1",
                "https://sign.syngrafii.eu/api/v1",
            ]
        );
        let acme = Region::private("Acme-Legal").unwrap();
        assert_eq!(
            acme.api_base().as_str(),
            "https://acme-legal.syngrafii.com/api/v1"
        );
        assert_eq!(
            acme.authorize_url().as_str(),
            "https://acme-legal.syngrafii.com/connect/authorize"
        );
        assert_eq!(
            Region::ProductionCa.token_url().as_str(),
            "https://sign.syngrafii.ca/connect/token"
        );
    }

    #[test]
    fn invalid_private_names_are_rejected() {
        for bad in [
            "",
            "-acme",
            "acme-",
            "acme.evil.com",
            "evil.com/x",
            "a b",
            "user@host",
            "acme:443",
            "ac%6De",
            "ümlaut",
            &"a".repeat(64),
        ] {
            let e = Region::private(bad).unwrap_err();
            assert_eq!(e.kind(), sdk_auth::ErrorKind::Config, "{bad}");
        }
        assert!(Region::private(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn parses_names() {
        assert_eq!("eu".parse::<Region>().unwrap(), Region::ProductionEu);
        assert_eq!(
            "private:acme".parse::<Region>().unwrap(),
            Region::private("acme").unwrap()
        );
        assert!("private:a.b".parse::<Region>().is_err());
        assert!("mars".parse::<Region>().is_err());
        assert!("http://sign.syngrafii.com".parse::<Region>().is_err());
    }
}
