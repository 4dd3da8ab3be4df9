//! The code's shape, checked: no function over 80 lines and no import cycle between sibling
//! modules, in src/, crates/*/src/ and build.rs. Each file is parsed with `syn`; a violation is
//! named by file:line so it can be fixed where it is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::Visit;

/// The longest a function or method may be, from `fn` to its closing brace.
const MAX_FN_LINES: usize = 80;

/// Functions still over the limit, each with the helper who is shortening it. This list may only
/// shrink: a function not on it fails the test at once, and so does an entry that is no longer
/// needed.
const TOO_LONG_FOR_NOW: &[(&str, &str, &str)] = &[];

/// One crate's sources: its root folder, as (module path, file) pairs.
struct Krate {
    name: &'static str,
    files: Vec<(Vec<String>, PathBuf)>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
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

/// `src/facts/config.rs` → `facts::config`; `mod.rs`, `lib.rs` and `main.rs` name their folder.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn krate(name: &'static str, src: &Path, skip: &[&str]) -> Krate {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.retain(|f| !skip.iter().any(|s| f.ends_with(s)));
    let files = files
        .into_iter()
        .map(|f| (module_path(src, &f), f))
        .collect();
    Krate { name, files }
}

/// The library (src/main.rs is the binary, a crate of its own that only uses the library) and
/// every crate under crates/.
fn krates() -> Vec<Krate> {
    let mut out = vec![krate("preflight", &root().join("src"), &["src/main.rs"])];
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        out.push(krate("crates", &dir, &[]));
    }
    out
}

fn parse(file: &Path) -> syn::File {
    let text = std::fs::read_to_string(file).unwrap();
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: cannot parse: {e}", file.display()))
}

fn shown(file: &Path) -> String {
    file.strip_prefix(root())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// Every function and method with its length in lines, nested ones and test ones included.
#[derive(Default)]
struct Lengths {
    found: Vec<(String, usize, usize)>,
}

impl Lengths {
    fn add(&mut self, name: String, sig: &syn::Signature, block: &syn::Block) {
        let start = sig.fn_token.span().start().line;
        let end = block.brace_token.span.close().end().line;
        self.found.push((name, start, end + 1 - start));
    }
}

impl<'a> Visit<'a> for Lengths {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.add(f.sig.ident.to_string(), &f.sig, &f.block);
        syn::visit::visit_item_fn(self, f);
    }
    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.add(f.sig.ident.to_string(), &f.sig, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.add(f.sig.ident.to_string(), &f.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

#[test]
fn no_function_is_over_80_lines() {
    let mut files: Vec<PathBuf> = krates()
        .into_iter()
        .flat_map(|k| k.files.into_iter().map(|(_, f)| f))
        .collect();
    files.push(root().join("src/main.rs"));
    files.push(root().join("build.rs"));
    let mut over = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for file in &files {
        let mut lengths = Lengths::default();
        lengths.visit_file(&parse(file));
        for (name, line, len) in lengths.found {
            if len <= MAX_FN_LINES {
                continue;
            }
            let at = shown(file);
            match TOO_LONG_FOR_NOW
                .iter()
                .find(|(f, n, _)| *f == at && *n == name)
            {
                Some(entry) => {
                    allowed_seen.insert(*entry);
                }
                None => over.push(format!("{at}:{line}: fn {name} is {len} lines")),
            }
        }
    }
    let stale: Vec<String> = TOO_LONG_FOR_NOW
        .iter()
        .filter(|e| !allowed_seen.contains(*e))
        .map(|(f, n, _)| format!("{f}: fn {n} is no longer over the limit"))
        .collect();
    assert!(
        over.is_empty() && stale.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them):\n{}\nremove from TOO_LONG_FOR_NOW:\n{}",
        over.join("\n"),
        stale.join("\n")
    );
}

/// The modules one module's code refers to (`use crate::…`, `super::…`, `self::…` and paths in
/// code), each with the line of its first mention.
struct References<'k> {
    modules: &'k BTreeSet<Vec<String>>,
    here: Vec<String>,
    found: Vec<(Vec<String>, Vec<String>, usize)>,
}

impl References<'_> {
    /// Resolves a path's leading `crate`/`super`/`self` segments against the current module and
    /// keeps the longest prefix that names a module of the crate.
    fn refer(&mut self, segments: &[String], line: usize) {
        let mut target = match segments.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("self" | "super") => self.here.clone(),
            _ => return,
        };
        let mut rest = &segments[usize::from(segments[0] == "crate")..];
        while let Some(first) = rest.first() {
            match first.as_str() {
                "super" => drop(target.pop()),
                "self" => {}
                _ => break,
            }
            rest = &rest[1..];
        }
        target.extend(rest.iter().cloned());
        while !target.is_empty() && !self.modules.contains(&target) {
            target.pop();
        }
        self.found.push((self.here.clone(), target, line));
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.use_leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.use_leaf(prefix, &r.ident),
            syn::UseTree::Glob(g) => {
                let line = g.star_token.span().start().line;
                self.refer(&prefix.clone(), line);
            }
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix, t)),
        }
    }

    fn use_leaf(&mut self, prefix: &[String], ident: &syn::Ident) {
        let mut path = prefix.to_vec();
        path.push(ident.to_string());
        self.refer(&path, ident.span().start().line);
    }
}

impl<'a> Visit<'a> for References<'_> {
    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if m.content.is_some() {
            self.here.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.here.pop();
        }
    }
    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }
    fn visit_path(&mut self, p: &'a syn::Path) {
        let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if !segments.is_empty() {
            self.refer(&segments, p.span().start().line);
        }
        syn::visit::visit_path(self, p);
    }
}

/// Inline modules (`mod tests { … }`) of a file, as module paths.
struct InlineModules {
    here: Vec<String>,
    found: Vec<Vec<String>>,
}

impl<'a> Visit<'a> for InlineModules {
    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        if m.content.is_some() {
            self.here.push(m.ident.to_string());
            self.found.push(self.here.clone());
            syn::visit::visit_item_mod(self, m);
            self.here.pop();
        }
    }
}

/// Sibling edges: a reference from `a::x::…` to `a::y::…` is an edge `x → y` under `a`, with
/// the file and line that makes it. References between a module and its ancestors don't count.
type Edges = BTreeMap<(Vec<String>, Vec<String>), String>;

fn sibling_edges(k: &Krate) -> Edges {
    let parsed: Vec<(Vec<String>, &PathBuf, syn::File)> = k
        .files
        .iter()
        .map(|(m, f)| (m.clone(), f, parse(f)))
        .collect();
    let mut modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for (m, _, ast) in &parsed {
        modules.insert(m.clone());
        let mut inline = InlineModules {
            here: m.clone(),
            found: Vec::new(),
        };
        inline.visit_file(ast);
        modules.extend(inline.found);
    }
    let mut edges = Edges::new();
    for (m, file, ast) in &parsed {
        let mut refs = References {
            modules: &modules,
            here: m.clone(),
            found: Vec::new(),
        };
        refs.visit_file(ast);
        for (from, to, line) in refs.found {
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue;
            }
            let edge = (from[..=common].to_vec(), to[..=common].to_vec());
            edges
                .entry(edge)
                .or_insert_with(|| format!("{}:{line}", shown(file)));
        }
    }
    edges
}

/// A cycle through `start`, if there is one, found depth first.
fn cycle_from(start: &[String], edges: &Edges) -> Option<Vec<Vec<String>>> {
    fn walk(
        node: &Vec<String>,
        start: &[String],
        edges: &Edges,
        path: &mut Vec<Vec<String>>,
        seen: &mut BTreeSet<Vec<String>>,
    ) -> bool {
        for (from, to) in edges.keys() {
            if from != node {
                continue;
            }
            if to.as_slice() == start {
                return true;
            }
            if seen.insert(to.clone()) {
                path.push(to.clone());
                if walk(to, start, edges, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_vec()];
    let mut seen = BTreeSet::new();
    walk(&start.to_vec(), start, edges, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_import_cycle_between_sibling_modules() {
    let mut cycles = BTreeSet::new();
    let mut shown_cycles = Vec::new();
    for k in krates() {
        let edges = sibling_edges(&k);
        let nodes: BTreeSet<&Vec<String>> = edges.keys().map(|(from, _)| from).collect();
        for node in nodes {
            let Some(cycle) = cycle_from(node, &edges) else {
                continue;
            };
            let members: BTreeSet<Vec<String>> = cycle.iter().cloned().collect();
            if !cycles.insert(members) {
                continue;
            }
            let mut steps = Vec::new();
            for (i, from) in cycle.iter().enumerate() {
                let to = &cycle[(i + 1) % cycle.len()];
                let at = &edges[&(from.clone(), to.clone())];
                steps.push(format!("  {} -> {} ({at})", from.join("::"), to.join("::")));
            }
            shown_cycles.push(format!("in {}:\n{}", k.name, steps.join("\n")));
        }
    }
    assert!(
        shown_cycles.is_empty(),
        "import cycles between sibling modules (move the shared piece where both can use it):\n{}",
        shown_cycles.join("\n")
    );
}

#[test]
fn the_checks_see_what_they_should() {
    // The lengths are measured from `fn` to the closing brace.
    let ast: syn::File = syn::parse_str("fn a() {\n    1;\n}\n").unwrap();
    let mut lengths = Lengths::default();
    lengths.visit_file(&ast);
    assert_eq!(lengths.found, vec![("a".to_string(), 1, 3)]);
    // A sibling cycle is found and named.
    let mut edges = Edges::new();
    let (a, b) = (
        vec!["m".to_string(), "a".into()],
        vec!["m".to_string(), "b".into()],
    );
    edges.insert((a.clone(), b.clone()), "x.rs:1".into());
    assert!(cycle_from(&a, &edges).is_none());
    edges.insert((b.clone(), a.clone()), "y.rs:2".into());
    assert_eq!(cycle_from(&a, &edges), Some(vec![a, b]));
    // Every crate's modules are found, nested ones with their path.
    let all = krates();
    assert!(
        all[0]
            .files
            .iter()
            .any(|(m, _)| m == &["facts".to_string(), "config".into()])
    );
}
