//! Files probe: keys of WSO2's XML and `.properties` files with their lines, and the existence,
//! owner and mode of any file under PRODUCT_HOME.

use super::properties::{Property, parse_properties};
use super::{Context, Fact, Location, line_col};
use crate::io::read_capped;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::{Component, Path};

/// The files addressable as `xml.<id>.…` and `properties.<id>.…`.
pub const FILES: &[(&str, &str)] = &[
    (
        "catalina-server",
        "repository/conf/tomcat/catalina-server.xml",
    ),
    ("carbon", "repository/conf/carbon.xml"),
    ("qpid-config", "repository/conf/advanced/qpid-config.xml"),
    ("metrics", "repository/conf/metrics.xml"),
    (
        "csrfguard",
        "repository/conf/security/Owasp.CsrfGuard.Carbon.properties",
    ),
    ("log4j2", "repository/conf/log4j2.properties"),
];
/// None of these files comes close; a larger one is refused, not read.
const MAX_FILE_BYTES: u64 = 4 << 20;

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let Some(home) = ctx.home() else {
        return super::unavailable_all(names, "no PRODUCT_HOME given");
    };
    let mut texts: BTreeMap<&str, Result<Loaded, String>> = BTreeMap::new();
    names
        .iter()
        .map(|name| (name.clone(), redacted(name, fact(home, name, &mut texts))))
        .collect()
}

/// A secret-named XML attribute or element or `.properties` key (`keystorePass`,
/// `keyStorePassword`) is kept as a secret; credentials inside other values are hidden.
fn redacted(name: &str, mut fact: Fact) -> Fact {
    use preflight_rules::fact::Observation;
    use preflight_rules::redact;
    if let Observation::Value(v) = &mut fact.observation {
        let taken = std::mem::replace(v, Value::Null);
        *v = match taken {
            v if redact::is_secret_fact(name) => redact::secret_value(v),
            Value::Str(s) => Value::Str(redact::inline(&s)),
            v => v,
        };
    }
    fact
}

/// One file read for this run; a `.properties` file is parsed once, on first use.
struct Loaded {
    text: String,
    properties: std::cell::OnceCell<BTreeMap<String, Property>>,
}

fn fact<'a>(
    home: &Path,
    name: &'a str,
    texts: &mut BTreeMap<&'a str, Result<Loaded, String>>,
) -> Fact {
    if let Some(rest) = name.strip_prefix("file.") {
        return file_fact(home, rest);
    }
    let (kind, rest) = match name.split_once('.') {
        Some((k @ ("xml" | "properties"), rest)) => (k, rest),
        _ => return Fact::unavailable(format!("the files probe does not know `{name}`")),
    };
    let Some((id, key)) = rest.split_once('.') else {
        return Fact::unavailable(format!("`{name}` names no key: use {kind}.<file>.<key>"));
    };
    let Some((_, rel)) = FILES.iter().find(|(i, _)| *i == id) else {
        let known: Vec<&str> = FILES.iter().map(|(i, _)| *i).collect();
        return Fact::unavailable(format!("unknown file `{id}`; known: {}", known.join(", ")));
    };
    let text = texts.entry(id).or_insert_with(|| {
        let path = home.join(rel);
        read_text(&path, rel)
            .map(|text| Loaded {
                text,
                properties: std::cell::OnceCell::new(),
            })
            .map_err(|e| super::under_home(&e, home, &path))
    });
    let loaded = match text {
        Ok(t) => &*t,
        Err(e) => return Fact::unavailable(e.clone()),
    };
    match kind {
        "xml" => xml_fact(&loaded.text, rel, key),
        _ => {
            let props = loaded
                .properties
                .get_or_init(|| parse_properties(&loaded.text));
            properties_fact(props, &loaded.text, rel, key)
        }
    }
}

/// A file's text as the JVM reads it: UTF-8, except XML that declares ISO-8859-1 (as carbon.xml
/// and qpid-config.xml do) and `.properties` that are not UTF-8 (`java.util.Properties` reads
/// ISO-8859-1), which are Latin-1. Anything else that is not UTF-8 is an error.
fn read_text(path: &Path, rel: &str) -> Result<String, String> {
    if !rel.ends_with(".xml") && !rel.ends_with(".properties") {
        return read_capped(path, MAX_FILE_BYTES);
    }
    let bytes = crate::io::read_capped_bytes(path, MAX_FILE_BYTES)?;
    if rel.ends_with(".xml") && declares_latin1(&bytes) {
        return Ok(latin1(&bytes));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) if rel.ends_with(".properties") => Ok(latin1(e.as_bytes())),
        Err(e) => Err(format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )),
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Whether an XML declaration (`<?xml … encoding="ISO-8859-1"?>`) names Latin-1.
fn declares_latin1(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(256)];
    let Some(decl) = head
        .strip_prefix(b"<?xml")
        .and_then(|rest| rest.split(|&b| b == b'>').next())
    else {
        return false;
    };
    let decl = String::from_utf8_lossy(decl).to_ascii_lowercase();
    ["iso-8859-1", "iso8859-1", "latin1", "iso_8859-1"]
        .iter()
        .any(|name| decl.contains(name))
}

/// A string as a typed value: integers and `true`/`false` become numbers and booleans.
fn typed(s: &str) -> Value {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::Int(i);
    }
    match t {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::Str(t.to_string()),
    }
}

fn located(text: &str, file: &str, offset: usize) -> Option<Location> {
    let (line, column) = line_col(text, offset);
    Some(Location {
        file: file.to_string(),
        line,
        column,
    })
}

// ---- .properties -------------------------------------------------------------------------

fn properties_fact(props: &BTreeMap<String, Property>, text: &str, file: &str, key: &str) -> Fact {
    match props.get(key) {
        Some(p) => Fact::value(typed(&p.value)).at(located(text, file, p.offset)),
        None => Fact::value(Value::Null),
    }
}

// ---- XML ----------------------------------------------------------------------------------

/// One step of an XML path: an element's local name and its predicates.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    attrs: Vec<(String, String)>,
    index: Option<usize>,
}

/// A parsed XML path: element steps, then an attribute or the element's text.
#[derive(Debug, Clone, PartialEq)]
struct XmlPath {
    steps: Vec<Step>,
    attribute: Option<String>,
}

/// The value at an XML path (see the catalogue entry of `xml.*`) in one file's text.
pub fn xml_fact(text: &str, file: &str, path: &str) -> Fact {
    let parsed = match parse_xml_path(path) {
        Ok(p) => p,
        Err(e) => return Fact::unavailable(format!("`{path}` is not a valid XML path: {e}")),
    };
    let doc = match super::xml::parse(text, file) {
        Ok(d) => d,
        Err(why) => return Fact::unavailable(why),
    };
    let Some(node) = find(doc.root(), &parsed.steps) else {
        return Fact::value(Value::Null);
    };
    match &parsed.attribute {
        Some(a) => match node.attributes().find(|x| x.name() == a) {
            Some(attr) => {
                Fact::value(typed(attr.value())).at(located(text, file, attr.range().start))
            }
            None => Fact::value(Value::Null),
        },
        None => {
            let content: String = node
                .children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect();
            Fact::value(typed(&content)).at(located(text, file, node.range().start))
        }
    }
}

/// The first element, in document order, reached by `steps` from `from`.
fn find<'a, 'i>(from: roxmltree::Node<'a, 'i>, steps: &[Step]) -> Option<roxmltree::Node<'a, 'i>> {
    let Some((step, rest)) = steps.split_first() else {
        return Some(from);
    };
    let matching = from.children().filter(|c| {
        c.is_element()
            && c.tag_name().name() == step.name
            && step
                .attrs
                .iter()
                .all(|(k, v)| c.attribute(k.as_str()) == Some(v.as_str()))
    });
    match step.index {
        Some(i) => matching
            .into_iter()
            .nth(i.checked_sub(1)?)
            .and_then(|c| find(c, rest)),
        None => matching.into_iter().find_map(|c| find(c, rest)),
    }
}

/// Parses `/Server/Service/Connector[@port='9443']/@SSLEnabledProtocols`.
fn parse_xml_path(path: &str) -> Result<XmlPath, String> {
    let body = path.strip_prefix('/').ok_or("it must start with `/`")?;
    let mut parts = split_steps(body)?;
    let attribute = match parts.last() {
        Some(last) if last.starts_with('@') => {
            Some(parts.pop().unwrap_or_default()[1..].to_string())
        }
        _ => None,
    };
    let steps = parts
        .iter()
        .map(|p| parse_step(p))
        .collect::<Result<Vec<_>, _>>()?;
    if steps.is_empty() {
        return Err("it names no element".into());
    }
    Ok(XmlPath { steps, attribute })
}

/// Splits at `/` outside brackets and quotes.
fn split_steps(body: &str) -> Result<Vec<String>, String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0, None);
    for c in body.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('[', None) => depth += 1,
            (']', None) => depth -= 1,
            ('/', None) if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if quote.is_some() || depth != 0 {
        return Err("unbalanced quotes or brackets".into());
    }
    out.push(cur);
    if out.iter().any(String::is_empty) {
        return Err("empty step".into());
    }
    Ok(out)
}

fn parse_step(s: &str) -> Result<Step, String> {
    let (name, mut preds) = s.split_once('[').map_or((s, ""), |(n, p)| (n, p));
    if name.is_empty() || name.contains(['@', ']', '\'', '"']) {
        return Err(format!("bad element name in `{s}`"));
    }
    let mut step = Step {
        name: name.to_string(),
        attrs: Vec::new(),
        index: None,
    };
    while !preds.is_empty() {
        let (pred, rest) = split_predicate(preds)?;
        if let Some(a) = pred.strip_prefix('@') {
            let (k, v) = a
                .split_once('=')
                .ok_or(format!("predicate `{pred}` has no `=`"))?;
            let v = v
                .strip_prefix(['\'', '"'])
                .and_then(|v| v.strip_suffix(['\'', '"']))
                .ok_or(format!("predicate value in `{pred}` must be quoted"))?;
            step.attrs.push((k.to_string(), v.to_string()));
        } else {
            let n = pred
                .parse::<usize>()
                .map_err(|_| format!("bad predicate `{pred}`"))?;
            step.index = Some(n);
        }
        preds = rest.strip_prefix('[').unwrap_or(rest);
        if !rest.is_empty() && !rest.starts_with('[') {
            return Err(format!("unexpected `{rest}` after a predicate"));
        }
    }
    Ok(step)
}

/// `@a='x']…` → (`@a='x'`, rest after `]`), honouring quotes.
fn split_predicate(s: &str) -> Result<(&str, &str), String> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (']', None) => return Ok((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    Err("unclosed predicate".into())
}

// ---- file.* -------------------------------------------------------------------------------

/// Why `rel` cannot be told absent: it, or a folder on its way, is a symbolic link whose target
/// does not exist (a mount that is not there), which is not the same as no file.
fn dangling(home: &Path, rel: &Path) -> Option<String> {
    let mut at = home.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let link = std::fs::symlink_metadata(&at).ok()?;
        if link.file_type().is_symlink() && std::fs::metadata(&at).is_err() {
            let target = std::fs::read_link(&at).map(|t| t.display().to_string());
            let shown = at.strip_prefix(home).unwrap_or(&at).display().to_string();
            return Some(format!(
                "PRODUCT_HOME/{shown} is a symbolic link to {}, which does not exist",
                target.unwrap_or_else(|_| "an unreadable target".into())
            ));
        }
    }
    None
}

fn file_fact(home: &Path, rest: &str) -> Fact {
    let Some((rel, what)) = rest.rsplit_once('.') else {
        return Fact::unavailable("use file.<relative/path>.exists, .owner-uid or .mode");
    };
    if !matches!(what, "exists" | "owner-uid" | "mode") {
        return Fact::unavailable(format!(
            "file facts are exists, owner-uid and mode, not `{what}`"
        ));
    }
    let relpath = Path::new(rel);
    if rel.is_empty()
        || !relpath
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Fact::unavailable(format!(
            "`{rel}` must be a relative path inside PRODUCT_HOME, without `..`"
        ));
    }
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(home.join(relpath)), what) {
        (Ok(_), "exists") => Fact::value(Value::Bool(true)),
        (Ok(m), "owner-uid") => Fact::value(Value::Int(m.uid() as i64)),
        (Ok(m), _) => Fact::value(Value::Int((m.mode() & 0o7777) as i64)),
        (Err(e), _)
            if e.kind() == std::io::ErrorKind::NotFound && dangling(home, relpath).is_some() =>
        {
            Fact::unavailable(dangling(home, relpath).unwrap_or_default())
        }
        (Err(e), "exists") if e.kind() == std::io::ErrorKind::NotFound => {
            Fact::value(Value::Bool(false))
        }
        (Err(e), _) if e.kind() == std::io::ErrorKind::NotFound => Fact::value(Value::Null),
        (Err(e), _) => Fact::unavailable(format!("cannot stat PRODUCT_HOME/{rel}: {e}")),
    }
}

#[cfg(test)]
mod tests;
