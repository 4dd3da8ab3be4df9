//! The condition language: compiling and evaluating any text never panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;
use preflight::facts::Fact;
use preflight::rules::cond;
use preflight::value::{Value, Version};

fuzz_target!(|text: &str| {
    for subject in ["host.memory.total", "product.version", "deployment.server.hostname", "host.cpu.cores"] {
        if let Ok(c) = cond::compile(text, Some(subject)) {
            let fact = |name: &str| {
                Cow::Owned(match name {
                    "host.memory.total" => Fact::value(Value::Bytes(4 << 30)),
                    "product.version" => Fact::value(Value::Version(Version::parse("4.2.0").unwrap())),
                    "host.cpu.cores" => Fact::value(Value::Int(2)),
                    _ => Fact::value(Value::Str("localhost".into())),
                })
            };
            let _ = cond::eval(&c.expr, &fact);
            let _ = c.expr.negated_text();
            let _ = c.expr.interval().map(|(_, i)| i.is_empty());
        }
    }
    let _ = Version::parse(text);
    let _ = preflight::value::parse_bytes(text);
    let _ = preflight::value::parse_duration(text);
});
