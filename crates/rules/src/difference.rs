//! Differences of two facts in rule data — `host.memory.total - jvm.heap.max` — so that a rule
//! computes what it judges from what probes observe, and a site can change the computation
//! without Rust. Usable wherever a fact name is: a rule's `fact` and a condition's subject.

use crate::catalogue::{self, FactType};
use crate::fact::{Fact, Observation};
use crate::value::Value;
use std::borrow::Cow;

/// The two facts of a difference name (`a - b`, with the spaces), or `None` for a plain name.
pub fn split(name: &str) -> Option<(&str, &str)> {
    let (a, b) = name.split_once(" - ")?;
    Some((a.trim(), b.trim()))
}

/// The facts a name reads: both sides of a difference, else the name itself.
pub fn parts(name: &str) -> Vec<&str> {
    split(name).map_or_else(|| vec![name], |(a, b)| vec![a, b])
}

/// The type of a difference name, or why it is not one that can be computed; `None` for a
/// plain name. Both sides must be catalogued facts of one numeric type.
pub fn fact_type(name: &str) -> Option<Result<FactType, String>> {
    let (a, b) = split(name)?;
    if b.contains(" - ") {
        return Some(Err(format!(
            "`{name}`: one `-` per difference (a rule may subtract one fact from another)"
        )));
    }
    let ty = |f: &str| {
        catalogue::fact_type(f).ok_or_else(|| {
            let hint = catalogue::did_you_mean(f);
            format!("unknown fact `{f}`{hint}")
        })
    };
    Some(match (ty(a), ty(b)) {
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(x), Ok(y))
            if x == y && matches!(x, FactType::Int | FactType::Bytes | FactType::Duration) =>
        {
            Ok(x)
        }
        (Ok(x), Ok(y)) => Err(format!(
            "`{a} - {b}` needs two facts of one type (integer, byte size or duration); `{a}` is a {}, `{b}` is a {}",
            x.name(),
            y.name()
        )),
    })
}

/// The fact of `name` from `fact`: a difference computed from its two sides, any other name
/// as `fact` gives it. A side that could not be observed makes the difference unobserved with
/// that side's reason and cause; a side that is not set makes it not set. Byte sizes and
/// durations stop at zero. Its location is the subtracted fact's (the configured quantity,
/// such as the -Xmx in the start script), else the other side's.
pub fn resolve<'f>(name: &str, fact: &dyn Fn(&str) -> Cow<'f, Fact>) -> Cow<'f, Fact> {
    let Some((a, b)) = split(name) else {
        return fact(name);
    };
    let (fa, fb) = (fact(a), fact(b));
    for side in [&fa, &fb] {
        if let Observation::Unavailable { .. } = side.observation {
            return Cow::Owned(side.as_ref().clone());
        }
    }
    let value = match (fa.get(), fb.get()) {
        (Ok(Value::Bytes(x)), Ok(Value::Bytes(y))) => Value::Bytes(x.saturating_sub(*y)),
        (Ok(Value::Duration(x)), Ok(Value::Duration(y))) => Value::Duration(x.saturating_sub(*y)),
        (Ok(Value::Int(x)), Ok(Value::Int(y))) => Value::Int(x.saturating_sub(*y)),
        _ => Value::Null,
    };
    let mut out = Fact::value(value).at(fb.location.clone().or_else(|| fa.location.clone()));
    out.duration_ms = fa.duration_ms.max(fb.duration_ms);
    Cow::Owned(out)
}

/// The side of a difference that could not be observed (for the `caused_by` of an error), or
/// the name itself.
pub fn unseen_part<'n, 'f>(name: &'n str, fact: &dyn Fn(&str) -> Cow<'f, Fact>) -> &'n str {
    parts(name)
        .into_iter()
        .find(|p| fact(p).get().is_err())
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, Fact)]) -> impl Fn(&str) -> Cow<'static, Fact> + use<> {
        let map: std::collections::HashMap<String, Fact> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |n| {
            Cow::Owned(
                map.get(n)
                    .cloned()
                    .unwrap_or_else(|| Fact::not_collected("no")),
            )
        }
    }

    #[test]
    fn a_difference_is_computed_from_its_two_facts() {
        let gib = 1u64 << 30;
        let heap_at = crate::fact::Location {
            file: "bin/api-manager.sh".into(),
            line: 300,
            column: 5,
        };
        let f = facts(&[
            ("host.memory.total", Fact::value(Value::Bytes(4 * gib))),
            (
                "jvm.heap.max",
                Fact::value(Value::Bytes(gib)).at(Some(heap_at.clone())),
            ),
        ]);
        let d = resolve("host.memory.total - jvm.heap.max", &f);
        assert_eq!(d.get(), Ok(&Value::Bytes(3 * gib)));
        assert_eq!(d.location, Some(heap_at));
        // A heap larger than the memory leaves nothing, not a negative size.
        let d = resolve("jvm.heap.max - host.memory.total", &f);
        assert_eq!(d.get(), Ok(&Value::Bytes(0)));
        assert_eq!(parts("a - b"), ["a", "b"]);
        assert_eq!(parts("host.memory.total"), ["host.memory.total"]);
    }

    #[test]
    fn a_side_unseen_or_not_set_is_the_difference_s_too() {
        let f = facts(&[
            ("host.memory.total", Fact::value(Value::Bytes(1 << 32))),
            ("jvm.heap.max", Fact::timed_out("no start script")),
            ("jvm.heap.min", Fact::value(Value::Null)),
        ]);
        let d = resolve("host.memory.total - jvm.heap.max", &f);
        assert_eq!(d.get(), Err("no start script"));
        assert_eq!(d.cause(), Some(crate::fact::Cause::TimedOut));
        assert_eq!(
            unseen_part("host.memory.total - jvm.heap.max", &f),
            "jvm.heap.max"
        );
        let d = resolve("host.memory.total - jvm.heap.min", &f);
        assert_eq!(d.get(), Ok(&Value::Null));
    }

    #[test]
    fn both_sides_must_be_known_facts_of_one_numeric_type() {
        assert_eq!(
            fact_type("host.memory.total - jvm.heap.max"),
            Some(Ok(FactType::Bytes))
        );
        assert_eq!(fact_type("host.memory.total"), None);
        let e = fact_type("host.memory.total - host.cpu.cores")
            .unwrap()
            .unwrap_err();
        assert!(e.contains("`host.cpu.cores` is a integer"), "{e}");
        let e = fact_type("host.memory.totl - jvm.heap.max")
            .unwrap()
            .unwrap_err();
        assert!(
            e.contains("unknown fact `host.memory.totl`; did you mean"),
            "{e}"
        );
    }
}
