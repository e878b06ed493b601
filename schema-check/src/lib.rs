//! Tests of the provider crates' `schemars` feature: the JSON Schema derived for a generated
//! model says what the spec's schema says — the same property names, the same required ones,
//! the same enum values (also behind a `$ref`). Not a default member of the workspace, so that
//! `cargo tree -i schemars` at the root shows the crates as users get them: without schemars.

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn spec(path: &str) -> Value {
        let text =
            std::fs::read(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).expect("spec");
        serde_norway::from_slice(&text).expect("spec YAML")
    }

    fn keys(v: Option<&Value>) -> BTreeSet<String> {
        v.and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn strings(v: Option<&Value>) -> BTreeSet<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The enum values a property allows: inline, or through one `$ref` (also inside `allOf` or
    /// `anyOf`, which is how an optional or documented reference is written).
    fn enum_values(property: &Value, definitions: &Value, prefix: &str) -> BTreeSet<String> {
        if let Some(values) = property.get("enum") {
            return strings(Some(values));
        }
        let nested = ["allOf", "anyOf", "oneOf"].iter().find_map(|k| {
            property
                .get(*k)
                .and_then(Value::as_array)
                .and_then(|all| all.iter().find_map(|s| s.get("$ref")))
        });
        let reference = property.get("$ref").or(nested).and_then(Value::as_str);
        match reference.and_then(|r| r.strip_prefix(prefix)) {
            Some(name) => strings(definitions.get(name).and_then(|d| d.get("enum"))),
            None => BTreeSet::new(),
        }
    }

    /// Compares the derived schema of a model with the spec's component schema `name`.
    fn check(generated: schemars::schema::RootSchema, spec_path: &str, name: &str) {
        let spec = spec(spec_path);
        let want = &spec["components"]["schemas"][name];
        assert!(want.is_object(), "{spec_path}: no schema {name}");
        let got = serde_json::to_value(&generated).expect("schema JSON");
        let got_props = got.get("properties");
        assert_eq!(
            keys(got_props),
            keys(want.get("properties")),
            "{name}: property names"
        );
        assert_eq!(
            strings(got.get("required")),
            strings(want.get("required")),
            "{name}: required properties"
        );
        let spec_defs = &spec["components"]["schemas"];
        let got_defs = got.get("definitions").cloned().unwrap_or(Value::Null);
        let mut enums = 0;
        for (prop, schema) in want["properties"].as_object().into_iter().flatten() {
            let want_values = enum_values(schema, spec_defs, "#/components/schemas/");
            let got_values = enum_values(&got_props.unwrap()[prop], &got_defs, "#/definitions/");
            assert_eq!(got_values, want_values, "{name}.{prop}: enum values");
            enums += usize::from(!want_values.is_empty());
        }
        eprintln!(
            "{name}: {} properties, {enums} enums",
            keys(got_props).len()
        );
    }

    #[test]
    fn iinked_sign_add_package_request() {
        check(
            schemars::schema_for!(iinked_sign_sdk::types::AddPackageRequest),
            "specs/iinked-sign.yaml",
            "AddPackageRequest",
        );
        // The enum itself, with the space in `Live Session`.
        let t = serde_json::to_value(schemars::schema_for!(iinked_sign_sdk::types::PackageType))
            .unwrap();
        assert!(strings(t.get("enum")).contains("Live Session"), "{t}");
    }

    #[test]
    fn xpkit_profiles_merge_request() {
        check(
            schemars::schema_for!(xpkit_sdk::profiles::types::ProfilesMergeRequest),
            "specs/xpkit/profiles.yaml",
            "ProfilesMergeRequest",
        );
    }

    /// Xink documents no request body model; its one object model is the discovery answer.
    #[test]
    fn xink_discovery_result() {
        check(
            schemars::schema_for!(xink_sdk::types::DiscoveryResult),
            "specs/xink.yaml",
            "DiscoveryResult",
        );
    }

    /// Xref's spec has no component schemas (its few bodies are free-form), so its `types` has
    /// no model to derive for: the feature compiles and adds nothing. This keeps that true: a
    /// model added to the spec must come with a schema test here.
    #[test]
    fn xref_has_no_models() {
        let spec = spec("specs/xref.yaml");
        assert!(
            keys(spec.pointer("/components/schemas")).is_empty(),
            "specs/xref.yaml has models now: add a schema test for one of them"
        );
    }
}
