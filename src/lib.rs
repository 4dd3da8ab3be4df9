//! preflight: a go-live checker for WSO2 Carbon products. Facts → evaluation → report.

pub mod cli;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod facts;
pub mod fleet;
pub mod interrupt;
pub mod progress;
pub mod report;
pub mod rules;
pub mod run;
pub mod waivers;

pub use preflight_rules::{par, value};
