//! Retry policy, timeouts, and rate-limit information.
//!
//! [`AuthHooks::exec`](crate::AuthHooks::exec) retries a request when the connection failed or
//! timed out, or the provider answered 429, 502, 503 or 504 — by default only for idempotent
//! methods (GET, HEAD, PUT, DELETE, OPTIONS) and never when the body cannot be replayed. Delays
//! grow exponentially with jitter (`backon`'s exponential builder); a `Retry-After` header
//! (seconds or an HTTP date) is honoured, capped, and wins over the backoff. No retry starts
//! that could not finish before the total deadline.

use backon::BackoffBuilder;
use reqwest::header::HeaderMap;
use std::time::{Duration, Instant, SystemTime};

/// When and how often to retry.
///
/// Start from [`RetryPolicy::standard`] (the default) or [`RetryPolicy::none`] and change what
/// you need: `RetryPolicy::standard().max_retries(5)`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: u32,
    /// First backoff delay.
    pub min_delay: Duration,
    /// Largest backoff delay.
    pub max_delay: Duration,
    /// Add random jitter to backoff delays.
    pub jitter: bool,
    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
    /// Statuses that are retried.
    pub statuses: Vec<u16>,
    /// Also retry non-idempotent methods (POST, PATCH). Off by default: a POST that reached the
    /// server and timed out may have been applied.
    pub retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryPolicy {
    /// The default: up to 3 retries, 200 ms to 5 s with jitter, `Retry-After` up to 30 s,
    /// statuses 429/502/503/504, idempotent methods only.
    pub fn standard() -> Self {
        Self {
            max_retries: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            jitter: true,
            max_retry_after: Duration::from_secs(30),
            statuses: vec![429, 502, 503, 504],
            retry_non_idempotent: false,
        }
    }

    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::standard()
        }
    }

    /// Sets the number of retries.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the backoff delays.
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// Turns jitter on or off.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the largest honoured `Retry-After`.
    pub fn max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Sets the statuses that are retried.
    pub fn statuses(mut self, statuses: impl Into<Vec<u16>>) -> Self {
        self.statuses = statuses.into();
        self
    }

    /// Also retry POST and PATCH.
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// How long to wait before the next retry, or `None` to stop: no backoff step left, a
    /// `hint` (`Retry-After`) beyond [`max_retry_after`](Self::max_retry_after), or a wait that
    /// would end at or after `deadline`. A `hint` wins over the backoff delay.
    pub(crate) fn next_delay(
        &self,
        backoff: &mut impl Iterator<Item = Duration>,
        hint: Option<Duration>,
        deadline: Instant,
    ) -> Option<Duration> {
        let backoff_delay = backoff.next()?;
        let delay = match hint {
            Some(after) if after > self.max_retry_after => return None,
            Some(after) => after,
            None => backoff_delay,
        };
        (crate::http::saturating_add(Instant::now(), delay) < deadline).then_some(delay)
    }

    /// The backoff delays, one per retry.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        let mut builder = backon::ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries as usize);
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }

    /// Whether `method` may be retried under this policy.
    pub fn allows(&self, method: &reqwest::Method) -> bool {
        use reqwest::Method;
        self.retry_non_idempotent
            || matches!(
                *method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
            )
    }
}

/// Timeouts of every call: `Timeouts::default().total(Duration::from_secs(20))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection (default 10 s).
    pub connect: Duration,
    /// One attempt, from sending to the end of the body (default 30 s).
    pub attempt: Duration,
    /// All attempts of one call together, backoff included (default 90 s).
    pub total: Duration,
}

impl Timeouts {
    /// The timeout of an attempt starting now: [`attempt`](Self::attempt), cut to what is left
    /// before `deadline` (at least 1 ms, so that a spent deadline still fails as a timeout).
    pub(crate) fn attempt_until(&self, deadline: Instant) -> Duration {
        self.attempt
            .min(deadline.saturating_duration_since(Instant::now()))
            .max(Duration::from_millis(1))
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(30),
            total: Duration::from_secs(90),
        }
    }
}

/// What a provider said about rate limiting on an error answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `Retry-After`, as a duration from now.
    pub retry_after: Option<Duration>,
    /// `X-RateLimit-Limit` / `RateLimit-Limit`, as sent.
    pub limit: Option<String>,
    /// `X-RateLimit-Remaining` / `RateLimit-Remaining`, as sent.
    pub remaining: Option<String>,
    /// `X-RateLimit-Reset` / `RateLimit-Reset`, as sent.
    pub reset: Option<String>,
    /// The provider's documented limit, when it documents one (e.g. XPKit's 2,000 requests per
    /// app per 5 minutes).
    pub documented: Option<String>,
}

impl RateLimit {
    /// Rate-limit information from response headers (`None` when there is none).
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |names: &[&str]| {
            names.iter().find_map(|n| {
                headers
                    .get(*n)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.chars().take(100).collect::<String>())
            })
        };
        let info = Self {
            retry_after: retry_after(headers),
            limit: text(&["x-ratelimit-limit", "ratelimit-limit"]),
            remaining: text(&["x-ratelimit-remaining", "ratelimit-remaining"]),
            reset: text(&["x-ratelimit-reset", "ratelimit-reset"]),
            documented: None,
        };
        (info != Self::default()).then_some(info)
    }
}

/// `Retry-After` in seconds or as an HTTP date, as a duration from now.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(110) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn backoff_is_bounded_and_counted() {
        let p = RetryPolicy::standard()
            .jitter(false)
            .delays(Duration::from_millis(100), Duration::from_millis(300));
        let delays: Vec<u128> = p.backoff().map(|d| d.as_millis()).collect();
        assert_eq!(
            delays,
            [100, 200, 300],
            "doubling, capped, as many as max_retries"
        );
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
        assert!(p.allows(&reqwest::Method::GET) && p.allows(&reqwest::Method::DELETE));
        assert!(!p.allows(&reqwest::Method::POST));
        assert!(p.retry_non_idempotent(true).allows(&reqwest::Method::POST));
    }

    #[test]
    fn rate_limit_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("retry-after", "3".parse().unwrap());
        let r = RateLimit::from_headers(&h).unwrap();
        assert_eq!(r.remaining.as_deref(), Some("0"));
        assert_eq!(r.retry_after, Some(Duration::from_secs(3)));
    }
}

with_setters!(Timeouts {
    /// Sets [`connect`](Self::connect).
    connect: connect: Duration => connect;
    /// Sets [`attempt`](Self::attempt).
    attempt: attempt: Duration => attempt;
    /// Sets [`total`](Self::total).
    total: total: Duration => total;
});
