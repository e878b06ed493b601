//! `cargo xtask api [--check]`: the public API of every library crate as a sorted listing,
//! checked in as `crates/<crate>/public-api.txt`, so that a change to a spec or to hand-written
//! code that breaks downstream code cannot land unnoticed.
//!
//! The listing comes from rustdoc's JSON output (run on the stable toolchain with
//! `RUSTC_BOOTSTRAP=1`, in its own target directory so the normal build stays cached), with all
//! features on: one line per public item — modules, re-exports, types with their public fields
//! and variants, `#[non_exhaustive]`, inherent methods with their signatures, trait impls
//! (auto traits included: losing `Send` is breaking), traits with their items, constants.
//!
//! `--check` compares a fresh listing with the checked-in one. Lines only added are a
//! compatible change; a line removed or changed is a breaking one. Either way the listing must
//! be updated (`cargo xtask api`), and a breaking change must come with a version that is not
//! semver-compatible with the one recorded in the listing (0.1.x → 0.2.0).

use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

/// The library crates whose API is guarded: (package, directory).
pub const CRATES: &[(&str, &str)] = &[
    ("sdk-auth", "crates/auth"),
    ("xink-sdk", "crates/xink"),
    ("iinked-sign-sdk", "crates/iinked-sign"),
    ("xref-sdk", "crates/xref"),
    ("xpkit-sdk", "crates/xpkit"),
];

/// The listing file of a crate.
pub fn listing_path(dir: &str) -> String {
    format!("{dir}/public-api.txt")
}

/// Runs rustdoc for `package` and returns its JSON.
pub fn rustdoc_json(root: &Path, package: &str) -> Result<Value, String> {
    let target = root.join("target").join("api");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "rustdoc",
            "--quiet",
            "--locked",
            "--all-features",
            "-p",
            package,
        ])
        .arg("--target-dir")
        .arg(&target)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        .status()
        .map_err(|e| format!("cannot run cargo rustdoc: {e}"))?;
    if !status.success() {
        return Err(format!("cargo rustdoc -p {package} failed ({status})"));
    }
    let file = target
        .join("doc")
        .join(format!("{}.json", package.replace('-', "_")));
    let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not JSON: {e}", file.display()))
}

/// The listing of one crate: a header naming the crate and version, then sorted lines.
pub fn listing(package: &str, version: &str, doc: &Value) -> Result<String, String> {
    let lines = lines(doc)?;
    let mut out = format!(
        "# {package} {version}: public API, all features (cargo xtask api; checked in CI)\n"
    );
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// The version a listing was made for (from its header).
pub fn listed_version(listing: &str) -> Option<&str> {
    listing
        .lines()
        .next()?
        .split_whitespace()
        .nth(2)?
        .strip_suffix(':')
}

/// Whether `new` may carry breaking changes relative to `old` (semver, 0.x minor = major).
pub fn is_breaking_bump(old: &str, new: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    let (o, n) = (parse(old), parse(new));
    let at = |v: &Vec<u64>, i: usize| v.get(i).copied().unwrap_or(0);
    if at(&o, 0) != 0 || at(&n, 0) != 0 {
        at(&n, 0) > at(&o, 0)
    } else if at(&o, 1) != 0 || at(&n, 1) != 0 {
        at(&n, 1) > at(&o, 1)
    } else {
        at(&n, 2) > at(&o, 2)
    }
}

/// What changed between two listings: (removed or changed lines, added lines).
pub fn diff(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let body = |s: &str| -> BTreeSet<String> {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let (o, n) = (body(old), body(new));
    (
        o.difference(&n).cloned().collect(),
        n.difference(&o).cloned().collect(),
    )
}

struct Doc<'a> {
    index: &'a Map<String, Value>,
    paths: &'a Map<String, Value>,
    /// The public path of every local item reached from the root, for printing types.
    public: HashMap<String, String>,
}

fn lines(doc: &Value) -> Result<BTreeSet<String>, String> {
    let index = doc
        .get("index")
        .and_then(Value::as_object)
        .ok_or("rustdoc JSON has no index")?;
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("rustdoc JSON has no paths")?;
    let root = doc
        .get("root")
        .map(id_key)
        .ok_or("rustdoc JSON has no root")?;
    let name = index
        .get(&root)
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
        .ok_or("the root item has no name")?
        .to_owned();
    let mut d = Doc {
        index,
        paths,
        public: HashMap::new(),
    };
    // Pass 1: the public path of each item; pass 2: the lines.
    let mut items = Vec::new();
    collect(&d, &root, &name, &mut HashSet::new(), &mut items);
    // An item reachable by several paths (a re-export, progenitor's `prelude`) is printed by
    // its shortest one, so that the listing does not depend on module order.
    for (id, path) in &items {
        let best = d.public.entry(id.clone()).or_insert_with(|| path.clone());
        if (path.len(), path) < (best.len(), best) {
            *best = path.clone();
        }
    }
    // Each item once, under its shortest path (external re-exports under each of theirs).
    let mut out = BTreeSet::new();
    let mut done = HashSet::new();
    for (id, path) in &items {
        let path = d.public.get(id).unwrap_or(path);
        if id.starts_with("use:") || done.insert(id.clone()) {
            render(&d, id, path, &mut out);
        }
    }
    Ok(out)
}

fn id_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every public item reachable from module `id` (whose public path is `prefix`), following
/// modules and re-exports of local items.
fn collect(
    d: &Doc,
    id: &str,
    prefix: &str,
    seen: &mut HashSet<(String, String)>,
    out: &mut Vec<(String, String)>,
) {
    if !seen.insert((id.to_owned(), prefix.to_owned())) {
        return;
    }
    let Some(module) = d.index.get(id) else {
        return;
    };
    let children: Vec<String> = module
        .pointer("/inner/module/items")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(id_key).collect())
        .unwrap_or_default();
    for child in children {
        let Some(item) = d.index.get(&child) else {
            continue;
        };
        if item.get("visibility").and_then(Value::as_str) != Some("public") {
            continue;
        }
        if let Some(u) = item.pointer("/inner/use") {
            let target = u.get("id").filter(|v| !v.is_null()).map(id_key);
            let source = u.get("source").and_then(Value::as_str).unwrap_or("?");
            let local = target
                .as_deref()
                .and_then(|t| d.index.get(t).map(|i| (t, i)));
            if u.get("is_glob").and_then(Value::as_bool) == Some(true) {
                match local {
                    Some((t, i)) if i.pointer("/inner/module").is_some() => {
                        collect(d, t, prefix, seen, out)
                    }
                    _ => out.push((format!("use:{source}::*"), prefix.to_owned())),
                }
            } else {
                let name = u.get("name").and_then(Value::as_str).unwrap_or("?");
                let path = format!("{prefix}::{name}");
                match local {
                    Some((t, i)) => {
                        out.push((t.to_owned(), path.clone()));
                        if i.pointer("/inner/module").is_some() {
                            collect(d, t, &path, seen, out);
                        }
                    }
                    None => out.push((format!("use:{source}"), path)),
                }
            }
            continue;
        }
        let Some(name) = item.get("name").and_then(Value::as_str) else {
            continue;
        };
        let path = format!("{prefix}::{name}");
        out.push((child.clone(), path.clone()));
        if item.pointer("/inner/module").is_some() {
            collect(d, &child, &path, seen, out);
        }
    }
}

fn render(d: &Doc, id: &str, path: &str, out: &mut BTreeSet<String>) {
    if let Some(source) = id.strip_prefix("use:") {
        out.insert(format!("pub use {source} as {path}"));
        return;
    }
    let Some(item) = d.index.get(id) else {
        return;
    };
    let Some((kind, inner)) = item
        .get("inner")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().next())
    else {
        return;
    };
    let marks = marks_of(item);
    match kind.as_str() {
        "module" => {
            out.insert(format!("mod {path}"));
        }
        "function" => {
            out.insert(format!("{marks}fn {path}{}", signature(d, inner)));
        }
        "constant" => {
            out.insert(format!("const {path}: {}", ty(d, &inner["type"])));
        }
        "static" => {
            out.insert(format!("static {path}: {}", ty(d, &inner["type"])));
        }
        "type_alias" => {
            out.insert(format!(
                "type {path}{} = {}",
                generics(d, &inner["generics"]),
                ty(d, &inner["type"])
            ));
        }
        "macro" | "proc_macro" => {
            out.insert(format!("macro {path}"));
        }
        "struct" | "union" => {
            let g = generics(d, &inner["generics"]);
            let k = &inner["kind"];
            let stripped = k
                .pointer("/plain/has_stripped_fields")
                .and_then(Value::as_bool)
                == Some(true)
                || k.get("tuple")
                    .and_then(Value::as_array)
                    .is_some_and(|f| f.iter().any(Value::is_null));
            let shape = if k.get("unit").is_some() || k == "unit" {
                " (unit)"
            } else if stripped {
                " (private fields)"
            } else {
                ""
            };
            out.insert(format!("{marks}{kind} {path}{g}{shape}"));
            fields(d, path, k, out);
            impls(d, path, inner, out);
        }
        "enum" => {
            out.insert(format!(
                "{marks}enum {path}{}",
                generics(d, &inner["generics"])
            ));
            for v in inner["variants"].as_array().into_iter().flatten() {
                let Some(variant) = d.index.get(&id_key(v)) else {
                    continue;
                };
                let name = variant["name"].as_str().unwrap_or("?");
                let vk = &variant["inner"]["variant"]["kind"];
                let shape = if let Some(t) = vk.get("tuple").and_then(Value::as_array) {
                    let parts: Vec<String> = t
                        .iter()
                        .map(|f| match d.index.get(&id_key(f)) {
                            Some(field) => ty(d, &field["inner"]["struct_field"]),
                            None => "_".into(),
                        })
                        .collect();
                    format!("({})", parts.join(", "))
                } else if vk.get("struct").is_some() {
                    " { .. }".to_owned()
                } else {
                    String::new()
                };
                out.insert(format!(
                    "{}variant {path}::{name}{shape}",
                    marks_of(variant)
                ));
                if let Some(s) = vk.get("struct") {
                    fields(
                        d,
                        &format!("{path}::{name}"),
                        &serde_json::json!({"plain": s}),
                        out,
                    );
                }
            }
            impls(d, path, inner, out);
        }
        "trait" => {
            let unsafety = if inner["is_unsafe"] == true {
                "unsafe "
            } else {
                ""
            };
            out.insert(format!(
                "{unsafety}trait {path}{}",
                generics(d, &inner["generics"])
            ));
            for i in inner["items"].as_array().into_iter().flatten() {
                let Some(member) = d.index.get(&id_key(i)) else {
                    continue;
                };
                let name = member["name"].as_str().unwrap_or("?");
                let Some((mk, mi)) = member["inner"].as_object().and_then(|m| m.iter().next())
                else {
                    continue;
                };
                let line = match mk.as_str() {
                    "function" => format!("trait fn {path}::{name}{}", signature(d, mi)),
                    "assoc_type" => format!("trait type {path}::{name}"),
                    "assoc_const" => format!("trait const {path}::{name}: {}", ty(d, &mi["type"])),
                    other => format!("trait {other} {path}::{name}"),
                };
                out.insert(line);
            }
        }
        _ => {}
    }
}

/// `#[non_exhaustive]` and `#[deprecated]`, which change what downstream code may do.
fn marks_of(item: &Value) -> String {
    let attrs = item.get("attrs").map(Value::to_string).unwrap_or_default();
    let mut m = String::new();
    if attrs.contains("non_exhaustive") {
        m.push_str("#[non_exhaustive] ");
    }
    if item.get("deprecation").is_some_and(|v| !v.is_null()) {
        m.push_str("#[deprecated] ");
    }
    m
}

fn fields(d: &Doc, path: &str, kind: &Value, out: &mut BTreeSet<String>) {
    if let Some(list) = kind.pointer("/plain/fields").and_then(Value::as_array) {
        for f in list {
            if let Some(field) = d.index.get(&id_key(f)) {
                out.insert(format!(
                    "field {path}.{}: {}",
                    field["name"].as_str().unwrap_or("?"),
                    ty(d, &field["inner"]["struct_field"])
                ));
            }
        }
    }
    if let Some(list) = kind.get("tuple").and_then(Value::as_array) {
        for (i, f) in list.iter().enumerate() {
            if let Some(field) = d.index.get(&id_key(f)) {
                out.insert(format!(
                    "field {path}.{i}: {}",
                    ty(d, &field["inner"]["struct_field"])
                ));
            }
        }
    }
}

fn impls(d: &Doc, path: &str, inner: &Value, out: &mut BTreeSet<String>) {
    for i in inner["impls"].as_array().into_iter().flatten() {
        let Some(imp) = d.index.get(&id_key(i)).map(|x| &x["inner"]["impl"]) else {
            continue;
        };
        if !imp["blanket_impl"].is_null() {
            continue;
        }
        let negative = if imp["is_negative"] == true { "!" } else { "" };
        if let Some(t) = imp.get("trait").filter(|t| !t.is_null()) {
            // `Freeze` is the compiler's own marker, not part of any API promise.
            if t["path"].as_str().is_some_and(|p| p.ends_with("Freeze")) {
                continue;
            }
            out.insert(format!(
                "impl{} {negative}{} for {}",
                generics(d, &imp["generics"]),
                path_ty(d, t),
                ty(d, &imp["for"])
            ));
            continue;
        }
        for m in imp["items"].as_array().into_iter().flatten() {
            let Some(member) = d.index.get(&id_key(m)) else {
                continue;
            };
            if member["visibility"].as_str() != Some("public") {
                continue;
            }
            let name = member["name"].as_str().unwrap_or("?");
            let Some((mk, mi)) = member["inner"].as_object().and_then(|x| x.iter().next()) else {
                continue;
            };
            match mk.as_str() {
                "function" => {
                    out.insert(format!(
                        "{}fn {path}::{name}{}",
                        marks_of(member),
                        signature(d, mi)
                    ));
                }
                "assoc_const" => {
                    out.insert(format!("const {path}::{name}: {}", ty(d, &mi["type"])));
                }
                _ => {}
            }
        }
    }
}

fn signature(d: &Doc, f: &Value) -> String {
    let header = &f["header"];
    let mut s = String::new();
    for (flag, word) in [
        ("is_const", "const "),
        ("is_async", "async "),
        ("is_unsafe", "unsafe "),
    ] {
        if header[flag] == true {
            s.push_str(word);
        }
    }
    let s = if s.is_empty() {
        String::new()
    } else {
        format!(" [{}]", s.trim_end())
    };
    let inputs: Vec<String> = f["sig"]["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|pair| {
            let name = pair[0].as_str().unwrap_or("_");
            let t = ty(d, &pair[1]);
            if name == "self" {
                match t.as_str() {
                    "Self" => "self".to_owned(),
                    "&Self" => "&self".to_owned(),
                    "&mut Self" => "&mut self".to_owned(),
                    _ => format!("self: {t}"),
                }
            } else {
                t
            }
        })
        .collect();
    let output = match &f["sig"]["output"] {
        Value::Null => String::new(),
        o => format!(" -> {}", ty(d, o)),
    };
    format!(
        "{}({}){output}{}{s}",
        generics(d, &f["generics"]),
        inputs.join(", "),
        where_clause(d, &f["generics"])
    )
}

fn generics(d: &Doc, g: &Value) -> String {
    let params: Vec<String> = g["params"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.pointer("/kind/type/is_synthetic") != Some(&Value::Bool(true)))
        .map(|p| {
            let name = p["name"].as_str().unwrap_or("?");
            if let Some(t) = p.pointer("/kind/type") {
                let b = bounds(d, &t["bounds"]);
                if b.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}: {b}")
                }
            } else if let Some(c) = p.pointer("/kind/const") {
                format!("const {name}: {}", ty(d, &c["type"]))
            } else {
                name.to_owned()
            }
        })
        .collect();
    if params.is_empty() {
        String::new()
    } else {
        format!("<{}>", params.join(", "))
    }
}

fn where_clause(d: &Doc, g: &Value) -> String {
    let preds: Vec<String> = g["where_predicates"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let b = p.get("bound_predicate")?;
            Some(format!(
                "{}: {}",
                ty(d, &b["type"]),
                bounds(d, &b["bounds"])
            ))
        })
        .collect();
    if preds.is_empty() {
        String::new()
    } else {
        format!(" where {}", preds.join(", "))
    }
}

fn bounds(d: &Doc, b: &Value) -> String {
    let parts: Vec<String> = b
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            if let Some(t) = x.get("trait_bound") {
                let maybe = if t["modifier"] == "maybe" { "?" } else { "" };
                format!("{maybe}{}", path_ty(d, &t["trait"]))
            } else if let Some(o) = x.get("outlives").and_then(Value::as_str) {
                o.to_owned()
            } else {
                "use<..>".to_owned()
            }
        })
        .collect();
    parts.join(" + ")
}

/// A path type: the item's public path when it is local, its defining path when external.
fn path_ty(d: &Doc, p: &Value) -> String {
    let id = p.get("id").map(id_key).unwrap_or_default();
    let name = d.public.get(&id).cloned().unwrap_or_else(|| {
        match d.paths.get(&id).and_then(|x| x["path"].as_array()) {
            Some(segs) if d.paths[&id]["crate_id"] != 0 => segs
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("::"),
            _ => p["path"].as_str().unwrap_or("?").to_owned(),
        }
    });
    format!("{name}{}", args(d, &p["args"]))
}

fn args(d: &Doc, a: &Value) -> String {
    if let Some(ab) = a.get("angle_bracketed") {
        let mut parts: Vec<String> = ab["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                if let Some(t) = x.get("type") {
                    ty(d, t)
                } else if let Some(l) = x.get("lifetime").and_then(Value::as_str) {
                    l.to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        for c in ab["constraints"].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap_or("?");
            if let Some(t) = c.pointer("/binding/equality/type") {
                parts.push(format!("{name} = {}", ty(d, t)));
            } else if let Some(b) = c.pointer("/binding/constraint") {
                parts.push(format!("{name}: {}", bounds(d, b)));
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("<{}>", parts.join(", "))
        }
    } else if let Some(p) = a.get("parenthesized") {
        let inputs: Vec<String> = p["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| ty(d, t))
            .collect();
        let output = match &p["output"] {
            Value::Null => String::new(),
            o => format!(" -> {}", ty(d, o)),
        };
        format!("({}){output}", inputs.join(", "))
    } else {
        String::new()
    }
}

fn ty(d: &Doc, t: &Value) -> String {
    let Some((kind, v)) = t.as_object().and_then(|m| m.iter().next()) else {
        return "?".into();
    };
    match kind.as_str() {
        "resolved_path" => path_ty(d, v),
        "generic" | "primitive" => v.as_str().unwrap_or("?").to_owned(),
        "borrowed_ref" => {
            let lt = v["lifetime"]
                .as_str()
                .map(|l| format!("{l} "))
                .unwrap_or_default();
            let m = if v["is_mutable"] == true { "mut " } else { "" };
            format!("&{lt}{m}{}", ty(d, &v["type"]))
        }
        "raw_pointer" => {
            let m = if v["is_mutable"] == true {
                "mut"
            } else {
                "const"
            };
            format!("*{m} {}", ty(d, &v["type"]))
        }
        "slice" => format!("[{}]", ty(d, v)),
        "array" => format!(
            "[{}; {}]",
            ty(d, &v["type"]),
            v["len"].as_str().unwrap_or("_")
        ),
        "tuple" => {
            let parts: Vec<String> = v
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| ty(d, x))
                .collect();
            format!("({})", parts.join(", "))
        }
        "impl_trait" => format!("impl {}", bounds(d, v)),
        "dyn_trait" => {
            let parts: Vec<String> = v["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| path_ty(d, &p["trait"]))
                .chain(v["lifetime"].as_str().map(str::to_owned))
                .collect();
            format!("dyn {}", parts.join(" + "))
        }
        "qualified_path" => {
            let trait_ = match &v["trait"] {
                Value::Null => String::new(),
                t => format!(" as {}", path_ty(d, t)),
            };
            format!(
                "<{}{trait_}>::{}{}",
                ty(d, &v["self_type"]),
                v["name"].as_str().unwrap_or("?"),
                args(d, &v["args"])
            )
        }
        "function_pointer" => {
            let inputs: Vec<String> = v["sig"]["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| ty(d, &p[1]))
                .collect();
            let output = match &v["sig"]["output"] {
                Value::Null => String::new(),
                o => format!(" -> {}", ty(d, o)),
            };
            format!("fn({}){output}", inputs.join(", "))
        }
        "infer" => "_".into(),
        other => format!("<{other}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps() {
        assert!(is_breaking_bump("0.1.0", "0.2.0"));
        assert!(!is_breaking_bump("0.1.0", "0.1.5"));
        assert!(is_breaking_bump("0.0.3", "0.0.4"));
        assert!(is_breaking_bump("1.4.0", "2.0.0"));
        assert!(!is_breaking_bump("1.4.0", "1.9.0"));
    }

    #[test]
    fn diffs_and_headers() {
        let old = "# x 0.1.0: public API\nfn a()\nfn b()\n";
        let new = "# x 0.1.0: public API\nfn a()\nfn c()\n";
        assert_eq!(
            diff(old, new),
            (vec!["fn b()".to_owned()], vec!["fn c()".to_owned()])
        );
        assert_eq!(listed_version(old), Some("0.1.0"));
    }

    #[test]
    fn lines_of_a_small_crate() {
        let doc = serde_json::json!({
            "root": 0,
            "index": {
                "0": {"name": "k", "visibility": "public", "attrs": [], "inner": {"module": {"items": [1, 2, 5]}}},
                "1": {"name": "S", "visibility": "public", "attrs": [{"other": "#[non_exhaustive]"}],
                      "inner": {"struct": {"kind": {"plain": {"fields": [3], "has_stripped_fields": true}},
                                "generics": {"params": [], "where_predicates": []}, "impls": [4]}}},
                "2": {"name": "hidden", "visibility": "crate", "attrs": [], "inner": {"module": {"items": []}}},
                "3": {"name": "n", "visibility": "public", "attrs": [], "inner": {"struct_field": {"primitive": "u32"}}},
                "4": {"name": null, "visibility": "default", "attrs": [], "inner": {"impl": {
                      "trait": null, "for": {"resolved_path": {"path": "S", "id": 1, "args": null}},
                      "generics": {"params": [], "where_predicates": []}, "blanket_impl": null, "is_negative": false,
                      "items": [6]}}},
                "5": {"name": null, "visibility": "public", "attrs": [], "inner": {"use": {
                      "source": "other::Thing", "name": "Thing", "id": 99, "is_glob": false}}},
                "6": {"name": "get", "visibility": "public", "attrs": [], "inner": {"function": {
                      "sig": {"inputs": [["self", {"borrowed_ref": {"lifetime": null, "is_mutable": false, "type": {"generic": "Self"}}}]],
                              "output": {"primitive": "u32"}},
                      "generics": {"params": [], "where_predicates": []}, "header": {}}}}
            },
            "paths": {}
        });
        let got: Vec<String> = lines(&doc).unwrap().into_iter().collect();
        assert_eq!(
            got,
            [
                "#[non_exhaustive] struct k::S (private fields)",
                "field k::S.n: u32",
                "fn k::S::get(&self) -> u32",
                "pub use other::Thing as k::Thing",
            ]
        );
    }
}
