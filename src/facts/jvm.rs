//! JVM probe: the options the product's start script will launch the JVM with (script flags,
//! JVM_MEM_OPTS default, JAVA_OPTS / JVM_MEM_OPTS from the environment and the systemd unit).
//!
//! Flags are kept in command-line order and, like the JVM, the last `-Xmx` or `-Dname` wins.
//! The scripts put `$JAVA_OPTS` before their own `-D` flags, so a `-D` in JAVA_OPTS does not
//! override one the script sets (e.g. `-Dhttpclient.hostnameVerifier=AllowAll`).

use super::{Context, Fact, Location};
use crate::io::read_capped;
use crate::value::{Secret, Value, parse_bytes};
use std::collections::BTreeMap;
use std::path::Path;

/// Start scripts are a few dozen KiB.
const MAX_SCRIPT_BYTES: u64 = 1 << 20;
/// Start scripts in the order they are tried: 4.x all-in-one, 3.2, then 4.5+ split distributions.
const SCRIPTS: &[&str] = &[
    "bin/api-manager.sh",
    "bin/wso2server.sh",
    "bin/gateway.sh",
    "bin/traffic-manager.sh",
    "bin/api-cp.sh",
    "bin/key-manager.sh",
];

/// One JVM option and where it was written (None for the process environment).
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub text: String,
    pub location: Option<Location>,
}

/// What the java command line of a start script holds, in order.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Flag(Flag),
    /// `$JAVA_OPTS` or `$JVM_MEM_OPTS`, expanded later.
    Var(String),
}

#[derive(Debug, Clone, Default)]
pub struct Script {
    rel: String,
    /// The `JVM_MEM_OPTS="-Xms256m -Xmx1024m"` default used when the variable is unset.
    mem_default: Vec<Flag>,
    command: Vec<Item>,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let flags = effective_flags(ctx);
    names.iter().map(|n| (n.clone(), fact(&flags, n))).collect()
}

/// The start script's relative path and its effective flags, or why they cannot be known.
pub(super) fn effective_flags(ctx: &Context) -> Result<(String, Vec<Flag>), String> {
    let home = ctx.home().ok_or("no PRODUCT_HOME given")?;
    let rel = find_script(home, ctx.product())?;
    let path = home.join(&rel);
    let text =
        read_capped(&path, MAX_SCRIPT_BYTES).map_err(|e| super::under_home(&e, home, &path))?;
    let script = parse_script(&text, &rel);
    let mut overrides = BTreeMap::new();
    for var in ["JVM_MEM_OPTS", "JAVA_OPTS"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            overrides.insert(var.to_string(), (v.to_string_lossy().into_owned(), None));
        }
    }
    if let Ok(Some(unit)) = ctx.systemd_unit() {
        for (k, v, loc) in unit.environment() {
            if k == "JAVA_OPTS" || k == "JVM_MEM_OPTS" {
                overrides.insert(k, (v, Some(loc)));
            }
        }
    }
    // What the script sources is set while it runs: after the environment it starts with.
    for (k, v, loc) in super::script_source::sourced_settings(&text, &rel, home)? {
        let before = overrides
            .get(&k)
            .map(|(v, _)| v.clone())
            .unwrap_or_default();
        let v = v
            .replace(&format!("${{{k}}}"), &before)
            .replace(&format!("${k}"), &before);
        overrides.insert(k, (v, Some(loc)));
    }
    Ok((script.rel.clone(), script.effective(&overrides)))
}

/// The start script of this distribution: its own first, then the first of SCRIPTS that exists.
fn find_script(home: &Path, product: &crate::facts::product::Detected) -> Result<String, String> {
    let own = match &product.distribution {
        Some((d, _)) if d == "acp" => Some("bin/api-cp.sh"),
        Some((d, _)) if d == "universal-gw" => Some("bin/gateway.sh"),
        Some((d, _)) if d == "tm" => Some("bin/traffic-manager.sh"),
        _ => None,
    };
    own.into_iter()
        .chain(SCRIPTS.iter().copied())
        .find(|s| home.join(s).is_file())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "no start script in PRODUCT_HOME (looked for {})",
                SCRIPTS.join(", ")
            )
        })
}

fn fact(flags: &Result<(String, Vec<Flag>), String>, name: &str) -> Fact {
    let (rel, flags) = match flags {
        Ok(f) => f,
        Err(e) if name == "jvm.script" && e.starts_with("no start script") => {
            return Fact::value(Value::Null);
        }
        Err(e) => return Fact::unavailable(e.clone()),
    };
    match name {
        "jvm.script" => Fact::value(Value::Str(rel.clone())),
        "jvm.flags" => Fact::value(Value::List(
            flags.iter().map(|f| Value::Str(shown(&f.text))).collect(),
        )),
        "jvm.heap.max" => heap(flags, &["-Xmx", "-XX:MaxHeapSize="]),
        "jvm.heap.min" => heap(flags, &["-Xms", "-XX:InitialHeapSize="]),
        n if n.starts_with("jvm.sysprops.") => sysprop(flags, &n["jvm.sysprops.".len()..]),
        other => Fact::unavailable(format!("the jvm probe does not know `{other}`")),
    }
}

/// The last heap flag with one of `prefixes`, in bytes; not set when the JVM default applies.
fn heap(flags: &[Flag], prefixes: &[&str]) -> Fact {
    let found = flags.iter().rev().find_map(|f| {
        prefixes
            .iter()
            .find_map(|p| f.text.strip_prefix(p))
            .map(|v| (v, f))
    });
    match found {
        None => Fact::value(Value::Null),
        Some((v, f)) => match parse_bytes(v) {
            Some(b) => Fact::value(Value::Bytes(b)).at(f.location.clone()),
            None => Fact::unavailable(format!("`{}` is not a heap size", f.text)),
        },
    }
}

/// The last `-Dname=value`; a secret-looking name yields a redacted secret.
fn sysprop(flags: &[Flag], name: &str) -> Fact {
    let found = flags.iter().rev().find_map(|f| {
        let rest = f.text.strip_prefix("-D")?.strip_prefix(name)?;
        match rest.strip_prefix('=') {
            Some(v) => Some((v, f)),
            None if rest.is_empty() => Some(("", f)),
            None => None,
        }
    });
    match found {
        None => Fact::value(Value::Null),
        Some((v, f)) if is_secret(name) => {
            Fact::value(Value::Secret(Secret::redact(v))).at(f.location.clone())
        }
        Some((v, f)) => {
            let v = preflight_rules::redact::inline(v);
            Fact::value(Value::Str(v)).at(f.location.clone())
        }
    }
}

pub use preflight_rules::redact::is_secret_sysprop as is_secret;

/// A flag as it may be shown: secret property values replaced by `<redacted>`.
fn shown(flag: &str) -> String {
    if let Some((name, _)) = flag.strip_prefix("-D").and_then(|r| r.split_once('='))
        && is_secret(name)
    {
        return format!("-D{name}=<redacted>");
    }
    preflight_rules::redact::inline(flag)
}

impl Script {
    /// The flags the JVM receives, in order: `$JVM_MEM_OPTS` and `$JAVA_OPTS` expanded from
    /// `overrides` (the environment, then the systemd unit), else JVM_MEM_OPTS's default.
    pub fn effective(&self, overrides: &BTreeMap<String, (String, Option<Location>)>) -> Vec<Flag> {
        let mut out = Vec::new();
        for item in &self.command {
            match item {
                Item::Flag(f) => out.push(f.clone()),
                Item::Var(v) => match overrides.get(v) {
                    Some((value, loc)) => out.extend(value.split_whitespace().map(|t| Flag {
                        text: t.to_string(),
                        location: loc.clone(),
                    })),
                    None if v == "JVM_MEM_OPTS" => out.extend(self.mem_default.iter().cloned()),
                    None => {}
                },
            }
        }
        out.retain(|f| is_jvm_flag(&f.text));
        out
    }
}

fn is_jvm_flag(t: &str) -> bool {
    t.starts_with("-D") || t.starts_with("-X")
}

/// Reads the JVM_MEM_OPTS default and the java command lines (continuations joined) of a script.
pub fn parse_script(text: &str, rel: &str) -> Script {
    let mut script = Script {
        rel: rel.to_string(),
        ..Script::default()
    };
    let mut in_command = false;
    for (idx, raw) in text.lines().enumerate() {
        let line = idx as u32 + 1;
        let body = raw.trim_end();
        let continued = body.ends_with('\\');
        let body = body.strip_suffix('\\').unwrap_or(body);
        let trimmed = body.trim_start();
        if !in_command && script.mem_default.is_empty() {
            script.mem_default = mem_default(body, rel, line);
        }
        let starts = !in_command && starts_java_command(trimmed);
        if in_command || starts {
            for (col, word) in words(body) {
                script.command.push(item(word, rel, line, col));
            }
            in_command = continued;
        }
    }
    script
}

fn starts_java_command(trimmed: &str) -> bool {
    let t = trimmed
        .strip_prefix("exec ")
        .unwrap_or(trimmed)
        .trim_start();
    [
        "$JAVACMD ",
        "\"$JAVACMD\" ",
        "${JAVACMD} ",
        "\"${JAVACMD}\" ",
    ]
    .iter()
    .any(|p| t.starts_with(p) || t == p.trim_end())
}

fn item(word: String, rel: &str, line: u32, column: u32) -> Item {
    let bare = word
        .trim_start_matches('$')
        .trim_start_matches('{')
        .trim_end_matches('}');
    if word.starts_with('$') && (bare == "JAVA_OPTS" || bare == "JVM_MEM_OPTS") {
        return Item::Var(bare.to_string());
    }
    Item::Flag(Flag {
        text: word,
        location: Some(Location {
            file: rel.to_string(),
            line,
            column,
        }),
    })
}

/// `JVM_MEM_OPTS="-Xms256m -Xmx1024m"` (not the line that appends to it), flag by flag.
fn mem_default(body: &str, rel: &str, line: u32) -> Vec<Flag> {
    let trimmed = body.trim_start();
    let Some(value) = trimmed.strip_prefix("JVM_MEM_OPTS=") else {
        return Vec::new();
    };
    if value.contains("$JVM_MEM_OPTS") {
        return Vec::new();
    }
    let before = body[..body.len() - value.len()].chars().count() as u32;
    let (skip, inner) = match value.chars().next() {
        Some(q @ ('"' | '\'')) => (1, value[1..].split(q).next().unwrap_or("")),
        _ => (0, value.split('#').next().unwrap_or("")),
    };
    let mut out = Vec::new();
    let mut col = before + skip + 1;
    for piece in inner.split(' ') {
        if !piece.trim().is_empty() {
            out.push(Flag {
                text: piece.trim().to_string(),
                location: Some(Location {
                    file: rel.to_string(),
                    line,
                    column: col,
                }),
            });
        }
        col += piece.chars().count() as u32 + 1;
    }
    out
}

/// Shell-like words of a line with their 1-based columns; quotes removed, `#` comments ignored.
fn words(line: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(u32, String)> = None;
    let mut quote: Option<char> = None;
    for (col, c) in line.chars().enumerate() {
        let col = col as u32 + 1;
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.get_or_insert((col, String::new()));
            }
            (None, '#') if cur.is_none() => break,
            (None, c) if c.is_whitespace() => out.extend(cur.take()),
            (_, c) => cur.get_or_insert((col, String::new())).1.push(c),
        }
    }
    out.extend(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Option<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/fixtures/wso2/wso2-product-apim")
            .join(rel);
        match read_capped(&path, MAX_SCRIPT_BYTES) {
            Ok(t) => Some(t),
            Err(e) => {
                crate::test_support::missing_input(&format!("WSO2 fixture not available ({e})"));
                None
            }
        }
    }

    fn facts_of(script: &Script, env: &[(&str, &str)]) -> Result<(String, Vec<Flag>), String> {
        let overrides = env
            .iter()
            .map(|(k, v)| (k.to_string(), (v.to_string(), None)))
            .collect();
        Ok((script.rel.clone(), script.effective(&overrides)))
    }

    #[test]
    fn apim_420_defaults() {
        let Some(text) =
            fixture("v4.2.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh")
        else {
            return;
        };
        let script = parse_script(&text, "bin/api-manager.sh");
        let flags = facts_of(&script, &[]);
        let max = fact(&flags, "jvm.heap.max");
        assert_eq!(max.get(), Ok(&Value::Bytes(1 << 30)));
        let loc = max.location.unwrap();
        assert_eq!((loc.file.as_str(), loc.line), ("bin/api-manager.sh", 300));
        assert_eq!(
            &text.lines().nth(299).unwrap()[loc.column as usize - 1..],
            "-Xmx1024m\""
        );
        assert_eq!(
            fact(&flags, "jvm.heap.min").get(),
            Ok(&Value::Bytes(256 << 20))
        );
        let hv = fact(&flags, "jvm.sysprops.httpclient.hostnameVerifier");
        assert_eq!(hv.get(), Ok(&Value::Str("AllowAll".into())));
        let loc = hv.location.unwrap();
        assert_eq!((loc.line, loc.column), (350, 5));
        let conf = fact(&flags, "jvm.sysprops.conf.location");
        assert_eq!(
            conf.get(),
            Ok(&Value::Str("$CARBON_HOME/repository/conf".into()))
        );
        assert_eq!(
            fact(&flags, "jvm.sysprops.jdk.tls.ephemeralDHKeySize").get(),
            Ok(&Value::Null)
        );
        let Ok(Value::List(all)) = fact(&flags, "jvm.flags").get().cloned() else {
            panic!("flags");
        };
        assert!(all.contains(&Value::Str("-XX:+HeapDumpOnOutOfMemoryError".into())));
        assert!(
            all.iter()
                .all(|f| f.to_string().starts_with("-D") || f.to_string().starts_with("-X"))
        );
    }

    #[test]
    fn every_shipped_script_has_the_default_heap() {
        for rel in [
            "v3.2.0/modules/distribution/product/src/main/startup-scripts/wso2server.sh",
            "v4.4.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "v4.7.0/gateway/modules/distribution/product/src/main/startup-scripts/gateway.sh",
            "v4.7.0/traffic-manager/modules/distribution/product/src/main/startup-scripts/traffic-manager.sh",
            "v4.7.0/api-control-plane/modules/distribution/product/src/main/startup-scripts/api-cp.sh",
            "v4.7.0/all-in-one-apim/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
        ] {
            let Some(text) = fixture(rel) else { return };
            let flags = facts_of(&parse_script(&text, "bin/x.sh"), &[]);
            assert_eq!(
                fact(&flags, "jvm.heap.max").get(),
                Ok(&Value::Bytes(1 << 30)),
                "{rel}"
            );
            assert_eq!(
                fact(&flags, "jvm.sysprops.httpclient.hostnameVerifier").get(),
                Ok(&Value::Str("AllowAll".into())),
                "{rel}"
            );
        }
    }

    const SMALL: &str = r#"#!/bin/sh
if [ -z "$JVM_MEM_OPTS" ]; then
   JVM_MEM_OPTS="-Xms512m -Xmx2g"
   JVM_MEM_OPTS="$JVM_MEM_OPTS -XX:MaxPermSize=256m"
fi
java_version=$("$JAVACMD" -version 2>&1)
    $JAVACMD \
    $JVM_MEM_OPTS \
    $JAVA_OPTS \
    -Dhttpclient.hostnameVerifier=AllowAll \
    -Djavax.net.ssl.keyStorePassword=hunter2 \
    -Djdbc.url="jdbc:mysql://u:pw@db/x"\
    org.wso2.Main $*
echo -Dnot.a.flag=1
"#;

    #[test]
    fn environment_overrides_defaults_but_not_later_script_flags() {
        let script = parse_script(SMALL, "bin/api-manager.sh");
        let flags = facts_of(&script, &[]);
        assert_eq!(
            fact(&flags, "jvm.heap.max").get(),
            Ok(&Value::Bytes(2 << 30))
        );
        assert_eq!(fact(&flags, "jvm.heap.max").location.unwrap().line, 3);
        assert_eq!(
            fact(&flags, "jvm.sysprops.not.a.flag").get(),
            Ok(&Value::Null)
        );
        let env = [
            ("JVM_MEM_OPTS", "-Xms1g -Xmx4g"),
            (
                "JAVA_OPTS",
                "-Xmx6g -Dhttpclient.hostnameVerifier=Strict -Dfoo",
            ),
        ];
        let flags = facts_of(&script, &env);
        let max = fact(&flags, "jvm.heap.max");
        assert_eq!(max.get(), Ok(&Value::Bytes(6 << 30)));
        assert_eq!(max.location, None);
        assert_eq!(
            fact(&flags, "jvm.heap.min").get(),
            Ok(&Value::Bytes(1 << 30))
        );
        // The script's own -D comes after $JAVA_OPTS, so the JVM keeps AllowAll.
        assert_eq!(
            fact(&flags, "jvm.sysprops.httpclient.hostnameVerifier").get(),
            Ok(&Value::Str("AllowAll".into()))
        );
        assert_eq!(
            fact(&flags, "jvm.sysprops.foo").get(),
            Ok(&Value::Str("".into()))
        );
    }

    #[test]
    fn secrets_never_reach_a_fact() {
        let script = parse_script(SMALL, "bin/api-manager.sh");
        let flags = facts_of(&script, &[]);
        let pw = fact(&flags, "jvm.sysprops.javax.net.ssl.keyStorePassword");
        assert!(matches!(pw.get(), Ok(Value::Secret(_))));
        let url = fact(&flags, "jvm.sysprops.jdbc.url");
        assert_eq!(
            url.get(),
            Ok(&Value::Str("jdbc:mysql://u:<redacted>@db/x".into()))
        );
        let all = fact(&flags, "jvm.flags").get().unwrap().to_string();
        assert!(!all.contains("hunter2") && !all.contains(":pw@"), "{all}");
        assert!(all.contains("keyStorePassword=<redacted>"), "{all}");
    }

    #[test]
    fn probe_finds_the_script_of_the_distribution() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join("bin")).unwrap();
        std::fs::create_dir_all(home.path().join("updates")).unwrap();
        std::fs::write(
            home.path().join("updates/product.txt"),
            "wso2am-universal-gw-4.7.0\n",
        )
        .unwrap();
        std::fs::write(home.path().join("bin/api-manager.sh"), "").unwrap();
        std::fs::write(home.path().join("bin/gateway.sh"), SMALL).unwrap();
        let ctx = Context::new(Some(home.path().to_path_buf()), true, None);
        let names = ["jvm.script".to_string(), "jvm.heap.max".to_string()];
        let facts = probe(&ctx, &names);
        assert_eq!(facts[0].1.get(), Ok(&Value::Str("bin/gateway.sh".into())));
        if std::env::var_os("JVM_MEM_OPTS").is_none() && std::env::var_os("JAVA_OPTS").is_none() {
            assert_eq!(facts[1].1.get(), Ok(&Value::Bytes(2 << 30)));
        }
        let empty = tempfile::tempdir().unwrap();
        let ctx = Context::new(Some(empty.path().to_path_buf()), true, None);
        let facts = probe(&ctx, &names);
        assert_eq!(facts[0].1.get(), Ok(&Value::Null));
        assert!(facts[1].1.get().unwrap_err().contains("no start script"));
    }
}
