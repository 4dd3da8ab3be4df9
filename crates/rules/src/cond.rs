//! The condition language: `< 4GiB`, `== 'h2' or missing`, `jdk.version in [11, 17]`, typed
//! against the fact catalogue at load time and evaluated purely against facts.

use crate::catalogue::{self, FactType};
use crate::fact::{Fact, Unseen};
use crate::value::{self, KNOWN_DEFAULT_SECRETS, Value, Version};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

/// A compiled condition and the text it came from.
///
/// In binary form (the embedded pack) the expression stays encoded until first read: a run
/// reads the conditions of the rules it judges and, of those, the case for this version, and
/// decoding every one of them was most of loading the pack (docs/PERFORMANCE.md, ninth
/// session). Readable forms (JSON, TOML) hold the expression itself.
#[derive(Clone)]
pub struct Cond {
    pub text: String,
    expr: std::sync::OnceLock<Expr>,
    /// The expression in postcard's form, until [`Cond::expr`] decodes it.
    encoded: Box<[u8]>,
}

impl Cond {
    pub fn new(text: String, expr: Expr) -> Cond {
        Cond {
            text,
            expr: std::sync::OnceLock::from(expr),
            encoded: Box::default(),
        }
    }

    /// The compiled expression (decoded on first use when it was read in binary form).
    pub fn expr(&self) -> &Expr {
        self.expr.get_or_init(|| {
            postcard::from_bytes(&self.encoded).expect("an encoded condition decodes")
        })
    }
}

/// The condition as compiled, whether or not its expression has been decoded yet.
impl std::fmt::Debug for Cond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let expr = self.expr();
        f.debug_struct("Cond")
            .field("text", &self.text)
            .field("expr", expr)
            .finish()
    }
}

/// [`Cond`] as written: with its expression (readable formats) or the expression's postcard
/// bytes (binary ones).
#[derive(Serialize, Deserialize)]
struct Written<E> {
    text: String,
    expr: E,
}

impl Serialize for Cond {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.text.clone();
        if s.is_human_readable() {
            return Written {
                text,
                expr: self.expr(),
            }
            .serialize(s);
        }
        let bytes = postcard::to_allocvec(self.expr()).map_err(serde::ser::Error::custom)?;
        Written {
            text,
            expr: Bytes(bytes),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Cond {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cond, D::Error> {
        if d.is_human_readable() {
            let w = Written::<Expr>::deserialize(d)?;
            return Ok(Cond::new(w.text, w.expr));
        }
        let w = Written::<Bytes>::deserialize(d)?;
        Ok(Cond {
            text: w.text,
            expr: std::sync::OnceLock::new(),
            encoded: w.expr.0.into_boxed_slice(),
        })
    }
}

/// Bytes written as one byte string (a `Vec<u8>` would be read back one byte at a time).
struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an encoded condition")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
        }
        d.deserialize_bytes(Visit)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// Boxed: rules hold many conditions, and most are one small test.
    Test(Box<Test>),
}

/// One test of one fact: `host.memory.total < 4GiB`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Test {
    pub subject: String,
    pub pred: Pred,
    /// Whether the subject was written or taken from the rule's `fact`.
    pub implicit: bool,
    /// The predicate as written, for messages (`< 4GiB`).
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    fn negate(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
        }
    }

    fn holds(self, o: Ordering) -> bool {
        match self {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Pred {
    Cmp(CmpOp, Value),
    In(Vec<Value>, bool),
    Matches(Pattern, bool),
    Contains(Value),
    /// `contains all ['a', 'b']`: every item is contained (one test however long the list).
    ContainsAll(Vec<Value>),
    Missing,
    Present,
    Empty,
}

/// A regex, checked when its rule compiles and compiled again only when first matched: the
/// build script stores the shipped pack with patterns as text, and a run need not compile the
/// regexes of rules it never gets to.
#[derive(Clone)]
pub struct Pattern {
    text: String,
    compiled: std::sync::OnceLock<regex_lite::Regex>,
}

impl Pattern {
    /// The pattern, or why it is not a regex.
    pub fn new(text: &str) -> Result<Pattern, regex_lite::Error> {
        let re = regex_lite::Regex::new(text)?;
        Ok(Pattern {
            text: text.to_string(),
            compiled: std::sync::OnceLock::from(re),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                regex_lite::Regex::new(&self.text)
                    .unwrap_or_else(|e| panic!("stored pattern {:?}: {e}", self.text))
            })
            .is_match(haystack)
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.text)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Pattern, D::Error> {
        let text = String::deserialize(d)?;
        Ok(Pattern {
            text,
            compiled: std::sync::OnceLock::new(),
        })
    }
}

/// A problem in a condition, at a byte range of the condition text.
#[derive(Debug, Clone, PartialEq)]
pub struct CondError {
    pub span: Range<usize>,
    pub message: String,
}

fn err<T>(span: Range<usize>, message: impl Into<String>) -> Result<T, CondError> {
    Err(CondError {
        span,
        message: message.into(),
    })
}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

fn lex(text: &str) -> Result<Vec<(Tok, Range<usize>)>, CondError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        let start = i;
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' | ')' | '[' | ']' | ',' => {
                i += 1;
                out.push((
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        '[' => Tok::LBracket,
                        ']' => Tok::RBracket,
                        _ => Tok::Comma,
                    },
                    start..i,
                ));
            }
            '<' | '>' | '=' | '!' => {
                let op = comparison(text, i)?;
                i += op.len();
                out.push((Tok::Op(op), start..i));
            }
            '\'' | '"' => {
                let close = text[i + 1..].find(c).map(|p| i + 1 + p);
                let Some(close) = close else {
                    return err(
                        start..text.len(),
                        "unterminated string: add the closing quote",
                    );
                };
                out.push((Tok::Str(text[i + 1..close].to_string()), start..close + 1));
                i = close + 1;
            }
            '-' if bytes.get(i + 1).is_some_and(u8::is_ascii_whitespace) => {
                i += 1;
                out.push((Tok::Op("-"), start..i));
            }
            c if c.is_ascii_digit()
                || (c == '-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || b"._+-".contains(&bytes[i]))
                {
                    i += 1;
                }
                out.push((Tok::Num(text[start..i].to_string()), start..i));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                i = lex_word_end(text, i)?;
                out.push((Tok::Word(text[start..i].to_string()), start..i));
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                return err(
                    start..start + len,
                    format!("unexpected `{}`", &text[i..i + len]),
                );
            }
        }
    }
    Ok(out)
}

/// The comparison operator at byte `i` of `text`.
fn comparison(text: &str, i: usize) -> Result<&'static str, CondError> {
    let c = text[i..].chars().next().unwrap_or(' ');
    Ok(match text.get(i..i + 2).unwrap_or("") {
        "<=" => "<=",
        ">=" => ">=",
        "==" => "==",
        "!=" => "!=",
        _ if c == '<' => "<",
        _ if c == '>' => ">",
        _ => {
            return err(
                i..i + 1,
                format!("unexpected `{c}`; comparisons are < <= > >= == !="),
            );
        }
    })
}

/// A word is a keyword or a fact name; fact names may hold quoted segments: `a.'b.c'.d`, and
/// `/` and `@` for XML paths: `xml.qpid-config./broker/management/enabled`.
fn lex_word_end(text: &str, mut i: usize) -> Result<usize, CondError> {
    let bytes = text.as_bytes();
    let start = i;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() || b"_-*/@".contains(&b) {
            i += 1;
        } else if b == b'.' && matches!(bytes.get(i + 1), Some(b'\'' | b'"')) {
            let q = bytes[i + 1] as char;
            match text[i + 2..].find(q) {
                Some(p) => i = i + 2 + p + 1,
                None => {
                    return err(
                        start..text.len(),
                        "unterminated quoted segment in fact name",
                    );
                }
            }
        } else if b == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    Ok(i)
}

// ---------------------------------------------------------------- parser

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    default_subject: Option<&'a str>,
    /// How many `(` and `not` enclose the token being read.
    depth: usize,
    /// How many `and` and `or` have been read.
    operators: usize,
}

/// Most `(` and `not` one condition may nest: evaluation and analysis recurse once per level,
/// so a hostile rule file must not be able to overflow the stack.
pub const MAX_NESTING: usize = 32;
/// Most `and` and `or` one condition may hold (each adds a level to the expression tree).
pub const MAX_OPERATORS: usize = 50;

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "matches", "contains", "missing", "present", "empty", "true", "false",
];

/// Compiles a condition; `default_subject` is the rule's `fact`, used when a test names none.
pub fn compile(text: &str, default_subject: Option<&str>) -> Result<Cond, CondError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return err(0..text.len(), "empty condition");
    }
    let mut p = Parser {
        text,
        toks,
        pos: 0,
        default_subject,
        depth: 0,
        operators: 0,
    };
    let expr = p.or()?;
    if let Some((_, span)) = p.toks.get(p.pos) {
        return err(
            span.clone(),
            format!(
                "unexpected `{}`; expected `and`, `or` or the end",
                &text[span.clone()]
            ),
        );
    }
    Ok(Cond::new(text.to_string(), expr))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.0)
    }

    fn span(&self) -> Range<usize> {
        self.toks
            .get(self.pos)
            .map_or(self.text.len()..self.text.len(), |t| t.1.clone())
    }

    fn is_word(&self, n: usize, w: &str) -> bool {
        matches!(self.peek_at(n), Some(Tok::Word(x)) if x == w)
    }

    /// Counts an `and`/`or` at the current token, failing past [`MAX_OPERATORS`].
    fn operator(&mut self) -> Result<(), CondError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return err(
                self.span(),
                format!("more than {MAX_OPERATORS} `and`/`or` in one condition; split the rule"),
            );
        }
        self.pos += 1;
        Ok(())
    }

    /// Enters a `(` or `not` at the current token, failing past [`MAX_NESTING`].
    fn nest(&mut self) -> Result<(), CondError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return err(
                self.span(),
                format!("more than {MAX_NESTING} nested `(` or `not` in one condition"),
            );
        }
        self.pos += 1;
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, CondError> {
        let mut left = self.and()?;
        while self.is_word(0, "or") {
            self.operator()?;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, CondError> {
        let mut left = self.unary()?;
        while self.is_word(0, "and") {
            self.operator()?;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, CondError> {
        if self.is_word(0, "not") && !self.is_word(1, "in") && !self.is_word(1, "matches") {
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.nest()?;
            let e = self.or()?;
            if self.peek() != Some(&Tok::RParen) {
                return err(self.span(), "expected `)`");
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(e);
        }
        self.test().map(|t| Expr::Test(Box::new(t)))
    }

    fn test(&mut self) -> Result<Test, CondError> {
        let start = self.span().start;
        let (subject, implicit, subject_span) = match self.peek() {
            Some(Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => {
                let s = (w.clone(), false, self.span());
                self.pos += 1;
                self.difference(s)?
            }
            _ => match self.default_subject {
                Some(s) => (s.to_string(), true, self.span()),
                None => {
                    return err(
                        self.span(),
                        "this test names no fact: write `fact.name < value`, or set `fact` on the rule",
                    );
                }
            },
        };
        let ty = fact_type(&subject, subject_span)?;
        let pred_start = self.span().start;
        let pred = self.pred(&subject, ty)?;
        let end = self
            .toks
            .get(self.pos.saturating_sub(1))
            .map_or(self.text.len(), |t| t.1.end);
        let _ = start;
        Ok(Test {
            subject,
            pred,
            implicit,
            text: self.text[pred_start..end].to_string(),
        })
    }

    /// `a - b` after the subject `a` has been read: the difference of two facts.
    fn difference(
        &mut self,
        (a, implicit, span): (String, bool, Range<usize>),
    ) -> Result<(String, bool, Range<usize>), CondError> {
        if self.peek() != Some(&Tok::Op("-")) {
            return Ok((a, implicit, span));
        }
        self.pos += 1;
        match self.peek().cloned() {
            Some(Tok::Word(b)) if !KEYWORDS.contains(&b.as_str()) => {
                let end = self.span().end;
                self.pos += 1;
                Ok((format!("{a} - {b}"), implicit, span.start..end))
            }
            _ => err(
                self.span(),
                format!("expected a fact to subtract from `{a}`"),
            ),
        }
    }

    fn pred(&mut self, subject: &str, ty: FactType) -> Result<Pred, CondError> {
        let span = self.span();
        let Some(tok) = self.peek().cloned() else {
            return err(span, format!("expected a comparison after `{subject}`"));
        };
        self.pos += 1;
        match tok {
            Tok::Op(op) => {
                let op = match op {
                    "<" => CmpOp::Lt,
                    "<=" => CmpOp::Le,
                    ">" => CmpOp::Gt,
                    ">=" => CmpOp::Ge,
                    "==" => CmpOp::Eq,
                    _ => CmpOp::Ne,
                };
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) && !ordered(ty) {
                    return err(
                        span,
                        format!(
                            "`{}` needs an ordered fact; `{subject}` is a {}",
                            op.symbol(),
                            ty.name()
                        ),
                    );
                }
                let lit = self.literal(subject, ty)?;
                Ok(Pred::Cmp(op, lit))
            }
            Tok::Word(w) => self.word_pred(&w, span, subject, ty),
            _ => err(span, format!("expected a comparison after `{subject}`")),
        }
    }

    fn word_pred(
        &mut self,
        w: &str,
        span: Range<usize>,
        subject: &str,
        ty: FactType,
    ) -> Result<Pred, CondError> {
        match w {
            "missing" => Ok(Pred::Missing),
            "present" => Ok(Pred::Present),
            "empty" => Ok(Pred::Empty),
            "in" => Ok(Pred::In(self.list(subject, ty)?, false)),
            "matches" => self.regex(ty, subject, false),
            "contains" => {
                let elem = if ty == FactType::List {
                    FactType::Any
                } else {
                    ty
                };
                if matches!(ty, FactType::Secret | FactType::Bool)
                    || ordered(ty) && ty != FactType::Any
                {
                    return err(
                        span,
                        format!(
                            "`contains` needs a list or string fact; `{subject}` is a {}",
                            ty.name()
                        ),
                    );
                }
                if self.is_word(0, "all") && self.peek_at(1) == Some(&Tok::LBracket) {
                    self.pos += 1;
                    return Ok(Pred::ContainsAll(self.list(subject, elem)?));
                }
                Ok(Pred::Contains(self.literal(subject, elem)?))
            }
            "not" if self.is_word(0, "in") => {
                self.pos += 1;
                Ok(Pred::In(self.list(subject, ty)?, true))
            }
            "not" if self.is_word(0, "matches") => {
                self.pos += 1;
                self.regex(ty, subject, true)
            }
            other => err(
                span,
                format!(
                    "unknown test `{other}`; use < <= > >= == != in, not in, matches, contains, missing, present, empty"
                ),
            ),
        }
    }

    fn regex(&mut self, ty: FactType, subject: &str, negated: bool) -> Result<Pred, CondError> {
        let span = self.span();
        if ty == FactType::Secret {
            return err(
                span,
                format!("`{subject}` is a secret; it can only be compared with known defaults"),
            );
        }
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                match Pattern::new(&s) {
                    Ok(re) => Ok(Pred::Matches(re, negated)),
                    Err(e) => {
                        let detail = e.to_string();
                        let last = detail
                            .lines()
                            .last()
                            .unwrap_or("invalid")
                            .trim()
                            .to_string();
                        err(span, format!("bad regex: {last}"))
                    }
                }
            }
            _ => err(span, "`matches` takes a quoted regex: matches '^jdbc:h2:'"),
        }
    }

    fn list(&mut self, subject: &str, ty: FactType) -> Result<Vec<Value>, CondError> {
        if self.peek() != Some(&Tok::LBracket) {
            return err(self.span(), "expected a list: in ['a', 'b']");
        }
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(&Tok::RBracket) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.literal(subject, ty)?);
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::RBracket) => {}
                _ => return err(self.span(), "expected `,` or `]`"),
            }
        }
    }

    /// Reads one literal, typed by the fact it is compared with.
    fn literal(&mut self, subject: &str, ty: FactType) -> Result<Value, CondError> {
        let span = self.span();
        let Some(tok) = self.peek().cloned() else {
            return err(
                span,
                format!("expected a value to compare `{subject}` with"),
            );
        };
        self.pos += 1;
        let mismatch = |what: &str| -> Result<Value, CondError> {
            err(
                span.clone(),
                format!(
                    "type mismatch: `{}` is not {what}; `{subject}` is a {}",
                    &self.text[span.clone()],
                    ty.name()
                ),
            )
        };
        match (ty, &tok) {
            (FactType::Int, Tok::Num(n)) => n
                .replace('_', "")
                .parse()
                .map(Value::Int)
                .or_else(|_| mismatch("an integer")),
            (FactType::Int, _) => mismatch("an integer"),
            (FactType::Bytes, Tok::Num(n)) => value::parse_bytes(n)
                .map(Value::Bytes)
                .map_or_else(|| mismatch("a byte size like 4GiB"), Ok),
            (FactType::Bytes, _) => mismatch("a byte size like 4GiB"),
            (FactType::Duration, Tok::Num(n)) => value::parse_duration(n)
                .map(Value::Duration)
                .map_or_else(|| mismatch("a duration like 30s"), Ok),
            (FactType::Duration, _) => mismatch("a duration like 30s"),
            (FactType::Version, Tok::Num(n) | Tok::Str(n)) => Version::parse(n)
                .map(Value::Version)
                .map_or_else(|| mismatch("a version like 11.0.20 or 1.8.0_151"), Ok),
            (FactType::Version, _) => mismatch("a version like 11.0.20 or 1.8.0_151"),
            (FactType::Str | FactType::List, Tok::Str(s)) => Ok(Value::Str(s.clone())),
            (FactType::Str | FactType::List, Tok::Word(w)) if !KEYWORDS.contains(&w.as_str()) => {
                err(span, format!("write strings in quotes: '{w}'"))
            }
            (FactType::Str, _) => mismatch("a quoted string"),
            (FactType::Bool, Tok::Word(w)) if w == "true" || w == "false" => {
                Ok(Value::Bool(w == "true"))
            }
            (FactType::Bool, _) => mismatch("true or false"),
            (FactType::Secret, Tok::Str(s)) if KNOWN_DEFAULT_SECRETS.contains(&s.as_str()) => {
                Ok(Value::Str(s.clone()))
            }
            (FactType::Secret, _) => err(
                span,
                format!(
                    "`{subject}` is a secret and can only be compared with a known default ({})",
                    KNOWN_DEFAULT_SECRETS
                        .iter()
                        .filter(|s| !s.is_empty())
                        .map(|s| format!("'{s}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (FactType::Any | FactType::List, Tok::Num(n)) => Ok(any_number(n)),
            (FactType::Any, Tok::Str(s)) => Ok(Value::Str(s.clone())),
            (FactType::Any | FactType::List, Tok::Word(w)) if w == "true" || w == "false" => {
                Ok(Value::Bool(w == "true"))
            }
            (FactType::Any | FactType::List, Tok::Word(w)) => {
                err(span, format!("write strings in quotes: '{w}'"))
            }
            _ => mismatch("a value"),
        }
    }
}

fn any_number(n: &str) -> Value {
    if let Ok(i) = n.replace('_', "").parse::<i64>() {
        Value::Int(i)
    } else if let Ok(f) = n.parse::<f64>() {
        Value::Float(f)
    } else if let Some(b) = value::parse_bytes(n) {
        Value::Bytes(b)
    } else if let Some(v) = Version::parse(n) {
        Value::Version(v)
    } else {
        Value::Str(n.to_string())
    }
}

fn ordered(ty: FactType) -> bool {
    matches!(
        ty,
        FactType::Int | FactType::Bytes | FactType::Duration | FactType::Version | FactType::Any
    )
}

fn fact_type(name: &str, span: Range<usize>) -> Result<FactType, CondError> {
    if let Some(ty) = crate::difference::fact_type(name) {
        return ty.or_else(|e| err(span, e));
    }
    catalogue::fact_type(name).map_or_else(
        || {
            let hint = catalogue::did_you_mean(name);
            err(span, format!("unknown fact `{name}`{hint}"))
        },
        Ok,
    )
}

// ---------------------------------------------------------------- evaluation

/// The outcome of evaluating a condition: whether it holds, and the facts that made it so.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub holds: bool,
    pub witnesses: Vec<String>,
}

/// Evaluates a condition. A fact it reads that is unavailable makes the condition unavailable,
/// with that fact's reason — a rule never passes on facts it could not see — unless the other
/// side of an `or` holds or the other side of an `and` fails, which decides it either way (so a
/// keystore that cannot be opened does not hide `file_name == 'wso2carbon.jks'`).
/// `fact` lends facts where it holds them (`Cow::Borrowed`): evaluation copies none.
pub fn eval<'f>(expr: &Expr, fact: &dyn Fn(&str) -> Cow<'f, Fact>) -> Result<Outcome, Unseen> {
    match expr {
        // Three-valued (Kleene) logic: a side that cannot be observed only matters when the
        // other side does not decide. `A or B` holds when B holds, whatever A is.
        Expr::And(a, b) => match (eval(a, fact), eval(b, fact)) {
            (Ok(l), Ok(r)) => {
                let mut witnesses = l.witnesses;
                witnesses.extend(r.witnesses);
                Ok(Outcome {
                    holds: l.holds && r.holds,
                    witnesses,
                })
            }
            (Ok(decided), Err(_)) | (Err(_), Ok(decided)) if !decided.holds => Ok(decided),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        Expr::Or(a, b) => match (eval(a, fact), eval(b, fact)) {
            (Ok(l), Ok(r)) => Ok(match (l.holds, r.holds) {
                (true, _) => l,
                (false, true) => r,
                _ => Outcome {
                    holds: false,
                    witnesses: [l.witnesses, r.witnesses].concat(),
                },
            }),
            (Ok(decided), Err(_)) | (Err(_), Ok(decided)) if decided.holds => Ok(decided),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        Expr::Not(a) => {
            let inner = eval(a, fact)?;
            Ok(Outcome {
                holds: !inner.holds,
                witnesses: inner.witnesses,
            })
        }
        Expr::Test(t) => {
            let f = crate::difference::resolve(&t.subject, fact);
            let v = f.get().map_err(|r| {
                let unseen = crate::difference::unseen_part(&t.subject, fact);
                Unseen {
                    cause: f.cause().unwrap_or_default(),
                    reason: format!("{unseen}: {r}"),
                    fact: unseen.to_string(),
                }
            })?;
            Ok(Outcome {
                holds: test(&t.pred, v),
                witnesses: vec![t.subject.clone()],
            })
        }
    }
}

fn test(pred: &Pred, v: &Value) -> bool {
    match pred {
        Pred::Missing => matches!(v, Value::Null),
        Pred::Present => !matches!(v, Value::Null),
        Pred::Empty => match v {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            _ => false,
        },
        Pred::Cmp(op, lit) => {
            compare(v, lit).is_some_and(|o| op.holds(o))
                || (*op == CmpOp::Ne && compare(v, lit).is_none())
        }
        Pred::In(items, negated) => {
            items.iter().any(|i| compare(v, i) == Some(Ordering::Equal)) != *negated
        }
        Pred::Matches(re, negated) => {
            let hit = match v {
                Value::Null | Value::Secret(_) => false,
                Value::List(items) => items.iter().any(|i| re.is_match(&i.to_string())),
                other => re.is_match(&other.to_string()),
            };
            hit != *negated
        }
        Pred::Contains(lit) => contains(v, lit),
        Pred::ContainsAll(items) => items.iter().all(|lit| contains(v, lit)),
    }
}

fn contains(v: &Value, lit: &Value) -> bool {
    match v {
        Value::List(items) => items
            .iter()
            .any(|i| compare(i, lit) == Some(Ordering::Equal)),
        Value::Str(s) => s.contains(&lit.to_string()),
        _ => false,
    }
}

/// What a message's `{missing}` names: for each `contains all` test of `expr` whose fact was
/// observed as a list or string, the items that fact lacks (`db.apim_db.tables: AM_API, AM_REVISION`), in list
/// order, one entry per fact.
pub fn lacking<'f>(expr: &Expr, fact: &dyn Fn(&str) -> Cow<'f, Fact>, out: &mut Vec<String>) {
    match expr {
        Expr::And(a, b) | Expr::Or(a, b) => {
            lacking(a, fact, out);
            lacking(b, fact, out);
        }
        Expr::Not(a) => lacking(a, fact, out),
        Expr::Test(t) => {
            let Pred::ContainsAll(items) = &t.pred else {
                return;
            };
            let f = fact(&t.subject);
            // A fact that is not there (`missing`) lacks nothing nameable: a `present` guard
            // beside the test decides whether it matters.
            let Ok(v @ (Value::List(_) | Value::Str(_))) = f.get() else {
                return;
            };
            let absent: Vec<String> = items
                .iter()
                .filter(|lit| !contains(v, lit))
                .map(|lit| lit.to_string())
                .collect();
            let head = format!("{}: ", t.subject);
            if !absent.is_empty() && !out.iter().any(|o| o.starts_with(&head)) {
                out.push(format!("{head}{}", absent.join(", ")));
            }
        }
    }
}

/// Orders a fact value against a literal; `None` when they cannot be compared (which makes
/// every test but `!=` false).
pub fn compare(v: &Value, lit: &Value) -> Option<Ordering> {
    use Value as V;
    match (v, lit) {
        (V::Null, _) | (_, V::Null) => None,
        (V::Secret(s), V::Str(d)) => Some(if s.known_default.as_deref() == Some(d.as_str()) {
            Ordering::Equal
        } else {
            Ordering::Less
        }),
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Bytes(a), V::Bytes(b)) | (V::Duration(a), V::Duration(b)) => Some(a.cmp(b)),
        (V::Int(a), V::Float(b)) => (*a as f64).partial_cmp(b),
        (V::Float(a), V::Int(b)) => a.partial_cmp(&(*b as f64)),
        (V::Float(a), V::Float(b)) => a.partial_cmp(b),
        (V::Version(a), V::Version(b)) => Some(a.cmp(b)),
        (V::Str(a), V::Version(b)) => Version::parse(a).map(|a| a.cmp(b)),
        (V::Str(a), V::Int(b)) => a.trim().parse::<i64>().ok().map(|a| a.cmp(b)),
        (V::Str(a), V::Bool(b)) => a.trim().parse::<bool>().ok().map(|a| a.cmp(b)),
        (V::Int(a), V::Str(b)) => Some(a.to_string().cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(b)),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::Bytes(a), V::Int(b)) => Some((*a as i128).cmp(&(*b as i128))),
        _ => None,
    }
}

// ---------------------------------------------------------------- analysis

impl Expr {
    /// Every fact the expression reads.
    pub fn facts(&self, out: &mut Vec<String>) {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.facts(out);
                b.facts(out);
            }
            Expr::Not(a) => a.facts(out),
            Expr::Test(t) => {
                for part in crate::difference::parts(&t.subject) {
                    if !out.iter().any(|f| f == part) {
                        out.push(part.to_string());
                    }
                }
            }
        }
    }

    /// What is expected when this condition must not hold, in words: `< 4GiB` → `>= 4GiB`.
    pub fn negated_text(&self) -> String {
        match self {
            Expr::Test(t) => {
                let subject = if t.implicit {
                    String::new()
                } else {
                    format!("{} ", t.subject)
                };
                let pred = match &t.pred {
                    Pred::Cmp(op, lit) => format!("{} {}", op.negate().symbol(), lit_text(lit)),
                    Pred::Missing => "present".into(),
                    Pred::Present => "missing".into(),
                    Pred::Empty => "not empty".into(),
                    Pred::In(items, neg) => format!(
                        "{} [{}]",
                        if *neg { "in" } else { "not in" },
                        items.iter().map(lit_text).collect::<Vec<_>>().join(", ")
                    ),
                    Pred::Matches(re, neg) => format!(
                        "{} '{}'",
                        if *neg { "matches" } else { "not matches" },
                        re.as_str()
                    ),
                    Pred::Contains(lit) => format!("does not contain {}", lit_text(lit)),
                    Pred::ContainsAll(items) => format!(
                        "lacks one of [{}]",
                        items.iter().map(lit_text).collect::<Vec<_>>().join(", ")
                    ),
                };
                format!("{subject}{pred}")
            }
            Expr::Not(inner) => inner.text(),
            other => format!("not ({})", other.text()),
        }
    }

    fn text(&self) -> String {
        match self {
            Expr::And(a, b) => format!("{} and {}", a.text(), b.text()),
            Expr::Or(a, b) => format!("{} or {}", a.text(), b.text()),
            Expr::Not(a) => format!("not ({})", a.text()),
            Expr::Test(t) if t.implicit => t.text.clone(),
            Expr::Test(t) => format!("{} {}", t.subject, t.text),
        }
    }

    /// For a condition that is one ordered comparison, or an `and` of them, on one fact: the
    /// interval of values it accepts. Used to find conditions that can never hold.
    pub fn interval(&self) -> Option<(String, Interval)> {
        match self {
            Expr::Test(test) => {
                let Pred::Cmp(op, lit) = &test.pred else {
                    return None;
                };
                if *op == CmpOp::Ne {
                    return None;
                }
                let iv = match op {
                    CmpOp::Lt => Interval {
                        lo: None,
                        hi: Some((lit.clone(), false)),
                    },
                    CmpOp::Le => Interval {
                        lo: None,
                        hi: Some((lit.clone(), true)),
                    },
                    CmpOp::Gt => Interval {
                        lo: Some((lit.clone(), false)),
                        hi: None,
                    },
                    CmpOp::Ge => Interval {
                        lo: Some((lit.clone(), true)),
                        hi: None,
                    },
                    _ => Interval {
                        lo: Some((lit.clone(), true)),
                        hi: Some((lit.clone(), true)),
                    },
                };
                Some((test.subject.clone(), iv))
            }
            Expr::And(a, b) => {
                let (sa, ia) = a.interval()?;
                let (sb, ib) = b.interval()?;
                (sa == sb).then(|| (sa, ia.intersect(&ib)))
            }
            _ => None,
        }
    }
}

fn lit_text(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// A set of ordered values: `lo` and `hi` bounds with whether each is included.
#[derive(Debug, Clone)]
pub struct Interval {
    pub lo: Option<(Value, bool)>,
    pub hi: Option<(Value, bool)>,
}

impl Interval {
    fn intersect(&self, o: &Interval) -> Interval {
        let lo = pick(&self.lo, &o.lo, Ordering::Greater);
        let hi = pick(&self.hi, &o.hi, Ordering::Less);
        Interval { lo, hi }
    }

    pub fn is_empty(&self) -> bool {
        match (&self.lo, &self.hi) {
            (Some((l, li)), Some((h, hi))) => match compare(l, h) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => !(*li && *hi),
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether every value in `self` is also in `o`.
    pub fn within(&self, o: &Interval) -> bool {
        let lo_ok = match (&o.lo, &self.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((ol, oi)), Some((sl, si))) => match compare(sl, ol) {
                Some(Ordering::Greater) => true,
                Some(Ordering::Equal) => *oi || !*si,
                _ => false,
            },
        };
        let hi_ok = match (&o.hi, &self.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((oh, oi)), Some((sh, si))) => match compare(sh, oh) {
                Some(Ordering::Less) => true,
                Some(Ordering::Equal) => *oi || !*si,
                _ => false,
            },
        };
        lo_ok && hi_ok
    }
}

fn pick(
    a: &Option<(Value, bool)>,
    b: &Option<(Value, bool)>,
    prefer: Ordering,
) -> Option<(Value, bool)> {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) => match compare(&x.0, &y.0) {
            Some(o) if o == prefer => Some(x.clone()),
            Some(Ordering::Equal) => Some((x.0.clone(), x.1 && y.1)),
            _ => Some(y.clone()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn facts(pairs: &[(&str, Value)]) -> impl Fn(&str) -> Cow<'static, Fact> + use<> {
        let map: BTreeMap<String, Value> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |name: &str| {
            Cow::Owned(
                map.get(name)
                    .cloned()
                    .map(Fact::value)
                    .unwrap_or_else(|| Fact::unavailable("not probed")),
            )
        }
    }

    fn holds(cond: &str, subject: Option<&str>, f: &dyn Fn(&str) -> Cow<'static, Fact>) -> bool {
        let c = compile(cond, subject).unwrap_or_else(|e| panic!("{cond}: {e:?}"));
        eval(c.expr(), f).unwrap().holds
    }

    #[test]
    fn a_condition_subtracts_and_names_the_unseen_side() {
        let c = compile("host.memory.total - jvm.heap.max < 1600MiB", None).unwrap();
        let mut read = Vec::new();
        c.expr().facts(&mut read);
        assert_eq!(read, ["host.memory.total", "jvm.heap.max"]);
        let gib = 1u64 << 30;
        let f = facts(&[
            ("host.memory.total", Value::Bytes(4 * gib)),
            ("jvm.heap.max", Value::Bytes(3 * gib)),
        ]);
        assert!(eval(c.expr(), &f).unwrap().holds);
        let f = facts(&[("host.memory.total", Value::Bytes(4 * gib))]);
        let unseen = eval(c.expr(), &f).unwrap_err();
        assert_eq!(unseen.fact, "jvm.heap.max");
        let e = compile("host.memory.total - < 1GiB", None).unwrap_err();
        assert!(e.message.contains("expected a fact to subtract"), "{e:?}");
    }

    #[test]
    fn byte_sizes_compare_with_units() {
        let f = facts(&[("host.memory.total", Value::Bytes(3 << 30))]);
        assert!(holds("< 4GiB", Some("host.memory.total"), &f));
        assert!(!holds("< 3GiB", Some("host.memory.total"), &f));
        assert!(holds("host.memory.total >= 3072MiB", None, &f));
    }

    #[test]
    fn java_versions_compare_in_conditions() {
        let f = facts(&[(
            "product.version",
            Value::Version(Version::parse("1.8.0_151").unwrap()),
        )]);
        assert!(holds("< 1.8.0_161", Some("product.version"), &f));
        assert!(holds(
            "< 11.0.2 and >= '1.8.0_151'",
            Some("product.version"),
            &f
        ));
        assert!(holds(
            "in [1.8.0_151, 1.8.0_152]",
            Some("product.version"),
            &f
        ));
        assert!(!holds(">= 17", Some("product.version"), &f));
    }

    #[test]
    fn missing_and_or_on_config_values() {
        let f = facts(&[
            ("deployment.database.apim_db.type", Value::Null),
            ("deployment.server.hostname", Value::Str("localhost".into())),
        ]);
        assert!(holds(
            "missing or == 'h2'",
            Some("deployment.database.apim_db.type"),
            &f
        ));
        assert!(holds(
            "deployment.server.hostname in ['localhost', '127.0.0.1']",
            None,
            &f
        ));
        assert!(holds(
            "deployment.server.hostname matches '^local'",
            None,
            &f
        ));
        assert!(!holds(
            "not (deployment.server.hostname == 'localhost')",
            None,
            &f
        ));
        assert!(holds(
            "deployment.database.apim_db.type != 'mysql'",
            None,
            &f
        ));
    }

    #[test]
    fn unavailable_facts_make_the_condition_unavailable() {
        let f = facts(&[]);
        let c = compile("< 4", Some("host.cpu.cores")).unwrap();
        let e = eval(c.expr(), &f).unwrap_err();
        assert!(e.reason.contains("not probed"), "{e}");
    }

    #[test]
    fn unobservable_sides_matter_only_when_the_other_side_does_not_decide() {
        let f = facts(&[("host.cpu.cores", Value::Int(1))]);
        // host.memory.total is not observed.
        assert!(holds(
            "host.memory.total < 4GiB or host.cpu.cores < 2",
            None,
            &f
        ));
        assert!(!holds(
            "host.memory.total < 4GiB and host.cpu.cores > 2",
            None,
            &f
        ));
        for undecided in [
            "host.memory.total < 4GiB or host.cpu.cores > 2",
            "host.memory.total < 4GiB and host.cpu.cores < 2",
        ] {
            let c = compile(undecided, None).unwrap();
            assert!(eval(c.expr(), &f).is_err(), "{undecided}");
        }
    }

    #[test]
    fn an_or_with_a_side_that_holds_holds_whatever_the_other_side() {
        let f = facts(&[("host.cpu.cores", Value::Int(1))]);
        let run = |cond: &str| eval(compile(cond, None).unwrap().expr(), &f);
        for cond in [
            "host.cpu.cores < 2 or host.memory.total < 4GiB",
            "host.memory.total < 4GiB or host.cpu.cores < 2",
            "not (host.cpu.cores >= 2 and host.memory.total >= 4GiB) or host.cpu.cores == 1",
        ] {
            let o = run(cond).unwrap_or_else(|e| panic!("{cond}: {e}"));
            assert!(o.holds, "{cond}");
            assert_eq!(o.witnesses, ["host.cpu.cores"], "{cond}");
        }
        // Without a side that holds, the unseen fact decides nothing: unavailable.
        for cond in [
            "host.cpu.cores > 2 or host.memory.total < 4GiB",
            "host.cpu.cores < 2 and host.memory.total < 4GiB",
            "not (host.cpu.cores > 2 or host.memory.total < 4GiB)",
        ] {
            assert!(run(cond).is_err(), "{cond}");
        }
        let negated = run("not (host.cpu.cores < 2 or host.memory.total < 4GiB)").unwrap();
        assert!(!negated.holds);
    }

    #[test]
    fn contains_all_is_one_test_and_names_what_the_list_lacks() {
        let tables =
            |names: &[&str]| Value::List(names.iter().map(|n| Value::Str(n.to_string())).collect());
        let f = facts(&[("db.apim_db.tables", tables(&["AM_API", "AM_SUBSCRIBER"]))]);
        // 200 items are one test: no `and` counts against MAX_OPERATORS.
        let many: Vec<String> = (0..200).map(|i| format!("'T{i}'")).collect();
        let long = format!("db.apim_db.tables contains all [{}]", many.join(", "));
        assert!(!holds(&long, None, &f));
        assert!(holds(
            "db.apim_db.tables contains all ['AM_API', 'AM_SUBSCRIBER']",
            None,
            &f
        ));
        let c = compile(
            "db.apim_db.tables present and not (db.apim_db.tables contains all ['AM_API', 'AM_REVISION', 'AM_SUBSCRIBER', 'AM_KEY_MANAGER'])",
            None,
        )
        .unwrap();
        assert!(eval(c.expr(), &f).unwrap().holds);
        let mut out = Vec::new();
        lacking(c.expr(), &f, &mut out);
        assert_eq!(out, ["db.apim_db.tables: AM_REVISION, AM_KEY_MANAGER"]);
        // An unobserved fact lacks nothing that can be named (the rule errors on it instead).
        let mut out = Vec::new();
        lacking(c.expr(), &facts(&[]), &mut out);
        lacking(
            c.expr(),
            &facts(&[("db.apim_db.tables", Value::Null)]),
            &mut out,
        );
        assert!(out.is_empty());
        let e = compile("contains all ['a', 1]", Some("host.cpu.cores")).unwrap_err();
        assert!(
            e.message.contains("`contains` needs a list or string fact"),
            "{}",
            e.message
        );
    }

    #[test]
    fn deep_nesting_and_long_chains_are_errors_not_stack_overflows() {
        for (text, what) in [
            (
                format!("{}< 1{}", "(".repeat(20_000), ")".repeat(20_000)),
                "nested",
            ),
            (format!("{}< 1", "not ".repeat(20_000)), "nested"),
            (vec!["< 1"; 20_000].join(" and "), "`and`/`or`"),
        ] {
            let e = compile(&text, Some("host.cpu.cores")).unwrap_err();
            assert!(e.message.contains(what), "{}", e.message);
            assert!(e.span.start < text.len(), "points into the text");
        }
        let ok = format!("{}< 1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(compile(&ok, Some("host.cpu.cores")).is_ok());
    }

    #[test]
    fn type_errors_point_at_the_literal() {
        let e = compile("< 4GiB", Some("product.version")).unwrap_err();
        assert!(e.message.contains("type mismatch"), "{}", e.message);
        assert_eq!(e.span, 2..6);
        let e = compile("host.cpu.core < 2", None).unwrap_err();
        assert!(
            e.message.contains("did you mean `host.cpu.cores`"),
            "{}",
            e.message
        );
        let e = compile("matches '(['", Some("host.hostname")).unwrap_err();
        assert!(e.message.starts_with("bad regex"), "{}", e.message);
        let e = compile("== 'hunter2'", Some("deployment.super_admin.password")).unwrap_err();
        assert!(e.message.contains("known default"), "{}", e.message);
        assert!(compile("== 'admin'", Some("deployment.super_admin.password")).is_ok());
    }

    #[test]
    fn secrets_compare_with_known_defaults_only() {
        let f = facts(&[(
            "deployment.super_admin.password",
            Value::Secret(crate::value::Secret::redact("admin")),
        )]);
        assert!(holds(
            "== 'admin'",
            Some("deployment.super_admin.password"),
            &f
        ));
        assert!(!holds(
            "== 'wso2carbon'",
            Some("deployment.super_admin.password"),
            &f
        ));
    }

    #[test]
    fn intervals_find_unreachable_conditions() {
        let fail = compile("< 4GiB", Some("host.memory.total"))
            .unwrap()
            .expr()
            .interval()
            .unwrap()
            .1;
        let warn = compile("< 2GiB", Some("host.memory.total"))
            .unwrap()
            .expr()
            .interval()
            .unwrap()
            .1;
        assert!(warn.within(&fail));
        assert!(!fail.within(&warn));
        let never = compile("< 2 and > 5", Some("host.cpu.cores"))
            .unwrap()
            .expr()
            .interval()
            .unwrap()
            .1;
        assert!(never.is_empty());
    }

    #[test]
    fn expected_text_negates_simple_tests() {
        let c = compile("< 4GiB", Some("host.memory.total")).unwrap();
        assert_eq!(c.expr().negated_text(), ">= 4 GiB");
        let c = compile(
            "missing or == 'h2'",
            Some("deployment.database.apim_db.type"),
        )
        .unwrap();
        assert_eq!(c.expr().negated_text(), "not (missing or == 'h2')");
    }
}
