//! The rule pack compiler: TOML rule files → [`RuleSet`], every problem reported at once as
//! `file:line:col: message`.

use super::cond::{self, Cond};
use super::diag::{Diagnostic, Diagnostics};
use super::model::{PackInfo, Rule, RuleCase, RuleSet, Scope, When};

mod fix;
mod fleet;
use crate::catalogue;
use crate::par;
use crate::text::LineIndex;
pub use fleet::{compile_fleet, compile_fleet_onto};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One rule file's text and the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// A pack: a folder of rule files, one of them `pack.toml`.
#[derive(Debug, Clone)]
pub struct PackSource {
    pub dir: String,
    pub files: Vec<Source>,
}

/// Whether a shipped `rules/<pack>` folder holds node rules; `rules/fleet` holds fleet rules
/// ([`compile_fleet`]).
pub fn is_node_pack(pack: &str) -> bool {
    pack != "fleet"
}

/// The shipped packs from their files, given as (pack, file name, text) in order; each file is
/// named `rules/<pack>/<file>`, as in this repository.
pub fn shipped_packs<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str, String)>,
) -> Vec<PackSource> {
    let mut packs: Vec<PackSource> = Vec::new();
    for (pack, file, text) in files {
        let dir = format!("rules/{pack}");
        let source = Source {
            path: format!("{dir}/{file}"),
            text,
        };
        match packs.iter_mut().find(|p| p.dir == dir) {
            Some(p) => p.files.push(source),
            None => packs.push(PackSource {
                dir,
                files: vec![source],
            }),
        }
    }
    packs
}

const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "category",
    "fact",
    "fail",
    "warn",
    "manual",
    "message",
    "pass_message",
    "expected",
    "fix",
    "docs",
    "rationale",
    "sources",
    "docs_only",
    "scope",
    "when",
    "case",
    "override",
    "fix_part",
    "fix_edit",
];
const CASE_KEYS: &[&str] = &[
    "when",
    "fail",
    "warn",
    "expected",
    "message",
    "pass_message",
    "fix",
];
const WHEN_KEYS: &[&str] = &["version", "profile", "os", "condition", "means"];
const PACK_KEYS: &[&str] = &["name", "version", "description", "overrides", "categories"];
const OS_NAMES: &[&str] = &["linux", "macos", "windows"];

/// Compiles packs in order; a later pack may replace a rule only where it says it overrides.
/// Files are parsed, and rules compiled, in parallel; rules and problems are then taken in
/// pack, file and rule order, so the result and the diagnostics never depend on the threads.
pub fn compile(packs: &[PackSource]) -> Result<RuleSet, Diagnostics> {
    compile_onto(RuleSet::default(), packs)
}

/// Compiles packs after the already compiled `base`, exactly as if `base`'s packs had been
/// compiled with them: later packs may override its rules, and duplicates of them are errors.
pub fn compile_onto(base: RuleSet, packs: &[PackSource]) -> Result<RuleSet, Diagnostics> {
    if packs.is_empty() {
        return Ok(base);
    }
    let infos: Vec<(PackInfo, Vec<Diagnostic>)> = packs
        .iter()
        .map(|pack| {
            let mut diags = Vec::new();
            (pack_info(pack, &mut diags), diags)
        })
        .collect();
    let files: Vec<(usize, &Source)> = packs
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.files.iter().map(move |f| (i, f)))
        .filter(|(_, f)| !is_pack_file(&f.path))
        .collect();
    let parsed = par::map(&files, 2, |&(pack, file)| Parsed::new(pack, file));
    let items: Vec<(usize, Item<'_, '_>)> = parsed
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.items().into_iter().map(move |item| (i, item)))
        .collect();
    let compiled = par::map(&items, 16, |(i, item)| {
        let file = &parsed[*i];
        file.compile(item, &infos[file.pack].0.name)
    });

    let mut diags = Vec::new();
    let first = base.packs.len();
    let mut seen: BTreeMap<String, (usize, String, String)> = BTreeMap::new();
    for rule in &base.rules {
        let index = base.packs.iter().position(|p| p.name == rule.pack);
        let at = (rule.pack.clone(), rule.defined_at.clone());
        seen.insert(rule.id.clone(), (index.unwrap_or(0), at.0, at.1));
    }
    let mut set = base;
    let mut compiled = items.iter().map(|(i, _)| *i).zip(compiled).peekable();
    for (i, (info, info_diags)) in infos.into_iter().enumerate() {
        let pack_index = first + i;
        diags.extend(info_diags);
        for (file_index, file) in parsed.iter().enumerate() {
            if file.pack != i {
                continue;
            }
            diags.extend(file.diags.iter().cloned());
            while let Some((_, (rule, rule_diags))) = compiled.next_if(|(i, _)| *i == file_index) {
                diags.extend(rule_diags);
                if let Some((rule, overrides)) = rule {
                    let overrides = overrides || info.overrides;
                    add_rule(&mut set, &mut seen, &mut diags, rule, pack_index, overrides);
                }
            }
        }
        set.packs.push(info);
    }
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    let order = set.category_order();
    let rank = |c: &str| {
        order
            .iter()
            .position(|(id, _)| id == c)
            .unwrap_or(usize::MAX)
    };
    set.rules.sort_by_cached_key(|r| rank(&r.category));
    Ok(set)
}

fn add_rule(
    set: &mut RuleSet,
    seen: &mut BTreeMap<String, (usize, String, String)>,
    diags: &mut Vec<Diagnostic>,
    rule: (Rule, Diagnostic),
    pack_index: usize,
    overrides: bool,
) {
    let (rule, at) = rule;
    match seen.get(&rule.id) {
        Some((earlier_pack, _, _)) if overrides && *earlier_pack < pack_index => {
            if let Some(slot) = set.rules.iter_mut().find(|r| r.id == rule.id) {
                *slot = rule.clone();
            }
            seen.insert(rule.id.clone(), (pack_index, rule.pack.clone(), rule.defined_at.clone()));
        }
        Some((_, _, first)) => diags.push(Diagnostic {
            message: format!(
                "duplicate rule id `{}` (first defined at {first}); rename it, or set `override = true` on the rule in a later pack to replace it",
                rule.id
            ),
            ..at
        }),
        None => {
            seen.insert(rule.id.clone(), (pack_index, rule.pack.clone(), rule.defined_at.clone()));
            set.rules.push(rule);
        }
    }
}

fn is_pack_file(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .is_some_and(|n| n == "pack.toml")
}

/// Positions and error collection for one file.
struct FileCx<'a> {
    file: &'a Source,
    lines: &'a LineIndex<'a>,
    diags: &'a mut Vec<Diagnostic>,
}

impl FileCx<'_> {
    fn at(&self, offset: usize) -> Diagnostic {
        let (line, column) = self.lines.line_col(offset);
        Diagnostic {
            file: self.file.path.clone(),
            line,
            column,
            message: String::new(),
        }
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        let d = Diagnostic {
            message: message.into(),
            ..self.at(offset)
        };
        self.diags.push(d);
    }

    fn unknown_key(&mut self, key: &str, offset: usize, allowed: &[&str], what: &str) {
        let hint = crate::suggest::did_you_mean_or(key, allowed.iter().copied(), || {
            format!("; {what} keys are: {}", allowed.join(", "))
        });
        self.error(offset, format!("unknown key `{key}` in {what}{hint}"));
    }
}

type Entry<'a, 'i> = (&'a str, Range<usize>, &'a Spanned<DeValue<'i>>);

fn entries<'a, 'i>(table: &'a DeTable<'i>) -> impl Iterator<Item = Entry<'a, 'i>> {
    table
        .iter()
        .map(|(k, v)| (k.get_ref().as_ref(), k.span(), v))
}

fn parse<'i>(cx: &mut FileCx<'_>, text: &'i str) -> Option<Spanned<DeTable<'i>>> {
    match DeTable::parse(text) {
        Ok(t) => Some(t),
        Err(e) => {
            let first = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            cx.error(
                e.span().map_or(0, |s| s.start),
                format!("invalid TOML: {first}"),
            );
            None
        }
    }
}

fn pack_info(pack: &PackSource, diags: &mut Vec<Diagnostic>) -> PackInfo {
    let dir_name = Path::new(&pack.dir)
        .file_name()
        .map_or(pack.dir.clone(), |n| n.to_string_lossy().into_owned());
    let mut info = PackInfo {
        name: dir_name,
        version: "0".into(),
        overrides: false,
        categories: Vec::new(),
    };
    let Some(file) = pack.files.iter().find(|f| is_pack_file(&f.path)) else {
        return info;
    };
    let lines = LineIndex::new(&file.text);
    let mut cx = FileCx {
        file,
        lines: &lines,
        diags,
    };
    let Some(root) = parse(&mut cx, &file.text) else {
        return info;
    };
    for (key, span, value) in entries(root.get_ref()) {
        match (key, value.get_ref()) {
            ("pack", DeValue::Table(t)) => read_pack_table(&mut cx, t, &mut info),
            _ => cx.unknown_key(key, span.start, &["pack"], "pack.toml"),
        }
    }
    info
}

fn read_pack_table(cx: &mut FileCx<'_>, t: &DeTable<'_>, info: &mut PackInfo) {
    for (key, span, value) in entries(t) {
        match (key, value.get_ref()) {
            ("name", DeValue::String(s)) => info.name = s.to_string(),
            ("version", DeValue::String(s)) => info.version = s.to_string(),
            ("description", DeValue::String(_)) => {}
            ("overrides", DeValue::Boolean(b)) => info.overrides = *b,
            ("categories", DeValue::Array(items)) => {
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(c) => info.categories.push(category(c)),
                        _ => cx.error(
                            item.span().start,
                            "each category is a table: { id = \"host\", title = \"Host\" }",
                        ),
                    }
                }
            }
            (k, _) if PACK_KEYS.contains(&k) => {
                cx.error(value.span().start, format!("`{k}` has the wrong type"))
            }
            _ => cx.unknown_key(key, span.start, PACK_KEYS, "[pack]"),
        }
    }
}

fn category(t: &DeTable<'_>) -> (String, String) {
    let get = |name: &str| {
        t.iter()
            .find(|(k, _)| k.get_ref() == name)
            .and_then(|(_, v)| {
                if let DeValue::String(s) = v.get_ref() {
                    Some(s.to_string())
                } else {
                    None
                }
            })
    };
    let id = get("id").unwrap_or_default();
    let title = get("title").unwrap_or_else(|| id.clone());
    (id, title)
}

/// One rule file, parsed: its line index, its TOML, and the problems parsing found.
struct Parsed<'s> {
    file: &'s Source,
    pack: usize,
    lines: LineIndex<'s>,
    root: Option<Spanned<DeTable<'s>>>,
    diags: Vec<Diagnostic>,
}

/// What a rule file's top level holds, in file order: rule tables, or mistakes to report.
enum Item<'a, 'i> {
    Rule(&'a DeTable<'i>, Range<usize>),
    NotATable(usize),
    NotAnArray(usize),
    UnknownKey(&'a str, usize),
}

type Compiled = (Option<((Rule, Diagnostic), bool)>, Vec<Diagnostic>);

impl<'s> Parsed<'s> {
    fn new(pack: usize, file: &'s Source) -> Parsed<'s> {
        let lines = LineIndex::new(&file.text);
        let mut diags = Vec::new();
        let mut cx = FileCx {
            file,
            lines: &lines,
            diags: &mut diags,
        };
        let root = parse(&mut cx, &file.text);
        Parsed {
            file,
            pack,
            lines,
            root,
            diags,
        }
    }

    fn items(&self) -> Vec<Item<'_, 's>> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, span, value) in entries(root.get_ref()) {
            match (key, value.get_ref()) {
                ("rule", DeValue::Array(items)) => {
                    out.extend(items.iter().map(|item| match item.get_ref() {
                        DeValue::Table(t) => Item::Rule(t, item.span()),
                        _ => Item::NotATable(item.span().start),
                    }))
                }
                ("rule", _) => out.push(Item::NotAnArray(span.start)),
                _ => out.push(Item::UnknownKey(key, span.start)),
            }
        }
        out
    }

    fn compile(&self, item: &Item<'_, '_>, pack: &str) -> Compiled {
        let mut diags = Vec::new();
        let mut cx = FileCx {
            file: self.file,
            lines: &self.lines,
            diags: &mut diags,
        };
        let rule = match item {
            Item::Rule(t, span) => compile_rule(&mut cx, t, span.clone(), pack),
            other => {
                misplaced(&mut cx, other);
                None
            }
        };
        (rule, diags)
    }
}

/// Reports a top-level item of a rule file that is not a `[[rule]]` table.
fn misplaced(cx: &mut FileCx<'_>, item: &Item<'_, '_>) {
    match item {
        Item::Rule(..) => {}
        Item::NotATable(at) => cx.error(*at, "`rule` entries are tables: write [[rule]]"),
        Item::NotAnArray(at) => cx.error(*at, "`rule` must be an array of tables: write [[rule]]"),
        Item::UnknownKey(key, at) => cx.unknown_key(key, *at, &["rule"], "a rule file (top level)"),
    }
}

/// The raw fields of one `[[rule]]` table with their spans.
#[derive(Default)]
struct RawRule<'a, 'i> {
    fields: BTreeMap<&'a str, (Range<usize>, &'a Spanned<DeValue<'i>>)>,
}

impl RawRule<'_, '_> {
    fn string(&self, cx: &mut FileCx<'_>, key: &str) -> Option<(String, usize)> {
        let (_, v) = self.fields.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some((s.to_string(), string_start(&cx.file.text, v.span()))),
            _ => {
                cx.error(v.span().start, format!("`{key}` must be a string"));
                None
            }
        }
    }
}

/// Where the characters of a TOML string value start (after `"`, `'`, `"""` or `'''`).
fn string_start(text: &str, span: Range<usize>) -> usize {
    let s = &text[span.start.min(text.len())..];
    if s.starts_with("\"\"\"") || s.starts_with("'''") {
        let mut start = span.start + 3;
        if text[start..].starts_with('\n') {
            start += 1;
        }
        start
    } else {
        span.start + 1
    }
}

fn compile_rule(
    cx: &mut FileCx<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
    pack: &str,
) -> Option<((Rule, Diagnostic), bool)> {
    let mut raw = RawRule::default();
    for (key, kspan, value) in entries(table) {
        if RULE_KEYS.contains(&key) {
            raw.fields.insert(key, (kspan, value));
        } else {
            cx.unknown_key(key, kspan.start, RULE_KEYS, "[[rule]]");
        }
    }
    let at = cx.at(span.start);
    let id = required(cx, &raw, "id", span.start);
    if let Some(id) = id.as_deref().filter(|id| !valid_id(id)) {
        let off = raw.string(cx, "id").map_or(span.start, |(_, o)| o);
        let shown = match id {
            "" => "rule id is empty; ".to_string(),
            _ => format!("rule id `{id}` "),
        };
        cx.error(
            off,
            format!("{shown}must be lowercase words separated by dots: host.memory.total"),
        );
    }
    let id = id.unwrap_or_default();
    let title = required(cx, &raw, "title", span.start).unwrap_or_default();
    let category = required(cx, &raw, "category", span.start).unwrap_or_default();
    let named = raw.string(cx, "fact");
    let fact = named.clone().and_then(|(f, off)| known_fact(cx, f, off));
    // With an unknown `fact`, its conditions are still compiled for their other mistakes.
    let subject = fact.clone().or(named.map(|(f, _)| f));
    let fail = condition(cx, &raw, "fail", subject.as_deref(), fact.is_none());
    let warn = condition(cx, &raw, "warn", subject.as_deref(), fact.is_none());
    let manual = raw.string(cx, "manual").map(|(s, _)| s);
    check_judgement(cx, &raw, span.start, (&fail, &warn, &manual));
    let cases = cases(cx, &raw, subject.as_deref(), fact.is_none());
    let when = when(cx, &raw);
    let docs = docs(cx, &raw);
    let sources = sources(cx, &raw);
    let overrides = overrides(cx, &raw);
    let mut rule = Rule {
        id,
        title,
        category,
        fact,
        fail,
        warn,
        manual,
        cases,
        message: raw.string(cx, "message").map(|(s, _)| s),
        pass_message: raw.string(cx, "pass_message").map(|(s, _)| s),
        expected: raw.string(cx, "expected").map(|(s, _)| s),
        fix: raw.string(cx, "fix").map(|(s, _)| s),
        fix_parts: Vec::new(),
        fix_edits: Vec::new(),
        docs,
        rationale: raw.string(cx, "rationale").map(|(s, _)| s),
        sources,
        docs_only: raw.string(cx, "docs_only").map(|(s, _)| s),
        scope: Scope::Host,
        when,
        template_facts: Vec::new(),
        pack: pack.to_string(),
        defined_at: format!("{}:{}", at.file, at.line),
    };
    rule.template_facts = all_template_facts(cx, &raw, span.start, &rule);
    fix_data(cx, &raw, &mut rule);
    rule.scope = scope(cx, &raw, &rule);
    // A rule with errors is still returned (the pack fails on its diagnostics all the same), so
    // that a duplicate of its id is reported in the same run as its other errors.
    (!rule.id.is_empty()).then_some(((rule, at), overrides))
}

/// `override = true|false`; anything else is an error.
fn overrides(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> bool {
    match raw.fields.get("override").map(|(_, v)| v.get_ref()) {
        Some(DeValue::Boolean(b)) => *b,
        Some(_) => {
            cx.error(
                raw.fields["override"].1.span().start,
                "`override` must be true or false",
            );
            false
        }
        None => false,
    }
}

/// Facts named only in the rule's and its cases' message templates.
fn all_template_facts(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    rule_start: usize,
    rule: &Rule,
) -> Vec<String> {
    let mut named = Vec::new();
    for key in ["message", "pass_message"] {
        named.extend(template_facts(cx, raw, key, rule));
    }
    // Case messages: their offsets are not kept, so problems point at the `case` key.
    let case_at = raw.fields.get("case").map_or(rule_start, |(k, _)| k.start);
    let case_texts = rule
        .cases
        .iter()
        .flat_map(|c| [&c.message, &c.pass_message]);
    for text in case_texts.filter_map(|t| t.as_deref()) {
        named.extend(template_text_facts(cx, text, case_at, rule));
    }
    let mut out: Vec<String> = Vec::new();
    for n in named {
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// The fix's parts and edits, and every fact a fix text names, which the rule then reads too.
fn fix_data(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>, rule: &mut Rule) {
    let mut named = Vec::new();
    if let Some((text, off)) = raw.string(cx, "fix") {
        named.extend(fix::text_facts(cx, &text, off));
    }
    let case_at = raw.fields.get("case").map_or(0, |(k, _)| k.start);
    let case_fixes: Vec<String> = rule.cases.iter().filter_map(|c| c.fix.clone()).collect();
    for text in case_fixes {
        named.extend(fix::text_facts(cx, &text, case_at));
    }
    let (parts, part_facts) = fix::parts(cx, raw);
    let (edits, edit_facts) = fix::edits(cx, raw);
    rule.fix_parts = parts;
    rule.fix_edits = edits;
    for n in named.into_iter().chain(part_facts).chain(edit_facts) {
        if !rule.template_facts.contains(&n) && !rule.facts().contains(&n) {
            rule.template_facts.push(n);
        }
    }
}

fn required(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    key: &str,
    rule_start: usize,
) -> Option<String> {
    let v = raw.string(cx, key);
    if v.is_none() && !raw.fields.contains_key(key) {
        cx.error(
            rule_start,
            format!("this rule has no `{key}`; every rule needs id, title and category"),
        );
    }
    v.map(|(s, _)| s)
}

fn valid_id(id: &str) -> bool {
    id.split('.').all(|seg| {
        !seg.is_empty()
            && seg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    })
}

fn known_fact(cx: &mut FileCx<'_>, name: String, offset: usize) -> Option<String> {
    match crate::difference::fact_type(&name) {
        Some(Ok(_)) => return Some(name),
        Some(Err(e)) => {
            cx.error(offset, e);
            return None;
        }
        None => {}
    }
    if catalogue::fact_type(&name).is_some() {
        return Some(name);
    }
    let hint = catalogue::did_you_mean(&name);
    cx.error(
        offset,
        format!("unknown fact `{name}`{hint} (`preflight rules facts` lists them)"),
    );
    None
}

fn condition(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    key: &str,
    subject: Option<&str>,
    subject_reported: bool,
) -> Option<Cond> {
    let (text, offset) = raw.string(cx, key)?;
    compile_cond(cx, &text, offset, subject, subject_reported)
}

fn compile_cond(
    cx: &mut FileCx<'_>,
    text: &str,
    offset: usize,
    subject: Option<&str>,
    subject_reported: bool,
) -> Option<Cond> {
    match cond::compile(text, subject) {
        Ok(c) => Some(c),
        Err(e)
            if subject_reported
                && subject
                    .is_some_and(|s| e.message.starts_with(&format!("unknown fact `{s}`"))) =>
        {
            None
        }
        Err(e) => {
            cx.error(offset + e.span.start, e.message);
            None
        }
    }
}

/// A rule judges by conditions or asks a person; conditions that can never hold are errors.
fn check_judgement(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    rule_start: usize,
    (fail, warn, manual): (&Option<Cond>, &Option<Cond>, &Option<String>),
) {
    let offset = |key: &str| {
        raw.fields
            .get(key)
            .map_or(rule_start, |(_, v)| string_start(&cx.file.text, v.span()))
    };
    let has_cond = raw.fields.contains_key("fail")
        || raw.fields.contains_key("warn")
        || raw.fields.contains_key("case");
    if manual.is_some() && has_cond {
        cx.error(
            offset("manual"),
            "a rule is either `manual` or has `fail`/`warn`/`case` conditions, not both",
        );
    }
    if manual.is_none() && !has_cond && !raw.fields.contains_key("manual") {
        cx.error(
            rule_start,
            "this rule never judges: give it `fail`, `warn`, `[[rule.case]]` or `manual`",
        );
    }
    let offsets = (offset("fail"), offset("warn"));
    check_reachable(cx, offsets, fail, warn);
}

/// Conditions that can never hold are errors: an empty interval, or a `warn` inside `fail`.
fn check_reachable(
    cx: &mut FileCx<'_>,
    (fail_at, warn_at): (usize, usize),
    fail: &Option<Cond>,
    warn: &Option<Cond>,
) {
    let offset = |key: &str| if key == "fail" { fail_at } else { warn_at };
    for (key, c) in [("fail", fail), ("warn", warn)] {
        if let Some((_, iv)) = c.as_ref().and_then(|c| c.expr().interval())
            && iv.is_empty()
        {
            let off = offset(key);
            cx.error(
                off,
                format!(
                    "unreachable condition: no value satisfies `{key} = \"{}\"`",
                    c.as_ref().map_or("", |c| &c.text)
                ),
            );
        }
    }
    if let (Some(f), Some(w)) = (fail, warn)
        && let (Some((fs, fi)), Some((ws, wi))) = (f.expr().interval(), w.expr().interval())
        && fs == ws
        && wi.within(&fi)
    {
        let off = offset("warn");
        cx.error(off, format!("unreachable condition: every value matching `warn = \"{}\"` already matches `fail = \"{}\"`", w.text, f.text));
    }
}

fn string_list(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Vec<(String, usize)> {
    match v.get_ref() {
        DeValue::String(s) => vec![(s.to_string(), string_start(&cx.file.text, v.span()))],
        DeValue::Array(items) => items
            .iter()
            .filter_map(|i| match i.get_ref() {
                DeValue::String(s) => Some((s.to_string(), string_start(&cx.file.text, i.span()))),
                _ => {
                    cx.error(i.span().start, format!("`{key}` holds strings"));
                    None
                }
            })
            .collect(),
        _ => {
            cx.error(
                v.span().start,
                format!("`{key}` must be a string or a list of strings"),
            );
            Vec::new()
        }
    }
}

fn docs(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> Vec<String> {
    let Some((_, v)) = raw.fields.get("docs") else {
        return Vec::new();
    };
    let docs = string_list(cx, v, "docs");
    for (d, off) in &docs {
        if !d.starts_with("https://") && !d.starts_with("http://") {
            cx.error(*off, format!("`docs` entries are URLs; `{d}` is not"));
        }
    }
    docs.into_iter().map(|(d, _)| d).collect()
}

/// `sources`: where the rule's truth comes from, each entry a non-empty line of text (a URL, or
/// `repo tag path:line`).
fn sources(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> Vec<String> {
    let Some((_, v)) = raw.fields.get("sources") else {
        return Vec::new();
    };
    let sources = string_list(cx, v, "sources");
    for (s, off) in &sources {
        if s.trim().is_empty() || s.contains('\n') {
            cx.error(*off, "`sources` entries are one non-empty line each");
        }
    }
    sources.into_iter().map(|(s, _)| s).collect()
}

fn when(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> When {
    match raw.fields.get("when") {
        Some((_, v)) => when_value(cx, v),
        None => When::default(),
    }
}

/// `[[rule.case]]` tables: each a `when` and its own `fail`/`warn` (and optionally `expected`,
/// `message`). The first case whose `when` holds decides.
fn cases(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    subject: Option<&str>,
    subject_reported: bool,
) -> Vec<RuleCase> {
    let Some((_, v)) = raw.fields.get("case") else {
        return Vec::new();
    };
    let DeValue::Array(items) = v.get_ref() else {
        cx.error(
            v.span().start,
            "`case` must be an array of tables: write [[rule.case]]",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        let DeValue::Table(t) = item.get_ref() else {
            cx.error(
                item.span().start,
                "`case` entries are tables: write [[rule.case]]",
            );
            continue;
        };
        let mut case = RuleCase::default();
        let mut offsets = (item.span().start, item.span().start);
        let mut judges = false;
        for (key, kspan, value) in entries(t) {
            let text = match value.get_ref() {
                DeValue::String(s) => {
                    Some((s.to_string(), string_start(&cx.file.text, value.span())))
                }
                _ => None,
            };
            match (key, text) {
                ("when", _) => case.when = when_value(cx, value),
                ("fail", Some((s, off))) => {
                    judges = true;
                    offsets.0 = off;
                    case.fail = compile_cond(cx, &s, off, subject, subject_reported);
                }
                ("warn", Some((s, off))) => {
                    judges = true;
                    offsets.1 = off;
                    case.warn = compile_cond(cx, &s, off, subject, subject_reported);
                }
                ("expected", Some((s, _))) => case.expected = Some(s),
                ("message", Some((s, _))) => case.message = Some(s),
                ("fix", Some((s, _))) => case.fix = Some(s),
                ("pass_message", Some((s, _))) => case.pass_message = Some(s),
                (k, None) if CASE_KEYS.contains(&k) => {
                    cx.error(value.span().start, format!("`case.{k}` must be a string"))
                }
                _ => cx.unknown_key(key, kspan.start, CASE_KEYS, "[[rule.case]]"),
            }
        }
        if !judges {
            cx.error(
                item.span().start,
                "this case never judges: give it `fail` or `warn`",
            );
        }
        check_reachable(cx, offsets, &case.fail, &case.warn);
        out.push(case);
    }
    out
}

fn when_value(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>) -> When {
    let mut w = When::default();
    let DeValue::Table(t) = v.get_ref() else {
        cx.error(v.span().start, "`when` must be a table: when = { version = \">= 4.7\", profile = [\"gateway-worker\"] }");
        return w;
    };
    for (key, kspan, value) in entries(t) {
        match key {
            "version" | "condition" => {
                let DeValue::String(s) = value.get_ref() else {
                    cx.error(
                        value.span().start,
                        format!("`when.{key}` must be a string condition"),
                    );
                    continue;
                };
                let subject = (key == "version").then_some("product.version");
                let offset = string_start(&cx.file.text, value.span());
                match cond::compile(s, subject) {
                    Ok(c) if key == "version" => w.version = Some(c),
                    Ok(c) => w.condition = Some(c),
                    Err(e) => cx.error(offset + e.span.start, e.message),
                }
            }
            "means" => match value.get_ref() {
                DeValue::String(s) => w.means = Some(s.to_string()),
                _ => cx.error(value.span().start, "`when.means` must be a string"),
            },
            "profile" => w.profiles = checked_names(cx, value, "when.profile", catalogue::PROFILES),
            "os" => w.os = checked_names(cx, value, "when.os", OS_NAMES),
            _ => cx.unknown_key(key, kspan.start, WHEN_KEYS, "`when`"),
        }
    }
    w
}

fn checked_names(
    cx: &mut FileCx<'_>,
    v: &Spanned<DeValue<'_>>,
    key: &str,
    allowed: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    for (name, off) in string_list(cx, v, key) {
        if allowed.contains(&name.as_str()) {
            out.push(name);
        } else {
            cx.error(
                off,
                format!(
                    "unknown value `{name}` in `{key}`; use one of: {}",
                    allowed.join(", ")
                ),
            );
        }
    }
    out
}

fn scope(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>, rule: &Rule) -> Scope {
    if let Some((s, off)) = raw.string(cx, "scope") {
        return match s.as_str() {
            "host" => Scope::Host,
            "product" => Scope::Product,
            "network" => Scope::Network,
            other => {
                cx.error(
                    off,
                    format!("unknown scope `{other}`; use host, product or network"),
                );
                Scope::Host
            }
        };
    }
    let families: Vec<&str> = rule
        .facts()
        .iter()
        .filter_map(|f| catalogue::lookup(f))
        .map(|s| s.family.name())
        .collect();
    if families.contains(&"network") {
        Scope::Network
    } else if families.iter().any(|f| !matches!(*f, "host" | "jdk")) {
        Scope::Product
    } else {
        Scope::Host
    }
}

/// How a message placeholder may be shown: `{fact:octal}` (a file mode, `0644`), `{fact:days}`
/// (a day count from today: `in 30 days`, `552 days ago`).
pub const FORMATS: &[&str] = &["octal", "days"];

/// A placeholder's name and its format (empty when it has none).
pub fn split_format(placeholder: &str) -> (&str, &str) {
    placeholder.split_once(':').unwrap_or((placeholder, ""))
}

/// Placeholders in a message template: `observed`, `expected`, `location`, or a fact from the
/// catalogue (each optionally `:format`), which the rule then reads too.
fn template_facts(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    key: &str,
    rule: &Rule,
) -> Vec<String> {
    let Some((text, offset)) = raw.string(cx, key) else {
        return Vec::new();
    };
    template_text_facts(cx, &text, offset, rule)
}

fn template_text_facts(cx: &mut FileCx<'_>, text: &str, offset: usize, rule: &Rule) -> Vec<String> {
    let mut named = Vec::new();
    let mut rest = text;
    let mut base = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let (name, format) = split_format(&rest[open + 1..open + close]);
        if !format.is_empty() && !FORMATS.contains(&format) {
            cx.error(
                offset + base + open,
                format!(
                    "unknown format `:{format}`; formats are {}",
                    FORMATS.join(", ")
                ),
            );
        }
        if matches!(name, "observed" | "expected" | "location" | "missing")
            || rule.facts().iter().any(|f| f == name)
        {
        } else if catalogue::fact_type(name).is_some() {
            named.push(name.to_string());
        } else {
            cx.error(
                offset + base + open,
                format!("unknown placeholder `{{{name}}}`; use {{observed}}, {{expected}}, {{location}}, {{missing}} or a fact name"),
            );
        }
        base += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    named
}
