//! The architecture as a test: each crate's modules form a straight line of layers, and no module
//! refers to one in a layer above it (`crate::…` paths in code; comments and doc links are not
//! imports). Run `cargo test --test layers -- --nocapture` to print the module graph; set
//! `OUTLINES_LAYERS_ROOT` to a checkout to print (and check) that one's instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// outlines-core, bottom to top. Modules on one line are one layer: `structured` (the trait) and
/// `validate` (the reader it is written in terms of) are defined together.
const CORE: &[&[&str]] = &[
    &["text"],
    &["diagnostics"],
    &["schema"],
    &["partial"],
    &["structured", "validate"],
    &["lenient"],
    &["rules"],
    &["impls", "__private"],
    &["backend"],
    &["output"],
    &["generate"],
    &["batch"],
];

#[test]
fn outlines_core_is_layered() {
    let layers = CORE
        .iter()
        .map(|layer| layer.iter().map(|m| m.to_string()).collect())
        .collect();
    check("outlines-core", layers);
}

/// outlines-derive's layers are the list at the top of its `lib.rs` (`//! N. `name` — …`), one
/// module each.
#[test]
fn outlines_derive_is_layered() {
    let lib = fs::read_to_string(root().join("outlines-derive/src/lib.rs")).unwrap();
    let layers: Vec<Vec<String>> = lib
        .lines()
        .filter_map(|line| {
            let item = line.strip_prefix("//! ")?;
            let (number, rest) = item.split_once(". `")?;
            number.parse::<usize>().ok()?;
            Some(vec![rest.split('`').next()?.to_owned()])
        })
        .collect();
    check("outlines-derive", layers);
}

fn root() -> PathBuf {
    std::env::var_os("OUTLINES_LAYERS_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn check(krate: &str, layers: Vec<Vec<String>>) {
    let src = root().join(krate).join("src");
    let layer_of = |module: &str| layers.iter().position(|l| l.iter().any(|m| m == module));

    // module -> module it refers to -> how many references
    let mut graph: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for file in rust_files(&src) {
        let Some(from) = top_module(&src, &file) else {
            continue;
        };
        let text = fs::read_to_string(&file).unwrap();
        for to in references(&text) {
            if to != from {
                *graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default() += 1;
            }
        }
    }

    let mut report = String::new();
    let mut upward = Vec::new();
    let mut unplaced = Vec::new();
    for (from, edges) in &graph {
        let from_layer = layer_of(from);
        if from_layer.is_none() {
            unplaced.push(from.clone());
        }
        let mut line = format!("{from} ->");
        for (to, n) in edges {
            let up = matches!((from_layer, layer_of(to)), (Some(a), Some(b)) if b > a);
            if up {
                upward.push(format!("{from} -> {to} ({n} references)"));
            }
            write!(line, " {to}({n}){}", if up { " UPWARD" } else { "" }).unwrap();
        }
        writeln!(report, "  {line}").unwrap();
    }
    println!("{krate}, {}:\n{report}", src.display());
    assert!(
        unplaced.is_empty(),
        "{krate}: modules in no layer (add them to its list of layers): {unplaced:?}"
    );
    assert!(
        upward.is_empty(),
        "{krate}: modules refer to layers above them:\n{}",
        upward.join("\n")
    );
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The crate's top-level module a file belongs to; `None` for the crate root.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The top-level modules a file refers to as `crate::name` or `crate::{name, …}`, outside comments.
fn references(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + "crate::".len()..];
        // `$crate::` is a macro's path to its own crate, `outlines_crate::` some other name.
        if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each item at the group's top level.
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        item_start = false;
                        out.extend(module_name(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.extend(module_name(rest));
        }
    }
    out
}

/// The identifier `text` starts with, if it names a module (lowercase: not a type or macro).
fn module_name(text: &str) -> Option<String> {
    let name: String = text
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    name.starts_with(|c: char| c.is_lowercase() || c == '_')
        .then_some(name)
}

#[test]
fn references_skip_comments_and_other_crates() {
    let text = "use crate::schema::X;\n/// [`F`](crate::backend::F)\nlet a = crate::text::f(); // crate::batch\n$crate::x; my_crate::y;\nuse crate::{\n    a::{X, Y},\n    b,\n    Z,\n};";
    assert_eq!(references(text), ["schema", "text", "a", "b"]);
}
