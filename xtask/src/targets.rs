//! The one table of generation targets: spec file → crate → output file.

/// One spec generated into one file of one crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// Name used on the command line (`cargo xtask generate xink`).
    pub name: &'static str,
    /// The spec, relative to the workspace root.
    pub spec: &'static str,
    /// The provider crate's directory, relative to the workspace root.
    pub krate: &'static str,
    /// The generated file, relative to the workspace root.
    pub output: &'static str,
    /// The client's inner type (`with_inner_type`): the provider's auth state.
    pub inner_type: &'static str,
    /// A spec whose component schemas this target shares instead of generating its own copy:
    /// each must be defined identically in this target's spec, and the generated code uses
    /// `crate::common::types::<Name>`.
    pub shared: Option<&'static str>,
    /// Generate only the `types` module (the shared types themselves; no client).
    pub types_only: bool,
    /// What the request path starts with before the spec's path when the client points at
    /// one mock server with `Region::custom`: iinked Sign's API lives under `/api/v1`, each
    /// XPKit service under `/<service>` (`auth` for the Auth API); empty for the others.
    pub mock_prefix: &'static str,
}

impl Target {
    /// The file of the target's typed httpmock helpers (the crate's `mock` feature): none for a
    /// types-only target; `src/mock/generated.rs` beside a crate's `src/generated.rs`, and
    /// `mock.rs` beside a service's `generated.rs`.
    pub fn mock_output(&self) -> Option<String> {
        if self.types_only {
            return None;
        }
        let top = format!("{}/src/generated.rs", self.krate);
        Some(if self.output == top {
            format!("{}/src/mock/generated.rs", self.krate)
        } else {
            self.output.replace("/generated.rs", "/mock.rs")
        })
    }

    /// The module holding the target's `types` and `Client` (`crate`, or a service's module).
    pub fn module_path(&self) -> String {
        let dir = self
            .output
            .strip_prefix(self.krate)
            .and_then(|rest| rest.strip_prefix("/src/"))
            .and_then(|rest| rest.strip_suffix("/generated.rs"));
        match dir {
            Some(module) => format!("crate::{}", module.replace('/', "::")),
            None => "crate".to_owned(),
        }
    }
}

/// Every target, in generation order.
pub const TARGETS: &[Target] = &[
    Target {
        name: "xink",
        spec: "specs/xink.yaml",
        krate: "crates/xink",
        output: "crates/xink/src/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: None,
        mock_prefix: "",
        types_only: false,
    },
    Target {
        name: "iinked-sign",
        spec: "specs/iinked-sign.yaml",
        krate: "crates/iinked-sign",
        output: "crates/iinked-sign/src/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: None,
        mock_prefix: "/api/v1",
        types_only: false,
    },
    Target {
        name: "xref",
        spec: "specs/xref.yaml",
        krate: "crates/xref",
        output: "crates/xref/src/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: None,
        mock_prefix: "",
        types_only: false,
    },
    Target {
        name: "xpkit/common",
        spec: "specs/xpkit/common.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/common/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: None,
        mock_prefix: "",
        types_only: true,
    },
    Target {
        name: "xpkit/activities",
        spec: "specs/xpkit/activities.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/activities/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/activities",
        types_only: false,
    },
    Target {
        name: "xpkit/alerts",
        spec: "specs/xpkit/alerts.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/alerts/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/alerts",
        types_only: false,
    },
    Target {
        name: "xpkit/auth",
        spec: "specs/xpkit/auth.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/auth_api/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/auth",
        types_only: false,
    },
    Target {
        name: "xpkit/catalogue",
        spec: "specs/xpkit/catalogue.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/catalogue/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/catalogue",
        types_only: false,
    },
    Target {
        name: "xpkit/exports",
        spec: "specs/xpkit/exports.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/exports/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/exports",
        types_only: false,
    },
    Target {
        name: "xpkit/health",
        spec: "specs/xpkit/health.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/health/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/health",
        types_only: false,
    },
    Target {
        name: "xpkit/identifications",
        spec: "specs/xpkit/identifications.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/identifications/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/identifications",
        types_only: false,
    },
    Target {
        name: "xpkit/jobs",
        spec: "specs/xpkit/jobs.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/jobs/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/jobs",
        types_only: false,
    },
    Target {
        name: "xpkit/moments",
        spec: "specs/xpkit/moments.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/moments/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/moments",
        types_only: false,
    },
    Target {
        name: "xpkit/nfts",
        spec: "specs/xpkit/nfts.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/nfts/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/nfts",
        types_only: false,
    },
    Target {
        name: "xpkit/notifications",
        spec: "specs/xpkit/notifications.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/notifications/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/notifications",
        types_only: false,
    },
    Target {
        name: "xpkit/profiles",
        spec: "specs/xpkit/profiles.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/profiles/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/profiles",
        types_only: false,
    },
    Target {
        name: "xpkit/queues",
        spec: "specs/xpkit/queues.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/queues/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/queues",
        types_only: false,
    },
    Target {
        name: "xpkit/resources",
        spec: "specs/xpkit/resources.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/resources/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/resources",
        types_only: false,
    },
    Target {
        name: "xpkit/socialauth",
        spec: "specs/xpkit/socialauth.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/socialauth/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/socialauth",
        types_only: false,
    },
    Target {
        name: "xpkit/souvenirs",
        spec: "specs/xpkit/souvenirs.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/souvenirs/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/souvenirs",
        types_only: false,
    },
    Target {
        name: "xpkit/vcc",
        spec: "specs/xpkit/vcc.yaml",
        krate: "crates/xpkit",
        output: "crates/xpkit/src/vcc/generated.rs",
        inner_type: "crate::auth::AuthState",
        shared: Some("specs/xpkit/common.yaml"),
        mock_prefix: "/vcc",
        types_only: false,
    },
];

/// The targets named on the command line (all of them when none is named). A name selects a
/// target whose name equals it or starts with `name/` (so `xpkit` selects every XPKit service).
pub fn select(names: &[String]) -> Result<Vec<Target>, String> {
    if names.is_empty() {
        return Ok(TARGETS.to_vec());
    }
    let mut selected = Vec::new();
    for name in names {
        let prefix = format!("{name}/");
        let matching: Vec<Target> = TARGETS
            .iter()
            .filter(|t| t.name == name || t.name.starts_with(&prefix))
            .copied()
            .collect();
        if matching.is_empty() {
            let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            return Err(format!(
                "unknown provider `{name}` (known: {})",
                known.join(", ")
            ));
        }
        for target in matching {
            if !selected.contains(&target) {
                selected.push(target);
            }
        }
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_all_by_default_and_by_name() {
        assert_eq!(select(&[]).unwrap(), TARGETS.to_vec());
        assert_eq!(select(&["iinked-sign".to_owned()]).unwrap().len(), 1);
        assert_eq!(
            select(&["xpkit".to_owned()]).unwrap().len(),
            18,
            "a provider selects its services and their shared types"
        );
        assert_eq!(select(&["xpkit/jobs".to_owned()]).unwrap().len(), 1);
        let xink = select(&["xink".to_owned()]).unwrap();
        assert_eq!(xink.len(), 1);
        assert_eq!(xink[0].output, "crates/xink/src/generated.rs");
        assert_eq!(
            xink[0].mock_output().as_deref(),
            Some("crates/xink/src/mock/generated.rs")
        );
        assert_eq!(xink[0].module_path(), "crate");
        let jobs = select(&["xpkit/jobs".to_owned()]).unwrap();
        assert_eq!(
            jobs[0].mock_output().as_deref(),
            Some("crates/xpkit/src/jobs/mock.rs")
        );
        assert_eq!(jobs[0].module_path(), "crate::jobs");
        assert_eq!(jobs[0].mock_prefix, "/jobs");
        let common = select(&["xpkit/common".to_owned()]).unwrap();
        assert_eq!(common[0].mock_output(), None);
    }

    #[test]
    fn unknown_provider_is_named() {
        let err = select(&["nope".to_owned()]).unwrap_err();
        assert!(err.contains("unknown provider `nope`"), "{err}");
        assert!(err.contains("xink"), "{err}");
    }

    #[test]
    fn every_target_is_well_formed() {
        for t in TARGETS {
            assert!(t.spec.starts_with("specs/"), "{t:?}");
            assert!(t.output.starts_with(t.krate), "{t:?}");
            assert!(t.output.ends_with(".rs"), "{t:?}");
        }
    }
}
