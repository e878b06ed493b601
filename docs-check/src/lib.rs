//! The READMEs' code blocks as doctests of a crate whose only dependencies are the provider
//! crates and tokio, as the READMEs list them (`cargo test -p docs-check`). Each crate README
//! is also its crate's front page, and a test here checks that each of its blocks names only its
//! own crate, tokio and std, so a quickstart that needs another dependency fails.

#![cfg_attr(doctest, doc = include_str!("../../README.md"))]

/// `crates/xink/README.md`.
#[cfg_attr(doctest, doc = include_str!("../../crates/xink/README.md"))]
pub mod xink {}

/// `crates/iinked-sign/README.md`.
#[cfg_attr(doctest, doc = include_str!("../../crates/iinked-sign/README.md"))]
pub mod iinked_sign {}

/// `crates/xref/README.md`.
#[cfg_attr(doctest, doc = include_str!("../../crates/xref/README.md"))]
pub mod xref {}

/// `crates/xpkit/README.md`.
#[cfg_attr(doctest, doc = include_str!("../../crates/xpkit/README.md"))]
pub mod xpkit {}

#[cfg(test)]
mod tests {
    const PROVIDERS: [&str; 4] = ["xink_sdk", "iinked_sign_sdk", "xref_sdk", "xpkit_sdk"];

    /// The Rust code blocks of a Markdown text.
    fn rust_blocks(markdown: &str) -> Vec<String> {
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in markdown.lines() {
            let fence = line.trim_start().strip_prefix("```");
            match (&mut current, fence) {
                (None, Some(info)) if info.starts_with("rust") => current = Some(String::new()),
                (None, Some(_)) => current = Some("\0skip".into()),
                (Some(block), Some(_)) => {
                    if !block.starts_with("\0skip") {
                        blocks.push(std::mem::take(block));
                    }
                    current = None;
                }
                (Some(block), None) => {
                    block.push_str(line);
                    block.push('\n');
                }
                (None, None) => {}
            }
        }
        blocks
    }

    /// The crates a block names: the first segment of every `use` and of every other `a::b`
    /// path (paths inside a `use` group are relative to its root).
    fn roots(code: &str) -> Vec<String> {
        // Without string literals and comments (neither names a crate).
        let mut plain = String::new();
        for line in code.lines() {
            let mut in_string = false;
            let mut prev = ' ';
            for c in line.chars() {
                if c == '"' && prev != '\\' {
                    in_string = !in_string;
                } else if !in_string {
                    if c == '/' && prev == '/' {
                        plain.pop();
                        break;
                    }
                    plain.push(c);
                }
                prev = c;
            }
            plain.push('\n');
        }
        let code = plain.as_str();
        let mut out = Vec::new();
        let mut imported: Vec<String> = Vec::new();
        let mut rest = String::new();
        let mut text = code;
        while let Some(at) = text.find("use ") {
            let starts_statement = at == 0 || text[..at].ends_with(['\n', ' ', ';', '{']);
            rest.push_str(&text[..at]);
            if !starts_statement {
                rest.push_str("use ");
                text = &text[at + 4..];
                continue;
            }
            let end = text[at..].find(';').map_or(text.len(), |e| at + e + 1);
            let statement = text[at + 4..end].trim_start();
            let root: String = statement
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !root.is_empty() {
                out.push(root);
            }
            imported.extend(
                statement
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_owned),
            );
            text = &text[end..];
        }
        rest.push_str(text);
        let bytes: Vec<char> = rest.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphabetic() || bytes[i] == '_' {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == '_') {
                    i += 1;
                }
                let word: String = bytes[start..i].iter().collect();
                let preceded = start >= 2 && bytes[start - 1] == ':' && bytes[start - 2] == ':';
                let followed = bytes.get(i) == Some(&':') && bytes.get(i + 1) == Some(&':');
                if followed
                    && !preceded
                    && word.chars().next().is_some_and(char::is_lowercase)
                    && !imported.contains(&word)
                {
                    out.push(word);
                }
            } else {
                i += 1;
            }
        }
        out
    }

    fn check(file: &str, markdown: &str, allowed: &[&str]) {
        let blocks = rust_blocks(markdown);
        assert!(!blocks.is_empty(), "{file} has no Rust block");
        for block in blocks {
            for root in roots(&block) {
                let ok = allowed.contains(&root.as_str())
                    || ["std", "tokio", "self", "super", "crate"].contains(&root.as_str());
                assert!(
                    ok,
                    "{file}: a code block uses `{root}::`, which the README does not list as a dependency"
                );
            }
        }
    }

    #[test]
    fn each_crate_readme_names_only_its_crate_and_tokio() {
        check(
            "crates/xink/README.md",
            include_str!("../../crates/xink/README.md"),
            &["xink_sdk"],
        );
        check(
            "crates/iinked-sign/README.md",
            include_str!("../../crates/iinked-sign/README.md"),
            &["iinked_sign_sdk"],
        );
        check(
            "crates/xref/README.md",
            include_str!("../../crates/xref/README.md"),
            &["xref_sdk"],
        );
        check(
            "crates/xpkit/README.md",
            include_str!("../../crates/xpkit/README.md"),
            &["xpkit_sdk"],
        );
        check("README.md", include_str!("../../README.md"), &PROVIDERS);
    }

    #[test]
    fn the_checker_sees_foreign_crates() {
        let roots = roots(
            "use serde_json::json;\nuse xpkit_sdk::{a::b, types}; // use durable::x\nlet x = xink_sdk::Value::Null; types::X; d::e(\"f::g\");",
        );
        assert_eq!(roots, ["serde_json", "xpkit_sdk", "xink_sdk", "d"]);
        let blocks = rust_blocks("```toml\nx = 1\n```\n```rust,no_run\nfn main() {}\n```\n");
        assert_eq!(blocks, ["fn main() {}\n"]);
    }
}
