//! Passes over progenitor's output that make generated code follow the SDK's hostile-input rules.
//!
//! * [`secure_path_params`]: every `encode_path(&x.to_string())` becomes
//!   `::sdk_auth::http::path_segment("x", &x.to_string()).map_err(Error::InvalidRequest)?`, so a
//!   path parameter stays exactly one segment (`.`/`..` refused, `\` encoded) in every operation.
//! * [`redact_secret_fields`]: structs with a property marked `x-secret: true` in the spec lose
//!   their derived `Debug` and get one that prints `[redacted]` for those fields.
//! * [`streaming_operations`]: the operations whose success answer is not JSON (downloads), which
//!   the hooks must neither buffer nor cap.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::quote;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Rewrites every call of progenitor's `encode_path` to the SDK's checked encoder and drops
/// `encode_path` from `use` lists.
pub fn secure_path_params(tokens: TokenStream) -> TokenStream {
    rewrite_tokens(tokens, &mut |trees, i| {
        let TokenTree::Ident(id) = &trees[i] else {
            return None;
        };
        if id != "encode_path" {
            return None;
        }
        match trees.get(i + 1) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                let inner = secure_path_params(g.stream());
                let name = parameter_name(&g.stream());
                Some((
                    quote! {
                        ::sdk_auth::http::path_segment(#name, #inner).map_err(Error::InvalidRequest)?
                    },
                    2,
                ))
            }
            // In a `use` list: drop the name and its comma.
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => Some((TokenStream::new(), 2)),
            _ => Some((TokenStream::new(), 1)),
        }
    })
}

/// The parameter named in `&name.to_string()`: the first identifier.
fn parameter_name(args: &TokenStream) -> String {
    args.clone()
        .into_iter()
        .find_map(|t| match t {
            TokenTree::Ident(id) => Some(id.to_string().trim_start_matches("r#").to_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "path".to_owned())
}

/// A whole schema marked secret is stored under this pseudo-property.
const WHOLE: &str = "*";

/// `schema name → JSON property names` marked `x-secret: true` in `components.schemas` (a schema
/// marked `x-secret: true` itself has every field redacted, e.g. a free-form answer that holds a
/// secret).
pub fn secret_properties(spec: &Value) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut out = BTreeMap::new();
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(out);
    };
    for (name, schema) in schemas {
        match schema.get("x-secret") {
            None | Some(Value::Bool(false)) => {}
            Some(Value::Bool(true)) => {
                out.insert(name.clone(), BTreeSet::from([WHOLE.to_owned()]));
                continue;
            }
            Some(_) => return Err(format!("schema {name}: `x-secret` must be true or false")),
        }
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        for (prop, def) in props {
            match def.get("x-secret") {
                None | Some(Value::Bool(false)) => {}
                Some(Value::Bool(true)) => {
                    out.entry(name.clone())
                        .or_insert_with(BTreeSet::new)
                        .insert(prop.clone());
                }
                Some(_) => {
                    return Err(format!(
                        "schema {name}, property {prop}: `x-secret` must be true or false"
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Replaces the derived `Debug` of every struct named in `secrets` (in any module, so typify's
/// builders too) with one that redacts the secret fields. Fails when a marked property matches
/// no generated field, so the spec's promise cannot silently go unkept.
pub fn redact_secret_fields(
    file: &mut syn::File,
    secrets: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    if secrets.is_empty() {
        return Ok(());
    }
    // Field identifiers of each secret property, read from the serde names of the main types.
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    visit_structs(&mut file.items, &mut |item| {
        let Some(props) = secrets.get(&item.ident.to_string()) else {
            return;
        };
        if props.contains(WHOLE) {
            fields
                .entry(item.ident.to_string())
                .or_default()
                .insert(WHOLE.to_owned());
            return;
        }
        for field in &item.fields {
            let Some(ident) = &field.ident else { continue };
            let json = serde_rename(field).unwrap_or_else(|| ident_text(ident));
            if props.contains(&json) {
                fields
                    .entry(item.ident.to_string())
                    .or_default()
                    .insert(ident_text(ident));
            }
        }
    });
    for (schema, props) in secrets {
        let found = fields.get(schema).map_or(0, BTreeSet::len);
        if found != props.len() {
            return Err(format!(
                "schema {schema}: a property marked `x-secret` has no generated field (marked: {})",
                props.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    rewrite_debug(&mut file.items, &fields);
    Ok(())
}

fn ident_text(ident: &Ident) -> String {
    ident.to_string().trim_start_matches("r#").to_owned()
}

fn serde_rename(field: &syn::Field) -> Option<String> {
    let mut rename = None;
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                rename = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// Makes the `JsonSchema` derive (asked of progenitor with `with_derive`) and every
/// `#[schemars(..)]` attribute conditional on the crate's `schemars` feature, so that schemars is
/// not even a dependency without it: `#[derive(A, ::schemars::JsonSchema)]` becomes
/// `#[derive(A)] #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]`.
/// Returns how many types derive it (a spec with types and none is a generator change).
pub fn schemars_optional(file: &mut syn::File) -> usize {
    fn attrs(attrs: &mut Vec<syn::Attribute>, count: &mut usize) {
        let mut added = Vec::new();
        for attr in attrs.iter_mut() {
            if attr.path().is_ident("schemars") {
                let meta = &attr.meta;
                *attr = syn::parse_quote!(#[cfg_attr(feature = "schemars", #meta)]);
                continue;
            }
            if !attr.path().is_ident("derive") {
                continue;
            }
            let Ok(list) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let (schema, kept): (Vec<&syn::Path>, Vec<&syn::Path>) = list
                .iter()
                .partition(|p| p.segments.last().is_some_and(|s| s.ident == "JsonSchema"));
            if schema.is_empty() {
                continue;
            }
            *count += 1;
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            added.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            ));
        }
        attrs.extend(added);
    }
    fn items(list: &mut [syn::Item], count: &mut usize) {
        for item in list {
            match item {
                syn::Item::Struct(s) => {
                    attrs(&mut s.attrs, count);
                    for f in &mut s.fields {
                        attrs(&mut f.attrs, count);
                    }
                }
                syn::Item::Enum(e) => {
                    attrs(&mut e.attrs, count);
                    for v in &mut e.variants {
                        attrs(&mut v.attrs, count);
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &mut m.content {
                        items(inner, count);
                    }
                }
                _ => {}
            }
        }
    }
    let mut count = 0;
    items(&mut file.items, &mut count);
    count
}

fn visit_structs(items: &mut [syn::Item], f: &mut impl FnMut(&mut syn::ItemStruct)) {
    for item in items {
        match item {
            syn::Item::Struct(s) => f(s),
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    visit_structs(inner, f);
                }
            }
            _ => {}
        }
    }
}

fn rewrite_debug(items: &mut Vec<syn::Item>, fields: &BTreeMap<String, BTreeSet<String>>) {
    let mut impls = Vec::new();
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                let Some(secret) = fields.get(&s.ident.to_string()) else {
                    continue;
                };
                if !remove_debug_derive(&mut s.attrs) {
                    continue;
                }
                impls.push(debug_impl(s, secret));
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    rewrite_debug(inner, fields);
                }
            }
            _ => {}
        }
    }
    items.extend(impls);
}

/// Removes `Debug` from `#[derive(..)]` lists; returns whether it was there.
fn remove_debug_derive(attrs: &mut [syn::Attribute]) -> bool {
    let mut removed = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(list) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = list
            .iter()
            .filter(|p| {
                let debug = p.segments.last().is_some_and(|s| s.ident == "Debug");
                removed |= debug;
                !debug
            })
            .collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    removed
}

fn debug_impl(s: &syn::ItemStruct, secret: &BTreeSet<String>) -> syn::Item {
    let name = &s.ident;
    let label = name.to_string();
    let (impl_generics, ty_generics, where_clause) = s.generics.split_for_impl();
    let whole = secret.contains(WHOLE);
    let span = Span::call_site();
    let f = Ident::new("f", span);
    let body = match &s.fields {
        syn::Fields::Named(named) => {
            let entries = named.named.iter().filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let text = ident_text(ident);
                Some(if whole || secret.contains(&text) {
                    quote! { .field(#text, &"[redacted]") }
                } else {
                    quote! { .field(#text, &self.#ident) }
                })
            });
            quote! { #f.debug_struct(#label) #(#entries)* .finish() }
        }
        syn::Fields::Unnamed(unnamed) => {
            let entries = unnamed
                .unnamed
                .iter()
                .map(|_| quote! { .field(&"[redacted]") });
            quote! { #f.debug_tuple(#label) #(#entries)* .finish() }
        }
        syn::Fields::Unit => quote! { #f.write_str(#label) },
    };
    syn::parse_quote! {
        impl #impl_generics ::std::fmt::Debug for #name #ty_generics #where_clause {
            fn fmt(&self, #f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #body
            }
        }
    }
}

/// Operation ids (snake case, as the generated methods) whose success answer has a body that is
/// not JSON: downloads, which the hooks stream instead of buffering.
pub fn streaming_operations(spec: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !crate::lint::METHODS.contains(&method.as_str()) || crate::lint::is_manual(op) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            let streams = responses
                .iter()
                .filter(|(code, _)| code.starts_with('2'))
                .filter_map(|(_, r)| r.get("content").and_then(Value::as_object))
                .any(|content| !content.is_empty() && !content.contains_key("application/json"));
            if streams {
                out.push(crate::lint::snake_case(id));
            }
        }
    }
    out.sort();
    out
}

/// The `STREAMING_OPERATIONS` constant for the generated file.
pub fn streaming_constant(operations: &[String]) -> syn::Item {
    syn::parse_quote! {
        /// Operations whose success answer is streamed (not JSON): the SDK neither buffers nor
        /// caps their bodies. Every other success body is read, bounded, before decoding.
        pub const STREAMING_OPERATIONS: &[&str] = &[#(#operations),*];
    }
}

/// Makes every generated operation return the SDK's error: each builder's
/// `send() -> Result<ResponseValue<T>, Error<E>>` becomes
/// `send() -> Result<ResponseValue<T>, ::sdk_auth::Error>`, its body converted once at the end
/// with `::sdk_auth::Error::from_generated(e, crate::PROVIDER, "<operation>")` (hook errors come
/// back whole, cause included). progenitor's `Error` stops being public, so each crate's docs
/// show one `Error`. Fails when a `send` has an unexpected shape.
pub fn unify_errors(file: &mut syn::File) -> Result<(), String> {
    let mut problems = Vec::new();
    for item in &mut file.items {
        match item {
            syn::Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => {
                use_tree_drop(&mut u.tree, "Error");
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                let Some((_, items)) = &mut m.content else {
                    continue;
                };
                for item in items.iter_mut() {
                    // An operation set that uses only shared or primitive types leaves
                    // progenitor's `use super::types` unused.
                    if let syn::Item::Use(u) = item
                        && quote!(#u).to_string().replace(' ', "") == "usesuper::types;"
                    {
                        u.attrs.push(syn::parse_quote!(#[allow(unused_imports)]));
                    }
                }
                for item in items {
                    let syn::Item::Impl(imp) = item else { continue };
                    for it in &mut imp.items {
                        let syn::ImplItem::Fn(f) = it else { continue };
                        if f.sig.ident != "send" {
                            continue;
                        }
                        if let Err(e) = unify_send(f) {
                            problems.push(e);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // progenitor's error stays usable inside the file, under the same name, but not public.
    file.items.insert(
        0,
        syn::parse_quote! {
            #[allow(unused_imports)]
            use progenitor_client::Error;
        },
    );
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    Ok(())
}

/// Removes `name` from a `use` tree; true when it was there.
fn use_tree_drop(tree: &mut syn::UseTree, name: &str) -> bool {
    match tree {
        syn::UseTree::Path(p) => use_tree_drop(&mut p.tree, name),
        syn::UseTree::Group(g) => {
            let before = g.items.len();
            let kept: syn::punctuated::Punctuated<syn::UseTree, syn::Token![,]> = g
                .items
                .iter()
                .filter(|t| !matches!(t, syn::UseTree::Name(n) if n.ident == name))
                .cloned()
                .collect();
            g.items = kept;
            before != g.items.len()
        }
        _ => false,
    }
}

fn unify_send(f: &mut syn::ImplItemFn) -> Result<(), String> {
    let operation = operation_id(&f.block)
        .ok_or_else(|| "a generated `send` names no `operation_id`".to_owned())?;
    let syn::ReturnType::Type(_, ty) = &mut f.sig.output else {
        return Err(format!("{operation}: `send` returns nothing"));
    };
    let original: syn::Type = (**ty).clone();
    let syn::Type::Path(path) = &mut **ty else {
        return Err(format!("{operation}: `send` does not return a `Result`"));
    };
    let last = path
        .path
        .segments
        .last_mut()
        .filter(|s| s.ident == "Result")
        .ok_or_else(|| format!("{operation}: `send` does not return a `Result`"))?;
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return Err(format!(
            "{operation}: `send` returns a `Result` without arguments"
        ));
    };
    let Some(syn::GenericArgument::Type(error)) = args.args.iter_mut().nth(1) else {
        return Err(format!(
            "{operation}: `send` returns a `Result` without an error type"
        ));
    };
    *error = syn::parse_quote!(::sdk_auth::Error);
    drop_api_version(&mut f.block);
    let block = f.block.clone();
    // JSON answers decode without a copy of their headers.
    let block: syn::Block = syn::parse2(json_decoding(quote!(#block)))
        .map_err(|e| format!("{operation}: decoding pass: {e}"))?;
    f.block = syn::parse_quote! {{
        let result: #original = async move #block.await;
        result.map_err(|e| ::sdk_auth::Error::from_generated(e, crate::PROVIDER, #operation))
    }};
    Ok(())
}

/// Removes progenitor's `api-version` request header (the hooks would strip it before sending)
/// and the capacity reserved for it: two allocations less on every call.
fn drop_api_version(block: &mut syn::Block) {
    let mut removed = false;
    block.stmts.retain(|stmt| {
        let text = quote!(#stmt).to_string();
        let drop = text.starts_with("header_map . append") && text.contains("\"api-version\"");
        removed |= drop;
        !drop
    });
    if !removed {
        return;
    }
    for stmt in &mut block.stmts {
        let syn::Stmt::Local(local) = stmt else {
            continue;
        };
        let Some(init) = &mut local.init else {
            continue;
        };
        let syn::Expr::Call(call) = &mut *init.expr else {
            continue;
        };
        if !quote!(#call)
            .to_string()
            .contains("HeaderMap :: with_capacity")
        {
            continue;
        }
        if let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        })) = call.args.first_mut()
            && let Ok(value) = n.base10_parse::<usize>()
        {
            let fewer = value.saturating_sub(1);
            *n = syn::LitInt::new(&format!("{fewer}usize"), n.span());
            // No header left to append: the map stays empty.
            if fewer == 0
                && let syn::Pat::Ident(ident) = &mut local.pat
            {
                ident.mutability = None;
            }
        }
    }
}

/// `tokens` rewritten at every depth: at each tree, `f` sees the trees of its level and the
/// tree's index and may return a replacement and how many trees it replaces; groups it leaves
/// alone are rewritten inside.
fn rewrite_tokens(
    tokens: TokenStream,
    f: &mut impl FnMut(&[TokenTree], usize) -> Option<(TokenStream, usize)>,
) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let Some((replacement, consumed)) = f(&trees, i) {
            out.extend(replacement);
            i += consumed.max(1);
            continue;
        }
        match &trees[i] {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), rewrite_tokens(g.stream(), f));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `ResponseValue::from_response(x)` → `::sdk_auth::http::json_response(x)`, and a declared
/// error answer, `Error::ErrorResponse(ResponseValue::from_response(x).await?)`, →
/// `::sdk_auth::http::error_response(x).await`: the hooks already turned the error answer into
/// the SDK's error (message, code, request id, whatever its body), so a body that does not
/// match the declared error schema (an HTML gateway page) stays an API error, not a decode
/// error.
fn json_decoding(tokens: TokenStream) -> TokenStream {
    let tokens = rewrite_tokens(tokens, &mut |trees, i| {
        let is_error = matches!(&trees[i], TokenTree::Ident(id) if id == "Error")
            && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
            && matches!(trees.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == ':')
            && matches!(trees.get(i + 3), Some(TokenTree::Ident(id)) if id == "ErrorResponse");
        let Some(TokenTree::Group(arg)) = trees.get(i + 4).filter(|_| is_error) else {
            return None;
        };
        let inner: Vec<TokenTree> = arg.stream().into_iter().collect();
        let decodes = matches!(inner.first(), Some(TokenTree::Ident(id)) if id == "ResponseValue")
            && matches!(inner.get(3), Some(TokenTree::Ident(id)) if id == "from_response");
        let Some(TokenTree::Group(response)) = inner.get(4).filter(|_| decodes) else {
            return None;
        };
        let response = response.stream();
        Some((quote!(::sdk_auth::http::error_response(#response).await), 5))
    });
    rewrite_tokens(tokens, &mut |trees, i| {
        let is_call = matches!(&trees[i], TokenTree::Ident(id) if id == "ResponseValue")
            && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
            && matches!(trees.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == ':')
            && matches!(trees.get(i + 3), Some(TokenTree::Ident(id)) if id == "from_response");
        is_call.then(|| (quote!(::sdk_auth::http::json_response), 4))
    })
}

/// The `operation_id: "..."` literal in a generated body.
fn operation_id(block: &syn::Block) -> Option<String> {
    fn find(tokens: TokenStream) -> Option<String> {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in trees.iter().enumerate() {
            match t {
                TokenTree::Ident(id) if id == "operation_id" => {
                    if let Some(TokenTree::Literal(lit)) = trees.get(i + 2) {
                        let text = lit.to_string();
                        return Some(text.trim_matches('"').to_owned());
                    }
                }
                TokenTree::Group(g) => {
                    if let Some(found) = find(g.stream()) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }
    find(quote!(#block))
}

/// `operation builder → (parameter, default)` for every parameter whose schema has a
/// `default`: the builder starts with it, so `send()` works without the setter.
pub fn parameter_defaults(spec: &Value) -> Result<BTreeMap<String, Vec<(String, Value)>>, String> {
    let mut out: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        let shared = item.get("parameters").and_then(Value::as_array);
        for (method, op) in item {
            if !crate::lint::METHODS.contains(&method.as_str()) || crate::lint::is_manual(op) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let own = op.get("parameters").and_then(Value::as_array);
            for p in shared.into_iter().chain(own).flatten() {
                let Some(default) = p.get("schema").and_then(|s| s.get("default")) else {
                    continue;
                };
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                if !matches!(
                    default,
                    Value::Number(_) | Value::String(_) | Value::Bool(_)
                ) {
                    return Err(format!(
                        "operation {id}, parameter {name}: only number, string and boolean defaults are supported"
                    ));
                }
                out.entry(type_name(id))
                    .or_default()
                    .push((crate::lint::snake_case(name), default.clone()));
            }
        }
    }
    Ok(out)
}

/// Builder ergonomics progenitor misses:
///
/// * optional setters of the body builders take `impl ::sdk_auth::IntoOptional<T>` instead of
///   `TryInto<Option<T>>`, so `&str` fits an optional text field as it fits a required one;
/// * free-form object types (a newtype over a JSON map) accept a `serde_json::Map` or an object
///   `serde_json::Value` wherever they are expected;
/// * operation builders start with the spec's parameter defaults (`defaults`);
/// * body builders start every field that has a serde default from it (optional fields,
///   defaulted arrays and maps, the flattened `additionalProperties` map): only a property the
///   schema (`required`) requires is an error when missing, which is checked.
pub fn builder_ergonomics(
    file: &mut syn::File,
    defaults: &BTreeMap<String, Vec<(String, Value)>>,
    required: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    let mut applied = BTreeSet::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        if m.ident == "types" {
            let defaulted = defaulted_fields(items);
            let mut extra = Vec::new();
            for item in items.iter_mut() {
                match item {
                    syn::Item::Struct(st) => extra.extend(free_form_impls(st)),
                    syn::Item::Mod(b) if b.ident == "builder" => {
                        if let Some((_, items)) = &mut b.content {
                            optional_setters(items);
                            builder_defaults(items, &defaulted, required)?;
                        }
                    }
                    _ => {}
                }
            }
            items.extend(extra);
        } else if m.ident == "builder" {
            for item in items.iter_mut() {
                let syn::Item::Impl(imp) = item else { continue };
                let syn::Type::Path(ty) = &*imp.self_ty else {
                    continue;
                };
                let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
                    continue;
                };
                let Some(params) = defaults.get(&name) else {
                    continue;
                };
                for it in &mut imp.items {
                    let syn::ImplItem::Fn(f) = it else { continue };
                    if f.sig.ident != "new" {
                        continue;
                    }
                    for (param, value) in params {
                        if apply_default(&mut f.block, param, value) {
                            applied.insert((name.clone(), param.clone()));
                        }
                    }
                }
            }
        }
    }
    for (builder, params) in defaults {
        for (param, _) in params {
            if !applied.contains(&(builder.clone(), param.clone())) {
                return Err(format!(
                    "builder {builder}: the default of parameter {param} matches no generated field"
                ));
            }
        }
    }
    Ok(())
}

/// `type → fields` whose serde form has a default: an `Option`, a field with `#[serde(default)]`
/// (defaulted arrays and maps), and a flattened map (`additionalProperties` beside
/// `properties`). Deserializing leaves them empty when absent, so a builder must too.
/// Each field maps to its JSON name and whether it is defaulted.
fn defaulted_fields(items: &[syn::Item]) -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let mut out = BTreeMap::new();
    for item in items {
        let syn::Item::Struct(st) = item else {
            continue;
        };
        let syn::Fields::Named(fields) = &st.fields else {
            continue;
        };
        let names = fields
            .named
            .iter()
            .filter_map(|f| {
                let ident = ident_text(f.ident.as_ref()?);
                let json = serde_rename(f).unwrap_or_else(|| ident.clone());
                Some((ident, (json, serde_defaulted(f))))
            })
            .collect();
        out.insert(st.ident.to_string(), names);
    }
    out
}

/// `Rust type name → required JSON property names` of every component schema.
pub fn required_properties(spec: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return out;
    };
    for (name, schema) in schemas {
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        out.insert(type_name(name), required);
    }
    out
}

/// Whether a field deserializes to its default when absent.
fn serde_defaulted(field: &syn::Field) -> bool {
    let last = match &field.ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    if last.as_deref() == Some("Option") {
        return true;
    }
    let mut default = false;
    let mut flatten = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                default = true;
            } else if meta.path.is_ident("flatten") {
                flatten = true;
            }
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    let map = matches!(last.as_deref(), Some("Map" | "HashMap" | "BTreeMap"));
    default || (flatten && map)
}

/// Body builders start every field whose serde form has a default (`defaulted`) from that
/// default, so that a body built from its required fields alone converts; only a required
/// field is still an error when missing. Fails when a builder keeps a defaulted field an
/// error, or names a type or field the types module does not have (a generator change).
pub(crate) fn builder_defaults(
    items: &mut [syn::Item],
    defaulted: &BTreeMap<String, BTreeMap<String, (String, bool)>>,
    required: &BTreeMap<String, BTreeSet<String>>,
) -> Result<(), String> {
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_default = imp
            .trait_
            .as_ref()
            .and_then(|(path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Default");
        if !is_default {
            continue;
        }
        let syn::Type::Path(ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let Some(fields) = defaulted.get(&name) else {
            return Err(format!("builder {name} has no struct in the types module"));
        };
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            for stmt in &mut f.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Struct(st), _) = stmt else {
                    continue;
                };
                for field in &mut st.fields {
                    let syn::Member::Named(ident) = &field.member else {
                        continue;
                    };
                    let errs = matches!(&field.expr, syn::Expr::Call(c)
                        if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err")));
                    if !errs {
                        continue;
                    }
                    let field_name = ident_text(ident);
                    let Some((json, has_default)) = fields.get(&field_name) else {
                        return Err(format!(
                            "builder {name}: field {field_name} is not a field of the type"
                        ));
                    };
                    if *has_default {
                        field.expr = syn::parse_quote!(Ok(Default::default()));
                    } else if let Some(req) = required.get(&name)
                        && !req.contains(json)
                    {
                        return Err(format!(
                            "builder {name}: `{json}` is not required by the schema, yet a body \
                             built without it fails (its generated type has no default)"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `name: Err("… was not initialized".to_string())` → `name: Ok(<default>)` in `new()`.
fn apply_default(block: &mut syn::Block, param: &str, value: &Value) -> bool {
    let mut done = false;
    for stmt in &mut block.stmts {
        let syn::Stmt::Expr(syn::Expr::Struct(st), _) = stmt else {
            continue;
        };
        for field in &mut st.fields {
            let syn::Member::Named(ident) = &field.member else {
                continue;
            };
            if ident_text(ident) != param {
                continue;
            }
            let literal: syn::Expr = match value {
                Value::String(s) => syn::parse_quote!(#s.to_string()),
                Value::Bool(b) => syn::parse_quote!(#b),
                Value::Number(n) => match syn::parse_str::<syn::Expr>(&n.to_string()) {
                    Ok(e) => e,
                    Err(_) => continue,
                },
                _ => continue,
            };
            field.expr = syn::parse_quote!(Ok(#literal));
            done = true;
        }
    }
    done
}

/// Optional setters (`T: TryInto<Option<X>>`) take `T: ::sdk_auth::IntoOptional<X>`.
fn optional_setters(items: &mut [syn::Item]) {
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        for it in &mut imp.items {
            let syn::ImplItem::Fn(f) = it else { continue };
            let Some(inner) = optional_target(f) else {
                continue;
            };
            let Some(param) = f.sig.generics.type_params().next().map(|p| p.ident.clone()) else {
                continue;
            };
            f.sig.generics.where_clause = Some(syn::parse_quote! {
                where #param: ::sdk_auth::IntoOptional<#inner>
            });
            let block = &f.block;
            let tokens = rename_ident(quote!(#block), "try_into", "into_optional");
            if let Ok(block) = syn::parse2(tokens) {
                f.block = block;
            }
        }
    }
}

/// `X` when the setter's first bound is `TryInto<Option<X>>`.
fn optional_target(f: &syn::ImplItemFn) -> Option<syn::Type> {
    let wc = f.sig.generics.where_clause.as_ref()?;
    let syn::WherePredicate::Type(pred) = wc.predicates.first()? else {
        return None;
    };
    let syn::TypeParamBound::Trait(bound) = pred.bounds.first()? else {
        return None;
    };
    let last = bound.path.segments.last()?;
    if last.ident != "TryInto" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let Some(syn::GenericArgument::Type(syn::Type::Path(opt))) = args.args.first() else {
        return None;
    };
    let seg = opt.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn rename_ident(tokens: TokenStream, from: &str, to: &str) -> TokenStream {
    rewrite_tokens(tokens, &mut |trees, i| match &trees[i] {
        TokenTree::Ident(id) if id == from => {
            Some((TokenTree::Ident(Ident::new(to, id.span())).into(), 1))
        }
        _ => None,
    })
}

/// For `struct X(pub Option<Map<String, Value>>)` / `struct X(pub Map<String, Value>)`: `X` from
/// a map, and `IntoOptional<X>` for a map and for an object value.
fn free_form_impls(st: &syn::ItemStruct) -> Vec<syn::Item> {
    let syn::Fields::Unnamed(fields) = &st.fields else {
        return Vec::new();
    };
    let Some(field) = fields.unnamed.first().filter(|_| fields.unnamed.len() == 1) else {
        return Vec::new();
    };
    let ty = &field.ty;
    let text = quote!(#ty).to_string().replace(' ', "");
    let map = "::serde_json::Map<::std::string::String,::serde_json::Value>";
    let name = &st.ident;
    if text == format!("::std::option::Option<{map}>") {
        vec![
            syn::parse_quote! {
                impl ::std::convert::From<::serde_json::Map<::std::string::String, ::serde_json::Value>> for #name {
                    fn from(value: ::serde_json::Map<::std::string::String, ::serde_json::Value>) -> Self {
                        Self(Some(value))
                    }
                }
            },
            syn::parse_quote! {
                impl ::sdk_auth::IntoOptional<#name> for ::serde_json::Map<::std::string::String, ::serde_json::Value> {
                    fn into_optional(self) -> ::std::result::Result<::std::option::Option<#name>, ::std::string::String> {
                        Ok(Some(#name(Some(self))))
                    }
                }
            },
            syn::parse_quote! {
                impl ::sdk_auth::IntoOptional<#name> for ::serde_json::Value {
                    fn into_optional(self) -> ::std::result::Result<::std::option::Option<#name>, ::std::string::String> {
                        ::sdk_auth::object_from_value(self).map(|m| Some(#name(m)))
                    }
                }
            },
        ]
    } else if text == map {
        vec![
            syn::parse_quote! {
                impl ::sdk_auth::IntoOptional<#name> for ::serde_json::Map<::std::string::String, ::serde_json::Value> {
                    fn into_optional(self) -> ::std::result::Result<::std::option::Option<#name>, ::std::string::String> {
                        Ok(Some(#name(self)))
                    }
                }
            },
            syn::parse_quote! {
                impl ::sdk_auth::IntoOptional<#name> for ::serde_json::Value {
                    fn into_optional(self) -> ::std::result::Result<::std::option::Option<#name>, ::std::string::String> {
                        ::sdk_auth::object_from_value(self).map(|m| m.map(#name))
                    }
                }
            },
        ]
    } else {
        Vec::new()
    }
}

/// The Rust name progenitor and typify give a schema or an operation's builder.
pub fn type_name(schema: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(schema)
}

/// The schemas of `shared_spec` that `spec` uses from it: each must be defined in `spec`
/// identically (a copy that drifted is an error naming it). Returns their Rust names.
pub fn shared_schemas(
    file: &str,
    spec: &Value,
    shared_file: &str,
    shared_spec: &Value,
) -> Result<Vec<String>, String> {
    let schemas = |v: &Value| {
        v.pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let own = schemas(spec);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (name, shared) in schemas(shared_spec) {
        match own.get(&name) {
            Some(mine) if *mine == shared => out.push(type_name(&name)),
            Some(_) => problems.push(format!(
                "{file}: schema {name} differs from the shared definition in {shared_file} (copy it from there)"
            )),
            None => problems.push(format!(
                "{file}: schema {name} of {shared_file} is missing (every service defines the shared schemas)"
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems.join("\n"))
    }
}

/// Re-exports the shared types from the service's `types` module, so `types::XpKitResource`
/// still names them (the same type in every service).
pub fn reexport_shared(file: &mut syn::File, names: &[String]) {
    if names.is_empty() {
        return;
    }
    let idents: Vec<Ident> = names
        .iter()
        .map(|n| Ident::new(n, Span::call_site()))
        .collect();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "types" {
            continue;
        }
        if let Some((_, items)) = &mut m.content {
            items.insert(
                0,
                syn::parse_quote! {
                    /// Shared by every XPKit service (one type, not a copy per service).
                    pub use crate::common::types::{#(#idents),*};
                },
            );
        }
    }
}

/// How one list operation pages (the operation's `x-paging` extension).
#[derive(Clone, Debug, PartialEq)]
pub enum Paging {
    /// XPKit: the `list_*` path with a `ListQuery`, following `next_token`, else `next`.
    Cursor {
        /// The operation's URL path, `{param}` placeholders included.
        path: String,
        /// The path parameters, in order (snake case).
        params: Vec<String>,
        /// The document view the items decode into (Rust type name), or a free-form map.
        document: Option<String>,
    },
    /// iinked Sign: a JSON body with an offset field; the answer has the items and maybe a total.
    SkipTake {
        /// The request body type.
        body: String,
        /// The body's offset field.
        skip: String,
        /// The answer's items field.
        items: String,
        /// The items' type.
        item: String,
        /// The answer's total field, if any.
        total: Option<String>,
    },
    /// Xink: offset and limit parameters; the answer's items are found by shape.
    OffsetLimit {
        /// The offset parameter.
        offset: String,
        /// The limit parameter.
        limit: String,
    },
}

/// One operation that gets a `<operation>_stream` method.
#[derive(Clone, Debug, PartialEq)]
pub struct PagingOperation {
    /// Snake-case operation id.
    pub operation: String,
    /// How it pages.
    pub paging: Paging,
}

/// Reads `x-paging` from every operation:
///
/// ```yaml
/// x-paging: {style: cursor, document: Activity}            # XPKit (document optional)
/// x-paging: {style: skip-take, skip: skip, items: items, total: total}   # iinked Sign
/// x-paging: {style: offset-limit, offset: offset, limit: limit}           # Xink
/// ```
pub fn paging_operations(spec: &Value) -> Result<Vec<PagingOperation>, String> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let schema_ref = |v: Option<&Value>| -> Option<String> {
        v?.get("$ref")?
            .as_str()?
            .strip_prefix("#/components/schemas/")
            .map(str::to_owned)
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !crate::lint::METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(x) = op.get("x-paging") else {
                continue;
            };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let fail = |m: &str| format!("operation {id}: x-paging: {m}");
            let field = |k: &str| -> Result<String, String> {
                x.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| fail(&format!("`{k}` is required")))
            };
            let success = op
                .get("responses")
                .and_then(Value::as_object)
                .and_then(|r| r.iter().find(|(c, _)| c.starts_with('2')).map(|(_, v)| v))
                .and_then(|r| r.pointer("/content/application~1json/schema"));
            let paging = match x.get("style").and_then(Value::as_str) {
                Some("cursor") => {
                    let document = match x.get("document") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(d)) if schemas.contains_key(d) => Some(type_name(d)),
                        Some(other) => {
                            return Err(fail(&format!(
                                "document {other} is not a schema of this spec"
                            )));
                        }
                    };
                    let params = path
                        .split('/')
                        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                        .map(crate::lint::snake_case)
                        .collect();
                    Paging::Cursor {
                        path: path.clone(),
                        params,
                        document,
                    }
                }
                Some("skip-take") => {
                    let body =
                        schema_ref(op.pointer("/requestBody/content/application~1json/schema"))
                            .ok_or_else(|| fail("the request body must be a `$ref` to a schema"))?;
                    let answer = schema_ref(success)
                        .ok_or_else(|| fail("the success answer must be a `$ref` to a schema"))?;
                    let (skip, items) = (field("skip")?, field("items")?);
                    let total = x.get("total").and_then(Value::as_str).map(str::to_owned);
                    let prop = |schema: &str, name: &str| {
                        schemas
                            .get(schema)
                            .and_then(|s| s.pointer(&format!("/properties/{name}")))
                            .cloned()
                    };
                    let is_int = |v: Option<Value>| {
                        v.and_then(|v| v.get("type").cloned()) == Some(Value::from("integer"))
                    };
                    if !is_int(prop(&body, &skip)) {
                        return Err(fail(&format!("{body}.{skip} must be an integer property")));
                    }
                    if let Some(t) = &total
                        && !is_int(prop(&answer, t))
                    {
                        return Err(fail(&format!("{answer}.{t} must be an integer property")));
                    }
                    let required = |schema: &str, name: &str| {
                        schemas
                            .get(schema)
                            .and_then(|s| s.get("required"))
                            .and_then(Value::as_array)
                            .is_some_and(|r| r.iter().any(|n| n == name))
                    };
                    if required(&body, &skip)
                        || total.as_ref().is_some_and(|t| required(&answer, t))
                    {
                        return Err(fail("the offset and total fields must be optional"));
                    }
                    let item = prop(&answer, &items)
                        .filter(|_| required(&answer, &items))
                        .and_then(|p| schema_ref(p.get("items")))
                        .ok_or_else(|| {
                            fail(&format!(
                                "{answer}.{items} must be a required array of `$ref` items"
                            ))
                        })?;
                    Paging::SkipTake {
                        body: type_name(&body),
                        skip: crate::lint::snake_case(&skip),
                        items: crate::lint::snake_case(&items),
                        item: type_name(&item),
                        total: total.map(|t| crate::lint::snake_case(&t)),
                    }
                }
                Some("offset-limit") => Paging::OffsetLimit {
                    offset: crate::lint::snake_case(&field("offset")?),
                    limit: crate::lint::snake_case(&field("limit")?),
                },
                _ => return Err(fail("`style` must be cursor, skip-take or offset-limit")),
            };
            out.push(PagingOperation {
                operation: crate::lint::snake_case(id),
                paging,
            });
        }
    }
    Ok(out)
}

/// One `impl Client` with a `<operation>_stream` method per paging operation, each returning
/// `::sdk_auth::Paged` (the bounds of every stream: page count, empty pages, repeated cursor).
pub fn paging_streams(operations: &[PagingOperation]) -> Result<Vec<syn::Item>, String> {
    if operations.is_empty() {
        return Ok(Vec::new());
    }
    let mut methods: Vec<TokenStream> = Vec::new();
    for op in operations {
        let name = &op.operation;
        let stream = Ident::new(&format!("{name}_stream"), Span::call_site());
        let call = Ident::new(name, Span::call_site());
        let doc_link = format!("Every item of [`Client::{name}`], page after page, as one stream.");
        match &op.paging {
            Paging::Cursor {
                path,
                params,
                document,
            } => {
                let item: TokenStream = match document {
                    Some(d) => {
                        let d = Ident::new(d, Span::call_site());
                        quote!(types::#d)
                    }
                    None => quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
                };
                let args: Vec<Ident> = params
                    .iter()
                    .map(|p| Ident::new(p, Span::call_site()))
                    .collect();
                let names: Vec<&String> = params.iter().collect();
                let mut template = String::new();
                for seg in path.split('/').filter(|s| !s.is_empty()) {
                    template.push('/');
                    template.push_str(if seg.starts_with('{') { "{}" } else { seg });
                }
                let view = match document {
                    Some(d) => format!("the `{d}` view of each document"),
                    None => "each document as free-form JSON (no view is documented)".to_owned(),
                };
                let doc2 = format!(
                    "Filters, ordering and page size come from `query`; items are [`crate::Resource`]s holding {view}."
                );
                let path_expr = if params.is_empty() {
                    quote!(::std::result::Result::<::std::string::String, ::std::string::String>::Ok(#template.to_owned()))
                } else {
                    quote! {
                        (|| -> ::std::result::Result<::std::string::String, ::std::string::String> {
                            Ok(format!(#template, #(::sdk_auth::http::path_segment(#names, #args)?),*))
                        })()
                    }
                };
                methods.push(quote! {
                    #[doc = #doc_link]
                    #[doc = ""]
                    #[doc = #doc2]
                    pub fn #stream<'a>(
                        &'a self,
                        #(#args: &str,)*
                        query: crate::ListQuery,
                    ) -> ::sdk_auth::Paged<'a, crate::Resource<#item>> {
                        crate::stream::typed(self, &self.inner.hooks, #name, #path_expr, query)
                    }
                });
            }
            Paging::SkipTake {
                body,
                skip,
                items,
                item,
                total,
            } => {
                let body = Ident::new(body, Span::call_site());
                let item = Ident::new(item, Span::call_site());
                let skip = Ident::new(skip, Span::call_site());
                let items = Ident::new(items, Span::call_site());
                let more = match total {
                    Some(t) => {
                        let t = Ident::new(t, Span::call_site());
                        quote!(page.#t.is_none_or(|total| end < total))
                    }
                    None => quote!(true),
                };
                let doc2 = format!(
                    "`request` (the body, or its builder) filters the list; its `{skip}` is where the stream starts (default 0); each next page starts after the items received, until a page is empty{}.",
                    if total.is_some() {
                        " or the total is reached"
                    } else {
                        ""
                    }
                );
                methods.push(quote! {
                    #[doc = #doc_link]
                    #[doc = ""]
                    #[doc = #doc2]
                    pub fn #stream<V>(&self, request: V) -> ::sdk_auth::Paged<'_, types::#item>
                    where
                        V: ::std::convert::TryInto<types::#body>,
                        V::Error: ::std::fmt::Display,
                    {
                        let request: ::std::result::Result<types::#body, ::std::string::String> =
                            request.try_into().map_err(|e| e.to_string());
                        ::sdk_auth::Paged::new(crate::PROVIDER, #name, move |cursor: Option<i64>| {
                            let request = request.clone();
                            async move {
                                let mut body = request.map_err(|message| {
                                    ::sdk_auth::Error::config(message)
                                        .with_provider(crate::PROVIDER)
                                        .with_operation(#name)
                                })?;
                                let start = cursor.unwrap_or_else(|| body.#skip.unwrap_or(0));
                                body.#skip = Some(start);
                                let page = self.#call().body(body).send().await?.into_inner();
                                let count = i64::try_from(page.#items.len()).unwrap_or(i64::MAX);
                                let end = start.saturating_add(count);
                                let next = (count > 0 && #more).then_some(end);
                                Ok(::sdk_auth::PageOf { items: page.#items, next })
                            }
                        })
                    }
                });
            }
            Paging::OffsetLimit { offset, limit } => {
                let offset = Ident::new(offset, Span::call_site());
                let limit_ident = Ident::new(limit, Span::call_site());
                let doc2 = format!(
                    "`{limit}` items a page from `{offset}` 0; the next page starts after the items received, until a page brings fewer than `{limit}`. The answer's shape is not documented: its items are the answer itself when it is an array, or its only array member."
                );
                methods.push(quote! {
                    #[doc = #doc_link]
                    #[doc = ""]
                    #[doc = #doc2]
                    pub fn #stream(&self, #limit_ident: i32) -> ::sdk_auth::Paged<'_, ::serde_json::Value> {
                        ::sdk_auth::Paged::new(crate::PROVIDER, #name, move |cursor: Option<i32>| async move {
                            if #limit_ident < 1 {
                                return Err(::sdk_auth::Error::config(concat!("the page size `", #limit, "` must be at least 1"))
                                    .with_provider(crate::PROVIDER)
                                    .with_operation(#name));
                            }
                            let #offset = cursor.unwrap_or(0);
                            let page = self.#call().#offset(#offset).#limit_ident(#limit_ident).send().await?.into_inner();
                            let items = ::sdk_auth::paging::json_array_items(page.into(), crate::PROVIDER, #name)?;
                            let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
                            let next = (count >= #limit_ident).then(|| #offset.saturating_add(count));
                            Ok(::sdk_auth::PageOf { items, next })
                        })
                    }
                });
            }
        }
    }
    let item: syn::Item = syn::parse2(quote! {
        /// Paging streams: every list operation as one stream of typed items.
        impl Client {
            #(#methods)*
        }
    })
    .map_err(|e| format!("paging streams do not parse: {e}"))?;
    Ok(vec![item])
}

/// `operation → Accept value` for the streamed (non-JSON) answers: their media types, joined,
/// as the providers' own SDKs send them (progenitor adds no `Accept` for non-JSON answers).
pub fn stream_accept(spec: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for item in paths.values().filter_map(Value::as_object) {
        for (method, op) in item {
            if !crate::lint::METHODS.contains(&method.as_str()) || crate::lint::is_manual(op) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut types: Vec<String> = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter(|(code, _)| code.starts_with('2'))
                .filter_map(|(_, r)| r.get("content").and_then(Value::as_object))
                .flat_map(|c| c.keys().cloned())
                .collect();
            types.sort();
            types.dedup();
            if !types.is_empty() && !types.iter().any(|t| t == "application/json") {
                out.insert(crate::lint::snake_case(id), types.join(", "));
            }
        }
    }
    out
}

/// Adds `Accept: <media types>` to the requests of the operations in `accept`.
pub fn accept_streamed(
    file: &mut syn::File,
    accept: &BTreeMap<String, String>,
) -> Result<(), String> {
    let mut done = BTreeSet::new();
    for item in &mut file.items {
        let syn::Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        let Some((_, items)) = &mut m.content else {
            continue;
        };
        for item in items {
            let syn::Item::Impl(imp) = item else { continue };
            for it in &mut imp.items {
                let syn::ImplItem::Fn(f) = it else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let Some(op) = operation_id(&f.block) else {
                    continue;
                };
                let Some(value) = accept.get(&op) else {
                    continue;
                };
                let block = &f.block;
                let tokens = add_accept(quote!(#block), value);
                f.block = syn::parse2(tokens).map_err(|e| format!("{op}: Accept pass: {e}"))?;
                done.insert(op);
            }
        }
    }
    for op in accept.keys() {
        if !done.contains(op) {
            return Err(format!(
                "operation {op}: no generated request to add `Accept` to"
            ));
        }
    }
    Ok(())
}

/// `. headers (header_map)` → `. header (ACCEPT, …) . headers (header_map)`.
fn add_accept(tokens: TokenStream, value: &str) -> TokenStream {
    rewrite_tokens(tokens, &mut |trees, i| {
        let at = matches!(&trees[i], TokenTree::Punct(p) if p.as_char() == '.')
            && matches!(trees.get(i + 1), Some(TokenTree::Ident(id)) if id == "headers")
            && matches!(trees.get(i + 2), Some(TokenTree::Group(g)) if g.stream().to_string() == "header_map");
        at.then(|| {
            let dot = &trees[i];
            let tokens = quote! {
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static(#value),
                )
                #dot
            };
            (tokens, 1)
        })
    })
}

/// The sentences of a description, split at `.`/`?`/`!` followed by white space (outside
/// backticks and brackets), each with its trailing white space.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut depth, mut code) = (0, 0i32, false);
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        match c {
            '`' => code = !code,
            '(' | '[' if !code => depth += 1,
            ')' | ']' if !code => depth -= 1,
            '.' | '?' | '!' if !code && depth <= 0 => {
                let next = bytes.get(i + 1).copied();
                if next.is_none() || next.is_some_and(|b| b.is_ascii_whitespace()) {
                    let mut end = i + 1;
                    while bytes.get(end).is_some_and(|b| b.is_ascii_whitespace()) {
                        end += 1;
                    }
                    out.push(&text[start..end]);
                    start = end;
                }
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Splits a (Markdown) description into what stays and the gaps: a heading that says
/// `UNKNOWN` takes its whole section, a list item is taken whole, a paragraph sentence by
/// sentence.
fn split_gaps(text: &str) -> (String, Vec<String>) {
    let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut kept: Vec<String> = Vec::new();
    let mut gaps = Vec::new();
    // Blocks: headings, list items (with their continuation lines), paragraphs, blank lines.
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let continues = !t.is_empty()
            && !t.starts_with('#')
            && !t.starts_with("* ")
            && !t.starts_with("- ")
            && blocks
                .last()
                .is_some_and(|b| !b.is_empty() && !b.starts_with('#'));
        if continues {
            let last = blocks.last_mut().expect("checked");
            last.push('\n');
            last.push_str(line);
        } else {
            blocks.push(if t.is_empty() {
                String::new()
            } else {
                line.to_owned()
            });
        }
    }
    let mut skip_level: Option<usize> = None;
    for block in blocks {
        let t = block.trim_start();
        if t.starts_with('#') {
            let level = t.chars().take_while(|c| *c == '#').count();
            if skip_level.is_some_and(|l| level > l) {
                continue;
            }
            skip_level = None;
            if t.contains("UNKNOWN") {
                skip_level = Some(level);
                continue;
            }
            kept.push(block);
        } else if let Some(_level) = skip_level {
            if !t.is_empty() {
                let item = t.trim_start_matches(['*', '-']).trim_start();
                gaps.push(one_line(item));
            }
        } else if t.starts_with("* ") || t.starts_with("- ") {
            if t.contains("UNKNOWN") {
                gaps.push(one_line(t[2..].trim_start()));
            } else {
                kept.push(block);
            }
        } else if t.contains("UNKNOWN") {
            let mut rest = String::new();
            for sentence in sentences(&block) {
                if sentence.contains("UNKNOWN") {
                    gaps.push(one_line(sentence));
                } else {
                    rest.push_str(sentence);
                }
            }
            let rest = rest.trim_end();
            if !rest.is_empty() {
                kept.push(rest.to_owned());
            }
        } else {
            kept.push(block);
        }
    }
    // No run of blank lines, none at either end.
    let mut text = String::new();
    let mut blank = false;
    for block in kept {
        if block.is_empty() {
            blank = !text.is_empty();
            continue;
        }
        if blank {
            text.push('\n');
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&block);
        blank = false;
    }
    (text, gaps)
}

/// Moves every sentence that says `UNKNOWN` out of the spec's descriptions (so rustdoc stays
/// about what is known) and returns them with where they were: `(location, sentence)`.
pub fn take_gaps(spec: &mut Value) -> Vec<(String, String)> {
    fn strip(value: &mut Value, location: &str, out: &mut Vec<(String, String)>) {
        let Some(obj) = value.as_object_mut() else {
            return;
        };
        for key in ["description", "summary"] {
            let Some(Value::String(text)) = obj.get(key) else {
                continue;
            };
            if !text.contains("UNKNOWN") {
                continue;
            }
            let (kept, gaps) = split_gaps(text);
            out.extend(gaps.into_iter().map(|g| (location.to_owned(), g)));
            let kept = if kept.is_empty() {
                "Not documented by the provider (see the crate's known gaps).".to_owned()
            } else {
                kept
            };
            obj.insert(key.to_owned(), Value::String(kept));
        }
    }
    fn schema(value: &mut Value, location: &str, out: &mut Vec<(String, String)>) {
        strip(value, location, out);
        if let Some(props) = value.get_mut("properties").and_then(Value::as_object_mut) {
            for (name, p) in props.iter_mut() {
                schema(p, &format!("{location}.{name}"), out);
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(v) = value.get_mut(key) {
                schema(v, location, out);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(list) = value.get_mut(key).and_then(Value::as_array_mut) {
                for v in list {
                    schema(v, location, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(info) = spec.get_mut("info") {
        strip(info, "the API", &mut out);
    }
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !crate::lint::METHODS.contains(&method.as_str()) {
                    continue;
                }
                let here = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(crate::lint::snake_case)
                    .unwrap_or_else(|| format!("{} {path}", method.to_ascii_uppercase()));
                strip(op, &here, &mut out);
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in params {
                        let name = p
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned();
                        let at = format!("{here}, parameter `{name}`");
                        strip(p, &at, &mut out);
                        if let Some(s) = p.get_mut("schema") {
                            schema(s, &at, &mut out);
                        }
                    }
                }
                if let Some(body) = op.get_mut("requestBody") {
                    strip(body, &format!("{here}, request body"), &mut out);
                }
                if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                    for (code, r) in responses.iter_mut() {
                        strip(r, &format!("{here}, answer {code}"), &mut out);
                    }
                }
            }
        }
    }
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, s) in schemas.iter_mut() {
            schema(s, name, &mut out);
        }
    }
    out
}

/// The crate's `KNOWN_GAPS.md`: every gap of every spec of the crate, by spec.
pub fn gaps_markdown(krate: &str, specs: &[(&str, Vec<(String, String)>)]) -> String {
    let total: usize = specs.iter().map(|(_, g)| g.len()).sum();
    let mut md = format!(
        "What the provider's public documentation leaves open ({total} remarks), collected from \
the specs by `cargo xtask generate` so that the API docs state only what is known. Where a gap \
matters, the SDK parses tolerantly (unknown fields ignored, any 2xx accepted, numbers that may \
arrive as strings) and every client's `raw` request reaches what the specs do not describe.\n\n\
This file is generated (`{krate}/KNOWN_GAPS.md`): edit the specs, not this file.\n"
    );
    for (spec, gaps) in specs {
        md.push_str(&format!("\n## `{spec}`\n\n"));
        if gaps.is_empty() {
            md.push_str("No open questions.\n");
        }
        for (location, sentence) in gaps {
            md.push_str(&format!("- **{location}**: {sentence}\n"));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_path_calls_become_checked() {
        let input: TokenStream = quote! {
            use progenitor_client::{encode_path, ClientHooks};
            fn f() { let url = format!("{}/a/{}", base, encode_path(&email.to_string())); }
        };
        let out = secure_path_params(input).to_string();
        assert!(!out.contains("encode_path"), "{out}");
        assert!(
            out.contains(
                "path_segment (\"email\" , & email . to_string ()) . map_err (Error :: InvalidRequest) ?"
            ),
            "{out}"
        );
        assert!(
            out.contains("use progenitor_client :: { ClientHooks }"),
            "{out}"
        );
    }

    #[test]
    fn secret_fields_are_redacted_and_unmatched_marks_fail() {
        let spec = serde_json::json!({"components": {"schemas": {
            "Hook": {"properties": {"secret": {"type": "string", "x-secret": true}, "url": {"type": "string"}}}
        }}});
        let secrets = secret_properties(&spec).unwrap();
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, Debug, PartialEq)]
                pub struct Hook { #[serde(rename = "secret")] pub secret: Option<String>, pub url: String }
                pub mod builder {
                    #[derive(Clone, Debug)]
                    pub struct Hook { secret: Result<Option<String>, String>, url: Result<String, String> }
                }
            }
        };
        redact_secret_fields(&mut file, &secrets).unwrap();
        let text = prettyplease::unparse(&file);
        assert_eq!(
            text.matches("impl ::std::fmt::Debug for Hook").count(),
            2,
            "{text}"
        );
        assert!(
            text.contains(".field(\"secret\", &\"[redacted]\")"),
            "{text}"
        );
        assert!(text.contains("#[derive(Clone, PartialEq)]"), "{text}");

        let bad = serde_json::json!({"components": {"schemas": {
            "Other": {"properties": {"token": {"type": "string", "x-secret": true}}}
        }}});
        let mut file: syn::File = syn::parse_quote! { pub struct Other { pub name: String } };
        let e = redact_secret_fields(&mut file, &secret_properties(&bad).unwrap()).unwrap_err();
        assert!(e.contains("schema Other"), "{e}");
        let wrong = serde_json::json!({"components": {"schemas": {
            "Other": {"properties": {"token": {"type": "string", "x-secret": "yes"}}}
        }}});
        assert!(secret_properties(&wrong).is_err());
    }

    #[test]
    fn send_returns_the_sdk_error_and_progenitor_error_is_private() {
        let mut file: syn::File = syn::parse_quote! {
            pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
            pub mod builder {
                impl<'a> GetX<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::X>, Error<types::Oops>> {
                        let info = OperationInfo { operation_id: "get_x" };
                        client.pre(&mut request, &info).await?;
                        todo!()
                    }
                }
            }
        };
        unify_errors(&mut file).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("pub use progenitor_client::{ByteStream, ClientInfo, ResponseValue};"),
            "{text}"
        );
        assert!(text.contains("\nuse progenitor_client::Error;"), "{text}");
        assert!(
            text.contains("-> Result<ResponseValue<types::X>, ::sdk_auth::Error>"),
            "{text}"
        );
        assert!(
            text.contains(
                "let result: Result<ResponseValue<types::X>, Error<types::Oops>> = async move {"
            ),
            "{text}"
        );
        let flat: String = text.split_whitespace().collect();
        assert!(
            flat.contains("::sdk_auth::Error::from_generated(e,crate::PROVIDER,\"get_x\",)"),
            "{text}"
        );

        let mut odd: syn::File = syn::parse_quote! {
            pub mod builder { impl B { pub async fn send(self) -> u8 { 0 } } }
        };
        assert!(unify_errors(&mut odd).unwrap_err().contains("operation_id"));
    }

    #[test]
    fn unknown_remarks_move_to_the_known_gaps() {
        let mut spec = serde_json::json!({
            "info": {"description": "Intro. Paging is UNKNOWN (see `x.y`). Known.\n\n## What is UNKNOWN\n\n* Routes.\n  More routes.\n* Bodies.\n\n## Hosts\n\n* One host."},
            "paths": {"/a": {"get": {"operationId": "getA", "description": "Lists. Maximum UNKNOWN.",
                "parameters": [{"name": "limit", "description": "Size (maximum UNKNOWN)."}],
                "responses": {"200": {"description": "Fields UNKNOWN."}}}}},
            "components": {"schemas": {"S": {"properties": {"p": {"description": "Shape UNKNOWN."}}}}}
        });
        let gaps = take_gaps(&mut spec);
        let texts: Vec<String> = gaps.iter().map(|(l, g)| format!("{l}: {g}")).collect();
        assert_eq!(
            texts,
            [
                "the API: Paging is UNKNOWN (see `x.y`).",
                "the API: Routes. More routes.",
                "the API: Bodies.",
                "get_a: Maximum UNKNOWN.",
                "get_a, parameter `limit`: Size (maximum UNKNOWN).",
                "get_a, answer 200: Fields UNKNOWN.",
                "S.p: Shape UNKNOWN."
            ]
        );
        assert_eq!(
            spec["info"]["description"],
            "Intro. Known.\n\n## Hosts\n\n* One host."
        );
        assert_eq!(spec["paths"]["/a"]["get"]["description"], "Lists.");
        assert!(
            spec["paths"]["/a"]["get"]["responses"]["200"]["description"]
                .as_str()
                .unwrap()
                .contains("known gaps"),
            "a required description is never left empty"
        );
        let md = gaps_markdown("crates/demo", &[("specs/demo.yaml", gaps)]);
        assert!(md.contains("(7 remarks)"), "{md}");
        assert!(md.contains("- **get_a**: Maximum UNKNOWN."), "{md}");
    }

    #[test]
    fn paging_marks_are_checked_against_the_spec() {
        let op = |x: serde_json::Value| {
            serde_json::json!({
                "paths": {"/list": {"post": {
                    "operationId": "listThings", "x-paging": x,
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
                }}},
                "components": {"schemas": {
                    "Req": {"properties": {"skip": {"type": "integer"}, "name": {"type": "string"}}},
                    "Page": {"properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}, "total": {"type": "integer"}}, "required": ["items"]},
                    "Thing": {"type": "object"}
                }}
            })
        };
        let good = paging_operations(&op(serde_json::json!({"style": "skip-take", "skip": "skip", "items": "items", "total": "total"}))).unwrap();
        assert_eq!(
            good[0].paging,
            Paging::SkipTake {
                body: "Req".into(),
                skip: "skip".into(),
                items: "items".into(),
                item: "Thing".into(),
                total: Some("total".into())
            }
        );
        let streams = paging_streams(&good).unwrap();
        let mut file: syn::File = syn::parse_quote! {};
        file.items = streams;
        let text = prettyplease::unparse(&file);
        assert!(text.contains("pub fn list_things_stream<V>"), "{text}");

        for (mark, expected) in [
            (serde_json::json!({"style": "pages"}), "`style` must be"),
            (
                serde_json::json!({"style": "skip-take", "skip": "name", "items": "items"}),
                "Req.name must be an integer",
            ),
            (
                serde_json::json!({"style": "skip-take", "skip": "skip", "items": "missing"}),
                "Page.missing must be a required array",
            ),
            (
                serde_json::json!({"style": "skip-take", "items": "items"}),
                "`skip` is required",
            ),
            (
                serde_json::json!({"style": "cursor", "document": "Nope"}),
                "not a schema of this spec",
            ),
        ] {
            let e = paging_operations(&op(mark)).unwrap_err();
            assert!(
                e.contains("operation listThings") && e.contains(expected),
                "{e}"
            );
        }
    }

    #[test]
    fn shared_copies_must_match_and_defaults_must_be_scalars() {
        let shared = serde_json::json!({"components": {"schemas": {"Envelope": {"type": "object", "properties": {"id": {"type": "string"}}}}}});
        let same = shared.clone();
        assert_eq!(
            shared_schemas("specs/a.yaml", &same, "specs/common.yaml", &shared).unwrap(),
            ["Envelope"]
        );
        let drifted =
            serde_json::json!({"components": {"schemas": {"Envelope": {"type": "object"}}}});
        let e = shared_schemas("specs/a.yaml", &drifted, "specs/common.yaml", &shared).unwrap_err();
        assert!(
            e.contains("schema Envelope differs from the shared definition in specs/common.yaml"),
            "{e}"
        );
        let missing = serde_json::json!({"components": {"schemas": {}}});
        assert!(
            shared_schemas("specs/a.yaml", &missing, "specs/common.yaml", &shared)
                .unwrap_err()
                .contains("is missing")
        );

        let spec = serde_json::json!({"paths": {"/a/{n}": {"get": {"operationId": "getA", "parameters": [
            {"name": "n", "in": "path", "schema": {"type": "integer", "default": 5}}]}}}});
        assert_eq!(
            parameter_defaults(&spec).unwrap()["GetA"],
            [("n".to_owned(), serde_json::json!(5))]
        );
        let bad = serde_json::json!({"paths": {"/a": {"get": {"operationId": "getA", "parameters": [
            {"name": "f", "in": "query", "schema": {"type": "object", "default": {"x": 1}}}]}}}});
        assert!(
            parameter_defaults(&bad)
                .unwrap_err()
                .contains("only number, string and boolean defaults")
        );
    }

    #[test]
    fn streaming_operations_are_the_non_json_successes() {
        let spec = serde_json::json!({"paths": {
            "/a": {"get": {"operationId": "getCsv", "responses": {"2XX": {"content": {"text/csv": {}}}}}},
            "/b": {"get": {"operationId": "getJson", "responses": {"200": {"content": {"application/json": {}}}}}},
            "/c": {"delete": {"operationId": "deleteC", "responses": {"204": {"description": "gone"}}}}
        }});
        assert_eq!(streaming_operations(&spec), ["get_csv"]);
    }
}
