//! XPKit's regions and the hosts of its 17 services.
//!
//! Every service lives on `https://<service>.<region domain>`. China uses a different domain
//! (`china.xpkit.cn`), so regions are an enum rather than a name in a template.

use sdk_auth::Error;
use std::str::FromStr;
use url::Url;

/// A region.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Region {
    /// The Americas: `amer.xpkit.net`.
    Amer,
    /// Asia-Pacific: `apac.xpkit.net`.
    Apac,
    /// Europe, Middle East and Africa: `emea.xpkit.net`.
    Emea,
    /// China: `china.xpkit.cn`.
    China,
    /// Another base: either a base domain (`https://<service>.<domain>`), or, with
    /// [`Region::custom`], one origin serving every service (a proxy; a fake in tests).
    Custom(CustomBase),
}

/// A custom base. Build it with [`Region::custom_domain`] or [`Region::custom`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomBase {
    /// `https://<service>.<domain>`.
    Domain(String),
    /// Every service on one origin; the service name becomes the first path segment
    /// (`<origin>/<service>/api/...`).
    Origin(Url),
}

/// An XPKit service (one host per region).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// Auth API (`auth`): tokens, users.
    Auth,
    /// Activities API.
    Activities,
    /// Alerts API.
    Alerts,
    /// Catalogue API.
    Catalogue,
    /// Exports API.
    Exports,
    /// Health API.
    Health,
    /// Identifications API.
    Identifications,
    /// Jobs API.
    Jobs,
    /// Moments API.
    Moments,
    /// NFTs API.
    Nfts,
    /// Notifications API.
    Notifications,
    /// Profiles API.
    Profiles,
    /// Queues API.
    Queues,
    /// Resources API.
    Resources,
    /// Social Linking API (`socialauth`).
    SocialAuth,
    /// Souvenirs API.
    Souvenirs,
    /// VCC API (visitor-created content).
    Vcc,
}

impl Service {
    /// All 17 services.
    pub const ALL: [Service; 17] = [
        Service::Auth,
        Service::Activities,
        Service::Alerts,
        Service::Catalogue,
        Service::Exports,
        Service::Health,
        Service::Identifications,
        Service::Jobs,
        Service::Moments,
        Service::Nfts,
        Service::Notifications,
        Service::Profiles,
        Service::Queues,
        Service::Resources,
        Service::SocialAuth,
        Service::Souvenirs,
        Service::Vcc,
    ];

    /// The host's first label (`activities`, `socialauth`, ...).
    pub fn subdomain(self) -> &'static str {
        match self {
            Service::Auth => "auth",
            Service::Activities => "activities",
            Service::Alerts => "alerts",
            Service::Catalogue => "catalogue",
            Service::Exports => "exports",
            Service::Health => "health",
            Service::Identifications => "identifications",
            Service::Jobs => "jobs",
            Service::Moments => "moments",
            Service::Nfts => "nfts",
            Service::Notifications => "notifications",
            Service::Profiles => "profiles",
            Service::Queues => "queues",
            Service::Resources => "resources",
            Service::SocialAuth => "socialauth",
            Service::Souvenirs => "souvenirs",
            Service::Vcc => "vcc",
        }
    }
}

impl Region {
    /// The four XPKit regions.
    pub const ALL: [Region; 4] = [Region::Amer, Region::Apac, Region::Emea, Region::China];

    /// A custom base domain: services at `https://<service>.<domain>`. The domain must be a
    /// plain host name (letters, digits, dots, hyphens).
    pub fn custom_domain(domain: &str) -> Result<Self, Error> {
        let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let ok = !d.is_empty()
            && d.len() <= 253
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            });
        if !ok {
            return Err(
                Error::config(format!("invalid XPKit base domain `{domain}`"))
                    .with_provider(crate::auth::PROVIDER),
            );
        }
        Ok(Region::Custom(CustomBase::Domain(d)))
    }

    /// Every service under one origin (`<origin>/<service>/...`, the token at
    /// `<origin>/auth/api/token/`): a proxy, or a fake in tests.
    /// Must be `https` (plain `http` only to loopback).
    pub fn custom(origin: &str) -> Result<Self, Error> {
        sdk_auth::http::parse_base_url(origin, "XPKit origin")
            .map(|u| Region::Custom(CustomBase::Origin(u)))
            .map_err(|e| e.with_provider(crate::auth::PROVIDER))
    }

    /// The region's base domain (`emea.xpkit.net`), or `None` for a single-origin base.
    pub fn domain(&self) -> Option<&str> {
        Some(match self {
            Region::Amer => "amer.xpkit.net",
            Region::Apac => "apac.xpkit.net",
            Region::Emea => "emea.xpkit.net",
            Region::China => "china.xpkit.cn",
            Region::Custom(CustomBase::Domain(d)) => d,
            Region::Custom(CustomBase::Origin(_)) => return None,
        })
    }

    /// The base URL of `service` in this region, e.g. `https://profiles.emea.xpkit.net/`.
    pub fn service_url(&self, service: Service) -> Url {
        match self {
            Region::Custom(CustomBase::Origin(origin)) => join(origin, service.subdomain()),
            _ => {
                let domain = self.domain().unwrap_or("invalid");
                // A validated domain and a fixed label: always a valid URL.
                Url::parse(&format!("https://{}.{domain}", service.subdomain()))
                    .expect("service URLs are valid by construction")
            }
        }
    }

    /// The token endpoint, `https://auth.<domain>/api/token/` (with its trailing slash).
    pub fn token_url(&self) -> Url {
        join(&self.service_url(Service::Auth), "api/token/")
    }

    /// The browser login page, `https://auth.<domain>/authorize/`.
    pub fn authorize_url(&self) -> Url {
        join(&self.service_url(Service::Auth), "authorize/")
    }
}

fn join(base: &Url, path: &str) -> Url {
    sdk_auth::http::join(base, path).unwrap_or_else(|_| base.clone())
}

impl FromStr for Region {
    type Err = Error;

    /// `amer`, `apac`, `emea`, `china` (any case), a full base domain such as `emea.xpkit.net`,
    /// or an `https://` origin (single-origin base).
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        Ok(match t.to_ascii_lowercase().as_str() {
            "amer" | "amer.xpkit.net" => Region::Amer,
            "apac" | "apac.xpkit.net" => Region::Apac,
            "emea" | "emea.xpkit.net" => Region::Emea,
            "china" | "china.xpkit.cn" => Region::China,
            _ if t.contains("://") => Region::custom(t)?,
            other if other.contains('.') => Region::custom_domain(other)?,
            _ => {
                return Err(Error::config(format!(
                    "unknown XPKit region `{t}` (expected amer, apac, emea, china, a base domain or an https URL)"
                ))
                .with_provider(crate::auth::PROVIDER));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_and_service_resolves() {
        for region in Region::ALL {
            let domain = region.domain().unwrap().to_owned();
            for service in Service::ALL {
                assert_eq!(
                    region.service_url(service).as_str(),
                    format!("https://{}.{domain}/", service.subdomain())
                );
            }
        }
        assert_eq!(
            Region::China.service_url(Service::Auth).as_str(),
            "https://auth.china.xpkit.cn/"
        );
        assert_eq!(
            Region::Emea.service_url(Service::SocialAuth).as_str(),
            "https://socialauth.emea.xpkit.net/"
        );
        assert_eq!(
            Region::Apac.token_url().as_str(),
            "https://auth.apac.xpkit.net/api/token/"
        );
        assert_eq!(
            Region::Amer.authorize_url().as_str(),
            "https://auth.amer.xpkit.net/authorize/"
        );
        let origin = Region::custom("http://127.0.0.1:9").unwrap();
        assert_eq!(
            origin.service_url(Service::Jobs).as_str(),
            "http://127.0.0.1:9/jobs"
        );
        assert_eq!(
            origin.token_url().as_str(),
            "http://127.0.0.1:9/auth/api/token/"
        );
    }

    #[test]
    fn parsing_and_validation() {
        assert_eq!("EMEA".parse::<Region>().unwrap(), Region::Emea);
        assert_eq!("china.xpkit.cn".parse::<Region>().unwrap(), Region::China);
        assert_eq!(
            "xpkit.example.org"
                .parse::<Region>()
                .unwrap()
                .service_url(Service::Vcc)
                .as_str(),
            "https://vcc.xpkit.example.org/"
        );
        for bad in ["mars", "a..b", "evil.com/x", "http://xpkit.example", "-a.b"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }
}
