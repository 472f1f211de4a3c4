//! The layers hold: the core (`net`, `digits`) uses no dataset, run or live view, no module of
//! the library uses one that uses it back, and the program stays a shell over the library
//! without import cycles: no module of
//! `src/bin/nnzero` uses one that uses it back (`train` ↔ `curve` and `train` ↔ `display`
//! were cycles before the run moved into `nnzero::run`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The program's directory and its source files.
fn program() -> (PathBuf, Vec<PathBuf>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/nnzero");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    (root, files)
}

/// The top-level module of the program a file belongs to: `train`, `charts`, `web`, …
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_module_of_the_program_uses_one_that_uses_it_back() {
    let (root, files) = program();
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&root, file);
        let text = fs::read_to_string(file).unwrap();
        let used = uses.entry(module.clone()).or_default();
        for name in crate_paths(&text) {
            if name != module {
                used.insert(name);
            }
        }
    }
    assert!(uses.contains_key("train") && uses.contains_key("checkpointing"));
    let mut cycles = Vec::new();
    for (a, used) in &uses {
        for b in used {
            if a < b && uses.get(b).is_some_and(|back| back.contains(a)) {
                cycles.push(format!("{a} ↔ {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
}

/// The library's top-level module a source file under `src/` belongs to: `net`, `run`, `live`, …
/// (`None` for `lib.rs` and the program under `src/bin`).
fn library_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    (first != "bin" && first != "lib.rs").then(|| first.trim_end_matches(".rs").to_string())
}

/// A file's code without its comments and without its trailing `#[cfg(test)]` module: what it
/// depends on when it is built for a user, not what its docs link to or its tests borrow.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::x` (or `crate::{x, y::z}`) first segment in some code.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + "crate::".len()..];
        let paths = match after.strip_prefix('{') {
            Some(group) => &group[..group.find('}').unwrap_or(group.len())],
            None => after,
        };
        for path in paths.split(',') {
            let name: String = path
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
            if !after.starts_with('{') {
                break;
            }
        }
    }
    found
}

/// The library's modules and, for each, the library modules its code uses.
fn library_uses(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = library_module(src, file) else {
            continue;
        };
        let code = code_of(&fs::read_to_string(file).unwrap());
        let used = uses.entry(module.clone()).or_default();
        for name in crate_paths(&code) {
            // `crate::Network` and other re-exports at the root name no module.
            if name != module && name.starts_with(|c: char| c.is_lowercase()) {
                used.insert(name);
            }
        }
    }
    uses
}

/// The modules of the core (no allocator, no OS needed) and what the core may never use.
const CORE: &[&str] = &["net", "digits"];
const NOT_FOR_THE_CORE: &[&str] = &[
    "dataset", "run", "live", "parallel", "prepare", "teach", "format", "infer", "augment",
];

#[test]
fn the_core_uses_no_dataset_run_or_live_view() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let uses = library_uses(&src);
    assert!(uses.contains_key("net") && uses.contains_key("run") && uses.contains_key("live"));
    let mut wrong = Vec::new();
    for core in CORE {
        for used in &uses[*core] {
            if NOT_FOR_THE_CORE.contains(&used.as_str()) {
                wrong.push(format!("{core} uses {used}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the core reaches out of its layer: {wrong:?}"
    );
}

#[test]
fn no_module_of_the_library_uses_one_that_uses_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let uses = library_uses(&src);
    let mut cycles = Vec::new();
    for (a, used) in &uses {
        for b in used {
            if a < b && uses.get(b).is_some_and(|back| back.contains(a)) {
                cycles.push(format!("{a} ↔ {b}"));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
}
