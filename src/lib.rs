//! preflight: a go-live checker for WSO2 Carbon products. Facts → evaluation → report.

pub mod cli;
pub mod cmd;
pub mod diff;
pub mod eval;
mod explain;
pub mod facts;
pub mod fleet;
pub mod interrupt;
mod io;
mod progress;
pub mod report;
pub mod rules;
pub mod waivers;

use preflight_rules::par;
pub use preflight_rules::value;
