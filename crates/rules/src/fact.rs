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
    Unavailable { reason: String },
}

impl Fact {
    pub fn value(value: Value) -> Fact {
        Fact {
            observation: Observation::Value(value),
            location: None,
            duration_ms: 0,
        }
    }

    pub fn unavailable(reason: impl Into<String>) -> Fact {
        Fact {
            observation: Observation::Unavailable {
                reason: reason.into(),
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
            Observation::Unavailable { reason } => Err(reason),
        }
    }
}
