//! Spec → `generated.rs`: load, lint, generate (panics caught), format, header, write or check.

use crate::targets::Target;
use crate::{lint, mocks, passes};
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Mutex;

/// Command-line options of `generate`.
#[derive(Debug, Default)]
pub struct Options {
    /// Compare instead of writing.
    pub check: bool,
    /// Print a diff of drifting files (with `check`).
    pub verbose: bool,
}

/// What a run did: lines to print, errors, and how many files drifted (`--check`).
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub errors: Vec<String>,
    pub drifted: usize,
}

/// Generates (or checks) every target. One failing target never hides another.
pub fn run(root: &Path, targets: &[Target], options: &Options) -> Report {
    let mut report = Report::default();
    for target in targets {
        // The spec is read, linted and prepared once for the client and its mocks.
        let prepared = match read_inputs(root, target).and_then(|(bytes, shared)| {
            prepare(
                target,
                &bytes,
                shared.as_ref().map(|(p, b)| (*p, b.as_slice())),
            )
        }) {
            Ok(prepared) => prepared,
            Err(error) => {
                report.errors.push(error);
                continue;
            }
        };
        match client_code(target, &prepared) {
            Ok(code) => settle(
                root,
                target.output,
                target.spec,
                &code,
                options,
                &mut report,
            ),
            Err(error) => {
                report.errors.push(error);
                continue;
            }
        }
        if let Some(mock) = target.mock_output() {
            match mock_code(target, &prepared) {
                Ok(code) => settle(root, &mock, target.spec, &code, options, &mut report),
                Err(error) => report.errors.push(error),
            }
        }
        if !target.types_only {
            // The spec judge's driver: every generated operation, called once.
            match crate::drive::drive_code(target, &prepared.spec) {
                Ok(code) => settle(
                    root,
                    &crate::drive::output(target),
                    target.spec,
                    &code,
                    options,
                    &mut report,
                ),
                Err(error) => report.errors.push(format!("{}: {error}", target.spec)),
            }
        }
    }
    // Each crate's known gaps, from every spec of the crate (not only the selected ones).
    let mut crates: Vec<&str> = targets.iter().map(|t| t.krate).collect();
    crates.dedup();
    for krate in crates {
        let path = format!("{krate}/KNOWN_GAPS.md");
        let text = match known_gaps(root, krate, targets) {
            Ok(text) => text,
            Err(e) => {
                report.errors.push(e);
                continue;
            }
        };
        settle(root, &path, "the specs", &text, options, &mut report);
    }
    report
}

/// Writes `code` to `output`, or with `--check` compares it, and reports either.
fn settle(
    root: &Path,
    output: &str,
    spec: &str,
    code: &str,
    options: &Options,
    report: &mut Report,
) {
    let path = root.join(output);
    let current = std::fs::read(&path).ok();
    let up_to_date = current.as_deref() == Some(code.as_bytes());
    if options.check {
        if up_to_date {
            report.lines.push(format!("{output}: up to date"));
        } else {
            report.drifted += 1;
            report
                .lines
                .push(format!("{output}: OUT OF DATE relative to {spec}"));
            if options.verbose {
                let old = current
                    .as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                let diff = similar::TextDiff::from_lines(old.as_ref(), code);
                report.lines.push(
                    diff.unified_diff()
                        .header(output, "fresh generation")
                        .to_string(),
                );
            }
        }
    } else if up_to_date {
        report.lines.push(format!("{output}: unchanged"));
    } else {
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            report
                .errors
                .push(format!("{output}: cannot create its folder: {e}"));
            return;
        }
        match std::fs::write(&path, code.as_bytes()) {
            Ok(()) => report.lines.push(format!("{output}: written from {spec}")),
            Err(e) => report.errors.push(format!("{output}: cannot write: {e}")),
        }
    }
}

/// The typed httpmock helpers of one target (its crate's `mock` feature).
#[cfg(test)]
pub fn render_mock(root: &Path, target: &Target) -> Result<String, String> {
    let (bytes, shared) = read_inputs(root, target)?;
    let prepared = prepare(
        target,
        &bytes,
        shared.as_ref().map(|(p, b)| (*p, b.as_slice())),
    )?;
    mock_code(target, &prepared)
}

/// The mocks from a prepared spec: progenitor's `Generator::httpmock` with the client's
/// settings, then [`mocks::mock_fixups`].
fn mock_code(target: &Target, prepared: &Prepared) -> Result<String, String> {
    let file = target.spec;
    let mut spec = prepared.spec.clone();
    drop_manual_operations(&mut spec);
    let operations = mocks::mock_operations(&spec).map_err(|e| format!("{file}: {e}"))?;
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec)
        .map_err(|e| format!("{file}: not a valid OpenAPI 3.0 document: {e}"))?;
    let settings = settings(target.inner_type, &prepared.replaced)?;
    let module = target.module_path();
    let tokens = match quietly(|| Generator::new(&settings).httpmock(&openapi, &module)) {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("{file}: mock generator error: {e}")),
        Err(message) => return Err(format!("{file}: mock generator panicked: {message}")),
    };
    let mut syntax: syn::File =
        syn::parse2(tokens).map_err(|e| format!("{file}: generated mocks do not parse: {e}"))?;
    mocks::mock_fixups(&mut syntax, &operations, target.mock_prefix)
        .map_err(|e| format!("{file}: {e}"))?;
    let body = prettyplease::unparse(&syntax);
    Ok(format!(
        "// @generated by cargo xtask generate from {file} (typed httpmock helpers)\n// spec sha256: {}\n// DO NOT EDIT\n\n{body}",
        prepared.sha
    ))
}

/// `KNOWN_GAPS.md` of one crate: the `UNKNOWN` remarks of all its specs.
fn known_gaps(root: &Path, krate: &str, selected: &[Target]) -> Result<String, String> {
    let mut specs = Vec::new();
    let mut seen = BTreeSet::new();
    let mut all: Vec<&Target> = crate::targets::TARGETS
        .iter()
        .filter(|t| t.krate == krate)
        .collect();
    if all.is_empty() {
        all = selected.iter().filter(|t| t.krate == krate).collect();
    }
    for target in all {
        let bytes = std::fs::read(root.join(target.spec))
            .map_err(|e| format!("{}: cannot read: {e}", target.spec))?;
        let mut spec: Value = serde_norway::from_slice(&bytes)
            .map_err(|e| format!("{}: not valid YAML: {e}", target.spec))?;
        let mut gaps = passes::take_gaps(&mut spec);
        // A remark shared by several specs (XPKit's shared schemas and conventions) once.
        gaps.retain(|g| seen.insert(g.clone()));
        specs.push((target.spec, gaps));
    }
    Ok(passes::gaps_markdown(krate, &specs))
}

/// A target's spec (and the spec of its shared types) as read from disk.
type Inputs = (Vec<u8>, Option<(&'static str, Vec<u8>)>);

fn read_inputs(root: &Path, target: &Target) -> Result<Inputs, String> {
    let bytes = std::fs::read(root.join(target.spec))
        .map_err(|e| format!("{}: cannot read: {e}", target.spec))?;
    let shared = match target.shared {
        Some(path) => Some((
            path,
            std::fs::read(root.join(path)).map_err(|e| format!("{path}: cannot read: {e}"))?,
        )),
        None => None,
    };
    Ok((bytes, shared))
}

/// A spec parsed, linted, its shared schemas checked and its gaps taken out: what both the
/// client and the mocks are generated from.
struct Prepared {
    /// The spec's SHA-256.
    sha: String,
    /// The header line naming the shared types' spec and its SHA-256, when any.
    shared_header: String,
    /// The schemas replaced by the shared types.
    replaced: Vec<String>,
    /// The spec without its `UNKNOWN` remarks (manual operations still in).
    spec: Value,
}

fn prepare(
    target: &Target,
    bytes: &[u8],
    shared: Option<(&str, &[u8])>,
) -> Result<Prepared, String> {
    let file = target.spec;
    let sha = hex(&Sha256::digest(bytes));
    let mut spec: Value =
        serde_norway::from_slice(bytes).map_err(|e| format!("{file}: not valid YAML: {e}"))?;
    let problems = lint::lint(file, &spec);
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut shared_header = String::new();
    let mut replaced = Vec::new();
    if let Some((path, shared_bytes)) = shared {
        let shared_spec: Value = serde_norway::from_slice(shared_bytes)
            .map_err(|e| format!("{path}: not valid YAML: {e}"))?;
        replaced = passes::shared_schemas(file, &spec, path, &shared_spec)?;
        shared_header = format!(
            "// shared types: {path} sha256: {}\n",
            hex(&Sha256::digest(shared_bytes))
        );
    }
    passes::take_gaps(&mut spec);
    Ok(Prepared {
        sha,
        shared_header,
        replaced,
        spec,
    })
}

/// The full text of one target's generated file.
pub fn render(root: &Path, target: &Target) -> Result<String, String> {
    let (bytes, shared) = read_inputs(root, target)?;
    render_with(
        target,
        &bytes,
        shared.as_ref().map(|(p, b)| (*p, b.as_slice())),
    )
}

/// [`render`] from the spec's bytes.
#[cfg(test)]
pub fn render_bytes(target: &Target, bytes: &[u8]) -> Result<String, String> {
    render_with(target, bytes, None)
}

/// [`render`] from the spec's bytes and those of the spec of its shared types.
pub fn render_with(
    target: &Target,
    bytes: &[u8],
    shared: Option<(&str, &[u8])>,
) -> Result<String, String> {
    client_code(target, &prepare(target, bytes, shared)?)
}

/// The client from a prepared spec: progenitor, then the passes.
fn client_code(target: &Target, prepared: &Prepared) -> Result<String, String> {
    let file = target.spec;
    let header = format!(
        "// @generated by cargo xtask generate from {file}\n// spec sha256: {}\n{}",
        prepared.sha, prepared.shared_header
    );
    let replaced = &prepared.replaced;
    let mut spec = prepared.spec.clone();
    let secrets = passes::secret_properties(&spec).map_err(|e| format!("{file}: {e}"))?;
    let streaming = passes::streaming_operations(&spec);
    let accept = passes::stream_accept(&spec);
    let defaults = passes::parameter_defaults(&spec).map_err(|e| format!("{file}: {e}"))?;
    let paging = passes::paging_operations(&spec).map_err(|e| format!("{file}: {e}"))?;
    drop_manual_operations(&mut spec);

    let tokens = generate_or_name_culprit(file, &spec, target.inner_type, replaced)?;
    let tokens = passes::secure_path_params(tokens);
    let mut syntax: syn::File =
        syn::parse2(tokens).map_err(|e| format!("{file}: generated code does not parse: {e}"))?;
    passes::redact_secret_fields(&mut syntax, &secrets).map_err(|e| format!("{file}: {e}"))?;
    passes::builder_ergonomics(&mut syntax, &defaults, &passes::required_properties(&spec))
        .map_err(|e| format!("{file}: {e}"))?;
    passes::schemars_optional(&mut syntax);
    if target.types_only {
        syntax
            .items
            .retain(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"));
    } else {
        passes::unify_errors(&mut syntax).map_err(|e| format!("{file}: {e}"))?;
        passes::accept_streamed(&mut syntax, &accept).map_err(|e| format!("{file}: {e}"))?;
        passes::reexport_shared(&mut syntax, replaced);
        syntax
            .items
            .extend(passes::paging_streams(&paging).map_err(|e| format!("{file}: {e}"))?);
        syntax.items.push(passes::streaming_constant(&streaming));
    }
    let body = prettyplease::unparse(&syntax);
    Ok(format!("{header}// DO NOT EDIT\n\n{body}"))
}

/// Removes `x-manual: true` operations (written by hand) and path items left empty.
fn drop_manual_operations(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        if let Some(item) = item.as_object_mut() {
            item.retain(|_, op| !lint::is_manual(op));
        }
    }
    paths.retain(|_, item| {
        item.as_object()
            .is_some_and(|o| o.keys().any(|k| lint::METHODS.contains(&k.as_str())))
    });
}

/// Generates, and when that fails, narrows the failure to a schema or an operation.
fn generate_or_name_culprit(
    file: &str,
    spec: &Value,
    inner_type: &str,
    replaced: &[String],
) -> Result<proc_macro2::TokenStream, String> {
    let first = match try_generate(spec, inner_type, replaced) {
        Ok(tokens) => return Ok(tokens),
        Err(e) => e,
    };
    // A broken schema breaks every operation: check the components alone first.
    let mut components_only = spec.clone();
    components_only["paths"] = Value::Object(Default::default());
    if let Err(e) = try_generate(&components_only, inner_type, replaced) {
        let names: Vec<String> = spec
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for name in names {
            let alone = with_schemas(spec, &schema_closure(spec, &name));
            if let Err(e) = try_generate(&alone, inner_type, replaced) {
                return Err(format!("{file}: schema {name}: {e}"));
            }
        }
        return Err(format!("{file}: components: {e}"));
    }
    for op in lint::operations(spec) {
        let mut alone = spec.clone();
        alone["paths"] = serde_json::json!({ op.path: { op.method: op.value } });
        if let Err(e) = try_generate(&alone, inner_type, replaced) {
            return Err(format!("{file}: {}: {e}", op.label()));
        }
    }
    Err(format!("{file}: {first}"))
}

/// One generator run; panics become errors.
fn try_generate(
    spec: &Value,
    inner_type: &str,
    replaced: &[String],
) -> Result<proc_macro2::TokenStream, String> {
    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("not a valid OpenAPI 3.0 document: {e}"))?;
    let settings = settings(inner_type, replaced)?;
    let result = quietly(|| Generator::new(&settings).generate_tokens(&openapi));
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!("generator error: {e}")),
        Err(message) => Err(format!("generator panicked: {message}")),
    }
}

/// The generator settings of every target (client and mocks alike).
fn settings(inner_type: &str, replaced: &[String]) -> Result<GenerationSettings, String> {
    let inner: proc_macro2::TokenStream = inner_type
        .parse()
        .map_err(|e| format!("inner type `{inner_type}` is not a Rust type: {e}"))?;
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(inner)
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        .with_derive("schemars::JsonSchema")
        .with_map_type("::std::collections::BTreeMap");
    for name in replaced {
        settings.with_replacement(
            name,
            format!("crate::common::types::{name}"),
            std::iter::empty(),
        );
    }
    Ok(settings)
}

/// Runs `f` with a silent panic hook, returning the panic message on panic.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // The panic hook is process-global: serialize its replacement.
    static HOOK: Mutex<()> = Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(no message)".to_owned())
    })
}

/// `name` and every schema it references, transitively.
fn schema_closure(spec: &Value, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_owned()];
    while let Some(next) = todo.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        if let Some(schema) = spec.pointer(&format!("/components/schemas/{next}")) {
            collect_refs(schema, &mut todo);
        }
    }
    seen
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref"
                    && let Some(name) = v
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                }
                collect_refs(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The spec with no paths and only the named schemas.
fn with_schemas(spec: &Value, names: &BTreeSet<String>) -> Value {
    let mut out = spec.clone();
    out["paths"] = Value::Object(Default::default());
    if let Some(schemas) = out
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|k, _| names.contains(k));
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const TARGET: Target = Target {
        name: "demo",
        spec: "specs/demo.yaml",
        krate: "crates/demo",
        output: "crates/demo/src/generated.rs",
        inner_type: "()",
        shared: None,
        mock_prefix: "",
        types_only: false,
    };

    const GOOD: &str = r##"
openapi: 3.0.3
info: {title: demo, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
  /upload:
    post:
      operationId: uploadFile
      x-manual: true
      requestBody:
        content:
          multipart/form-data:
            schema: {type: object}
      responses:
        "200": {description: ok}
components:
  schemas:
    Thing:
      type: object
      properties:
        name: {type: string}
"##;

    fn workspace(spec: &str) -> std::path::PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let root = std::env::temp_dir().join(format!("xtask-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("specs")).unwrap();
        std::fs::create_dir_all(root.join("crates/demo/src")).unwrap();
        std::fs::write(root.join(TARGET.spec), spec).unwrap();
        root
    }

    /// The mock fix-ups on what our specs do not have yet: an array query parameter, a form
    /// body, a path parameter whose value needs encoding.
    #[test]
    fn mocks_fix_arrays_forms_and_paths() {
        let spec = r##"
openapi: 3.0.3
info: {title: demo, version: "1"}
paths:
  /items/{item-id}:
    get:
      operationId: get_item
      parameters:
        - {name: item-id, in: path, required: true, schema: {type: string}}
        - {name: tags, in: query, required: true, schema: {type: array, items: {type: string}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
    post:
      operationId: rename_item
      parameters:
        - {name: item-id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {name: {type: string}}}
      responses:
        "204": {description: done}
"##;
        let root = workspace(spec);
        let code = render_mock(&root, &TARGET).unwrap();
        syn::parse_file(&code).expect("the mocks parse");
        assert!(!code.contains("regex::Regex"), "{code}");
        assert!(
            code.contains(
                r#"path_pattern("/items/{item-id}", &[("item-id", &value.to_string())])"#
            ) || code.contains("\"item-id\", &value.to_string()"),
            "{code}"
        );
        assert!(
            code.contains("::sdk_auth::mock::query_items(self.0, \"tags\", value)"),
            "{code}"
        );
        assert!(
            code.contains("::sdk_auth::mock::form_body(self.0, &value)"),
            "{code}"
        );
        assert!(
            code.contains("Mocks `rename_item` (`POST /items/{item-id}`)"),
            "{code}"
        );
        let _ = std::fs::remove_dir_all(root);
    }

    /// Every body field whose serde form has a default starts from it in the builder: a body
    /// built from its required fields alone converts.
    #[test]
    fn builders_start_from_serde_defaults() {
        let spec = r##"
openapi: 3.0.3
info: {title: demo, version: "1"}
paths:
  /things:
    post:
      operationId: create_thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ThingRequest"}
      responses:
        "204": {description: done}
components:
  schemas:
    ThingRequest:
      type: object
      required: [name]
      additionalProperties: {}
      properties:
        name: {type: string}
        note: {type: string}
        tags: {type: array, items: {type: string}}
        labels: {type: object, additionalProperties: {type: string}}
"##;
        let code = render_bytes(&TARGET, spec.as_bytes()).unwrap();
        let start = code
            .find("impl ::std::default::Default for ThingRequest")
            .unwrap();
        let default = &code[start..start + code[start..].find("\n        }\n").unwrap()];
        assert!(
            default.contains(r#"name: Err("no value supplied for name".to_string())"#),
            "{default}"
        );
        for field in ["note", "tags", "labels", "extra"] {
            assert!(
                default.contains(&format!("{field}: Ok(Default::default())")),
                "{field} must start from its default: {default}"
            );
        }
    }

    /// A builder field that stays an error must be one the schema requires: generation fails
    /// otherwise, naming the type and the property.
    #[test]
    fn builder_errors_only_for_required_properties() {
        let mut defaulted = BTreeMap::new();
        defaulted.insert(
            "Thing".to_owned(),
            BTreeMap::from([("name".to_owned(), ("name".to_owned(), false))]),
        );
        let mut items: Vec<syn::Item> = vec![syn::parse_quote! {
            impl ::std::default::Default for Thing {
                fn default() -> Self {
                    Self { name: Err("no value supplied for name".to_string()) }
                }
            }
        }];
        let required = BTreeMap::from([("Thing".to_owned(), BTreeSet::new())]);
        let e = passes::builder_defaults(&mut items, &defaulted, &required).unwrap_err();
        assert!(e.contains("builder Thing: `name` is not required"), "{e}");
        let required = BTreeMap::from([("Thing".to_owned(), BTreeSet::from(["name".to_owned()]))]);
        passes::builder_defaults(&mut items, &defaulted, &required).unwrap();
    }

    #[test]
    fn output_has_header_and_is_deterministic() {
        let a = render_bytes(&TARGET, GOOD.as_bytes()).unwrap();
        let b = render_bytes(&TARGET, GOOD.as_bytes()).unwrap();
        assert_eq!(a, b, "two runs must give identical bytes");
        let sha = hex(&Sha256::digest(GOOD.as_bytes()));
        assert!(a.starts_with(&format!(
            "// @generated by cargo xtask generate from specs/demo.yaml\n// spec sha256: {sha}\n// DO NOT EDIT\n"
        )));
        assert!(a.contains("fn get_a"), "generated method missing");
        assert!(
            !a.contains("upload_file"),
            "x-manual operation must be skipped"
        );
        assert!(
            a.contains("pub struct Thing"),
            "component schemas are generated"
        );
    }

    #[test]
    fn check_notices_a_spec_edited_without_regenerating() {
        let root = workspace(GOOD);
        let write = run(&root, &[TARGET], &Options::default());
        assert!(write.errors.is_empty(), "{:?}", write.errors);
        let check = run(
            &root,
            &[TARGET],
            &Options {
                check: true,
                verbose: false,
            },
        );
        assert_eq!(check.drifted, 0, "{:?}", check.lines);

        std::fs::write(
            root.join(TARGET.spec),
            GOOD.replace(
                "name: {type: string}",
                "name: {type: string}\n        size: {type: integer}",
            ),
        )
        .unwrap();
        let before = std::fs::read(root.join(TARGET.output)).unwrap();
        let check = run(
            &root,
            &[TARGET],
            &Options {
                check: true,
                verbose: true,
            },
        );
        assert_eq!(check.drifted, 2, "the client and its mocks");
        assert_eq!(
            check.lines[0],
            "crates/demo/src/generated.rs: OUT OF DATE relative to specs/demo.yaml"
        );
        assert!(
            check.lines[1]
                .lines()
                .any(|l| l.starts_with('+') && l.contains("pub size:")),
            "{}",
            check.lines[1]
        );
        assert_eq!(
            std::fs::read(root.join(TARGET.output)).unwrap(),
            before,
            "--check must not write"
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn check_notices_a_missing_output() {
        let root = workspace(GOOD);
        let check = run(
            &root,
            &[TARGET],
            &Options {
                check: true,
                verbose: false,
            },
        );
        assert_eq!(
            check.drifted, 4,
            "generated.rs, mock/generated.rs, the spec judge's driver and KNOWN_GAPS.md: {:?}",
            check.lines
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn generator_panic_names_the_operation() {
        // 200 and 201 with different schemas: progenitor panics (response_types.len() <= 1).
        // The lint only looks at class counts per operation, so craft the failure via 2XX/201.
        let spec = GOOD.replace(
            "      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Thing\"}",
            "      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Thing\"}\n        \"201\":\n          description: created\n          content:\n            application/json:\n              schema: {type: string}",
        );
        // The lint catches it first, naming the operation.
        let err = render_bytes(&TARGET, spec.as_bytes()).unwrap_err();
        assert!(
            err.contains("specs/demo.yaml: operation getA (GET /a): 2 different success responses"),
            "{err}"
        );

        // Past the lint, the generator's own panic is caught and attributed.
        let mut value: Value = serde_norway::from_str(&spec).unwrap();
        drop_manual_operations(&mut value);
        let err = generate_or_name_culprit("specs/demo.yaml", &value, "()", &[]).unwrap_err();
        assert!(
            err.starts_with("specs/demo.yaml: operation getA (GET /a): generator panicked:"),
            "{err}"
        );
    }

    #[test]
    fn broken_schema_is_named() {
        // Enum values differing only in case make typify panic on variant names.
        let spec = GOOD.replace(
            "        name: {type: string}",
            "        name: {type: string}\n    Broken:\n      type: string\n      enum: [ab, AB]",
        );
        let err = render_bytes(&TARGET, spec.as_bytes()).unwrap_err();
        assert!(err.starts_with("specs/demo.yaml: schema Broken:"), "{err}");
    }

    #[test]
    fn invalid_yaml_and_lint_errors_are_clear() {
        let err = render_bytes(&TARGET, b"openapi: [unclosed").unwrap_err();
        assert!(err.starts_with("specs/demo.yaml: not valid YAML:"), "{err}");

        let err = render_bytes(&TARGET, GOOD.replace("3.0.3", "3.1.0").as_bytes()).unwrap_err();
        assert!(err.contains("use OpenAPI 3.0.x"), "{err}");

        let err = render_bytes(
            &TARGET,
            GOOD.replace("operationId: getA", "summary: no id")
                .as_bytes(),
        )
        .unwrap_err();
        assert!(
            err.contains("specs/demo.yaml: operation GET /a: missing `operationId`"),
            "{err}"
        );
    }
}
