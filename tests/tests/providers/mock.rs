//! The test kit users get with each crate's `mock` feature, used the way a downstream test uses
//! it: start the fake, say what one operation answers, call, assert. Also what the fakes
//! themselves promise (auth on the wire, PKCE, rotation, expiry) and what the generated typed
//! matchers get right (encoded path values, one segment per parameter).

use sdk_auth::ErrorKind;
use std::sync::Arc;

mod xink {
    use super::*;
    use xink_sdk::mock::{MockServerExt, MockXink, json};

    #[tokio::test]
    async fn list_employees_downstream() -> Result<(), xink_sdk::Error> {
        let xink = MockXink::start().await;
        let list = xink.list_employees(|when, then| {
            when.offset(0).limit(500);
            then.ok(&json!([{"Email": "jane@example.com"}]).into());
        });
        let page = xink.client()?.list_employees().send().await?.into_inner();
        assert_eq!(page.0[0]["Email"], "jane@example.com");
        list.assert_async().await;
        assert_eq!(xink.token_requests().len(), 1);
        Ok(())
    }

    #[tokio::test]
    async fn failing_get_employee_fields_downstream() -> Result<(), xink_sdk::Error> {
        let xink = MockXink::start().await;
        let missing = xink.get_employee_fields(|when, then| {
            when.email("a b@x");
            then.error(404, json!({"Message": "Employee not found"}));
        });
        let client = xink.client()?;
        let e = client
            .get_employee_fields()
            .email("a b@x")
            .send()
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Api, Some(404)));
        assert!(e.to_string().contains("Employee not found"), "{e}");
        missing.assert_async().await;
        Ok(())
    }

    #[tokio::test]
    async fn typed_path_matchers_match_the_encoded_value_only() -> Result<(), xink_sdk::Error> {
        let xink = MockXink::start().await;
        let plus = xink.get_employee_fields(|when, then| {
            when.email("x+y@x.io");
            then.ok(&json!({"who": "plus"}).into());
        });
        let client = xink.client()?;
        // `+` and `.` are literal: neither `xxy@x.io` nor `x+y@xxio` reaches the mock.
        for other in ["xxy@x.io", "x+y@xxio", "x+y@x.io/extra"] {
            let e = client
                .get_employee_fields()
                .email(other)
                .send()
                .await
                .unwrap_err();
            assert_eq!(e.status(), Some(404), "{other}: {e}");
        }
        let ok = client
            .get_employee_fields()
            .email("x+y@x.io")
            .send()
            .await?;
        assert_eq!(ok.into_inner().0["who"], "plus");
        assert_eq!(plus.calls_async().await, 1);
        Ok(())
    }

    #[tokio::test]
    async fn expired_token_is_refreshed_once_and_the_call_resent() -> Result<(), xink_sdk::Error> {
        let xink = MockXink::start().await;
        let info = xink.get_account_info(|_, then| {
            then.ok(&json!({"plan": "pro"}).into());
        });
        let client = xink.client()?;
        client.get_account_info().send().await?;
        xink.expire_tokens();
        // The fake answers 401 to the expired token; the SDK fetches a new one and resends.
        let answer = client.get_account_info().send().await?;
        assert_eq!(answer.into_inner().0["plan"], "pro");
        assert_eq!(xink.token_requests().len(), 2);
        assert_eq!(info.calls_async().await, 2);
        Ok(())
    }

    #[tokio::test]
    async fn api_error_answers_keep_status_message_and_request_id() -> Result<(), xink_sdk::Error> {
        let xink = MockXink::start().await;
        xink.get_employee_fields(|when, then| {
            when.email("nobody@example.com");
            then.into_inner()
                .status(404)
                .header("content-type", "application/json")
                .header("x-request-id", "req-404")
                .json_body(
                    json!({"Message": "No HTTP resource was found that matches the request URI."}),
                );
        });
        let client = xink.client()?;
        let err = client
            .get_employee_fields()
            .email("nobody@example.com")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Api);
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.request_id(), Some("req-404"));
        assert_eq!(
            err.to_string(),
            "xink: get_employee_fields: api error (HTTP 404): No HTTP resource was found that matches the request URI. [request id req-404]"
        );
        // A builder missing a required parameter is a configuration error, not a panic.
        let err = client.get_employee_fields().send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(
            err.to_string(),
            "xink: get_employee_fields: configuration error: email was not initialized"
        );
        assert_eq!(xink.token_requests().len(), 1);
        Ok(())
    }

    #[tokio::test]
    async fn legacy_basic_client_authentication() -> Result<(), xink_sdk::Error> {
        use xink_sdk::{ClientAuth, Scope};
        let xink = MockXink::start().await;
        xink.get_account_info(|_, then| {
            then.ok(&json!({}).into());
        });
        let client = xink
            .builder()
            .client_auth(ClientAuth::BasicAuth)
            .scopes([Scope::EmployeeRead, Scope::EmployeeSignaturesRead])
            .build()?;
        client.get_account_info().send().await?;
        let requests = xink.token_requests();
        assert_eq!(requests.len(), 1);
        let r = &requests[0];
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/OAuth/Token")
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            xink_sdk::mock::CLIENT_ID,
            xink_sdk::mock::CLIENT_SECRET
        ));
        assert_eq!(
            r.header("authorization"),
            Some(format!("Basic {basic}").as_str())
        );
        assert_eq!(
            r.form(),
            [
                ("grant_type".to_owned(), "client_credentials".to_owned()),
                (
                    "scope".to_owned(),
                    "employeeread employeesignaturesread".to_owned()
                ),
            ],
            "the legacy body carries only grant_type and scope"
        );
        Ok(())
    }

    #[tokio::test]
    async fn malformed_token_responses_are_clear_errors() -> Result<(), xink_sdk::Error> {
        let json = "application/json";
        let cases: [(u16, &str, &str, ErrorKind, &str); 9] = [
            (
                200,
                "text/html",
                "<html><body>Login</body></html>",
                ErrorKind::Decode,
                "token response is HTML, not JSON",
            ),
            (200, json, "", ErrorKind::Decode, "token response is empty"),
            (
                200,
                json,
                r#"{"token_type": "bearer", "expires_in": 7200}"#,
                ErrorKind::Decode,
                "token response has no `access_token`",
            ),
            (
                200,
                json,
                r#"{"access_token": null}"#,
                ErrorKind::Decode,
                "token response has no `access_token`",
            ),
            (
                200,
                json,
                r#"["mock-xink-token-x"]"#,
                ErrorKind::Decode,
                "token response is not a JSON object",
            ),
            (
                200,
                json,
                r#"{"access_token": "mock-xink-token-x""#,
                ErrorKind::Decode,
                "token response is not valid JSON",
            ),
            (
                500,
                "text/html",
                "<h1>Server Error</h1>",
                ErrorKind::Api,
                "non-JSON response body (text/html, 21 bytes)",
            ),
            (
                400,
                json,
                r#"{"error": "invalid_client", "error_description": "The client credentials are invalid"}"#,
                ErrorKind::Auth,
                "invalid_client: The client credentials are invalid",
            ),
            (
                401,
                "text/plain",
                "",
                ErrorKind::Auth,
                "empty response body",
            ),
        ];
        for (status, content_type, body, kind, text) in cases {
            let xink = MockXink::start().await;
            let api = xink.get_account_info(|_, then| {
                then.ok(&json!({}).into());
            });
            xink.answer_token_requests(status, content_type, body);
            let err = xink.client()?.get_account_info().send().await.unwrap_err();
            let shown = format!("{err}");
            assert_eq!(err.kind(), kind, "{body}: {shown}");
            assert!(shown.starts_with("xink: get_token: "), "{shown}");
            assert!(shown.contains(text), "{body}: {shown}");
            assert_eq!(err.status(), Some(status), "{shown}");
            let all = format!("{shown} {err:?}");
            assert!(
                !all.contains("mock-xink-token-x") && !all.contains(xink_sdk::mock::CLIENT_SECRET),
                "{all}"
            );
            assert_eq!(api.calls_async().await, 0, "no API call without a token");
            // connect() reports the same error up front.
            let err = xink.builder().connect().await.unwrap_err();
            assert!(err.to_string().contains(text), "{err}");
            // And the fake's own answers come back.
            xink.clear_token_answer();
            xink.client()?.get_account_info().send().await?;
        }
        Ok(())
    }

    #[tokio::test]
    async fn wrong_credentials_are_an_auth_error_after_one_token_request() {
        let xink = MockXink::start().await;
        let client = xink
            .builder()
            .credentials(xink_sdk::mock::CLIENT_ID, "not-the-secret")
            .build()
            .unwrap();
        let e = client.get_account_info().send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert!(!format!("{e} {e:?}").contains("not-the-secret"));
        assert_eq!(xink.token_requests().len(), 1);
    }
}

mod iinked_sign {
    use super::*;
    use iinked_sign_sdk::mock::{MockIinkedSign, MockServerExt};
    use iinked_sign_sdk::{InMemoryTokenStore, TokenStore, types};

    fn empty() -> types::PackageList {
        types::PackageList {
            items: vec![],
            skip: None,
            take: None,
            total: Some(0),
        }
    }

    #[tokio::test]
    async fn oauth_flow_end_to_end_with_refresh_rotation() -> Result<(), iinked_sign_sdk::Error> {
        let iinked = MockIinkedSign::start().await;
        let store: Arc<dyn TokenStore> = Arc::new(InMemoryTokenStore::new());
        let flow = iinked.flow(store.clone())?;
        let pending = flow.begin().await?;
        let redirect = iinked.authorize(pending.url().as_str())?;
        flow.finish(&redirect, pending.state(), "user-1").await?;
        // The code is single use, and so is the pending record.
        assert!(
            flow.finish(&redirect, pending.state(), "user-1")
                .await
                .is_err()
        );

        let list = iinked.list_packages(|when, then| {
            when.into_inner()
                .header("authorization", "Bearer mock-iinked-access-1")
                .header_missing("api_key");
            then.ok(&empty());
        });
        let client = iinked.oauth_client(store.clone(), "user-1")?;
        let body = || types::ListPackagesRequest::builder();
        assert_eq!(
            client
                .list_packages()
                .body(body())
                .send()
                .await?
                .into_inner()
                .total,
            Some(0)
        );
        assert_eq!(list.calls_async().await, 1);

        // Expiry: 401, one refresh (rotating the refresh token), one resend.
        iinked.expire_tokens();
        let refreshed = iinked.list_packages(|when, then| {
            when.into_inner()
                .header("authorization", "Bearer mock-iinked-access-2");
            then.ok(&empty());
        });
        client.list_packages().body(body()).send().await?;
        assert_eq!(refreshed.calls_async().await, 1);
        assert_eq!(
            iinked.token_requests().len(),
            2,
            "one code exchange, one refresh"
        );
        let stored = store.get(&flow.store_key("user-1")).await?.expect("stored");
        assert_eq!(
            stored.refresh_token.as_ref().map(|r| r.secret().to_owned()),
            Some("mock-iinked-refresh-2".to_owned()),
            "the rotated refresh token is written back"
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_code_bound_to_another_pkce_challenge_is_refused()
    -> Result<(), iinked_sign_sdk::Error> {
        let iinked = MockIinkedSign::start().await;
        let flow = iinked.flow(Arc::new(InMemoryTokenStore::new()))?;
        let pending = flow.begin().await?;
        let mut tampered = pending.url().clone();
        let pairs: Vec<(String, String)> = tampered
            .query_pairs()
            .map(|(k, v)| match &*k {
                "code_challenge" => (
                    k.into_owned(),
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
                ),
                _ => (k.into_owned(), v.into_owned()),
            })
            .collect();
        tampered.query_pairs_mut().clear().extend_pairs(pairs);
        let redirect = iinked.authorize(tampered.as_str())?;
        let e = flow
            .finish(&redirect, pending.state(), "u")
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
        assert_eq!(iinked.token_requests().len(), 1);
        // An authorize URL the fake would refuse says why.
        let e = iinked
            .authorize("https://elsewhere/connect/authorize?client_id=x")
            .unwrap_err();
        assert!(e.to_string().contains("client_id"), "{e}");
        Ok(())
    }

    #[tokio::test]
    async fn api_key_mode_sends_the_key_and_no_bearer() -> Result<(), iinked_sign_sdk::Error> {
        let iinked = MockIinkedSign::start().await;
        let list = iinked.list_packages(|when, then| {
            when.into_inner()
                .header("api_key", iinked_sign_sdk::mock::API_KEY)
                .header_missing("authorization");
            then.ok(&empty());
        });
        let client = iinked.api_key_client()?;
        client
            .list_packages()
            .body(types::ListPackagesRequest::builder())
            .send()
            .await?;
        assert_eq!(list.calls_async().await, 1);
        assert_eq!(iinked.token_requests().len(), 0);
        Ok(())
    }

    #[tokio::test]
    async fn api_key_401_is_final() -> Result<(), iinked_sign_sdk::Error> {
        let iinked = MockIinkedSign::start().await;
        let package = iinked.get_package(|_, then| {
            then.json(200, serde_json::json!({}));
        });
        let client = iinked.builder().api_key("canary-apikey-wrong").build()?;
        let id = "581aa1e0-49ea-4e49-841a-a74050e7d776";
        let err = client
            .get_package()
            .package_id(id)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert_eq!(err.status(), Some(401));
        assert_eq!(err.provider(), Some("iinked-sign"));
        assert_eq!(package.calls_async().await, 0, "the fake refused it first");
        assert_eq!(
            iinked.token_requests().len(),
            0,
            "a key cannot be refreshed: no token request"
        );
        assert!(!format!("{err} {err:?}").contains("canary-apikey-wrong"));
        Ok(())
    }
}

mod xpkit {
    use super::*;
    use xpkit_sdk::mock::{MockXpKit, json};
    use xpkit_sdk::profiles::mock::MockServerExt as _;

    /// Bodies built by their builders from the required fields alone convert and send: the
    /// flattened `extra` map, optional fields and defaulted arrays start empty.
    #[tokio::test]
    async fn bodies_built_from_required_fields_alone_send() -> Result<(), xpkit_sdk::Error> {
        use xpkit_sdk::activities::mock::MockServerExt as _;
        use xpkit_sdk::activities::types::ActivityRequest;
        use xpkit_sdk::queues::mock::MockServerExt as _;
        use xpkit_sdk::queues::types::QueueRequest;
        let xp = MockXpKit::start().await;
        let created = json!({"resource_id": "r1", "resource": {}});
        let activity = xp.create_activity(|when, then| {
            when.into_inner().json_body(json!({"owner_id": "p1"}));
            then.json(201, created.clone());
        });
        let queue = xp.create_queue(|when, then| {
            when.into_inner()
                .json_body(json!({"experience_id": "e1", "name": "Ride"}));
            then.json(201, created.clone());
        });
        let client = xp.client()?;
        client
            .activities()
            .create_activity()
            .body(ActivityRequest::builder().owner_id("p1"))
            .send()
            .await?;
        client
            .queues()
            .create_queue()
            .body(QueueRequest::builder().experience_id("e1").name("Ride"))
            .send()
            .await?;
        activity.assert_async().await;
        queue.assert_async().await;
        // A required field left out is still an error, named.
        let e = client
            .queues()
            .create_queue()
            .body(QueueRequest::builder().name("Ride"))
            .send()
            .await
            .unwrap_err();
        assert!(e.to_string().contains("experience_id"), "{e}");
        Ok(())
    }

    #[tokio::test]
    async fn token_request_is_exact_and_one_token_serves_every_service()
    -> Result<(), xpkit_sdk::Error> {
        use xpkit_sdk::activities::mock::MockServerExt as _;
        use xpkit_sdk::jobs::mock::MockServerExt as _;
        let xp = MockXpKit::start().await;
        let bearer = "Bearer mock-xpkit-token-1";
        let profile = xp.read_profile(|when, then| {
            when.resource_id("p1")
                .into_inner()
                .header("authorization", bearer);
            then.json(200, json!({"resource_id": "p1", "resource": {}}));
        });
        let jobs = xp.list_jobs(|when, then| {
            when.x_limit(10)
                .into_inner()
                .header("authorization", bearer)
                .header_missing("api-version");
            then.json(200, json!({"results": [], "next": null}));
        });
        let activities = xp.list_activities(|when, then| {
            when.into_inner().header("authorization", bearer);
            then.json(200, json!({"results": [], "next": null}));
        });
        let client = xp.client()?;
        client
            .profiles()
            .read_profile()
            .resource_id("p1")
            .send()
            .await?;
        client.jobs().list_jobs().x_limit(10).send().await?;
        client.activities().list_activities().send().await?;
        for (mock, service) in [
            (profile, "profiles"),
            (jobs, "jobs"),
            (activities, "activities"),
        ] {
            assert_eq!(
                mock.calls_async().await,
                1,
                "{service}: each service under its own path"
            );
        }
        let tokens = xp.token_requests();
        assert_eq!(tokens.len(), 1, "one token for every service of the region");
        let t = &tokens[0];
        assert_eq!(
            (t.method.as_str(), t.path.as_str()),
            ("POST", "/auth/api/token/"),
            "trailing slash kept"
        );
        assert_eq!(
            t.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(t.header("authorization"), None);
        assert_eq!(
            t.form(),
            [
                ("grant_type".to_owned(), "client_credentials".to_owned()),
                (
                    "client_id".to_owned(),
                    xpkit_sdk::mock::CLIENT_ID.to_owned()
                ),
                (
                    "client_secret".to_owned(),
                    xpkit_sdk::mock::CLIENT_SECRET.to_owned()
                ),
            ],
            "no scope parameter"
        );
        Ok(())
    }

    #[tokio::test]
    async fn forbidden_expired_token_is_replaced_once() -> Result<(), xpkit_sdk::Error> {
        let xp = MockXpKit::start().await;
        let read = xp.read_profile(|when, then| {
            when.resource_id("p/1");
            then.error(
                200,
                json!({"resource_id": "p/1", "resource": {"first_name": "Ada"}}),
            );
        });
        let profiles = xp.client()?.profiles();
        profiles.read_profile().resource_id("p/1").send().await?;
        xp.expire_tokens();
        profiles.read_profile().resource_id("p/1").send().await?;
        assert_eq!(read.calls_async().await, 2);
        assert_eq!(
            xp.token_requests().len(),
            2,
            "one token, then one after the 403"
        );
        Ok(())
    }

    #[tokio::test]
    async fn xpkit_error_shapes_become_readable_errors() -> Result<(), xpkit_sdk::Error> {
        let xp = MockXpKit::start().await;
        xp.read_profile(|when, then| {
            when.resource_id("missing");
            then.error(
                404,
                json!({"error": "Not found", "description": "No profile with this id"}),
            );
        });
        let err = xp
            .client()?
            .profiles()
            .read_profile()
            .resource_id("missing")
            .send()
            .await;
        let err = err.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Api);
        assert_eq!(
            err.to_string(),
            "xpkit: read_profile: api error (HTTP 404): Not found: No profile with this id"
        );
        Ok(())
    }
}

mod xref {
    use super::*;
    use xref_sdk::mock::{MockServerExt, MockXref};

    #[tokio::test]
    async fn malformed_token_responses_are_clear_errors() -> Result<(), xref_sdk::Error> {
        let json = "application/json";
        let cases: [(u16, &str, &str, ErrorKind, &str); 7] = [
            (
                200,
                "text/html",
                "<html>login</html>",
                ErrorKind::Decode,
                "token response is HTML, not JSON",
            ),
            (200, json, "", ErrorKind::Decode, "token response is empty"),
            (
                200,
                json,
                r#"{"access_token": "mock-xref-token-z"}"#,
                ErrorKind::Decode,
                "no `xref_account_id`",
            ),
            (
                200,
                json,
                r#"{"xref_account_id": "a"}"#,
                ErrorKind::Decode,
                "no `access_token`",
            ),
            (
                200,
                json,
                r#"{"access_token": ["mock-xref-token-z"], "xref_account_id": "a"}"#,
                ErrorKind::Decode,
                "`access_token` is not a string",
            ),
            (
                500,
                "text/plain",
                "boom",
                ErrorKind::Api,
                "non-JSON response body",
            ),
            (
                400,
                json,
                r#"{"error": "invalid_grant", "message": "Code is invalid or expired"}"#,
                ErrorKind::Auth,
                "invalid_grant: Code is invalid or expired",
            ),
        ];
        for (status, content_type, body, kind, text) in cases {
            let xref = MockXref::start().await;
            let store = Arc::new(xref_sdk::InMemoryTokenStore::new());
            let connector = xref.connector(store.clone())?;
            xref.answer_token_requests(status, content_type, body);
            let pending = connector.authorize_url()?;
            let redirect = url::Url::parse(&xref.authorize(pending.url().as_str())?).unwrap();
            let err = connector
                .handle_callback_url(&redirect, pending.state())
                .await
                .unwrap_err();
            let shown = format!("{err}");
            assert_eq!(err.kind(), kind, "{body}: {shown}");
            assert!(shown.starts_with("xref: create_token: "), "{shown}");
            assert!(shown.contains(text), "{body}: {shown}");
            let all = format!("{shown} {err:?}");
            assert!(
                !all.contains("mock-xref-token-z") && !all.contains(xref_sdk::mock::CLIENT_SECRET),
                "{all}"
            );
            assert!(
                !all.contains("mock-xref-code-"),
                "the code is redacted: {all}"
            );
            assert!(store.keys().is_empty(), "nothing stored on failure");
            assert_eq!(xref.token_requests().len(), 1);
        }
        Ok(())
    }

    #[tokio::test]
    async fn connected_client_then_revocation_asks_for_reauthorization()
    -> Result<(), xref_sdk::Error> {
        let xref = MockXref::start().await;
        let check = xref.check_auth(|when, then| {
            when.into_inner()
                .header("authorization", "Token mock-xref-token-1");
            then.ok();
        });
        let client = xref.client().await?;
        client.check_auth().send().await?;
        assert_eq!(check.calls_async().await, 1);
        xref.revoke_tokens();
        let e = client.check_auth().send().await.unwrap_err();
        assert!(e.needs_reauthorization(), "{e}");
        assert_eq!(xref.token_requests().len(), 1);
        Ok(())
    }
}
