//! The fault matrix: the same faults against every provider through one harness
//! (`sdk_tests::faults`), each asserting the exact outcome — the error kind (or success), how many
//! API requests were made (so how many retries), and how many token requests.

use sdk_auth::{ErrorKind, RetryPolicy, Timeouts};
use sdk_tests::faults::{Action, FaultServer, Provider, Route, providers};
use sdk_tests::{CANARY_SECRET, CANARY_TOKEN_PREFIX, fast_retry};
use serde_json::json;
use std::time::{Duration, Instant};

/// The expected result of one case for one provider.
#[derive(Debug, PartialEq)]
struct Outcome {
    /// `None`: the call succeeded.
    error: Option<ErrorKind>,
    api: usize,
    token: usize,
}

fn ok(api: usize, token: usize) -> Outcome {
    Outcome {
        error: None,
        api,
        token,
    }
}

fn err(kind: ErrorKind, api: usize, token: usize) -> Outcome {
    Outcome {
        error: Some(kind),
        api,
        token,
    }
}

fn timeouts() -> Timeouts {
    Timeouts::default()
        .connect(Duration::from_secs(2))
        .attempt(Duration::from_secs(2))
        .total(Duration::from_secs(10))
}

/// Runs one case: `setup` scripts the server, then one call is made; returns what happened.
async fn run(
    p: &Provider,
    retry: RetryPolicy,
    timeouts: Timeouts,
    expired: bool,
    setup: impl FnOnce(&FaultServer),
) -> (Outcome, Option<sdk_auth::Error>) {
    let server = FaultServer::start(p.token_path.unwrap_or("/no-token-endpoint")).await;
    let call = (p.connect)(&server, retry, timeouts, expired);
    setup(&server);
    let result = call().await;
    let error = result.as_ref().err().cloned();
    if let Some(e) = &error {
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(CANARY_SECRET),
            "{}: secret in error: {shown}",
            p.name
        );
        assert!(
            !shown.contains(CANARY_TOKEN_PREFIX),
            "{}: token in error: {shown}",
            p.name
        );
        assert_eq!(
            e.provider(),
            Some(p.name),
            "{}: provider named: {e}",
            p.name
        );
    }
    let outcome = Outcome {
        error: error.as_ref().map(|e| e.kind()),
        api: server.hits(Route::Api),
        token: server.hits(Route::Token),
    };
    (outcome, error)
}

fn check(p: &Provider, case: &str, got: Outcome, want: Outcome) {
    assert_eq!(got, want, "case `{case}` for {}", p.name);
}

// ---- API faults (every provider) ---------------------------------------------------------------

#[tokio::test]
async fn api_401_then_ok_refreshes_once() {
    for p in providers() {
        let (got, e) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(401, json!({"message": "expired"}))],
            )
        })
        .await;
        let want = if p.refreshes {
            ok(2, p.initial_token_requests + 1)
        } else {
            err(ErrorKind::Auth, 1, 0)
        };
        if !p.refreshes {
            assert!(e.expect("error").needs_reauthorization());
        }
        check(&p, "401 then 200", got, want);
    }
}

#[tokio::test]
async fn api_401_twice_is_an_auth_error_without_a_loop() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [
                    Action::json(401, json!({})),
                    Action::json(401, json!({})),
                    Action::json(401, json!({})),
                ],
            )
        })
        .await;
        let want = if p.refreshes {
            err(ErrorKind::Auth, 2, p.initial_token_requests + 1)
        } else {
            err(ErrorKind::Auth, 1, 0)
        };
        check(&p, "401 twice", got, want);
    }
}

#[tokio::test]
async fn api_403() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(403, json!({"error": "Forbidden"}))],
            )
        })
        .await;
        let want = if p.refreshes_on_403 {
            ok(2, p.initial_token_requests + 1)
        } else {
            err(ErrorKind::Permission, 1, p.initial_token_requests)
        };
        check(&p, "403", got, want);
    }
}

#[tokio::test]
async fn api_403_twice_is_a_permission_error() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(403, json!({})), Action::json(403, json!({}))],
            )
        })
        .await;
        let want = if p.refreshes_on_403 {
            err(ErrorKind::Permission, 2, p.initial_token_requests + 1)
        } else {
            err(ErrorKind::Permission, 1, p.initial_token_requests)
        };
        check(&p, "403 twice", got, want);
    }
}

#[tokio::test]
async fn api_404_is_not_retried() {
    for p in providers() {
        let (got, e) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(404, json!({"message": "nope"})).header("x-request-id", "rid-404")],
            )
        })
        .await;
        check(
            &p,
            "404",
            got,
            err(ErrorKind::Api, 1, p.initial_token_requests),
        );
        let e = e.expect("error");
        assert_eq!(
            (e.status(), e.request_id()),
            (Some(404), Some("rid-404")),
            "{}",
            p.name
        );
    }
}

#[tokio::test]
async fn api_429_with_retry_after_is_retried() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(429, json!({})).header("retry-after", "0")],
            )
        })
        .await;
        check(
            &p,
            "429 Retry-After: 0, then 200",
            got,
            ok(2, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_429_with_http_date_retry_after_is_retried() {
    for p in providers() {
        let past = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(5));
        let (got, _) = run(&p, fast_retry(), timeouts(), false, move |s| {
            s.script(
                Route::Api,
                [Action::json(429, json!({})).header("retry-after", &past)],
            )
        })
        .await;
        check(
            &p,
            "429 Retry-After: <date>, then 200",
            got,
            ok(2, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_429_without_retry_after_backs_off_and_retries() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(429, json!({})), Action::json(429, json!({}))],
            )
        })
        .await;
        check(
            &p,
            "429, 429, then 200",
            got,
            ok(3, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_429_every_time_gives_up_after_three_retries() {
    for p in providers() {
        let too_many = || {
            Action::json(429, json!({"error": "Too many requests"}))
                .header("x-ratelimit-remaining", "0")
        };
        let (got, e) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(Route::Api, (0..6).map(|_| too_many()))
        })
        .await;
        check(
            &p,
            "429 always",
            got,
            err(ErrorKind::RateLimited, 4, p.initial_token_requests),
        );
        let e = e.expect("error");
        assert_eq!(
            e.rate_limit().and_then(|r| r.remaining.as_deref()),
            Some("0"),
            "{}",
            p.name
        );
        assert_eq!(e.attempts(), Some(4), "{}: {e}", p.name);
        if p.name == "xpkit" {
            assert!(
                e.to_string().contains("documented limit: 2,000 requests"),
                "{e}"
            );
        }
    }
}

#[tokio::test]
async fn api_429_with_a_retry_after_beyond_the_cap_is_not_waited_for() {
    for p in providers() {
        let (got, e) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [Action::json(429, json!({})).header("retry-after", "3600")],
            )
        })
        .await;
        check(
            &p,
            "429 Retry-After: 3600",
            got,
            err(ErrorKind::RateLimited, 1, p.initial_token_requests),
        );
        assert_eq!(
            e.expect("error").rate_limit().and_then(|r| r.retry_after),
            Some(Duration::from_secs(3600))
        );
    }
}

#[tokio::test]
async fn api_500_is_not_retried() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(Route::Api, [Action::raw(500, "text/html", "<h1>oops</h1>")])
        })
        .await;
        check(
            &p,
            "500",
            got,
            err(ErrorKind::Api, 1, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_502_503_504_are_retried() {
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(
                Route::Api,
                [
                    Action::raw(502, "text/html", "bad gateway"),
                    Action::json(503, json!({})),
                    Action::raw(504, "text/plain", ""),
                ],
            )
        })
        .await;
        check(
            &p,
            "502, 503, 504, then 200",
            got,
            ok(4, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_503_every_time_is_an_error_after_the_retries() {
    for p in providers() {
        let (got, e) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(Route::Api, (0..6).map(|_| Action::json(503, json!({}))))
        })
        .await;
        check(
            &p,
            "503 always",
            got,
            err(ErrorKind::Api, 4, p.initial_token_requests),
        );
        assert!(e.expect("error").is_transient());
    }
}

#[tokio::test]
async fn retries_are_off_with_the_none_policy() {
    for p in providers() {
        let (got, _) = run(&p, RetryPolicy::none(), timeouts(), false, |s| {
            s.script(Route::Api, [Action::json(503, json!({}))])
        })
        .await;
        check(
            &p,
            "503 with RetryPolicy::none",
            got,
            err(ErrorKind::Api, 1, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_connection_reset_is_retried_like_a_timeout() {
    // A reset after the request was sent: retried like a timeout (every adapter's call is a GET;
    // a POST is not retried unless the policy allows non-idempotent retries).
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(Route::Api, [Action::Reset])
        })
        .await;
        check(&p, "connection reset", got, ok(2, p.initial_token_requests));
        // Every time: the retries run out, and the error is a transport error.
        let (got, _) = run(&p, fast_retry(), timeouts(), false, |s| {
            s.script(Route::Api, vec![Action::Reset; 4])
        })
        .await;
        check(
            &p,
            "connection reset every time",
            got,
            err(ErrorKind::Transport, 4, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn api_timeout_is_retried_then_reported() {
    let t = timeouts().attempt(Duration::from_millis(300));
    for p in providers() {
        let started = Instant::now();
        let (got, _) = run(&p, fast_retry().max_retries(1), t, false, |s| {
            s.script(
                Route::Api,
                [
                    Action::Stall(Duration::from_secs(3)),
                    Action::Stall(Duration::from_secs(3)),
                ],
            )
        })
        .await;
        check(
            &p,
            "no answer (twice)",
            got,
            err(ErrorKind::Timeout, 2, p.initial_token_requests),
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{}: per-attempt timeout applied",
            p.name
        );
    }
}

#[tokio::test]
async fn api_slow_body_past_the_deadline_is_a_timeout() {
    let t = timeouts().attempt(Duration::from_millis(300));
    for p in providers() {
        let (got, _) = run(&p, fast_retry(), t, false, |s| {
            s.script(
                Route::Api,
                (0..4).map(|_| Action::SlowBody(Duration::from_secs(3))),
            )
        })
        .await;
        // A timed-out attempt of an idempotent call is retried: 1 + 3 retries, then the error.
        check(
            &p,
            "slow body (every attempt)",
            got,
            err(ErrorKind::Timeout, 4, p.initial_token_requests),
        );
    }
}

#[tokio::test]
async fn total_deadline_stops_retries() {
    let t = timeouts().total(Duration::from_millis(350));
    // Backoff 200 ms then 400 ms: the second retry would end past the 350 ms deadline.
    let slow = RetryPolicy::standard()
        .delays(Duration::from_millis(200), Duration::from_secs(1))
        .jitter(false);
    for p in providers() {
        let (got, _) = run(&p, slow.clone(), t, false, |s| {
            s.script(Route::Api, (0..5).map(|_| Action::json(503, json!({}))))
        })
        .await;
        check(
            &p,
            "503 always, 350 ms deadline",
            got,
            err(ErrorKind::Api, 2, p.initial_token_requests),
        );
    }
}

// ---- token endpoint faults (providers whose call path fetches tokens) --------------------------

/// A transient blip at the token endpoint (reset, timeout, 503): retried inside the fetch, so
/// the call succeeds with one extra token request; except where the token request carries a
/// single-use grant (iinked Sign's refresh token), which is sent once: then the call fails
/// after one token request with `single_use` (the kind; `outcome_unknown` when the request may
/// have reached the server).
async fn token_blip_case(case: &str, action: Action, single_use: (ErrorKind, bool)) {
    for p in providers().into_iter().filter(|p| p.token_path.is_some()) {
        let t = timeouts().attempt(Duration::from_millis(300));
        let (got, e) = run(&p, fast_retry(), t, true, |s| {
            s.script(Route::Token, [action.clone()])
        })
        .await;
        if p.single_use_token {
            let (kind, unknown) = single_use;
            check(&p, case, got, err(kind, 0, 1));
            let e = e.expect("an error");
            assert_eq!(
                e.code() == Some(sdk_auth::OUTCOME_UNKNOWN),
                unknown,
                "{case} for {}: {e}",
                p.name
            );
            continue;
        }
        check(&p, case, got, ok(1, 2));
        // With retries off, the blip is the call's error, after one token request.
        let (got, _) = run(&p, sdk_auth::RetryPolicy::none(), t, true, |s| {
            s.script(Route::Token, [action.clone()])
        })
        .await;
        assert_eq!(
            (got.api, got.token),
            (0, 1),
            "{case} without retries for {}",
            p.name
        );
        assert!(got.error.is_some(), "{case} without retries for {}", p.name);
    }
}

/// A refusal the server answered with `Retry-After` (429 or 503) never processed the request:
/// retried for every provider, single-use grants included.
#[tokio::test]
async fn token_endpoint_refusal_with_retry_after_is_retried_for_every_grant() {
    for status in [429u16, 503] {
        for p in providers().into_iter().filter(|p| p.token_path.is_some()) {
            let (got, _) =
                run(&p, fast_retry(), timeouts(), true, |s| {
                    s.script(
                        Route::Token,
                        [Action::raw(status, "text/html", "<h1>busy</h1>")
                            .header("retry-after", "0")],
                    )
                })
                .await;
            check(
                &p,
                &format!("token {status} with Retry-After"),
                got,
                ok(1, 2),
            );
        }
    }
}

async fn token_case(case: &str, action: Action, kind: ErrorKind) {
    for p in providers().into_iter().filter(|p| p.token_path.is_some()) {
        let t = timeouts().attempt(Duration::from_millis(300));
        let (got, _) = run(&p, fast_retry(), t, true, |s| {
            s.script(Route::Token, [action.clone()])
        })
        .await;
        check(&p, case, got, err(kind, 0, 1));
    }
}

#[tokio::test]
async fn token_endpoint_500() {
    token_case(
        "token 500",
        Action::raw(500, "text/html", "<h1>down</h1>"),
        ErrorKind::Api,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_timeout_is_retried() {
    token_blip_case(
        "token timeout",
        Action::Stall(Duration::from_secs(3)),
        (ErrorKind::Timeout, true),
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_503_is_retried() {
    token_blip_case(
        "token 503",
        Action::raw(503, "text/html", "<h1>busy</h1>"),
        (ErrorKind::Api, false),
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_html() {
    token_case(
        "token HTML",
        Action::raw(200, "text/html", "<html>login</html>"),
        ErrorKind::Decode,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_garbage_json() {
    token_case(
        "token garbage",
        Action::raw(200, "application/json", "{\"access_token\": tru"),
        ErrorKind::Decode,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_missing_access_token() {
    token_case(
        "token without access_token",
        Action::json(200, json!({"token_type": "bearer", "expires_in": 3600})),
        ErrorKind::Decode,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_huge_body() {
    let huge = format!("{{\"access_token\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    token_case(
        "token 2 MiB body",
        Action::raw(200, "application/json", huge),
        ErrorKind::Decode,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_refused_credentials() {
    token_case(
        "token 401 invalid_client",
        Action::json(
            401,
            json!({"error": "invalid_client", "error_description": "bad secret"}),
        ),
        ErrorKind::Auth,
    )
    .await;
}

#[tokio::test]
async fn token_endpoint_reset_is_retried() {
    token_blip_case(
        "token connection reset",
        Action::Reset,
        (ErrorKind::Transport, true),
    )
    .await;
}
