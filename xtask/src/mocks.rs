//! The fix-up pass over progenitor's `Generator::httpmock` output: typed httpmock helpers that
//! match what the SDK really sends.
//!
//! progenitor's helpers have four defects, fixed here:
//!
//! * **Paths.** It builds one regex from the path template with the value formatted in raw:
//!   a value that the client percent-encodes (`a b@x` is sent as `a%20b@x`) never matches, a
//!   value with regex syntax (`.`, `+`) matches too much, other parameters match across
//!   segments (`.*`), and the API root's own path (iinked Sign's `/api/v1`, an XPKit service's
//!   `/<service>`) is missing. Here every path matcher calls `sdk_auth::mock::path_pattern`
//!   with the full template and the values, which encodes each value exactly as the client does
//!   (`sdk_auth::http::path_segment`) and escapes everything literal.
//! * **Array query parameters** did not compile (`to_string` of a `Vec`): each item becomes one
//!   `name=value` pair, as the client sends them.
//! * **Form bodies** were matched as JSON: they are matched field by field
//!   (`sdk_auth::mock::form_body`).
//! * **Docs**: every extension method says which operation, method and path it mocks.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use serde_json::Value;

/// What the pass needs to know about one operation of the spec.
#[derive(Clone, Debug, PartialEq)]
pub struct MockOperation {
    /// `operationId`.
    pub id: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, as in the spec.
    pub path: String,
    /// The path parameters' names, as in the spec.
    pub path_params: Vec<String>,
    /// The query parameters whose schema is an array.
    pub array_query: Vec<String>,
    /// Whether the request body is `application/x-www-form-urlencoded` (and not JSON).
    pub form_body: bool,
}

/// The operations of `spec` (manual ones already dropped), with their parameters resolved.
pub fn mock_operations(spec: &Value) -> Result<Vec<MockOperation>, String> {
    let mut out = Vec::new();
    for op in crate::lint::operations(spec) {
        let Some(id) = op.id else {
            return Err(format!("{} has no operationId", op.label()));
        };
        let item = spec
            .get("paths")
            .and_then(|p| p.get(op.path))
            .cloned()
            .unwrap_or(Value::Null);
        let mut params: Vec<Value> = Vec::new();
        for list in [item.get("parameters"), op.value.get("parameters")]
            .into_iter()
            .flatten()
        {
            for p in list.as_array().into_iter().flatten() {
                params.push(resolve(spec, p)?);
            }
        }
        let names = |location: &str, array_only: bool| -> Vec<String> {
            params
                .iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some(location))
                .filter(|p| {
                    !array_only
                        || p.pointer("/schema/type").and_then(Value::as_str) == Some("array")
                })
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        };
        let content = op
            .value
            .pointer("/requestBody/content")
            .and_then(Value::as_object);
        let form_body = content.is_some_and(|c| {
            c.contains_key("application/x-www-form-urlencoded")
                && !c.contains_key("application/json")
        });
        out.push(MockOperation {
            id: id.to_owned(),
            method: op.method.to_ascii_uppercase(),
            path: op.path.to_owned(),
            path_params: names("path", false),
            array_query: names("query", true),
            form_body,
        });
    }
    Ok(out)
}

/// A parameter, following one `$ref` into `components/parameters`.
fn resolve(spec: &Value, p: &Value) -> Result<Value, String> {
    match p.get("$ref").and_then(Value::as_str) {
        None => Ok(p.clone()),
        Some(r) => r
            .strip_prefix('#')
            .and_then(|pointer| spec.pointer(pointer))
            .cloned()
            .ok_or_else(|| format!("parameter reference `{r}` points nowhere")),
    }
}

/// Whether `method` is progenitor's matcher for the parameter named `param` in the spec
/// (`resource_id` for `resource-id`; keywords get a trailing `_`).
fn is_setter_of(method: &str, param: &str) -> bool {
    let ident = heck::ToSnakeCase::to_snake_case(param);
    method == ident || method.strip_suffix('_') == Some(ident.as_str())
}

/// Applies the fixes described in the module docs to progenitor's httpmock output.
pub fn mock_fixups(
    file: &mut syn::File,
    operations: &[MockOperation],
    prefix: &str,
) -> Result<(), String> {
    // The struct names progenitor gives each operation's matchers and answers, computed once.
    let whens: std::collections::HashMap<String, &MockOperation> = operations
        .iter()
        .map(|op| (crate::passes::type_name(&format!("{}-when", op.id)), op))
        .collect();
    let thens: std::collections::HashSet<String> = operations
        .iter()
        .map(|op| crate::passes::type_name(&format!("{}-then", op.id)))
        .collect();
    let mut seen = 0usize;
    for item in &mut file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "operations" => {
                m.attrs
                    .push(syn::parse_quote!(#[allow(missing_docs, unused_imports)]));
                m.attrs
                    .push(syn::parse_quote!(#[allow(clippy::needless_lifetimes)]));
                let Some((_, items)) = &mut m.content else {
                    continue;
                };
                for item in items.iter_mut() {
                    let syn::Item::Impl(imp) = item else {
                        continue;
                    };
                    let syn::Type::Path(ty) = &*imp.self_ty else {
                        continue;
                    };
                    let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
                        continue;
                    };
                    if thens.contains(&name) {
                        imp.items.push(syn::parse_quote! {
                            /// Answers an error `status` with a JSON body (the provider's error
                            /// shape is in the crate docs).
                            pub fn error(self, status: u16, body: ::serde_json::Value) -> Self {
                                self.json(status, body)
                            }
                        });
                        imp.items.push(syn::parse_quote! {
                            /// Answers `status` with any JSON body: an answer the spec does not
                            /// type, or one the typed methods cannot build.
                            pub fn json(self, status: u16, body: ::serde_json::Value) -> Self {
                                Self(
                                    self.0
                                        .status(status)
                                        .header("content-type", "application/json")
                                        .json_body(body),
                                )
                            }
                        });
                        continue;
                    }
                    let Some(op) = whens.get(&name) else {
                        continue;
                    };
                    seen += 1;
                    fix_when(imp, op, prefix)?;
                }
            }
            syn::Item::Trait(t) if t.ident == "MockServerExt" => {
                t.attrs.retain(|a| !a.path().is_ident("doc"));
                t.attrs.push(syn::parse_quote!(
                    #[doc = "Typed mocks on an httpmock `MockServer`, one method per operation of the \
                    spec: `config_fn` receives the operation's matchers (`When`: path and query parameters, body) and answers \
                    (`Then`: one method per documented status, with its typed body). Raw \
                    httpmock stays available through `into_inner()`."]
                ));
                for ti in &mut t.items {
                    if let syn::TraitItem::Fn(f) = ti {
                        let id = f.sig.ident.to_string();
                        if let Some(op) = operations.iter().find(|op| op.id == id) {
                            let doc = format!(
                                " Mocks `{}` (`{} {prefix}{}`).",
                                op.id, op.method, op.path
                            );
                            f.attrs.push(syn::parse_quote!(#[doc = #doc]));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if seen != operations.len() {
        return Err(format!(
            "the mock generator wrote matchers for {seen} of {} operations",
            operations.len()
        ));
    }
    Ok(())
}

/// One operation's `When` impl: path matchers, array query parameters, form bodies.
fn fix_when(imp: &mut syn::ItemImpl, op: &MockOperation, prefix: &str) -> Result<(), String> {
    let template = format!("{prefix}{}", op.path);
    for ii in &mut imp.items {
        let syn::ImplItem::Fn(f) = ii else {
            continue;
        };
        let name = f.sig.ident.to_string();
        if name == "new" {
            let block = &f.block;
            let tokens = replace_regex(
                quote!(#block),
                &quote! {
                    ::sdk_auth::mock::path_pattern(#template, &[])
                },
            );
            f.block = syn::parse2(tokens).map_err(|e| format!("{}: new: {e}", op.id))?;
            continue;
        }
        if let Some(api) = op.path_params.iter().find(|p| is_setter_of(&name, p)) {
            f.block = syn::parse_quote!({
                Self(self.0.path_matches(::sdk_auth::mock::path_pattern(
                    #template,
                    &[(#api, &value.to_string())],
                )))
            });
            continue;
        }
        if let Some(api) = op.array_query.iter().find(|p| is_setter_of(&name, p)) {
            let optional = !f.sig.generics.params.is_empty();
            f.block = if optional {
                syn::parse_quote!({
                    match value.into() {
                        Some(items) => Self(::sdk_auth::mock::query_items(self.0, #api, items)),
                        None => Self(self.0.query_param_missing(#api)),
                    }
                })
            } else {
                syn::parse_quote!({
                    Self(::sdk_auth::mock::query_items(self.0, #api, value))
                })
            };
            continue;
        }
        if name == "body" && op.form_body {
            f.block = syn::parse_quote!({ Self(::sdk_auth::mock::form_body(self.0, &value)) });
        }
    }
    Ok(())
}

/// `regex::Regex::new(..).unwrap()` → `replacement`, at any depth.
fn replace_regex(tokens: TokenStream, replacement: &TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if is_regex_new(&trees[i..]) {
            out.extend(replacement.clone());
            i += REGEX_NEW_LEN;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), replace_regex(g.stream(), replacement));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `regex :: Regex :: new (..) . unwrap ()`: 11 trees (`::` is two puncts).
const REGEX_NEW_LEN: usize = 11;

fn is_regex_new(t: &[TokenTree]) -> bool {
    let ident = |i: usize, s: &str| matches!(t.get(i), Some(TokenTree::Ident(x)) if x == s);
    let punct =
        |i: usize, c: char| matches!(t.get(i), Some(TokenTree::Punct(p)) if p.as_char() == c);
    let paren = |i: usize| matches!(t.get(i), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
    ident(0, "regex")
        && punct(1, ':')
        && punct(2, ':')
        && ident(3, "Regex")
        && punct(4, ':')
        && punct(5, ':')
        && ident(6, "new")
        && paren(7)
        && punct(8, '.')
        && ident(9, "unwrap")
        && paren(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/users/{user-id}/items": {
                    "parameters": [{"$ref": "#/components/parameters/UserId"}],
                    "get": {
                        "operationId": "list_items",
                        "parameters": [
                            {"name": "tags", "in": "query", "required": true,
                             "schema": {"type": "array", "items": {"type": "string"}}},
                            {"name": "limit", "in": "query", "schema": {"type": "integer"}}
                        ],
                        "responses": {"200": {"description": "ok", "content": {
                            "application/json": {"schema": {"type": "object"}}}}}
                    },
                    "post": {
                        "operationId": "add_item",
                        "requestBody": {"required": true, "content": {
                            "application/x-www-form-urlencoded": {"schema": {
                                "type": "object", "properties": {"name": {"type": "string"}}}}}},
                        "responses": {"204": {"description": "done"}}
                    }
                }
            },
            "components": {"parameters": {"UserId": {
                "name": "user-id", "in": "path", "required": true, "schema": {"type": "string"}}}}
        })
    }

    #[test]
    fn operations_resolve_references_and_find_arrays_and_forms() {
        let ops = mock_operations(&spec()).unwrap();
        assert_eq!(ops.len(), 2);
        let list = ops.iter().find(|o| o.id == "list_items").unwrap();
        assert_eq!(list.path_params, ["user-id"]);
        assert_eq!(list.array_query, ["tags"]);
        assert!(!list.form_body);
        let add = ops.iter().find(|o| o.id == "add_item").unwrap();
        assert!(add.form_body);
        assert_eq!(add.method, "POST");
    }

    #[test]
    fn a_dangling_parameter_reference_is_an_error() {
        let mut s = spec();
        s["components"]["parameters"] = json!({});
        let e = mock_operations(&s).unwrap_err();
        assert!(e.contains("#/components/parameters/UserId"), "{e}");
    }

    #[test]
    fn regex_constructions_are_replaced_at_any_depth() {
        let tokens = quote! {
            fn new(inner: When) -> Self {
                Self(inner.method(GET).path_matches(regex::Regex::new("^/a$").unwrap()))
            }
        };
        let out = replace_regex(tokens, &quote!(PATTERN)).to_string();
        assert!(!out.contains("regex"), "{out}");
        assert!(out.contains("path_matches (PATTERN)"), "{out}");
    }
}
