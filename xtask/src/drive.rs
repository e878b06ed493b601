//! The spec judge's driver: for each spec, a generated Rust module that calls every generated
//! operation once with schema-valid values (required parameters, and a body built from its
//! required properties), so that the validating mock server the suite runs (Prism) checks
//! every request the SDK sends against the spec, and its random schema-valid answers check the
//! generated decoding. Written to `tests/tests/providers/drive/<target>.rs` and covered by
//! `--check` like the generated clients.

use crate::targets::Target;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// Where a target's driver is written.
pub fn output(target: &Target) -> String {
    format!(
        "tests/tests/providers/drive/{}.rs",
        target.name.replace(['/', '-'], "_")
    )
}

/// The Rust path of the target's generated `Client`.
fn client_type(target: &Target) -> Result<String, String> {
    // `crates/<dir>` is the package `<dir>-sdk` (the layout every provider crate follows).
    let dir = target
        .krate
        .strip_prefix("crates/")
        .filter(|d| !d.is_empty() && !d.contains('/'))
        .ok_or_else(|| format!("{} is not a provider crate directory", target.krate))?;
    let krate = format!("{}_sdk", dir.replace('-', "_"));
    Ok(target.module_path().replacen("crate", &krate, 1) + "::Client")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..16 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return s;
        };
        let Some(target) = r.strip_prefix("#").and_then(|p| spec.pointer(p)) else {
            return s;
        };
        s = target;
    }
    s
}

/// A schema-valid value with only what the schema requires.
pub fn sample(spec: &Value, schema: &Value, depth: usize) -> Value {
    let s = resolve(spec, schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(m) = sample(spec, part, depth + 1) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return sample(spec, first, depth + 1);
        }
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return first.clone();
    }
    if let Some(default) = s.get("default") {
        return default.clone();
    }
    match s.get("type").and_then(Value::as_str) {
        Some("string") => match s.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T00:00:00Z"),
            Some("date") => json!("2026-01-01"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            Some("email") => json!("judge@example.com"),
            Some("uri") => json!("https://example.com/"),
            _ => json!("judge"),
        },
        Some("integer") => json!(s.get("minimum").and_then(Value::as_i64).unwrap_or(1).max(1)),
        Some("number") => json!(1.0),
        Some("boolean") => json!(true),
        Some("array") => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = s.get("items").cloned().unwrap_or(json!({}));
            Value::Array((0..min).map(|_| sample(spec, &item, depth + 1)).collect())
        }
        _ => {
            let mut out = Map::new();
            let props = s.get("properties").and_then(Value::as_object);
            for name in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let prop = props
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(json!({}));
                out.insert(name.to_owned(), sample(spec, &prop, depth + 1));
            }
            Value::Object(out)
        }
    }
}

/// The Rust literal passed to a parameter setter.
fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => format!("{}_f64", n),
        Value::Number(n) => n.to_string(),
        other => format!("{:?}", other.to_string()),
    }
}

/// The driver module of one target (`spec` with its manual operations still in: they are
/// skipped here, as the generator skips them).
pub fn drive_code(target: &Target, spec: &Value) -> Result<String, String> {
    let client = client_type(target)?;
    let types =
        target
            .module_path()
            .replacen("crate", client.split("::").next().unwrap_or_default(), 1)
            + "::types";
    let mut calls = String::new();
    let mut count = 0usize;
    for op in crate::lint::operations(spec) {
        if op.is_manual() {
            continue;
        }
        let (path, item) = (op.path, &spec["paths"][op.path]);
        let id = op
            .id
            .ok_or_else(|| format!("{} {path}: no operationId", op.method))?;
        let op = op.value;
        let name = crate::lint::snake_case(id);
        let mut call = format!("client.{name}()");
        let mut params: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        params.extend(
            op.get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        for p in &params {
            let p = resolve(spec, p);
            let required = p.get("required").and_then(Value::as_bool) == Some(true);
            if !required {
                continue;
            }
            let pname = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let schema = p
                .get("schema")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            let value = sample(spec, &schema, 0);
            let _ = write!(
                call,
                ".{}({})",
                crate::lint::snake_case(pname),
                literal(&value)
            );
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(spec, body);
            let (media, content) = body
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().next())
                .ok_or_else(|| format!("{id}: a request body without content"))?;
            let schema = content.get("schema").cloned().unwrap_or(json!({}));
            let value = sample(spec, &schema, 0);
            let text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let ty = crate::passes::type_name(r.rsplit('/').next().unwrap_or(r));
                    let _ = write!(
                        call,
                        ".body(::serde_json::from_str::<{types}::{ty}>({text:?}).expect(\"the sample body decodes\"))"
                    );
                }
                None if media.contains("json") => {
                    let _ = write!(
                        call,
                        ".body(::serde_json::from_str::<::serde_json::Map<String, ::serde_json::Value>>({text:?}).expect(\"the sample body decodes\"))"
                    );
                }
                None => {
                    return Err(format!(
                        "{id}: an inline {media} body the driver cannot build"
                    ));
                }
            }
        }
        let _ = writeln!(
            calls,
            "    out.push((\"{name}\", {call}.send().await.map(|_| ())));"
        );
        count += 1;
    }
    Ok(format!(
        "// @generated by cargo xtask generate from {spec_file}\n// DO NOT EDIT\n\n\
         //! Every generated operation of `{spec_file}` called once with schema-valid values.\n\n\
         /// The operations of this spec.\n\
         pub const OPERATIONS: usize = {count};\n\n\
         /// Calls every operation once; returns each one's name and outcome.\n\
         pub async fn drive(client: &{client}) -> Vec<(&'static str, Result<(), sdk_auth::Error>)> {{\n\
         \x20   let mut out = Vec::new();\n{calls}    out\n}}\n",
        spec_file = target.spec,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_hold_what_the_schema_requires_and_only_that() {
        let spec = json!({"components": {"schemas": {
            "Kind": {"type": "string", "enum": ["b", "a"]},
            "Thing": {
                "type": "object",
                "required": ["name", "kind", "at", "tags", "n"],
                "properties": {
                    "name": {"type": "string"},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "at": {"type": "string", "format": "date-time"},
                    "tags": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 3}},
                    "n": {"oneOf": [{"type": "number"}, {"type": "string"}]},
                    "optional": {"type": "string"}
                }
            }
        }}});
        let value = sample(&spec, &json!({"$ref": "#/components/schemas/Thing"}), 0);
        assert_eq!(
            value,
            json!({"name": "judge", "kind": "b", "at": "2026-01-01T00:00:00Z", "tags": [3], "n": 1.0})
        );
    }
}
