//! The program stays a shell over the library without import cycles: no module of
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
        for (at, _) in text.match_indices("crate::") {
            let after = &text[at + "crate::".len()..];
            // `crate::a::b` or `crate::{a::b, c}`: the first segment of each path.
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
                if !name.is_empty() && name != module {
                    used.insert(name);
                }
                if !after.starts_with('{') {
                    break;
                }
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
