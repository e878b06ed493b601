//! [`check_store_contract`]: the coordination contract of [`TokenStore`], as a test any store
//! implementation can run.

use crate::store::{StoredToken, TokenStore};
use crate::token::Token;
use std::time::{Duration, SystemTime};

fn token(access: &str, refresh: Option<&str>) -> StoredToken {
    let mut t = Token::new(access);
    t.expires_in = Some(Duration::from_secs(3600));
    t.refresh_token = refresh.map(crate::RefreshToken::new);
    StoredToken::from_token(&t, SystemTime::now())
}

fn ok<T>(r: Result<T, crate::Error>, what: &str) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// Runs the contract of [`TokenStore`] against `store` and panics at the first violation: a
/// test helper for store implementations (the SDK's own stores run it against real files and a
/// real Redis). Uses keys under `contract/`; run it on an empty store.
pub async fn check_store_contract(store: &dyn TokenStore) {
    let k = "contract/token";

    // Versions and compare-and-set.
    assert!(
        ok(store.get_versioned(k).await, "get").is_none(),
        "starts empty"
    );
    let v1 = ok(
        store
            .compare_and_set(k, None, token("a1", Some("r1")))
            .await,
        "cas",
    )
    .expect("an absent key is written");
    assert!(
        ok(
            store.compare_and_set(k, None, token("x", None)).await,
            "cas"
        )
        .is_none(),
        "a key that exists is not at `absent`"
    );
    let read = ok(store.get_versioned(k).await, "get").expect("written");
    assert_eq!(read.version, v1);
    assert_eq!(read.token.access_token.secret(), "a1");
    assert_eq!(
        read.token.refresh_token.as_ref().map(|r| r.secret()),
        Some("r1")
    );
    let v2 = ok(
        store
            .compare_and_set(k, Some(v1), token("a2", Some("r2")))
            .await,
        "cas",
    )
    .expect("the version read is current");
    assert!(v2 > v1, "versions grow");
    assert!(
        ok(
            store
                .compare_and_set(k, Some(v1), token("stale", None))
                .await,
            "cas"
        )
        .is_none(),
        "a stale version loses"
    );
    ok(store.put(k, token("a3", Some("r3"))).await, "put");
    let after_put = ok(store.get_versioned(k).await, "get").expect("put");
    assert!(after_put.version > v2, "a put is a write too");
    assert_eq!(
        ok(store.get(k).await, "get").unwrap().access_token.secret(),
        "a3"
    );
    ok(store.delete(k).await, "delete");
    assert!(ok(store.get(k).await, "get").is_none());
    ok(store.delete(k).await, "a second delete is no error");

    // Leases: one live owner; only the owner releases; an expired lease can be taken over.
    let l = "contract/lease";
    let first = ok(
        store.acquire_lease(l, Duration::from_secs(30)).await,
        "lease",
    )
    .expect("a free key is leased");
    assert!(
        ok(
            store.acquire_lease(l, Duration::from_secs(30)).await,
            "lease"
        )
        .is_none(),
        "one live lease per key"
    );
    let short = "contract/short";
    let stale = ok(
        store.acquire_lease(short, Duration::from_millis(50)).await,
        "lease",
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(120)).await;
    let taken_over = ok(
        store.acquire_lease(short, Duration::from_secs(30)).await,
        "lease",
    )
    .expect("an expired lease is taken over");
    assert!(
        !ok(store.release_lease(&stale).await, "release"),
        "a former owner cannot release its successor's lease"
    );
    assert!(ok(store.release_lease(&taken_over).await, "release"));
    assert!(ok(store.release_lease(&first).await, "release"));
    assert!(
        ok(
            store.acquire_lease(l, Duration::from_secs(30)).await,
            "lease"
        )
        .is_some(),
        "released means free"
    );

    // Single-use records with expiry.
    let r = "contract/record";
    ok(
        store
            .put_record(r, b"state+verifier".to_vec(), Duration::from_secs(30))
            .await,
        "record",
    );
    assert_eq!(
        ok(store.take_record(r).await, "take").as_deref(),
        Some(&b"state+verifier"[..])
    );
    assert!(
        ok(store.take_record(r).await, "take").is_none(),
        "taken once"
    );
    ok(
        store
            .put_record(r, b"old".to_vec(), Duration::from_millis(50))
            .await,
        "record",
    );
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(
        ok(store.take_record(r).await, "take").is_none(),
        "expired records are gone"
    );
}
