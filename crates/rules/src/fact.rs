//! One observed fact: a value, or why it could not be observed, and where it was read.

use crate::value::Value;
use serde::{Deserialize, Serialize};

/// Where in a file a fact came from. `line` and `column` are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One observed fact: a value, or the reason it could not be observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    #[serde(flatten)]
    pub observation: Observation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How long the probe that produced it took.
    #[serde(default)]
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    Value(Value),
    Unavailable {
        reason: String,
        /// Why, as a type: evaluation decides `skip` or `error` by it, never by `reason`'s text.
        /// Facts files written before it existed load as `failed`.
        #[serde(default)]
        cause: Cause,
    },
}

/// The reason a probe gives for a fact it did not look at under `--offline` (cause `offline`).
pub const OFFLINE_REASON: &str = "skipped: --offline";

/// Why a fact could not be observed. Only `offline` and `not_applicable` let a rule that reads
/// the fact be `skip`; every other cause makes it `error` (fail closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Not looked at because the run is `--offline` (the probe would use the network).
    Offline,
    /// The question does not arise here (e.g. a setting of a component this node does not run).
    NotApplicable,
    /// Looked, and could not see: unreadable, unparseable, a probe that failed.
    #[default]
    Failed,
    /// The probe did not answer within the deadline.
    TimedOut,
    /// No probe reported it (unknown fact, a facts file without it).
    NotCollected,
}

impl Cause {
    /// Whether a rule that needs a fact missing for this cause does not apply (`skip`) rather
    /// than could not be checked (`error`).
    pub fn skips(self) -> bool {
        matches!(self, Cause::Offline | Cause::NotApplicable)
    }
}

/// A fact that could not be observed: its name-qualified reason and its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unseen {
    pub cause: Cause,
    pub reason: String,
    /// The fact that could not be observed.
    pub fact: String,
}

impl std::fmt::Display for Unseen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl Fact {
    pub fn value(value: Value) -> Fact {
        Fact {
            observation: Observation::Value(value),
            location: None,
            duration_ms: 0,
        }
    }

    /// A fact the probe looked for and could not see (cause `failed`): rules reading it `error`.
    pub fn unavailable(reason: impl Into<String>) -> Fact {
        Fact::unseen(Cause::Failed, reason)
    }

    /// A fact not looked at because the run is `--offline`: rules reading it `skip`.
    pub fn offline(reason: impl Into<String>) -> Fact {
        Fact::unseen(Cause::Offline, reason)
    }

    /// A fact whose question does not arise on this node: rules reading it `skip`.
    pub fn not_applicable(reason: impl Into<String>) -> Fact {
        Fact::unseen(Cause::NotApplicable, reason)
    }

    /// A fact whose probe did not answer within the deadline: rules reading it `error`.
    pub fn timed_out(reason: impl Into<String>) -> Fact {
        Fact::unseen(Cause::TimedOut, reason)
    }

    /// A fact no probe reported: rules reading it `error`.
    pub fn not_collected(reason: impl Into<String>) -> Fact {
        Fact::unseen(Cause::NotCollected, reason)
    }

    /// A fact that could not be observed, for `cause`, with the reason shown to the user.
    pub fn unseen(cause: Cause, reason: impl Into<String>) -> Fact {
        Fact {
            observation: Observation::Unavailable {
                reason: reason.into(),
                cause,
            },
            location: None,
            duration_ms: 0,
        }
    }

    pub fn at(mut self, location: Option<Location>) -> Fact {
        self.location = location;
        self
    }

    pub fn get(&self) -> Result<&Value, &str> {
        match &self.observation {
            Observation::Value(v) => Ok(v),
            Observation::Unavailable { reason, .. } => Err(reason),
        }
    }

    /// Why the fact is missing, as a type; `None` when it has a value.
    pub fn cause(&self) -> Option<Cause> {
        match &self.observation {
            Observation::Value(_) => None,
            Observation::Unavailable { cause, .. } => Some(*cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_travels_in_the_facts_json() {
        let json = serde_json::to_value(Fact::offline("skipped: --offline")).unwrap();
        assert_eq!(json["unavailable"]["cause"], "offline");
        let back: Fact = serde_json::from_value(json).unwrap();
        assert_eq!(back.cause(), Some(Cause::Offline));
    }

    #[test]
    fn a_facts_file_written_before_causes_loads_as_failed() {
        let old = r#"{"unavailable": {"reason": "skipped: --offline"}, "duration_ms": 3}"#;
        let f: Fact = serde_json::from_str(old).unwrap();
        // The old text is kept for the user, but no longer decides anything.
        assert_eq!(f.get(), Err("skipped: --offline"));
        assert_eq!(f.cause(), Some(Cause::Failed));
    }
}
