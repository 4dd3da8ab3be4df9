//! The one reader of XML product files (carbon.xml, catalina-server.xml, metrics.xml, …):
//! bounded entity expansion and nesting depth, every refusal located at file:line:column.

use super::line_col;

/// How deep elements may nest: WSO2's files nest under 10 levels; a deeper file is refused
/// with its location rather than read (a parser or a walk over it could exhaust the stack).
pub const MAX_DEPTH: usize = 256;

/// Parses `text` (the contents of `file`, already size-capped by `files::read_text`), or says
/// why not, located: entities that would expand past the cap, nesting deeper than
/// [`MAX_DEPTH`], or XML that is not well-formed.
pub fn parse<'i>(text: &'i str, file: &str) -> Result<roxmltree::Document<'i>, String> {
    if let Err(why) = entities_bounded(text) {
        let at = text.find("<!ENTITY").unwrap_or(0);
        let (line, column) = line_col(text, at);
        return Err(format!("{file}:{line}:{column}: {why}; not read"));
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts)
        .map_err(|e| format!("{file} is not well-formed XML: {e}"))?;
    // roxmltree builds the tree without recursion (checked with 10^6 levels on a 64 KiB stack);
    // the depth is checked here, after entity expansion, without recursion either.
    if let Some(offset) = too_deep(&doc) {
        let (line, column) = line_col(text, offset);
        return Err(format!(
            "{file}:{line}:{column}: elements nested deeper than {MAX_DEPTH}; not read"
        ));
    }
    Ok(doc)
}

/// The byte offset of the first element nested deeper than [`MAX_DEPTH`], if any.
fn too_deep(doc: &roxmltree::Document<'_>) -> Option<usize> {
    // Nodes come in document order, a parent before its children: one pass, no recursion.
    let mut depths: Vec<usize> = Vec::new();
    for n in doc.descendants() {
        let depth = n.parent().map_or(0, |p| {
            depths[p.id().get_usize()] + usize::from(n.is_element())
        });
        if depth > MAX_DEPTH {
            return Some(n.range().start);
        }
        let i = n.id().get_usize();
        if depths.len() <= i {
            depths.resize(i + 1, 0);
        }
        depths[i] = depth;
    }
    None
}

/// The most an XML file may grow to once its internal entities are expanded: a few KiB of
/// `<!ENTITY>` referenced a million times would otherwise take gigabytes (quadratic blowup).
const MAX_EXPANDED_BYTES: u64 = 16 << 20;

/// Most `<!ENTITY>` declarations one XML file may hold (WSO2's files hold none).
const MAX_ENTITIES: usize = 32;

/// Refuses `text` when its internal entities could expand it past [`MAX_EXPANDED_BYTES`]: an
/// upper bound counts each reference `&e;` at the expanded size of `e`, nested ones included.
fn entities_bounded(text: &str) -> Result<(), String> {
    use std::sync::OnceLock;
    if !text.contains("<!ENTITY") {
        return Ok(());
    }
    static DECL: OnceLock<regex_lite::Regex> = OnceLock::new();
    let decl = DECL.get_or_init(|| {
        regex_lite::Regex::new(r#"<!ENTITY\s+([^\s%"']+)\s+(?:"([^"]*)"|'([^']*)')"#)
            .expect("static regex")
    });
    let entities: Vec<(String, &str)> = decl
        .captures_iter(text)
        .map(|c| {
            let value = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
            (format!("&{};", &c[1]), value)
        })
        .collect();
    if entities.len() > MAX_ENTITIES {
        return Err(format!("it declares more than {MAX_ENTITIES} entities"));
    }
    // Sizes in declaration order: an entity may only use those declared before it (a later or
    // recursive one counts as the whole cap, so it is refused).
    let mut sizes: Vec<u64> = Vec::with_capacity(entities.len());
    let expanded = |s: &str, sizes: &[u64]| {
        entities
            .iter()
            .enumerate()
            .fold(s.len() as u64, |acc, (i, (r, _))| {
                let n = s.matches(r.as_str()).count() as u64;
                let each = sizes.get(i).copied().unwrap_or(MAX_EXPANDED_BYTES + 1);
                acc.saturating_add(n.saturating_mul(each))
            })
    };
    for (_, value) in &entities {
        let size = expanded(value, &sizes);
        sizes.push(size);
    }
    match expanded(text, &sizes) {
        size if size > MAX_EXPANDED_BYTES => Err(format!(
            "its entities would expand it to {} or more (the limit is {})",
            crate::value::format_bytes(size),
            crate::value::format_bytes(MAX_EXPANDED_BYTES)
        )),
        _ => Ok(()),
    }
}
