//! Property tests: arbitrary bytes and arbitrary JSON into every token-response parser, the
//! webhook parser, the error mapping and representative generated decoders. Errors are fine;
//! panics are not, and no parser may echo its input into an error.

use proptest::prelude::*;
use serde_json::Value;

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,20}".prop_map(Value::String),
        // Field names the parsers look at, with odd values.
        prop_oneof![
            Just("access_token"),
            Just("expires_in"),
            Just("xref_account_id"),
            Just("action"),
            Just("results"),
            Just("Success"),
            Just("APIRoot")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("access_token".to_owned()),
                        Just("expires_in".to_owned()),
                        Just("token_type".to_owned()),
                        Just("refresh_token".to_owned()),
                        Just("xref_account_id".to_owned()),
                        Just("action".to_owned()),
                        Just("packageId".to_owned()),
                        Just("results".to_owned()),
                        Just("next_token".to_owned()),
                        Just("error".to_owned()),
                        Just("extra_info".to_owned()),
                        Just("Success".to_owned()),
                        ".{0,8}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn decoders(bytes: &[u8]) {
    let canary = "canary-fuzz-secret";
    let echoes = |e: &sdk_auth::Error| {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(canary), "input echoed: {shown}");
    };
    match sdk_auth::parse_token_response(bytes) {
        Ok(t) => assert!(!t.access_token.secret().is_empty()),
        Err(e) => echoes(&e),
    }
    if let Err(e) = xref_sdk::parse_token_response(bytes) {
        echoes(&e);
    }
    if let Err(e) = iinked_sign_sdk::webhook::Event::parse(bytes) {
        echoes(&e);
    }
    if let Err(e) = sdk_auth::http::parse_json_object(bytes, "body") {
        echoes(&e);
    }
    for status in [400u16, 401, 403, 404, 429, 500, 503] {
        let e =
            sdk_auth::http::error_from_response(status, &reqwest::header::HeaderMap::new(), bytes);
        assert_eq!(e.status(), Some(status));
    }
    let _ = serde_json::from_slice::<xink_sdk::types::DiscoveryResult>(bytes);
    let _ = serde_json::from_slice::<iinked_sign_sdk::types::Package>(bytes);
    let _ = serde_json::from_slice::<iinked_sign_sdk::types::PackageList>(bytes);
    let _ = serde_json::from_slice::<xpkit_sdk::activities::types::XpKitResources>(bytes);
    let _ = serde_json::from_slice::<xpkit_sdk::jobs::types::Job>(bytes);
    let _ = serde_json::from_slice::<xpkit_sdk::queues::types::QueueItem>(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        decoders(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        let bytes = serde_json::to_vec(&value).expect("serializable");
        decoders(&bytes);
        if let Value::Object(map) = &value {
            let _ = sdk_auth::http::message_and_code(&Value::Object(map.clone()));
        }
    }

    #[test]
    fn token_bodies_with_a_secret_never_echo_it(expires in prop_oneof![Just(Value::Null), any::<i64>().prop_map(Value::from), ".{0,6}".prop_map(Value::String), Just(Value::Array(vec![]))],
                                                token_type in prop_oneof![Just(Value::Null), Just(Value::from(7)), Just(Value::from("bearer"))]) {
        // A body whose other fields are odd must never show the token in an error.
        let body = serde_json::json!({"access_token": "canary-fuzz-secret", "expires_in": expires, "token_type": token_type, "refresh_token": ["canary-fuzz-secret"]});
        match sdk_auth::parse_token_response(&serde_json::to_vec(&body).expect("json")) {
            Ok(t) => prop_assert_eq!(t.access_token.secret(), "canary-fuzz-secret"),
            Err(e) => {
                let shown = format!("{} {:?}", e, e);
                prop_assert!(!shown.contains("canary-fuzz-secret"), "echoed: {}", shown);
            }
        }
    }
}
