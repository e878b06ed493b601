//! Spec lint: the spec rules (OpenAPI 3.0.x, one success and one error shape, no `default`, …) that would otherwise surface as a
//! generator panic, a crate that does not compile, or a wrong result at run time.
//!
//! Every message names the spec file and, where there is one, the operation
//! (`specs/xink.yaml: operation getA (GET /a): ...`).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The operation keys of an OpenAPI path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Whether an operation object is marked `x-manual: true` (written by hand, skipped by xtask).
pub fn is_manual(op: &Value) -> bool {
    op.get("x-manual") == Some(&Value::Bool(true))
}

/// An operation found in the spec.
#[derive(Debug)]
pub struct Operation<'a> {
    pub method: &'static str,
    pub path: &'a str,
    pub id: Option<&'a str>,
    pub value: &'a Value,
}

impl Operation<'_> {
    /// `operation getA (GET /a)`, or `operation GET /a` when it has no id.
    pub fn label(&self) -> String {
        let method = self.method.to_ascii_uppercase();
        match self.id {
            Some(id) => format!("operation {id} ({method} {})", self.path),
            None => format!("operation {method} {}", self.path),
        }
    }

    /// Whether the operation is marked `x-manual: true` (written by hand, skipped by xtask).
    pub fn is_manual(&self) -> bool {
        is_manual(self.value)
    }
}

/// Every operation of the spec, in document order.
pub fn operations(spec: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for &method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push(Operation {
                        method,
                        path,
                        id: op.get("operationId").and_then(Value::as_str),
                        value: op,
                    });
                }
            }
        }
    }
    out
}

/// Checks a parsed spec; returns every problem found (empty when the spec is fine).
pub fn lint(file: &str, spec: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |msg: String| problems.push(format!("{file}: {msg}"));

    if !spec.is_object() {
        fail("the document is not a mapping".into());
        return problems;
    }
    match spec.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => {}
        Some(Value::String(v)) => fail(format!(
            "`openapi: {v}` is not supported: use OpenAPI 3.0.x (3.0.3); progenitor rejects 3.1"
        )),
        Some(other) => fail(format!(
            "`openapi` must be a string such as \"3.0.3\", not {other}"
        )),
        None => fail("missing `openapi: 3.0.3` (is this an OpenAPI document?)".into()),
    }
    match spec.get("paths") {
        Some(Value::Object(_)) => {}
        None => fail("missing `paths`".into()),
        Some(_) => fail("`paths` must be a mapping".into()),
    }

    // operationIds: present, unique, and unique once converted to snake_case (the method name).
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for op in operations(spec) {
        let label = op.label();
        if let Some(flag) = op.value.get("x-manual")
            && !flag.is_boolean()
        {
            fail(format!("{label}: `x-manual` must be true or false"));
        }
        match op.value.get("operationId") {
            None => fail(format!("{label}: missing `operationId`")),
            Some(Value::String(id)) if id.trim().is_empty() => {
                fail(format!("{label}: empty `operationId`"))
            }
            Some(Value::String(id)) => {
                let snake = snake_case(id);
                if let Some(previous) = ids.insert(snake.clone(), label.clone()) {
                    fail(format!(
                        "{label}: operationId `{id}` collides with {previous} (both become `{snake}()`)"
                    ));
                }
            }
            Some(other) => fail(format!(
                "{label}: `operationId` must be a string, not {other}"
            )),
        }
        if op.is_manual() {
            continue;
        }
        for problem in lint_operation(op.value) {
            fail(format!("{label}: {problem}"));
        }
    }
    problems
}

/// The per-operation rules for operations that are generated.
fn lint_operation(op: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        problems.push("missing `responses`".into());
        return problems;
    };
    let mut success = BTreeSet::new();
    let mut errors = BTreeSet::new();
    for (code, response) in responses {
        let class = match code.as_bytes().first() {
            Some(b'2') => &mut success,
            Some(b'4' | b'5') => &mut errors,
            _ if code == "default" => {
                problems.push(
                    "response `default` is not supported: use `4XX`/`5XX` pointing at one shared error"
                        .into(),
                );
                continue;
            }
            _ => continue,
        };
        class.insert(response_shape(response, &mut problems, code));
    }
    if success.len() > 1 {
        problems.push(format!(
            "{} different success responses; at most one success schema per operation (an empty response counts as one)",
            success.len()
        ));
    }
    if errors.len() > 1 {
        problems.push(format!(
            "{} different error responses; at most one error schema per operation: point `4XX` and `5XX` at one shared error",
            errors.len()
        ));
    }
    if let Some(content) = op
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
    {
        if content.contains_key("multipart/form-data") {
            problems.push(
                "multipart/form-data cannot be generated: mark the operation `x-manual: true` and write it in manual.rs"
                    .into(),
            );
        }
        if content.len() > 1 {
            problems.push("request body has more than one media type; use exactly one".into());
        }
        for (media, body) in content {
            if body.get("encoding").is_some() {
                problems.push(format!("request body `{media}` has an `encoding` block, which the generator cannot handle"));
            }
        }
    }
    problems
}

/// A key identifying what a response decodes to: its JSON schema, or `empty`.
fn response_shape(response: &Value, problems: &mut Vec<String>, code: &str) -> String {
    if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
        return reference.to_owned();
    }
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return "empty".into();
    };
    if content.is_empty() {
        return "empty".into();
    }
    let mut shapes = Vec::new();
    for (media, body) in content {
        if media == "application/json" && body.get("schema").is_none() {
            problems.push(format!(
                "response `{code}` is application/json without a `schema`"
            ));
        }
        shapes.push(format!(
            "{media}:{}",
            body.get("schema").map(Value::to_string).unwrap_or_default()
        ));
    }
    shapes.join("|")
}

/// progenitor's method naming (heck's snake case): `listEmployees` → `list_employees`.
pub fn snake_case(id: &str) -> String {
    heck::ToSnakeCase::to_snake_case(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec_with(paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths})
    }

    #[test]
    fn clean_spec_passes() {
        let spec = spec_with(json!({"/a": {"get": {"operationId": "getA", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}},
            "4XX": {"$ref": "#/components/responses/Error"},
            "5XX": {"$ref": "#/components/responses/Error"}
        }}}}));
        assert_eq!(lint("specs/t.yaml", &spec), Vec::<String>::new());
    }

    #[test]
    fn rejects_openapi_31() {
        let mut spec = spec_with(json!({}));
        spec["openapi"] = json!("3.1.0");
        let problems = lint("specs/t.yaml", &spec);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("specs/t.yaml: `openapi: 3.1.0` is not supported"));
    }

    #[test]
    fn names_operation_without_id() {
        let spec = spec_with(json!({"/a": {"get": {"responses": {}}}}));
        let problems = lint("specs/t.yaml", &spec);
        assert!(
            problems.contains(&"specs/t.yaml: operation GET /a: missing `operationId`".to_owned()),
            "{problems:?}"
        );
    }

    #[test]
    fn rejects_colliding_ids() {
        let ok = json!({"200": {"description": "ok"}});
        let spec = spec_with(json!({
            "/a": {"get": {"operationId": "getUser", "responses": ok}},
            "/b": {"get": {"operationId": "get_user", "responses": ok}}
        }));
        let problems = lint("specs/t.yaml", &spec);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("operation get_user (GET /b)"),
            "{problems:?}"
        );
        assert!(problems[0].contains("collides with operation getUser (GET /a)"));
    }

    #[test]
    fn rejects_two_success_and_default() {
        let spec = spec_with(json!({"/a": {"get": {"operationId": "getA", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}},
            "204": {"description": "empty"},
            "default": {"description": "err"}
        }}}}));
        let problems = lint("specs/t.yaml", &spec);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("operation getA (GET /a): 2 different success responses")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("response `default` is not supported")),
            "{problems:?}"
        );
    }

    #[test]
    fn multipart_must_be_manual() {
        let body = json!({"content": {"multipart/form-data": {"schema": {"type": "object"}}}});
        let spec = spec_with(
            json!({"/up": {"post": {"operationId": "upload", "requestBody": body, "responses": {"200": {"description": "ok"}}}}}),
        );
        let problems = lint("specs/t.yaml", &spec);
        assert!(
            problems[0]
                .contains("operation upload (POST /up): multipart/form-data cannot be generated"),
            "{problems:?}"
        );

        let spec = spec_with(
            json!({"/up": {"post": {"operationId": "upload", "x-manual": true, "requestBody": body, "responses": {"200": {"description": "ok"}}}}}),
        );
        assert!(lint("specs/t.yaml", &spec).is_empty());
    }

    #[test]
    fn snake_case_matches_progenitor() {
        assert_eq!(snake_case("listEmployees"), "list_employees");
        assert_eq!(snake_case("getAccountInfo"), "get_account_info");
        assert_eq!(snake_case("get_user"), "get_user");
        assert_eq!(snake_case("getUser"), "get_user");
    }
}
