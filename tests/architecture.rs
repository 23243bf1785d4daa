//! One-way layers: every `crate::…` path in `src/` (and every `homeward::…`
//! path in the binary's files) may name only its own layer or a layer below
//! it. A module's layer is its top-level folder or file under `src/`
//! (`src/solve/exact/bnb.rs` is in `solve`). The order is written once, in
//! [`LAYERS`]; there is no list of exceptions. Unit-test modules
//! (`#[cfg(test)]` items) are skipped, as Cargo's dev-dependencies are: a
//! solver test may draw its instances from `synth`.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first (see STYLE.md, "Layout shows the architecture"):
/// a module may use only its own layer and the ones before it. The formats
/// sit above what they serialise; `cli` and `main` form the binary.
const LAYERS: &[&str] = &[
    "domain",
    "geo",
    "scoring",
    "solve",
    "dataset",
    "report",
    "instance_json",
    "plan_document",
    "synth",
    "sim",
    "store",
    "api",
    "cli",
    "main",
];

/// The crate root: it declares the layers and uses none of them.
const ROOT: &str = "lib.rs";

/// One path into the crate found in a source file.
#[derive(Debug, PartialEq, Eq)]
struct Import {
    /// 1-based line of the path.
    line: usize,
    /// The top-level module it names (`solve` in `crate::solve::plan::Plan`).
    target: String,
}

/// `text` with comments, string and char literals replaced by spaces (line
/// breaks kept, so line numbers stay right) and every `#[cfg(test)]` item
/// blanked out.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < b.len() {
        if b[i] == '/' && peek(&b, i + 1) == '/' {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if b[i] == '/' && peek(&b, i + 1) == '*' {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && peek(&b, i + 1) == '*' {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && peek(&b, i + 1) == '/' {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if b[i] == 'r'
            && matches!(peek(&b, i + 1), '"' | '#')
            && (!prev_is_ident(&b, i) || (b[i - 1] == 'b' && !prev_is_ident(&b, i - 1)))
        {
            // A raw string: r"…", r#"…"#, br"…".
            let mut hashes = 0;
            let mut j = i + 1;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(b[i..j.min(b.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if b[i] == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if b[i] == '\'' && (peek(&b, i + 2) == '\'' || peek(&b, i + 1) == '\\') {
            // A char literal ('{', '\n', '\u{7b}'); a lifetime has no closing quote.
            let mut j = i + 1;
            if b[j] == '\\' {
                j += 2;
            } else {
                j += 1;
            }
            while j < b.len() && b[j] != '\'' {
                j += 1;
            }
            out.extend(b[i..(j + 1).min(b.len())].iter().map(|&c| blank(c)));
            i = j + 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    blank_test_items(&out)
}

/// The char at `i`, or NUL past the end.
fn peek(b: &[char], i: usize) -> char {
    b.get(i).copied().unwrap_or('\0')
}

fn prev_is_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// Blanks each `#[cfg(test)]` attribute and the item it carries (up to the
/// item's closing brace, or its `;`).
fn blank_test_items(code: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut b: Vec<char> = code.chars().collect();
    let attr: Vec<char> = ATTR.chars().collect();
    let mut i = 0;
    while i + attr.len() <= b.len() {
        if b[i..i + attr.len()] != attr[..] {
            i += 1;
            continue;
        }
        let mut j = i + attr.len();
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                ';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        for c in &mut b[i..(j + 1).min(code.chars().count())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = j + 1;
    }
    b.into_iter().collect()
}

/// Every `crate::x` path (and `homeward::x` when `binary`), with the
/// members of `crate::{x, y::z}` groups, in code already cleaned by
/// [`code_only`].
fn imports(code: &str, binary: bool) -> Vec<Import> {
    let roots: &[&str] = if binary {
        &["crate::", "homeward::"]
    } else {
        &["crate::"]
    };
    let mut found = Vec::new();
    let b: Vec<char> = code.chars().collect();
    let line_of = |i: usize| b[..i].iter().filter(|&&c| c == '\n').count() + 1;
    for root in roots {
        let r: Vec<char> = root.chars().collect();
        let mut i = 0;
        while i + r.len() <= b.len() {
            let starts_word =
                i == 0 || !(b[i - 1].is_alphanumeric() || matches!(b[i - 1], '_' | '$' | ':'));
            if b[i..i + r.len()] != r[..] || !starts_word {
                i += 1;
                continue;
            }
            let at = i + r.len();
            if b.get(at) == Some(&'{') {
                // A group: the first segment of each top-level member.
                let mut depth = 0usize;
                let mut j = at;
                let mut member_start = true;
                while j < b.len() {
                    match b[j] {
                        '{' => {
                            depth += 1;
                            if depth == 1 {
                                member_start = true;
                            }
                        }
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => member_start = true,
                        c if depth == 1 && member_start && (c.is_alphabetic() || c == '_') => {
                            let seg: String = b[j..]
                                .iter()
                                .take_while(|c| c.is_alphanumeric() || **c == '_')
                                .collect();
                            found.push(Import {
                                line: line_of(j),
                                target: seg.clone(),
                            });
                            member_start = false;
                            j += seg.chars().count();
                            continue;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                i = j;
            } else {
                let seg: String = b[at..]
                    .iter()
                    .take_while(|c| c.is_alphanumeric() || **c == '_')
                    .collect();
                if !seg.is_empty() {
                    found.push(Import {
                        line: line_of(i),
                        target: seg,
                    });
                }
                i = at;
            }
        }
    }
    found.sort_by_key(|f| f.line);
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The layer of a file: its top-level folder or file under `src/`.
fn layer_of(rel: &Path) -> String {
    let first = rel.components().next().expect("a path under src/");
    let name = first.as_os_str().to_string_lossy();
    name.strip_suffix(".rs").unwrap_or(&name).to_owned()
}

#[test]
fn no_import_goes_up_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank = |layer: &str| LAYERS.iter().position(|l| *l == layer);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).expect("under src/");
        if rel == Path::new(ROOT) {
            continue;
        }
        let layer = layer_of(rel);
        let Some(own) = rank(&layer) else {
            problems.push(format!(
                "src/{}: layer `{layer}` is not in LAYERS; place it in the order",
                rel.display()
            ));
            continue;
        };
        let binary = own >= rank("cli").expect("cli is a layer");
        let text = fs::read_to_string(file).expect("source is UTF-8");
        for imp in imports(&code_only(&text), binary) {
            match rank(&imp.target) {
                Some(r) if r <= own => {}
                Some(_) => problems.push(format!(
                    "src/{}:{}: `{layer}` uses `{}`, a layer above it (allowed: {})",
                    rel.display(),
                    imp.line,
                    imp.target,
                    LAYERS[..=own].join(", ")
                )),
                // Items of the crate root (`crate::Error`) or of a binary
                // module named by the root (`crate::cli` is a layer).
                None => {}
            }
        }
    }
    assert!(
        problems.is_empty(),
        "imports that go up a layer:\n{}",
        problems.join("\n")
    );
}

#[test]
fn finds_paths_in_use_lines_groups_and_expressions_but_not_comments_or_tests() {
    let code = r#"
use crate::solve::plan::Plan;
use crate::{domain::Child, scoring::{Model, Scorer}};
// use crate::api::Nothing;
/// [`crate::store`] in a doc comment
fn f() -> String { let s = "crate::sim in a string"; let c = '{'; crate::geo::travel(); format!("{s}{c}") }
pub(crate) fn g() {}
#[cfg(test)]
mod tests {
    use crate::synth::random_instance;
}
fn h() { homeward::dataset::load(); }
"#;
    let found: Vec<(usize, String)> = imports(&code_only(code), false)
        .into_iter()
        .map(|i| (i.line, i.target))
        .collect();
    let want = [(2, "solve"), (3, "domain"), (3, "scoring"), (6, "geo")];
    assert_eq!(
        found,
        want.iter()
            .map(|(l, t)| (*l, t.to_string()))
            .collect::<Vec<_>>()
    );
    let bin: Vec<String> = imports(&code_only(code), true)
        .into_iter()
        .map(|i| i.target)
        .collect();
    assert!(bin.contains(&"dataset".to_owned()), "{bin:?}");
}
