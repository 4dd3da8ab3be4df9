//! preflight: a go-live checker for WSO2 Carbon products. Facts → evaluation → report.

pub mod facts;
pub mod value;
